-- Shop (DESIGN §7): catalog, orders, Stripe objects, purchases and webhook events.

-- name: shop_insert_item
-- Insert an item: $1 name, $2 description, $3 price, $4 currency.
INSERT INTO shop_items (name, description, price, currency)
VALUES ($1, $2, $3, $4)
RETURNING id, name, description, price, currency, created_at;

-- name: shop_update_item
-- Update an item, keeping fields passed as NULL: $1 id, $2 name, $3 description, $4 price, $5 currency.
UPDATE shop_items
SET name = coalesce($2, name),
    description = coalesce($3, description),
    price = coalesce($4, price),
    currency = coalesce($5, currency)
WHERE id = $1
RETURNING id, name, description, price, currency, created_at;

-- name: shop_get_item
-- One item: $1 id.
SELECT id, name, description, price, currency, created_at FROM shop_items WHERE id = $1;

-- name: shop_get_items
-- Items by id: $1 ids (bigint[]).
SELECT id, name, description, price, currency, created_at FROM shop_items WHERE id = ANY($1::bigint[]);

-- name: shop_list_items
-- Every row (no owner): $1 limit, $2 offset, $3 $4 the cursor's (created_at, id) or NULL
-- (payserv/listing.py). Newest first, ties in reverse insertion order.
SELECT id, name, description, price, currency, created_at
FROM shop_items
WHERE (created_at, id) < (coalesce($3::timestamptz, 'infinity'), coalesce($4::bigint, 9223372036854775807))
ORDER BY created_at DESC, id DESC
LIMIT $1 OFFSET $2;

-- name: shop_items_cursor
-- No owner, $1 id: the list position of that object, if the caller can see it.
SELECT created_at, id FROM shop_items WHERE id = $1;

-- name: shop_find_item_by_name
-- The first item with a name and currency (demo seed): $1 name, $2 currency.
SELECT id, name, description, price, currency, created_at
FROM shop_items WHERE name = $1 AND currency = $2 ORDER BY id LIMIT 1;

-- name: shop_insert_discount
-- Insert a discount: $1 name, $2 percent_off, $3 amount_off, $4 currency.
INSERT INTO shop_discounts (name, percent_off, amount_off, currency)
VALUES ($1, $2, $3, $4)
RETURNING id, name, percent_off, amount_off, currency, created_at;

-- name: shop_get_discount
-- One discount: $1 id.
SELECT id, name, percent_off, amount_off, currency, created_at FROM shop_discounts WHERE id = $1;

-- name: shop_list_discounts
-- Every row (no owner): $1 limit, $2 offset, $3 $4 the cursor's (created_at, id) or NULL
-- (payserv/listing.py). Newest first, ties in reverse insertion order.
SELECT id, name, percent_off, amount_off, currency, created_at
FROM shop_discounts
WHERE (created_at, id) < (coalesce($3::timestamptz, 'infinity'), coalesce($4::bigint, 9223372036854775807))
ORDER BY created_at DESC, id DESC
LIMIT $1 OFFSET $2;

-- name: shop_discounts_cursor
-- No owner, $1 id: the list position of that object, if the caller can see it.
SELECT created_at, id FROM shop_discounts WHERE id = $1;

-- name: shop_insert_tax
-- Insert a tax: $1 name, $2 percentage, $3 inclusive.
INSERT INTO shop_taxes (name, percentage, inclusive)
VALUES ($1, $2, $3)
RETURNING id, name, percentage, inclusive, created_at;

-- name: shop_get_taxes
-- Taxes by id, in id order: $1 ids (bigint[]).
SELECT id, name, percentage, inclusive, created_at
FROM shop_taxes WHERE id = ANY($1::bigint[]) ORDER BY id;

