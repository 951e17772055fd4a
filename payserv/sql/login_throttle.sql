-- Failed-login counting (DESIGN §3), shared by POST /users/token/ and /admin/login.

-- name: login_attempt_reserve
-- Count an attempt for $1 username before its password is checked, unless $2 attempts are already counted in the window of $3 seconds (then no row: 429). Returns the window's start.
-- ON CONFLICT serializes concurrent attempts on the username's row and re-reads it, so
-- twenty concurrent guesses count one by one and at most $2 of them get a row back.
INSERT INTO login_failures AS f (username, failures, window_started_at)
VALUES ($1, 1, now())
ON CONFLICT (username) DO UPDATE
SET failures = CASE WHEN f.window_started_at <= now() - make_interval(secs => $3)
                    THEN 1 ELSE f.failures + 1 END,
    window_started_at = CASE WHEN f.window_started_at <= now() - make_interval(secs => $3)
                             THEN now() ELSE f.window_started_at END
WHERE f.failures < $2 OR f.window_started_at <= now() - make_interval(secs => $3)
RETURNING f.window_started_at;

-- name: login_attempt_release
-- Un-count an attempt whose password was right; $1 username, $2 the window start its reservation returned (a newer window is left alone).
UPDATE login_failures SET failures = failures - 1
WHERE username = $1 AND window_started_at = $2 AND failures > 0;

-- name: login_retry_after
-- Whole seconds until the window of $1 username ($2 seconds long) passes; at least 1.
SELECT greatest(1, ceil(extract(epoch FROM
    window_started_at + make_interval(secs => $2) - now())))::integer
FROM login_failures WHERE username = $1;

-- name: login_failures_purge
-- Delete the rows whose window of $1 seconds has passed; returns how many.
WITH purged AS (
    DELETE FROM login_failures WHERE window_started_at <= now() - make_interval(secs => $1)
    RETURNING 1
)
SELECT count(*) FROM purged;
