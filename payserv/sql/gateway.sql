-- The gateway's queries (DESIGN §4): merchants, orders, payments, refunds, idempotency keys,
-- the webhook delivery log. Row queries return * : each table's columns are written once, in
-- its dataclass (payserv.gateway.rows picks them; seq only orders lists).

-- ----- merchants -----

-- name: gateway_insert_merchant
-- Create a merchant unless the id exists; $1 id, $2 email, $3 api_key, $4 api_secret_hash,
-- $5 webhook_secret_encrypted, $6 webhook_url. Returns nothing when it already existed.
INSERT INTO merchants (id, email, api_key, api_secret_hash, webhook_secret_encrypted, webhook_url)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (id) DO NOTHING
RETURNING *;

-- name: gateway_merchant_by_api_key
-- $1 api_key.
SELECT * FROM merchants WHERE api_key = $1;

-- name: gateway_merchant_by_id
-- $1 merchant id.
SELECT * FROM merchants WHERE id = $1;

-- name: gateway_set_merchant_webhook_url
-- $1 merchant id, $2 webhook_url (NULL clears it).
UPDATE merchants SET webhook_url = $2, updated_at = now() WHERE id = $1
RETURNING *;

-- ----- orders -----

-- name: gateway_insert_order
-- $1 id, $2 merchant_id, $3 amount, $4 currency, $5 receipt, $6 notes.
INSERT INTO gateway_orders (id, merchant_id, amount, currency, receipt, notes)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING *;

-- name: gateway_insert_order_for_key
-- $1 api_key, $2 SHA-256 of the API secret, $3 id, $4 amount, $5 currency, $6 receipt,
-- $7 notes. gateway_insert_order and the merchant's authentication in one statement (an
-- order without an Idempotency-Key): the merchant is found by its key and its stored hash,
-- never by the secret itself. No row: no merchant has this key. Else one row: the stored
-- hash (which the caller compares again, in constant time) and the order's columns (NULL:
-- the hash did not match, nothing was inserted).
WITH merchant AS (
    SELECT id, api_secret_hash FROM merchants WHERE api_key = $1
), inserted AS (
    INSERT INTO gateway_orders (id, merchant_id, amount, currency, receipt, notes)
    SELECT $3, id, $4, $5, $6, $7 FROM merchant WHERE api_secret_hash = $2
    RETURNING *
)
SELECT merchant.api_secret_hash, inserted.* FROM merchant LEFT JOIN inserted ON true;

-- name: gateway_order_by_id
-- $1 order id, $2 merchant_id (someone else's order is not found).
SELECT * FROM gateway_orders WHERE id = $1 AND merchant_id = $2;

-- name: gateway_list_orders
-- $1 merchant_id, $2 limit, $3 offset, $4 $5 the cursor's (created_at, seq) or NULL
-- (payserv/listing.py). Newest first, ties in reverse insertion order.
SELECT *
FROM gateway_orders
WHERE merchant_id = $1 AND (created_at, seq) < (coalesce($4::timestamptz, 'infinity'), coalesce($5::bigint, 9223372036854775807))
ORDER BY created_at DESC, seq DESC
LIMIT $2 OFFSET $3;

-- name: gateway_order_cursor
-- $1 merchant_id, $2 id: the list position of that object, if the caller can see it.
SELECT created_at, seq FROM gateway_orders WHERE merchant_id = $1 AND id = $2;

-- ----- payments -----

-- name: gateway_create_payment
-- $1 id, $2 merchant_id, $3 order_id, $4 method, $5 vpa, $6 card_network, $7 card_last4,
-- $8 forced_outcome. Creation in one statement: locks the merchant's order (the lock that
-- makes "at most one successful payment per order" hold: settlement takes it too), and
-- unless the order is paid inserts the payment with the order's amount and currency and
-- marks a created order attempted. No row: the merchant has no such order. Else one row:
-- the payment's columns (NULL: the order was paid, nothing was inserted).
WITH locked_order AS (
    SELECT id, status, amount, currency FROM gateway_orders
    WHERE id = $3 AND merchant_id = $2
    FOR UPDATE
), payment AS (
    INSERT INTO gateway_payments
        (id, merchant_id, order_id, amount, currency, method, vpa, card_network, card_last4,
         forced_outcome)
    SELECT $1, $2, id, amount, currency, $4, $5, $6, $7, $8
    FROM locked_order WHERE status <> 'paid'
    RETURNING *
), attempted AS (
    UPDATE gateway_orders SET status = 'attempted', updated_at = now()
    WHERE id = (SELECT order_id FROM payment) AND (SELECT status FROM locked_order) = 'created'
)
SELECT payment.* FROM locked_order LEFT JOIN payment ON true;