-- name: shop_list_taxes
-- Every row (no owner): $1 limit, $2 offset, $3 $4 the cursor's (created_at, id) or NULL
-- (payserv/listing.py). Newest first, ties in reverse insertion order.
SELECT id, name, percentage, inclusive, created_at
FROM shop_taxes
WHERE (created_at, id) < (coalesce($3::timestamptz, 'infinity'), coalesce($4::bigint, 9223372036854775807))
ORDER BY created_at DESC, id DESC
LIMIT $1 OFFSET $2;

-- name: shop_taxes_cursor
-- No owner, $1 id: the list position of that object, if the caller can see it.
SELECT created_at, id FROM shop_taxes WHERE id = $1;

-- name: shop_insert_order
-- Insert an order: $1 currency, $2 discount_id (nullable).
INSERT INTO shop_orders (currency, discount_id)
VALUES ($1, $2)
RETURNING id, currency, discount_id, paid, created_at;

-- name: shop_insert_order_lines
-- Insert an order's lines: $1 order_id, $2 item ids (bigint[]), $3 quantities (int[]), in order.
INSERT INTO shop_order_lines (order_id, position, item_id, quantity, unit_price)
SELECT $1, line.position, line.item_id, line.quantity, i.price
FROM unnest($2::bigint[], $3::int[]) WITH ORDINALITY AS line (item_id, quantity, position)
JOIN shop_items i ON i.id = line.item_id;

-- name: shop_insert_order_taxes
-- Attach taxes to an order: $1 order_id, $2 tax ids (bigint[]).
INSERT INTO shop_order_taxes (order_id, tax_id)
SELECT $1, unnest($2::bigint[]);

-- name: shop_get_order
-- One order: $1 id.
SELECT id, currency, discount_id, paid, created_at FROM shop_orders WHERE id = $1;

-- name: shop_list_orders
-- Every row (no owner): $1 limit, $2 offset, $3 $4 the cursor's (created_at, id) or NULL
-- (payserv/listing.py). Newest first, ties in reverse insertion order.
SELECT id, currency, discount_id, paid, created_at
FROM shop_orders
WHERE (created_at, id) < (coalesce($3::timestamptz, 'infinity'), coalesce($4::bigint, 9223372036854775807))
ORDER BY created_at DESC, id DESC
LIMIT $1 OFFSET $2;

-- name: shop_orders_cursor
-- No owner, $1 id: the list position of that object, if the caller can see it.
SELECT created_at, id FROM shop_orders WHERE id = $1;

-- name: shop_get_orders_lines
-- The lines of several orders with their items, by order and position: $1 order ids (bigint[]).
SELECT l.order_id, l.item_id, l.quantity, l.unit_price, i.name, i.description
FROM shop_order_lines l
JOIN shop_items i ON i.id = l.item_id
WHERE l.order_id = ANY($1::bigint[])
ORDER BY l.order_id, l.position;

-- name: shop_get_orders_taxes
-- The taxes of several orders, by order and tax id: $1 order ids (bigint[]).
SELECT ot.order_id, t.id, t.name, t.percentage, t.inclusive, t.created_at
FROM shop_order_taxes ot
JOIN shop_taxes t ON t.id = ot.tax_id
WHERE ot.order_id = ANY($1::bigint[])
ORDER BY ot.order_id, t.id;

-- name: shop_get_discounts
-- Discounts by id: $1 ids (bigint[]).
SELECT id, name, percent_off, amount_off, currency, created_at
FROM shop_discounts WHERE id = ANY($1::bigint[]);

-- name: shop_any_order
-- Whether any order exists (demo seed idempotency; no parameters).
SELECT EXISTS (SELECT 1 FROM shop_orders);

-- name: shop_mark_order_paid
-- Mark an order paid once: $1 id.
UPDATE shop_orders SET paid = true, paid_at = now() WHERE id = $1 AND NOT paid;

-- name: shop_get_stripe_object
-- A cached Stripe coupon or tax rate: $1 account fingerprint, $2 kind, $3 local id.
SELECT stripe_id FROM shop_stripe_objects WHERE account = $1 AND kind = $2 AND local_id = $3;

