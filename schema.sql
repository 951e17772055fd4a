-- payserv application schema. `python run.py migrate` applies it in one transaction,
-- together with Procrastinate's own schema, and records its hash in payserv_meta.
-- Each part adds its tables in its own section below.

-- ===== foundation =====
CREATE TABLE payserv_meta (
    key text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text NOT NULL CONSTRAINT users_username_key UNIQUE
        CHECK (length(username) BETWEEN 1 AND 150),
    password_hash text NOT NULL,
    is_superuser boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Failed logins per username (users and /admin/login share it), in a fixed window that
-- starts at the first failure (DESIGN §3). Keyed by the name as typed, whether or not such
-- a user exists, so the limit says nothing about which usernames exist. A row counts an
-- attempt before its password is checked (then un-counts a success), so concurrent
-- guesses cannot overshoot the limit. Expired rows are purged by a maintenance job.
CREATE TABLE login_failures (
    username text PRIMARY KEY,
    failures integer NOT NULL CHECK (failures >= 0),
    window_started_at timestamptz NOT NULL
);
CREATE INDEX login_failures_window_idx ON login_failures (window_started_at);

-- Exact list totals without a scan (DESIGN §2). Every listed table has the triggers of
-- count_list_rows (made by count_list_rows_of below its CREATE TABLE): they count the
-- statement's inserted or deleted rows per owner in the writing transaction, so no writer
-- can forget them (a bulk INSERT from psql or a benchmark included). A writer adds to one
-- of 16 shards chosen by its backend pid, so one owner's concurrent inserts lock different
-- rows instead of queueing on one; a read sums the owner's shards (payserv/listing.py).
CREATE TABLE list_counts (
    list text NOT NULL,
    owner text NOT NULL,
    shard smallint NOT NULL,
    n bigint NOT NULL,
    CONSTRAINT list_counts_pkey PRIMARY KEY (list, owner, shard)
);

-- TG_ARGV[0]: the list's name; TG_ARGV[1]: the owner column ('' for a global list). The
-- transition table is called "changed" in every trigger, so one function serves all of
-- them; to_jsonb keeps its SQL static (planned once per trigger, no EXECUTE per row).
CREATE FUNCTION count_list_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM list_counts WHERE list = TG_ARGV[0];
        RETURN NULL;
    END IF;
    -- owners in a fixed order: two bulk statements lock their counter rows alike
    INSERT INTO list_counts AS c (list, owner, shard, n)
    SELECT TG_ARGV[0], owner, pg_backend_pid() % 16,
           count(*) * CASE TG_OP WHEN 'DELETE' THEN -1 ELSE 1 END
    FROM (SELECT coalesce(to_jsonb(r) ->> TG_ARGV[1], '') AS owner FROM changed AS r) AS o
    GROUP BY owner ORDER BY owner
    ON CONFLICT (list, owner, shard) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;

-- Count the rows of table `listed` per owner (its column `owner_column`; NULL for a global
-- list) with count_list_rows: statement-level triggers named <table>_counted_<event>.
CREATE FUNCTION count_list_rows_of(listed text, owner_column text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    arguments text := quote_literal(listed) || coalesce(', ' || quote_literal(owner_column), '');
BEGIN
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION count_list_rows(%s)',
                   listed || '_counted_insert', listed, arguments);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION count_list_rows(%s)',
                   listed || '_counted_delete', listed, arguments);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION count_list_rows(%s)',
                   listed || '_counted_truncate', listed, arguments);
END $$;

