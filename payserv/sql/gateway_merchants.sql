-- name: gateway_insert_merchant
-- Create a merchant unless the id exists; $1 id, $2 email, $3 api_key, $4 api_secret_hash,
-- $5 webhook_secret_encrypted, $6 webhook_url. Returns nothing when it already existed.
INSERT INTO merchants (id, email, api_key, api_secret_hash, webhook_secret_encrypted, webhook_url)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (id) DO NOTHING
RETURNING id, email, api_key, api_secret_hash, webhook_secret_encrypted, webhook_url,
          created_at, updated_at;

-- name: gateway_merchant_by_api_key
-- $1 api_key.
SELECT id, email, api_key, api_secret_hash, webhook_secret_encrypted, webhook_url,
       created_at, updated_at
FROM merchants WHERE api_key = $1;

-- name: gateway_merchant_by_id
-- $1 merchant id.
SELECT id, email, api_key, api_secret_hash, webhook_secret_encrypted, webhook_url,
       created_at, updated_at
FROM merchants WHERE id = $1;

-- name: gateway_set_merchant_webhook_url
-- $1 merchant id, $2 webhook_url (NULL clears it).
UPDATE merchants SET webhook_url = $2, updated_at = now() WHERE id = $1
RETURNING id, email, api_key, api_secret_hash, webhook_secret_encrypted, webhook_url,
          created_at, updated_at;
