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
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- ----- gateway: orders, payments, refunds, idempotency -----

-- ----- gateway: webhooks -----

-- ===== bank =====

-- ===== polling =====

-- ===== shop =====

-- ===== atompay =====