-- ===== gateway =====
-- api_secret is stored only as a SHA-256 hash (it is 32 random bytes: no salt or
-- slow hash needed). The webhook secret must be usable to sign, so it is stored
-- encrypted with a key derived from SECRET_KEY (AES-GCM), never in clear.
CREATE TABLE merchants (
    id uuid PRIMARY KEY,
    email text NOT NULL CONSTRAINT merchants_email_key UNIQUE,
    api_key text NOT NULL CONSTRAINT merchants_api_key_key UNIQUE,
    api_secret_hash bytea NOT NULL,
    webhook_secret_encrypted bytea NOT NULL,
    webhook_url text,
    -- scrypt hash of the dashboard password (DESIGN §4b); NULL: the merchant cannot log in.
    dashboard_password_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Dashboard sessions, in the database so that every web process knows them (DESIGN §4b).
-- Only the SHA-256 of the cookie's random id is stored: a read of this table logs no one in.
CREATE TABLE dashboard_sessions (
    id_hash bytea PRIMARY KEY,
    merchant_id uuid NOT NULL
        CONSTRAINT dashboard_sessions_merchant_fkey REFERENCES merchants (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX dashboard_sessions_merchant_idx ON dashboard_sessions (merchant_id);

-- ----- gateway: orders, payments, refunds, idempotency -----
-- seq orders rows created in the same instant (lists: newest first, ties in reverse
-- insertion order). Amounts are integer minor units.
CREATE TABLE gateway_orders (
    id text PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    merchant_id uuid NOT NULL CONSTRAINT gateway_orders_merchant_fkey REFERENCES merchants (id),
    amount bigint NOT NULL CONSTRAINT gateway_orders_amount_check CHECK (amount BETWEEN 100 AND 1000000000000),
    currency char(3) NOT NULL,
    receipt text,
    notes jsonb NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'created'
        CONSTRAINT gateway_orders_status_check CHECK (status IN ('created', 'attempted', 'paid')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gateway_orders_merchant_idx ON gateway_orders (merchant_id, created_at DESC, seq DESC);
SELECT count_list_rows_of('gateway_orders', 'merchant_id');

-- Only card_network/card_last4 of a card are kept: never the number or the CVV.
-- forced_outcome records, in test mode, that a well-known test instrument decides the
-- outcome (the job cannot tell from the last four digits alone).
CREATE TABLE gateway_payments (
    id text PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    merchant_id uuid NOT NULL CONSTRAINT gateway_payments_merchant_fkey REFERENCES merchants (id),
    order_id text NOT NULL CONSTRAINT gateway_payments_order_fkey REFERENCES gateway_orders (id),
    amount bigint NOT NULL,
    currency char(3) NOT NULL,
    method text NOT NULL CONSTRAINT gateway_payments_method_check CHECK (method IN ('upi', 'card')),
    vpa text,
    card_network text,
    card_last4 char(4),
    status text NOT NULL DEFAULT 'pending'
        CONSTRAINT gateway_payments_status_check CHECK (status IN ('pending', 'success', 'failed')),
    forced_outcome text
        CONSTRAINT gateway_payments_forced_outcome_check CHECK (forced_outcome IN ('success', 'failed')),
    captured boolean NOT NULL DEFAULT false,
    error_code text,
    error_description text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gateway_payments_merchant_idx ON gateway_payments (merchant_id, created_at DESC, seq DESC);
CREATE INDEX gateway_payments_order_idx ON gateway_payments (order_id);
SELECT count_list_rows_of('gateway_payments', 'merchant_id');
-- The dashboard's filtered transaction pages (?status=, ?method=, both) walk these in order.
CREATE INDEX gateway_payments_merchant_status_idx
    ON gateway_payments (merchant_id, status, created_at DESC, seq DESC);
CREATE INDEX gateway_payments_merchant_method_idx
    ON gateway_payments (merchant_id, method, created_at DESC, seq DESC);
CREATE INDEX gateway_payments_merchant_status_method_idx
    ON gateway_payments (merchant_id, status, method, created_at DESC, seq DESC);

CREATE TABLE gateway_refunds (
    id text PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    merchant_id uuid NOT NULL CONSTRAINT gateway_refunds_merchant_fkey REFERENCES merchants (id),
    payment_id text NOT NULL CONSTRAINT gateway_refunds_payment_fkey REFERENCES gateway_payments (id),
    amount bigint NOT NULL CONSTRAINT gateway_refunds_amount_check CHECK (amount > 0),
    reason text,
    status text NOT NULL DEFAULT 'pending'
        CONSTRAINT gateway_refunds_status_check CHECK (status IN ('pending', 'processed')),
    created_at timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz
);
CREATE INDEX gateway_refunds_payment_idx ON gateway_refunds (payment_id, created_at DESC, seq DESC);
SELECT count_list_rows_of('gateway_refunds', 'payment_id');

-- One row per (merchant, Idempotency-Key): the unique key is what makes concurrent
-- requests with one key wait for the first and then replay its stored response.
CREATE TABLE gateway_idempotency_keys (
    merchant_id uuid NOT NULL CONSTRAINT gateway_idempotency_keys_merchant_fkey REFERENCES merchants (id),
    key text NOT NULL,
    request_hash bytea NOT NULL,
    response_status integer,
    response_body text,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    CONSTRAINT gateway_idempotency_keys_pkey PRIMARY KEY (merchant_id, key)
);
CREATE INDEX gateway_idempotency_keys_expires_idx ON gateway_idempotency_keys (expires_at);

-- ----- gateway: webhooks -----
-- One row per (event, merchant with a webhook_url). body holds the exact bytes that are
-- sent and signed on every attempt (serialized once). generation is bumped by a manual
-- retry, so delivery jobs scheduled before it recognise themselves as stale.
CREATE TABLE webhook_deliveries (
    id uuid PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    merchant_id uuid NOT NULL CONSTRAINT webhook_deliveries_merchant_fkey REFERENCES merchants (id),
    event text NOT NULL,
    body bytea NOT NULL,
    status text NOT NULL DEFAULT 'pending'
        CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending', 'success', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    generation integer NOT NULL DEFAULT 0,
    last_attempt_at timestamptz,
    next_retry_at timestamptz,
    response_code integer,
    last_error text,
    -- The row is the outbox (DESIGN §4): a process that claims an attempt leases the row
    -- until then; a process that dies mid-attempt leaves a lease that expires, and a
    -- sweeper delivers the row once it is due and unleased (payserv/gateway/outbox.py).
    leased_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_merchant_idx ON webhook_deliveries (merchant_id, created_at DESC, seq DESC);
-- What the sweeper reads each round: only deliveries still to make, by due time.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_retry_at) WHERE status = 'pending';
SELECT count_list_rows_of('webhook_deliveries', 'merchant_id');

-- ===== bank =====
-- An operation is credited once: its id is the primary key, and the credit and the
-- log row are written in the statement that inserts it (payserv/sql/bank.sql).
CREATE TABLE bank_operations (
    operation_id uuid PRIMARY KEY,
    amount bigint NOT NULL CHECK (amount > 0),
    payer_inn text NOT NULL,
    document_number text NOT NULL,
    document_date timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bank_organizations (
    inn text PRIMARY KEY,
    balance bigint NOT NULL CHECK (balance >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bank_balance_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    inn text NOT NULL REFERENCES bank_organizations (inn),
    operation_id uuid NOT NULL CONSTRAINT bank_balance_log_operation_key UNIQUE
        REFERENCES bank_operations (operation_id),
    delta bigint NOT NULL,
    balance_after bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bank_balance_log_inn_idx ON bank_balance_log (inn, created_at DESC, id DESC);
SELECT count_list_rows_of('bank_balance_log', 'inn');

-- ===== polling =====
CREATE TABLE user_payments (
    id uuid PRIMARY KEY,
    -- orders rows created in the same instant (the id is random)
    seq bigint GENERATED ALWAYS AS IDENTITY,
    user_id bigint NOT NULL REFERENCES users (id),
    amount numeric(15, 2) NOT NULL CHECK (amount > 0),
    payment_status text NOT NULL DEFAULT 'pending'
        CHECK (payment_status IN ('pending', 'completed', 'failed')),
    status_checks integer NOT NULL DEFAULT 0,
    last_check_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz
);
CREATE INDEX user_payments_user_idx ON user_payments (user_id, created_at DESC, seq DESC);
SELECT count_list_rows_of('user_payments', 'user_id');

-- ===== shop =====
-- Catalog prices are decimals in the currency's units (numeric(14,2)); Stripe gets minor
-- units computed at checkout time by payserv.money (zero-decimal currencies respected).
CREATE TABLE shop_items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CONSTRAINT shop_items_name_check CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    price numeric(14, 2) NOT NULL CONSTRAINT shop_items_price_check CHECK (price > 0),
    currency text NOT NULL CONSTRAINT shop_items_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shop_items_created_idx ON shop_items (created_at DESC, id DESC);
SELECT count_list_rows_of('shop_items');

CREATE TABLE shop_discounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CONSTRAINT shop_discounts_name_check CHECK (length(name) BETWEEN 1 AND 200),
    percent_off numeric(5, 2),
    amount_off numeric(14, 2),
    currency text,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- exactly one kind: a percentage, or an amount in one currency
    CONSTRAINT shop_discounts_kind_check CHECK (
        (percent_off IS NOT NULL AND percent_off > 0 AND percent_off <= 100
            AND amount_off IS NULL AND currency IS NULL)
        OR (percent_off IS NULL AND amount_off IS NOT NULL AND amount_off > 0
            AND currency ~ '^[A-Z]{3}$')
    )
);
CREATE INDEX shop_discounts_created_idx ON shop_discounts (created_at DESC, id DESC);
SELECT count_list_rows_of('shop_discounts');

CREATE TABLE shop_taxes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CONSTRAINT shop_taxes_name_check CHECK (length(name) BETWEEN 1 AND 200),
    percentage numeric(7, 4) NOT NULL
        CONSTRAINT shop_taxes_percentage_check CHECK (percentage >= 0 AND percentage <= 100),
    inclusive boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shop_taxes_created_idx ON shop_taxes (created_at DESC, id DESC);
SELECT count_list_rows_of('shop_taxes');

-- An order's lines (prices included) and taxes never change after creation; `paid` turns true from a
-- verified Stripe webhook.
CREATE TABLE shop_orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    currency text NOT NULL CONSTRAINT shop_orders_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    discount_id bigint CONSTRAINT shop_orders_discount_id_fkey REFERENCES shop_discounts (id),
    paid boolean NOT NULL DEFAULT false,
    paid_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shop_orders_created_idx ON shop_orders (created_at DESC, id DESC);
SELECT count_list_rows_of('shop_orders');

CREATE TABLE shop_order_lines (
    order_id bigint NOT NULL CONSTRAINT shop_order_lines_order_id_fkey REFERENCES shop_orders (id),
    position integer NOT NULL,
    item_id bigint NOT NULL CONSTRAINT shop_order_lines_item_id_fkey REFERENCES shop_items (id),
    quantity integer NOT NULL CONSTRAINT shop_order_lines_quantity_check
        CHECK (quantity BETWEEN 1 AND 10000),
    -- the item's price when the order was made: a later price change does not reprice it
    unit_price numeric(14, 2) NOT NULL,
    CONSTRAINT shop_order_lines_pkey PRIMARY KEY (order_id, position)
);

CREATE TABLE shop_order_taxes (
    order_id bigint NOT NULL CONSTRAINT shop_order_taxes_order_id_fkey REFERENCES shop_orders (id),
    tax_id bigint NOT NULL CONSTRAINT shop_order_taxes_tax_id_fkey REFERENCES shop_taxes (id),
    CONSTRAINT shop_order_taxes_pkey PRIMARY KEY (order_id, tax_id)
);

-- Coupons and tax rates created in Stripe, one per (Stripe account, local object). The
-- account is a SHA-256 fingerprint of the API base and secret key, never the key itself.
CREATE TABLE shop_stripe_objects (
    account text NOT NULL,
    kind text NOT NULL CONSTRAINT shop_stripe_objects_kind_check
        CHECK (kind IN ('coupon', 'tax_rate')),
    local_id bigint NOT NULL,
    stripe_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT shop_stripe_objects_pkey PRIMARY KEY (account, kind, local_id)
);

-- One row per Checkout Session or PaymentIntent created; the webhook marks it paid.
CREATE TABLE shop_purchases (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference text NOT NULL CONSTRAINT shop_purchases_reference_check
        CHECK (reference ~ '^(item|order):[0-9]+$'),
    kind text NOT NULL CONSTRAINT shop_purchases_kind_check
        CHECK (kind IN ('checkout_session', 'payment_intent')),
    stripe_id text NOT NULL CONSTRAINT shop_purchases_stripe_id_key UNIQUE,
    amount bigint NOT NULL,
    currency text NOT NULL,
    status text NOT NULL DEFAULT 'open'
        CONSTRAINT shop_purchases_status_check CHECK (status IN ('open', 'paid')),
    created_at timestamptz NOT NULL DEFAULT now(),
    paid_at timestamptz
);

-- Each verified Stripe event id once: a redelivered event changes nothing.
CREATE TABLE shop_stripe_events (
    event_id text PRIMARY KEY,
    type text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

-- ===== atompay =====
-- Events users pay for through AtomPay; an event's fee is the only source of an amount.
CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CONSTRAINT events_name_check CHECK (length(name) BETWEEN 1 AND 200),
    fee numeric(12, 2) NOT NULL CONSTRAINT events_fee_check CHECK (fee > 0),
    kind text NOT NULL CONSTRAINT events_kind_check CHECK (kind IN ('solo', 'team')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_created_idx ON events (created_at DESC, id DESC);
SELECT count_list_rows_of('events');

-- One row per attempt to pay for an event. It is inserted (initiated) and committed
-- before AtomPay is called, so every token AtomPay issues has a row to settle.
-- created_at is the merchTxnDate sent to AtomPay (as Indian wall-clock time).
CREATE TABLE atompay_payments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merch_txn_id text NOT NULL CONSTRAINT atompay_payments_merch_txn_id_key UNIQUE,
    user_id bigint NOT NULL CONSTRAINT atompay_payments_user_id_fkey REFERENCES users (id),
    event_id bigint NOT NULL CONSTRAINT atompay_payments_event_id_fkey REFERENCES events (id),
    event_type text NOT NULL
        CONSTRAINT atompay_payments_event_type_check CHECK (event_type IN ('solo', 'team')),
    email text NOT NULL,
    phone text NOT NULL,
    team_name text,
    team_members jsonb NOT NULL DEFAULT '[]'::jsonb,
    amount numeric(12, 2) NOT NULL CONSTRAINT atompay_payments_amount_check CHECK (amount > 0),
    status text NOT NULL DEFAULT 'initiated'
        CONSTRAINT atompay_payments_status_check
        CHECK (status IN ('initiated', 'success', 'failed', 'failed_to_initiate')),
    atom_token_id text,
    atompay_transaction_id text,
    bank_transaction_id text,
    status_code text,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    settled_at timestamptz
);

-- Not unique: every POST /atompay gets its own payment, and two of them paid at AtomPay
-- are both recorded (a unique index would refuse the second callback and lose real money).
-- POST /atompay looks here to refuse a user who has already paid for the event.
CREATE INDEX atompay_payments_paid_per_event
    ON atompay_payments (user_id, event_id) WHERE status = 'success';
CREATE INDEX atompay_payments_user_created_idx
    ON atompay_payments (user_id, created_at DESC, id DESC);
SELECT count_list_rows_of('atompay_payments', 'user_id');
-- The reconciliation job looks only at payments still waiting for AtomPay.
CREATE INDEX atompay_payments_initiated_idx
    ON atompay_payments (created_at) WHERE status = 'initiated';

-- The built-in AtomPay sandbox (PAYSERV_SANDBOX, DESIGN §8a) stands in for AtomPay's own
-- books: one row per token it issued, and what the customer chose on its checkout page.
-- In Postgres, so that every web process serves the same checkout and status answers.
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

-- ===== Stripe sandbox (PAYSERV_SANDBOX without Stripe keys) =====
-- What the built-in Stripe sandbox created, as the Stripe-shaped JSON it answered, so a `web`
-- and its workers (separate processes) see the same sessions. One generic table: the sandbox
-- looks objects up by id and never queries inside them. `shown` is what only the stand-in
-- checkout page shows (line items). A request repeated with its Idempotency-Key gets the
-- stored object back; `request_digest` refuses that key with other parameters, like Stripe.
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
