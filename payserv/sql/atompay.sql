-- AtomPay (DESIGN §8): events and the payments made for them.

-- name: atompay_insert_event
-- Create an event; $1 name, $2 fee (numeric), $3 kind ('solo' | 'team').
INSERT INTO events (name, fee, kind) VALUES ($1, $2, $3)
RETURNING id, name, fee, kind, created_at;

-- name: atompay_insert_event_if_missing
-- Create a demo event unless one with that name exists; $1 name, $2 fee, $3 kind.
-- Returns nothing when it existed. Names are not unique in general (two events may share
-- one), so the seed checks by name instead of relying on a constraint.
INSERT INTO events (name, fee, kind)
SELECT $1, $2, $3
WHERE NOT EXISTS (SELECT 1 FROM events WHERE name = $1)
RETURNING id, name, fee, kind, created_at;

-- name: atompay_event_by_id
-- $1 event id.
SELECT id, name, fee, kind, created_at FROM events WHERE id = $1;

-- name: atompay_list_events
-- Every event (no owner): $1 limit, $2 offset, $3 $4 the cursor's (created_at, id) or NULL
-- (payserv/listing.py). Newest first, ties in reverse insertion order.
SELECT id, name, fee, kind, created_at
FROM events
WHERE (created_at, id) < (coalesce($3::timestamptz, 'infinity'), coalesce($4::bigint, 9223372036854775807))
ORDER BY created_at DESC, id DESC
LIMIT $1 OFFSET $2;

-- name: atompay_event_cursor
-- No owner, $1 id: the list position of that object, if the caller can see it.
SELECT created_at, id FROM events WHERE id = $1;

-- name: atompay_insert_payment
-- A new initiated payment; $1 merch_txn_id, $2 user_id, $3 event_id, $4 event_type,
-- $5 email, $6 phone, $7 team_name, $8 team_members (jsonb list), $9 amount.
-- No row back when the user has already paid for the event. Earlier initiated or failed
-- payments never block a new one; a success committed while this runs may be missed, which
-- is no worse than two initiated payments both paid (both are recorded, see atompay_settle).
INSERT INTO atompay_payments (
    merch_txn_id, user_id, event_id, event_type, email, phone, team_name, team_members, amount
)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
WHERE NOT EXISTS (
    SELECT 1 FROM atompay_payments WHERE user_id = $2 AND event_id = $3 AND status = 'success'
)
RETURNING id, merch_txn_id, user_id, event_id, event_type, email, phone, team_name,
          team_members, amount, status, atom_token_id,
          atompay_transaction_id, bank_transaction_id, status_code, last_error,
          created_at, updated_at, settled_at;

-- name: atompay_payment_by_merch_txn_id
-- $1 merch_txn_id.
SELECT id, merch_txn_id, user_id, event_id, event_type, email, phone, team_name,
       team_members, amount, status, atom_token_id,
       atompay_transaction_id, bank_transaction_id, status_code, last_error,
       created_at, updated_at, settled_at
FROM atompay_payments WHERE merch_txn_id = $1;

