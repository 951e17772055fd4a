-- name: bank_credit_operation
-- Record operation $1 (uuid) of $2 (amount) from $3 (payer_inn), $4 document_number,
-- $5 document_date, and credit it. One row (balance_after) if new, none if a duplicate.
-- A concurrent delivery of the same operation blocks on the primary key until the first
-- commits, then ON CONFLICT DO NOTHING: the credit and log CTEs see no new row.
-- The balance upsert takes the organization's row lock, so concurrent credits serialize
-- and each RETURNING sees the balance right after its own credit.
WITH new_operation AS (
    INSERT INTO bank_operations (operation_id, amount, payer_inn, document_number, document_date)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (operation_id) DO NOTHING
    RETURNING operation_id, amount, payer_inn
), credited AS (
    INSERT INTO bank_organizations (inn, balance)
    SELECT payer_inn, amount FROM new_operation
    ON CONFLICT (inn) DO UPDATE
        SET balance = bank_organizations.balance + excluded.balance, updated_at = now()
    RETURNING inn, balance
)
INSERT INTO bank_balance_log (inn, operation_id, delta, balance_after)
SELECT credited.inn, new_operation.operation_id, new_operation.amount, credited.balance
FROM new_operation JOIN credited ON credited.inn = new_operation.payer_inn
RETURNING balance_after;

-- name: bank_get_operation
-- $1 operation_id.
SELECT operation_id, amount, payer_inn, document_number, document_date
FROM bank_operations WHERE operation_id = $1;

-- name: bank_get_balance
-- $1 inn.
SELECT inn, balance FROM bank_organizations WHERE inn = $1;

-- name: bank_balance_log_page
-- $1 inn, $2 limit, $3 offset, $4 $5 the cursor's (created_at, id) or NULL
-- (payserv/listing.py). Newest first, ties in reverse insertion order.
SELECT id, operation_id, delta, balance_after, created_at
FROM bank_balance_log
WHERE inn = $1 AND (created_at, id) < (coalesce($4::timestamptz, 'infinity'), coalesce($5::bigint, 9223372036854775807))
ORDER BY created_at DESC, id DESC
LIMIT $2 OFFSET $3;

-- name: bank_balance_log_cursor
-- $1 inn, $2 id: the list position of that object, if the caller can see it.
SELECT created_at, id FROM bank_balance_log WHERE inn = $1 AND id = $2;
