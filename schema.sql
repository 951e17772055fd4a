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

-- ===== bank =====

-- ===== polling =====

-- ===== shop =====

-- ===== atompay =====