-- name: atompay_user_payment
-- One payment of one user (someone else's is not found); $1 user_id, $2 merch_txn_id.
SELECT id, merch_txn_id, user_id, event_id, event_type, email, phone, team_name,
       team_members, amount, status, atom_token_id,
       atompay_transaction_id, bank_transaction_id, status_code, last_error,
       created_at, updated_at, settled_at
FROM atompay_payments WHERE user_id = $1 AND merch_txn_id = $2;

-- name: atompay_list_user_payments
-- $1 user_id, $2 limit, $3 offset, $4 $5 the cursor's (created_at, id) or NULL
-- (payserv/listing.py). Newest first, ties in reverse insertion order.
SELECT id, merch_txn_id, user_id, event_id, event_type, email, phone, team_name,
       team_members, amount, status, atom_token_id,
       atompay_transaction_id, bank_transaction_id, status_code, last_error,
       created_at, updated_at, settled_at
FROM atompay_payments
WHERE user_id = $1 AND (created_at, id) < (coalesce($4::timestamptz, 'infinity'), coalesce($5::bigint, 9223372036854775807))
ORDER BY created_at DESC, id DESC
LIMIT $2 OFFSET $3;

-- name: atompay_user_payment_cursor
-- $1 user_id, $2 id: the list position of that object, if the caller can see it.
SELECT created_at, id FROM atompay_payments WHERE user_id = $1 AND merch_txn_id = $2;

-- name: atompay_set_token
-- Record the token of an AUTH call; $1 merch_txn_id, $2 atom_token_id. Only an initiated
-- payment takes it: one settled meanwhile (reconciliation) keeps its state.
UPDATE atompay_payments
SET atom_token_id = $2, updated_at = now()
WHERE merch_txn_id = $1 AND status = 'initiated'
RETURNING id;

-- name: atompay_mark_failed_to_initiate
-- The AUTH call failed; $1 merch_txn_id, $2 status_code (or NULL), $3 last_error.
UPDATE atompay_payments
SET status = 'failed_to_initiate', status_code = $2, last_error = $3,
    updated_at = now(), settled_at = now()
WHERE merch_txn_id = $1 AND status = 'initiated'
RETURNING id;

-- name: atompay_lock_event_payments
-- Lock every payment of the user and event of $1 merch_txn_id, in id order (so settlers of
-- two of them queue instead of deadlocking): a second success then sees the first one.
SELECT p.id
FROM atompay_payments p
JOIN atompay_payments me ON me.user_id = p.user_id AND me.event_id = p.event_id
WHERE me.merch_txn_id = $1
ORDER BY p.id
FOR UPDATE OF p;

-- name: atompay_settle
-- Settle an initiated payment; $1 merch_txn_id, $2 status ('success' | 'failed'),
-- $3 atompay_transaction_id, $4 bank_transaction_id, $5 status_code.
-- The UPDATE locks the row and re-checks status = 'initiated' after any concurrent
-- settlement commits, so of a callback, its replay and the reconciliation job exactly one
-- settles the payment; the others match no row and change nothing. Other payments of the
-- same user and event are settled on their own: each is money AtomPay took.
UPDATE atompay_payments
SET status = $2, atompay_transaction_id = $3, bank_transaction_id = $4, status_code = $5,
    last_error = NULL, updated_at = now(), settled_at = now()
WHERE merch_txn_id = $1 AND status = 'initiated'
RETURNING id;

-- name: atompay_other_successes
-- The merch_txn_ids of the other paid payments of the user and event of $1 merch_txn_id.
SELECT p.merch_txn_id
FROM atompay_payments p
JOIN atompay_payments me ON me.user_id = p.user_id AND me.event_id = p.event_id
WHERE me.merch_txn_id = $1 AND p.merch_txn_id <> $1 AND p.status = 'success'
ORDER BY p.id;

-- name: atompay_note_check_error
-- Remember why a status check settled nothing; $1 merch_txn_id, $2 last_error.
UPDATE atompay_payments SET last_error = $2, updated_at = now()
WHERE merch_txn_id = $1 AND status = 'initiated';

-- name: atompay_due_for_reconcile
-- Payments still initiated $1 seconds (float) after creation; $2 limit. Least recently
-- checked first (every check touches updated_at), so a backlog of payments AtomPay keeps
-- calling pending cannot starve the others.
SELECT id, merch_txn_id, user_id, event_id, event_type, email, phone, team_name,
       team_members, amount, status, atom_token_id,
       atompay_transaction_id, bank_transaction_id, status_code, last_error,
       created_at, updated_at, settled_at
FROM atompay_payments
WHERE status = 'initiated' AND created_at <= now() - make_interval(secs => $1)
ORDER BY updated_at, id
LIMIT $2;

-- ===== the built-in sandbox (DESIGN §8a): AtomPay's side of the transactions =====

-- name: atompay_sandbox_insert
-- A token issued by the sandbox's AUTH; $1 atom_token_id, $2 merch_txn_id,
-- $3 merch_txn_date (as sent), $4 amount, $5 cust_email.
INSERT INTO atompay_sandbox_transactions
    (atom_token_id, merch_txn_id, merch_txn_date, amount, cust_email)
VALUES ($1, $2, $3, $4, $5);

-- name: atompay_sandbox_by_token
-- $1 atom_token_id.
SELECT atom_token_id, merch_txn_id, merch_txn_date, amount, cust_email, status_code,
       atom_txn_id, bank_txn_id
FROM atompay_sandbox_transactions
WHERE atom_token_id = $1;

-- name: atompay_sandbox_decide
-- The customer paid or failed on the sandbox's page; the first choice stands.
-- $1 atom_token_id, $2 status_code, $3 atom_txn_id, $4 bank_txn_id. Returns the row.
UPDATE atompay_sandbox_transactions
SET status_code = coalesce(status_code, $2), atom_txn_id = coalesce(atom_txn_id, $3),
    bank_txn_id = coalesce(bank_txn_id, $4), decided_at = coalesce(decided_at, now())
WHERE atom_token_id = $1
RETURNING atom_token_id, merch_txn_id, merch_txn_date, amount, cust_email, status_code,
          atom_txn_id, bank_txn_id;

-- name: atompay_sandbox_status
-- What the sandbox knows of $1 merch_txn_id: a decided token if any, else the newest.
SELECT atom_token_id, merch_txn_id, merch_txn_date, amount, cust_email, status_code,
       atom_txn_id, bank_txn_id
FROM atompay_sandbox_transactions
WHERE merch_txn_id = $1
ORDER BY status_code IS NULL, created_at DESC
LIMIT 1;