-- name: shop_insert_stripe_object
-- Cache a Stripe object: $1 account fingerprint, $2 kind, $3 local id, $4 stripe id.
-- ON CONFLICT DO NOTHING: when two checkouts race, both created the object with the same
-- Idempotency-Key (so Stripe returned one object); the first insert wins, both reuse it.
INSERT INTO shop_stripe_objects (account, kind, local_id, stripe_id)
VALUES ($1, $2, $3, $4)
ON CONFLICT (account, kind, local_id) DO NOTHING;

-- name: shop_insert_purchase
-- Record a created Checkout Session or PaymentIntent: $1 reference, $2 kind, $3 stripe id,
-- $4 amount (minor units), $5 currency.
-- ON CONFLICT DO NOTHING: an idempotent replay by Stripe returns the same object again.
INSERT INTO shop_purchases (reference, kind, stripe_id, amount, currency)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (stripe_id) DO NOTHING;

-- name: shop_mark_purchase_paid
-- Mark a purchase paid when its Stripe object and reference match: $1 stripe id, $2 reference.
-- Returns the row only the first time, so the order is marked paid once.
UPDATE shop_purchases SET status = 'paid', paid_at = now()
WHERE stripe_id = $1 AND reference = $2 AND status = 'open'
RETURNING id, reference;

-- name: shop_list_purchases
-- Every row (no owner): $1 limit, $2 offset, $3 $4 the cursor's (created_at, id) or NULL, like
-- the other shop lists (only /admin/ shows purchases, always from the newest).
SELECT id, reference, kind, stripe_id, amount, currency, status, created_at, paid_at
FROM shop_purchases
WHERE (created_at, id) < (coalesce($3::timestamptz, 'infinity'), coalesce($4::bigint, 9223372036854775807))
ORDER BY created_at DESC, id DESC
LIMIT $1 OFFSET $2;

-- name: shop_insert_event
-- Store a Stripe event id once: $1 event id, $2 type. No row back = already seen.
INSERT INTO shop_stripe_events (event_id, type)
VALUES ($1, $2)
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id;

-- name: shop_lock_stripe_object
-- A transaction-level advisory lock on a name: $1 lock name (the demo seed's).
-- Never taken around a Stripe call: those race safely through Idempotency-Keys instead.
SELECT pg_advisory_xact_lock(hashtextextended($1, 0));

-- name: stripe_sandbox_by_key
-- The Stripe sandbox's object first created under an Idempotency-Key: $1 key.
SELECT id, object, body, request_digest FROM stripe_sandbox_objects WHERE idempotency_key = $1;

-- name: stripe_sandbox_insert
-- Store a sandbox object: $1 id, $2 object, $3 body, $4 shown, $5 idempotency key, $6 digest.
-- No row back: another request with the same key got there first (waited for, then read).
INSERT INTO stripe_sandbox_objects (id, object, body, shown, idempotency_key, request_digest)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING body;

-- name: stripe_sandbox_get
-- One sandbox object: $1 id.
SELECT id, object, body, shown FROM stripe_sandbox_objects WHERE id = $1;

-- name: stripe_sandbox_get_many
-- Sandbox objects by id (coupons and tax rates a session names): $1 ids (text[]).
SELECT id, body FROM stripe_sandbox_objects WHERE id = ANY($1::text[]);

-- name: stripe_sandbox_complete_session
-- Pay an open Checkout Session: $1 id. Returns the session only when it was still open.
UPDATE stripe_sandbox_objects
SET body = body || jsonb_build_object('status', 'complete', 'payment_status', 'paid')
WHERE id = $1 AND object = 'checkout.session' AND body ->> 'status' = 'open'
RETURNING body;

-- name: stripe_sandbox_insert_event
-- The session's checkout.session.completed event, once: $1 event id, $2 body.
INSERT INTO stripe_sandbox_objects (id, object, body)
VALUES ($1, 'event', $2)
ON CONFLICT (id) DO NOTHING;
