-- name: gateway_webhooks_insert_delivery
-- $1 delivery id, $2 merchant id, $3 event, $4 body bytes. Inserts only when the merchant
-- has a webhook_url (one statement: no second round trip to read the merchant).
INSERT INTO webhook_deliveries (id, merchant_id, event, body, next_retry_at)
SELECT $1, m.id, $3, $4, now()
FROM merchants m
WHERE m.id = $2 AND m.webhook_url IS NOT NULL
RETURNING id;

-- name: gateway_webhooks_delivery_target
-- $1 delivery id. The delivery with its merchant's current webhook_url and sealed secret
-- (a manual retry after the merchant fixed its URL must reach the new one).
SELECT d.id, d.merchant_id, d.event, d.body, d.status, d.attempts, d.generation,
       m.webhook_url, m.webhook_secret_encrypted
FROM webhook_deliveries d
JOIN merchants m ON m.id = d.merchant_id
WHERE d.id = $1;

-- name: gateway_webhooks_record_attempt
-- $1 delivery id, $2 generation, $3 attempt number, $4 status after it, $5 response code,
-- $6 error, $7 seconds until the next attempt (NULL: none). Conditional on generation and
-- attempts so a stale or duplicate job records nothing (and then schedules nothing).
UPDATE webhook_deliveries
SET attempts = $3,
    status = $4,
    response_code = $5,
    last_error = $6,
    last_attempt_at = now(),
    next_retry_at = now() + make_interval(secs => $7::double precision)
WHERE id = $1 AND generation = $2 AND attempts = $3 - 1 AND status = 'pending'
RETURNING id;

-- name: gateway_webhooks_reset_for_retry
-- $1 delivery id, $2 merchant id. Manual retry: attempts back to 0, due now, new generation.
-- FOR UPDATE is implicit in UPDATE: concurrent retries serialize and each bumps generation.
UPDATE webhook_deliveries
SET status = 'pending', attempts = 0, generation = generation + 1,
    next_retry_at = now(), last_error = NULL
WHERE id = $1 AND merchant_id = $2
RETURNING id, generation;

-- name: gateway_webhooks_list
-- $1 merchant id, $2 limit, $3 offset. Newest first, ties in reverse insertion order.
SELECT id, event, status, attempts, created_at, last_attempt_at, next_retry_at, response_code,
       last_error
FROM webhook_deliveries
WHERE merchant_id = $1
ORDER BY created_at DESC, seq DESC
LIMIT $2 OFFSET $3;

-- name: gateway_webhooks_count
-- $1 merchant id.
SELECT count(*) FROM webhook_deliveries WHERE merchant_id = $1;
