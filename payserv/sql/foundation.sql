-- name: schema_state
-- Which payserv and Procrastinate objects exist; no parameters.
SELECT
    to_regclass('public.payserv_meta') IS NOT NULL AS has_meta,
    to_regclass('public.procrastinate_jobs') IS NOT NULL AS has_procrastinate,
    coalesce((SELECT array_agg(tablename::text ORDER BY tablename)
              FROM pg_tables WHERE schemaname = 'public'), '{}') AS tables;

-- name: get_meta
-- One payserv_meta value; $1 key.
SELECT value FROM payserv_meta WHERE key = $1;

-- name: set_meta
-- Set a payserv_meta value; $1 key, $2 value.
INSERT INTO payserv_meta (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value;

-- name: migrate_lock
-- Serialize concurrent migrations (two processes starting at once); no parameters.
SELECT pg_advisory_xact_lock(hashtext('payserv_migrate'));

-- name: insert_user
-- Create a user; $1 username, $2 password hash, $3 is_superuser.
INSERT INTO users (username, password_hash, is_superuser)
VALUES ($1, $2, $3)
RETURNING id, username, password_hash, is_superuser, created_at;

-- name: get_user_by_username
-- $1 username.
SELECT id, username, password_hash, is_superuser, created_at FROM users WHERE username = $1;

-- name: get_user_by_id
-- $1 user id.
SELECT id, username, password_hash, is_superuser, created_at FROM users WHERE id = $1;

-- name: job_counts
-- Jobs by status, for /api/v1/test/jobs/status; no parameters.
SELECT status::text AS status, count(*) AS count FROM procrastinate_jobs GROUP BY status;

-- name: live_workers
-- Workers whose heartbeat is fresher than $1 seconds (float).
SELECT count(*) FROM procrastinate_workers
WHERE last_heartbeat > now() - make_interval(secs => $1);

-- name: list_total
-- $1 list name, $2 owner ('' for a global list): the exact row count, summed over the
-- counter shards that the listed table's triggers keep (schema.sql, list_counts).
SELECT coalesce(sum(n), 0)::bigint FROM list_counts WHERE list = $1 AND owner = $2;
