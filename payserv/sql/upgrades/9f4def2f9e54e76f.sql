-- to: e67c01e2206ab03a
-- Upgrades a database made by the schema of 2026-12-03 (9f4def2f9e54e76f) to the one that adds
-- the webhook outbox lease and the built-in sandboxes' tables. `migrate` runs it in its one
-- transaction, under its lock; tests/integration/test_schema_upgrades.py checks that the result
-- is exactly what schema.sql makes.

ALTER TABLE webhook_deliveries ADD COLUMN leased_until timestamptz;
-- (A column added by ALTER goes last; a fresh schema has it before created_at. payserv reads
-- rows by column name, never by position, so the order does not matter.)
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_retry_at) WHERE status = 'pending';

CREATE TABLE atompay_sandbox_transactions (
    atom_token_id text PRIMARY KEY,
    merch_txn_id text NOT NULL,
    merch_txn_date text NOT NULL,
    amount numeric(12, 2) NOT NULL,
    cust_email text NOT NULL,
    status_code text,
    atom_txn_id text,
    bank_txn_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    decided_at timestamptz
);
CREATE INDEX atompay_sandbox_transactions_merch_txn_idx
    ON atompay_sandbox_transactions (merch_txn_id, created_at DESC);

CREATE TABLE stripe_sandbox_objects (
    id text PRIMARY KEY,
    object text NOT NULL CONSTRAINT stripe_sandbox_objects_object_check
        CHECK (object IN ('checkout.session', 'payment_intent', 'coupon', 'tax_rate', 'event')),
    body jsonb NOT NULL,
    shown jsonb NOT NULL DEFAULT '{}'::jsonb,
    idempotency_key text CONSTRAINT stripe_sandbox_objects_idempotency_key_key UNIQUE,
    request_digest text,
    created_at timestamptz NOT NULL DEFAULT now()
);