-- name: gateway_payment_by_id
-- $1 payment id, $2 merchant_id (someone else's payment is not found).
SELECT * FROM gateway_payments WHERE id = $1 AND merchant_id = $2;

-- name: gateway_lock_payment
-- $1 payment id, $2 merchant_id. The payment row lock serializes refunds and captures
-- of one payment, so that concurrent refunds can never exceed it.
SELECT * FROM gateway_payments WHERE id = $1 AND merchant_id = $2
FOR UPDATE;

-- name: gateway_settle_payment
-- $1 payment id; $2, $3 the processor's verdict were it upi, were it card; $4 a failure's
-- error_code, $5 its description when declined, $6 when the order is already paid.
-- Settlement in one statement: locks the payment's order first (as creation does, so "at
-- most one successful payment per order" holds), then settles the payment only if still
-- pending (a second run of the job changes nothing: no row). A test instrument's
-- forced_outcome wins over the verdict, an order already paid over both; a success marks
-- the order paid.
WITH payment AS (
    SELECT order_id, method, forced_outcome FROM gateway_payments WHERE id = $1
), locked_order AS (
    SELECT status FROM gateway_orders WHERE id = (SELECT order_id FROM payment) FOR UPDATE
), verdict AS (
    SELECT CASE
               WHEN o.status = 'paid' THEN 'failed'
               WHEN p.forced_outcome IS NOT NULL THEN p.forced_outcome
               WHEN CASE p.method WHEN 'upi' THEN $2::boolean ELSE $3::boolean END THEN 'success'
               ELSE 'failed'
           END AS status,
           o.status = 'paid' AS order_paid
    FROM payment p, locked_order o
), settled AS (
    UPDATE gateway_payments p
    SET status = v.status,
        error_code = CASE WHEN v.status = 'failed' THEN $4 END,
        error_description = CASE
            WHEN v.status = 'success' THEN NULL WHEN v.order_paid THEN $6 ELSE $5
        END,
        updated_at = now()
    FROM verdict v
    WHERE p.id = $1 AND p.status = 'pending'
    RETURNING p.*
), paid AS (
    UPDATE gateway_orders SET status = 'paid', updated_at = now()
    WHERE id = (SELECT order_id FROM payment)
      AND EXISTS (SELECT 1 FROM settled WHERE settled.status = 'success')
)
SELECT * FROM settled;

-- name: gateway_capture_payment
-- $1 payment id.
UPDATE gateway_payments SET captured = true, updated_at = now()
WHERE id = $1
RETURNING *;

-- name: gateway_list_payments
-- $1 merchant_id, $2 limit, $3 offset, $4 $5 the cursor's (created_at, seq) or NULL
-- (payserv/listing.py). Newest first, ties in reverse insertion order.
SELECT *
FROM gateway_payments
WHERE merchant_id = $1 AND (created_at, seq) < (coalesce($4::timestamptz, 'infinity'), coalesce($5::bigint, 9223372036854775807))
ORDER BY created_at DESC, seq DESC
LIMIT $2 OFFSET $3;

-- name: gateway_payment_cursor
-- $1 merchant_id, $2 id: the list position of that object, if the caller can see it.
SELECT created_at, seq FROM gateway_payments WHERE merchant_id = $1 AND id = $2;

-- ----- public views (hosted checkout, DESIGN §4a): the unguessable id is the capability -----

-- name: gateway_public_order
-- $1 order id. Any merchant's order, with what the checkout page shows: the merchant's
-- email as its name (merchants have no other name) and the successful payment, if any.
SELECT o.id, o.merchant_id, o.amount, o.currency, o.status, m.email AS merchant_name,
       (SELECT p.id FROM gateway_payments p
        WHERE p.order_id = o.id AND p.status = 'success' LIMIT 1) AS paid_payment_id
FROM gateway_orders o JOIN merchants m ON m.id = o.merchant_id
WHERE o.id = $1;

-- name: gateway_public_payment
-- $1 payment id. Any merchant's payment (the checkout shows only its public fields).
SELECT * FROM gateway_payments WHERE id = $1;

-- ----- refunds -----

-- name: gateway_refunded_amount
-- $1 payment id. What is already promised back: pending and processed refunds.
SELECT coalesce(sum(amount), 0)::bigint FROM gateway_refunds
WHERE payment_id = $1 AND status IN ('pending', 'processed');

-- name: gateway_insert_refund
-- $1 id, $2 merchant_id, $3 payment_id, $4 amount, $5 reason.
INSERT INTO gateway_refunds (id, merchant_id, payment_id, amount, reason)
VALUES ($1, $2, $3, $4, $5)
RETURNING *;

-- name: gateway_refund_by_id
-- $1 refund id, $2 merchant_id (someone else's refund is not found).
SELECT * FROM gateway_refunds WHERE id = $1 AND merchant_id = $2;

-- name: gateway_process_refund
-- $1 refund id. Only a pending refund is processed: a second run changes nothing.
UPDATE gateway_refunds SET status = 'processed', processed_at = now()
WHERE id = $1 AND status = 'pending'
RETURNING *;

-- name: gateway_list_refunds
-- $1 payment id, $2 merchant_id, $3 limit, $4 offset, $5 $6 the cursor's (created_at, seq) or NULL
-- (payserv/listing.py). Newest first, ties in reverse insertion order.
SELECT *
FROM gateway_refunds
WHERE payment_id = $1 AND merchant_id = $2 AND (created_at, seq) < (coalesce($5::timestamptz, 'infinity'), coalesce($6::bigint, 9223372036854775807))
ORDER BY created_at DESC, seq DESC
LIMIT $3 OFFSET $4;

-- name: gateway_refund_cursor
-- $1 payment id, $2 merchant_id, $3 id: the list position of that object, if the caller can see it.
SELECT created_at, seq FROM gateway_refunds WHERE payment_id = $1 AND merchant_id = $2 AND id = $3;

-- ----- idempotency keys -----

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

-- ----- webhook delivery log -----

-- name: gateway_webhooks_insert_deliveries
-- $1 delivery ids, $2 merchant id, $3 events, $4 body bytes (one each, in order), $5 lease in
-- seconds (NULL: none). Inserts only when the merchant has a webhook_url, due now, leased to
-- the committing process when it will attempt them itself right after the commit (so no
-- sweeper takes them meanwhile; if that process dies, the lease expires). Returns what the
-- attempts need, the merchant's URL and sealed secret included: one statement for all the
-- events of a state change, and no claim afterwards.
WITH merchant AS (
    SELECT id, webhook_url, webhook_secret_encrypted FROM merchants
    WHERE id = $2 AND webhook_url IS NOT NULL
), inserted AS (
    INSERT INTO webhook_deliveries (id, merchant_id, event, body, next_retry_at, leased_until)
    SELECT e.id, merchant.id, e.event, e.body, now(),
           now() + make_interval(secs => $5::double precision)
    FROM merchant,
         unnest($1::uuid[], $3::text[], $4::bytea[]) WITH ORDINALITY AS e(id, event, body, n)
    ORDER BY e.n
    RETURNING id, merchant_id, event, body, status, attempts, generation
)
SELECT inserted.*, merchant.webhook_url, merchant.webhook_secret_encrypted
FROM inserted, merchant;

-- name: gateway_webhooks_claim
-- $1 delivery ids, $2 lease in seconds. A process claims deliveries it was asked to attempt
-- now (a manual retry): those still due and unleased. The claim is what keeps two attempts of one
-- delivery apart: SKIP LOCKED leaves a row another claimer is taking to that claimer, and a
-- claimed row is leased, so no one else claims it until the attempt is recorded or the
-- lease expires (its claimer died). Returns each with its merchant's current webhook_url and
-- sealed secret (a manual retry after the merchant fixed its URL must reach the new one).
UPDATE webhook_deliveries d
SET leased_until = now() + make_interval(secs => $2::double precision)
FROM merchants m
WHERE d.id IN (
        SELECT id FROM webhook_deliveries
        WHERE id = ANY($1::uuid[]) AND status = 'pending' AND next_retry_at <= now()
          AND (leased_until IS NULL OR leased_until < now())
        FOR UPDATE SKIP LOCKED)
  AND m.id = d.merchant_id
RETURNING d.id, d.merchant_id, d.event, d.body, d.status, d.attempts, d.generation,
          m.webhook_url, m.webhook_secret_encrypted;

-- name: gateway_webhooks_claim_due
-- $1 at most this many, $2 lease in seconds. The sweeper: one statement claims a batch of
-- due, unleased deliveries (a failed attempt's retry, or one whose committer never made its
-- attempt), earliest first, through the partial index of pending rows. SKIP LOCKED: sweepers
-- of several processes take disjoint batches instead of queueing on each other's rows.
UPDATE webhook_deliveries d
SET leased_until = now() + make_interval(secs => $2::double precision)
FROM merchants m
WHERE d.id IN (
        SELECT id FROM webhook_deliveries
        WHERE status = 'pending' AND next_retry_at <= now()
          AND (leased_until IS NULL OR leased_until < now())
        ORDER BY next_retry_at
        LIMIT $1
        FOR UPDATE SKIP LOCKED)
  AND m.id = d.merchant_id
RETURNING d.id, d.merchant_id, d.event, d.body, d.status, d.attempts, d.generation,
          m.webhook_url, m.webhook_secret_encrypted;

-- name: gateway_webhooks_record_attempts
-- Parallel arrays, one element per attempt: $1 delivery ids, $2 generations, $3 attempt
-- numbers, $4 statuses after them, $5 response codes, $6 errors, $7 seconds until the next
-- attempt (NULL: none), for many rows in one statement (payserv/gateway/attempt_log.py).
-- Ends each lease; the next attempt is the sweeper's once it is due. Conditional on
-- generation and attempts, so an attempt that a manual retry made stale (or a twin after an
-- expired lease) records nothing: returns the ids it recorded.
-- Rows are locked in id order, so two batches can never wait for each other in a cycle.
WITH attempt AS (
    SELECT * FROM unnest($1::uuid[], $2::integer[], $3::integer[], $4::text[], $5::integer[],
                         $6::text[], $7::double precision[])
        AS a (id, generation, number, status, response_code, error, next_in)
), locked AS (
    SELECT d.id FROM webhook_deliveries d JOIN attempt a USING (id)
    ORDER BY d.id FOR UPDATE OF d
)
UPDATE webhook_deliveries d
SET attempts = a.number,
    status = a.status,
    response_code = a.response_code,
    last_error = a.error,
    last_attempt_at = now(),
    next_retry_at = now() + make_interval(secs => a.next_in),
    leased_until = NULL
FROM attempt a, locked l
WHERE d.id = a.id AND l.id = a.id
  AND d.generation = a.generation AND d.attempts = a.number - 1 AND d.status = 'pending'
RETURNING d.id;

-- name: gateway_webhooks_release
-- $1 delivery ids. Ends leases a process holds but will not use: a stale attempt's (a manual
-- retry reset the row meanwhile, which need not wait for the lease to expire), or those of
-- deliveries it has no room to attempt. Due, they are the sweepers' at once.
UPDATE webhook_deliveries SET leased_until = NULL WHERE id = ANY($1::uuid[]);

-- name: gateway_webhooks_make_due
-- $1 delivery id. A deliver_webhook job queued by an older payserv: the row already says
-- when it is due; this only brings a scheduled attempt forward to now.
UPDATE webhook_deliveries SET next_retry_at = now()
WHERE id = $1 AND status = 'pending' AND next_retry_at > now();

-- name: gateway_webhooks_reset_for_retry
-- $1 delivery id, $2 merchant id. Manual retry: attempts back to 0, due now, new generation.
-- FOR UPDATE is implicit in UPDATE: concurrent retries serialize and each bumps generation.
-- The lease stays: an attempt still in flight ends it, so two never overlap.
UPDATE webhook_deliveries
SET status = 'pending', attempts = 0, generation = generation + 1,
    next_retry_at = now(), last_error = NULL
WHERE id = $1 AND merchant_id = $2
RETURNING id;

-- name: gateway_webhooks_list
-- $1 merchant id, $2 limit, $3 offset, $4 $5 the cursor's (created_at, seq) or NULL
-- (payserv/listing.py). Newest first, ties in reverse insertion order.
SELECT id, event, status, attempts, created_at, last_attempt_at, next_retry_at, response_code,
       last_error
FROM webhook_deliveries
WHERE merchant_id = $1 AND (created_at, seq) < (coalesce($4::timestamptz, 'infinity'), coalesce($5::bigint, 9223372036854775807))
ORDER BY created_at DESC, seq DESC
LIMIT $2 OFFSET $3;

-- name: gateway_webhooks_cursor
-- $1 merchant id, $2 id: the list position of that object, if the caller can see it.
SELECT created_at, seq FROM webhook_deliveries WHERE merchant_id = $1 AND id = $2;

-- ----- merchant dashboard (DESIGN §4b) -----

-- name: gateway_merchant_login_by_email
-- $1 email. What a dashboard login checks.
SELECT id, dashboard_password_hash FROM merchants WHERE email = $1;

-- name: gateway_set_dashboard_password
-- $1 email, $2 scrypt hash. Returns the merchant id (nothing: no such merchant).
UPDATE merchants SET dashboard_password_hash = $2, updated_at = now()
WHERE email = $1
RETURNING id;

-- name: gateway_set_api_secret_hash
-- $1 merchant id, $2 SHA-256 of the new API secret: the old one stops working at commit.
UPDATE merchants SET api_secret_hash = $2, updated_at = now() WHERE id = $1
RETURNING id;

-- name: gateway_set_webhook_secret
-- $1 merchant id, $2 the new sealed webhook secret (deliveries read it at each attempt).
UPDATE merchants SET webhook_secret_encrypted = $2, updated_at = now() WHERE id = $1
RETURNING id;

-- name: dashboard_insert_session
-- $1 SHA-256 of the session id, $2 merchant id, $3 lifetime in seconds.
INSERT INTO dashboard_sessions (id_hash, merchant_id, expires_at)
VALUES ($1, $2, now() + make_interval(secs => $3::double precision));

-- name: dashboard_session_merchant
-- $1 SHA-256 of the session id. The merchant of a live session (expired ones name no one).
SELECT m.* FROM dashboard_sessions s JOIN merchants m ON m.id = s.merchant_id
WHERE s.id_hash = $1 AND s.expires_at > now();

-- name: dashboard_delete_session
-- $1 SHA-256 of the session id (logout, or the old id when a login rotates it).
DELETE FROM dashboard_sessions WHERE id_hash = $1;

-- name: dashboard_purge_expired_sessions
-- No parameters: every merchant's expired sessions (the periodic purge). Returns how many.
WITH deleted AS (
    DELETE FROM dashboard_sessions WHERE expires_at <= now() RETURNING 1
)
SELECT count(*) FROM deleted;

-- name: dashboard_delete_expired_sessions
-- $1 merchant id: its expired sessions, swept at each of its logins.
DELETE FROM dashboard_sessions WHERE merchant_id = $1 AND expires_at <= now();

-- name: dashboard_delete_merchant_sessions
-- $1 merchant id: every session, when its password changes.
DELETE FROM dashboard_sessions WHERE merchant_id = $1;

-- name: dashboard_payment_stats
-- $1 merchant id. One aggregate per currency: all payments, successful, final, successful sum.
SELECT currency,
       count(*) AS total,
       count(*) FILTER (WHERE status = 'success') AS succeeded,
       count(*) FILTER (WHERE status IN ('success', 'failed')) AS final,
       coalesce(sum(amount) FILTER (WHERE status = 'success'), 0) AS success_amount
FROM gateway_payments
WHERE merchant_id = $1
GROUP BY currency
ORDER BY count(*) DESC, currency;

-- name: dashboard_daily_payments
-- $1 merchant id, $2 number of days (today, UTC, included). Payments per day and status;
-- days without payments come back with zeros, so the chart has one slot per day.
SELECT d.day::date AS day,
       count(p.id) FILTER (WHERE p.status = 'success') AS success,
       count(p.id) FILTER (WHERE p.status = 'failed') AS failed,
       count(p.id) FILTER (WHERE p.status = 'pending') AS pending
FROM generate_series(
         (now() AT TIME ZONE 'UTC')::date - ($2::integer - 1),
         (now() AT TIME ZONE 'UTC')::date,
         interval '1 day') AS d(day)
LEFT JOIN gateway_payments p
       ON p.merchant_id = $1
      AND p.created_at >= d.day AT TIME ZONE 'UTC'
      AND p.created_at < (d.day + interval '1 day') AT TIME ZONE 'UTC'
GROUP BY d.day
ORDER BY d.day;

-- name: dashboard_transactions_cursor
-- $1 merchant id, $2 payment id: where the page after that payment starts (no row: not theirs).
SELECT created_at, seq FROM gateway_payments WHERE id = $2 AND merchant_id = $1;

-- The transaction pages: $1 merchant id, $2 created_at and $3 seq of the row the page starts
-- after ('infinity' and the largest bigint for the first page), $4 limit. One query per
-- filter, each walking an index whose prefix is its equalities: a page costs the same at any
-- number of payments, and even a filter nothing matches reads no row of the merchant's.

-- name: dashboard_transactions
-- No filter: the (merchant_id, created_at, seq) index.
SELECT * FROM gateway_payments
WHERE merchant_id = $1 AND (created_at, seq) < ($2, $3)
ORDER BY created_at DESC, seq DESC
LIMIT $4;

-- name: dashboard_transactions_by_status
-- $5 status: the (merchant_id, status, created_at, seq) index.
SELECT * FROM gateway_payments
WHERE merchant_id = $1 AND status = $5 AND (created_at, seq) < ($2, $3)
ORDER BY created_at DESC, seq DESC
LIMIT $4;

-- name: dashboard_transactions_by_method
-- $5 method: the (merchant_id, method, created_at, seq) index.
SELECT * FROM gateway_payments
WHERE merchant_id = $1 AND method = $5 AND (created_at, seq) < ($2, $3)
ORDER BY created_at DESC, seq DESC
LIMIT $4;

-- name: dashboard_transactions_by_status_method
-- $5 status, $6 method: the (merchant_id, status, method, created_at, seq) index.
SELECT * FROM gateway_payments
WHERE merchant_id = $1 AND status = $5 AND method = $6 AND (created_at, seq) < ($2, $3)
ORDER BY created_at DESC, seq DESC
LIMIT $4;
