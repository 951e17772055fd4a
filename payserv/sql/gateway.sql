-- name: gateway_insert_order
-- $1 id, $2 merchant_id, $3 amount, $4 currency, $5 receipt, $6 notes.
INSERT INTO gateway_orders (id, merchant_id, amount, currency, receipt, notes)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, merchant_id, amount, currency, receipt, notes, status, created_at, updated_at;

-- name: gateway_order_by_id
-- $1 order id, $2 merchant_id (someone else's order is not found).
SELECT id, merchant_id, amount, currency, receipt, notes, status, created_at, updated_at
FROM gateway_orders WHERE id = $1 AND merchant_id = $2;

-- name: gateway_lock_order
-- $1 order id, $2 merchant_id. The order row lock serializes payment creation and
-- settlement: it is what makes "at most one successful payment per order" hold.
SELECT id, merchant_id, amount, currency, receipt, notes, status, created_at, updated_at
FROM gateway_orders WHERE id = $1 AND merchant_id = $2
FOR UPDATE;

-- name: gateway_set_order_status
-- $1 order id, $2 new status.
UPDATE gateway_orders SET status = $2, updated_at = now() WHERE id = $1;

-- name: gateway_list_orders
-- $1 merchant_id, $2 limit, $3 offset. Newest first, ties in reverse insertion order.
SELECT id, merchant_id, amount, currency, receipt, notes, status, created_at, updated_at
FROM gateway_orders WHERE merchant_id = $1
ORDER BY created_at DESC, seq DESC
LIMIT $2 OFFSET $3;

-- name: gateway_count_orders
-- $1 merchant_id.
SELECT count(*) FROM gateway_orders WHERE merchant_id = $1;

-- name: gateway_insert_payment
-- $1 id, $2 merchant_id, $3 order_id, $4 amount, $5 currency, $6 method, $7 vpa,
-- $8 card_network, $9 card_last4, $10 forced_outcome.
INSERT INTO gateway_payments
    (id, merchant_id, order_id, amount, currency, method, vpa, card_network, card_last4,
     forced_outcome)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id, merchant_id, order_id, amount, currency, method, vpa, card_network, card_last4,
          status, forced_outcome, captured, error_code, error_description, created_at, updated_at;

-- name: gateway_payment_by_id
-- $1 payment id, $2 merchant_id (someone else's payment is not found).
SELECT id, merchant_id, order_id, amount, currency, method, vpa, card_network, card_last4,
       status, forced_outcome, captured, error_code, error_description, created_at, updated_at
FROM gateway_payments WHERE id = $1 AND merchant_id = $2;

-- name: gateway_payment_for_job
-- $1 payment id. Jobs are not scoped to a merchant: they act on the row they were given.
SELECT id, merchant_id, order_id, amount, currency, method, vpa, card_network, card_last4,
       status, forced_outcome, captured, error_code, error_description, created_at, updated_at
FROM gateway_payments WHERE id = $1;

-- name: gateway_lock_payment
-- $1 payment id, $2 merchant_id. The payment row lock serializes refunds and captures
-- of one payment, so that concurrent refunds can never exceed it.
SELECT id, merchant_id, order_id, amount, currency, method, vpa, card_network, card_last4,
       status, forced_outcome, captured, error_code, error_description, created_at, updated_at
FROM gateway_payments WHERE id = $1 AND merchant_id = $2
FOR UPDATE;

-- name: gateway_lock_payment_for_job
-- $1 payment id. Taken after the order's lock, in that order everywhere.
SELECT id, merchant_id, order_id, amount, currency, method, vpa, card_network, card_last4,
       status, forced_outcome, captured, error_code, error_description, created_at, updated_at
FROM gateway_payments WHERE id = $1
FOR UPDATE;

-- name: gateway_settle_payment
-- $1 payment id, $2 status, $3 error_code, $4 error_description. Only a pending payment
-- settles: a second run of the job changes nothing.
UPDATE gateway_payments
SET status = $2, error_code = $3, error_description = $4, updated_at = now()
WHERE id = $1 AND status = 'pending'
RETURNING id, merchant_id, order_id, amount, currency, method, vpa, card_network, card_last4,
          status, forced_outcome, captured, error_code, error_description, created_at, updated_at;

-- name: gateway_capture_payment
-- $1 payment id.
UPDATE gateway_payments SET captured = true, updated_at = now()
WHERE id = $1
RETURNING id, merchant_id, order_id, amount, currency, method, vpa, card_network, card_last4,
          status, forced_outcome, captured, error_code, error_description, created_at, updated_at;

-- name: gateway_list_payments
-- $1 merchant_id, $2 limit, $3 offset. Newest first, ties in reverse insertion order.
SELECT id, merchant_id, order_id, amount, currency, method, vpa, card_network, card_last4,
       status, forced_outcome, captured, error_code, error_description, created_at, updated_at
FROM gateway_payments WHERE merchant_id = $1
ORDER BY created_at DESC, seq DESC
LIMIT $2 OFFSET $3;

-- name: gateway_count_payments
-- $1 merchant_id.
SELECT count(*) FROM gateway_payments WHERE merchant_id = $1;

-- name: gateway_refunded_amount
-- $1 payment id. What is already promised back: pending and processed refunds.
SELECT coalesce(sum(amount), 0)::bigint FROM gateway_refunds
WHERE payment_id = $1 AND status IN ('pending', 'processed');

-- name: gateway_insert_refund
-- $1 id, $2 merchant_id, $3 payment_id, $4 amount, $5 reason.
INSERT INTO gateway_refunds (id, merchant_id, payment_id, amount, reason)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, merchant_id, payment_id, amount, reason, status, created_at, processed_at;

-- name: gateway_refund_by_id
-- $1 refund id, $2 merchant_id (someone else's refund is not found).
SELECT id, merchant_id, payment_id, amount, reason, status, created_at, processed_at
FROM gateway_refunds WHERE id = $1 AND merchant_id = $2;

-- name: gateway_process_refund
-- $1 refund id. Only a pending refund is processed: a second run changes nothing.
UPDATE gateway_refunds SET status = 'processed', processed_at = now()
WHERE id = $1 AND status = 'pending'
RETURNING id, merchant_id, payment_id, amount, reason, status, created_at, processed_at;

-- name: gateway_list_refunds
-- $1 payment id, $2 merchant_id, $3 limit, $4 offset. Newest first.
SELECT id, merchant_id, payment_id, amount, reason, status, created_at, processed_at
FROM gateway_refunds WHERE payment_id = $1 AND merchant_id = $2
ORDER BY created_at DESC, seq DESC
LIMIT $3 OFFSET $4;

-- name: gateway_count_refunds
-- $1 payment id, $2 merchant_id.
SELECT count(*) FROM gateway_refunds WHERE payment_id = $1 AND merchant_id = $2;

-- name: gateway_reserve_idempotency_key
-- $1 merchant_id, $2 key, $3 request_hash, $4 ttl in seconds. Returns a row when this
-- transaction now owns the key. If another open transaction inserted the same key, this
-- INSERT waits on the unique index until that one commits (then: conflict, no row, the
-- caller replays) or rolls back (then: the row is ours). An expired key is taken over.
INSERT INTO gateway_idempotency_keys (merchant_id, key, request_hash, expires_at)
VALUES ($1, $2, $3, now() + make_interval(secs => $4))
ON CONFLICT (merchant_id, key) DO UPDATE
SET request_hash = EXCLUDED.request_hash, expires_at = EXCLUDED.expires_at,
    response_status = NULL, response_body = NULL, created_at = now()
WHERE gateway_idempotency_keys.expires_at <= now()
RETURNING merchant_id;

-- name: gateway_idempotency_key
-- $1 merchant_id, $2 key. The stored outcome of a committed request with this key.
SELECT request_hash, response_status, response_body
FROM gateway_idempotency_keys WHERE merchant_id = $1 AND key = $2;

-- name: gateway_store_idempotent_response
-- $1 merchant_id, $2 key, $3 response_status, $4 response_body.
UPDATE gateway_idempotency_keys SET response_status = $3, response_body = $4
WHERE merchant_id = $1 AND key = $2;

-- name: gateway_delete_expired_idempotency_keys
-- No parameters. Returns how many were deleted.
WITH deleted AS (
    DELETE FROM gateway_idempotency_keys WHERE expires_at <= now() RETURNING 1
)
SELECT count(*) FROM deleted;

-- name: gateway_payment_method
-- $1 payment id. What the simulated processor needs before the settling transaction.
SELECT method FROM gateway_payments WHERE id = $1;
