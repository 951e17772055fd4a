-- name: polling_insert_payment
-- $1 id, $2 user_id, $3 amount.
INSERT INTO user_payments (id, user_id, amount) VALUES ($1, $2, $3)
RETURNING id, user_id, amount, payment_status, status_checks, last_check_error,
          created_at, updated_at, processed_at;

-- name: polling_user_payment
-- $1 payment id, $2 user_id (someone else's payment is not found).
SELECT id, user_id, amount, payment_status, status_checks, last_check_error,
       created_at, updated_at, processed_at
FROM user_payments WHERE id = $1 AND user_id = $2;

-- name: polling_user_payments
-- $1 user_id, $2 limit, $3 offset, $4 $5 the cursor's (created_at, seq) or NULL
-- (payserv/listing.py). Newest first, ties in reverse insertion order.
SELECT id, user_id, amount, payment_status, status_checks, last_check_error,
       created_at, updated_at, processed_at
FROM user_payments
WHERE user_id = $1 AND (created_at, seq) < (coalesce($4::timestamptz, 'infinity'), coalesce($5::bigint, 9223372036854775807))
ORDER BY created_at DESC, seq DESC
LIMIT $2 OFFSET $3;

-- name: polling_user_payment_cursor
-- $1 user_id, $2 id: the list position of that object, if the caller can see it.
SELECT created_at, seq FROM user_payments WHERE user_id = $1 AND id = $2;

-- name: polling_payment_status
-- $1 payment id: its status and how many status calls were recorded (the retry index).
SELECT payment_status, status_checks FROM user_payments WHERE id = $1;

-- name: polling_settle
-- Settle a still-pending payment after a status call; $1 id, $2 final status.
-- The pending guard makes a second run of the job (after a crash) change nothing.
UPDATE user_payments
SET payment_status = $2, status_checks = status_checks + 1, last_check_error = NULL,
    processed_at = now(), updated_at = now()
WHERE id = $1 AND payment_status = 'pending';

-- name: polling_record_check_error
-- Count a status call that did not settle the payment; $1 id, $2 error.
UPDATE user_payments
SET status_checks = status_checks + 1, last_check_error = $2, updated_at = now()
WHERE id = $1 AND payment_status = 'pending';
