-- Staff order search by phone (/admin/orders): the whole number in any format staff type
-- (+91 98765 43210, 09876543210, 9876543210) or only its last digits. Both sides are reduced
-- to digits and reversed, so "ends with 3210" becomes a prefix match ('0123%') that a B-tree
-- answers (text_pattern_ops: LIKE 'x%' works whatever the database collation). Prisma's
-- schema language cannot describe expression indexes; listOrders in
-- app/services/orders.server.ts uses exactly these expressions so the planner can use them.
--
-- On a large live store, build them first with CREATE INDEX CONCURRENTLY and the same names;
-- IF NOT EXISTS then makes this migration a no-op instead of a write lock on orders.

-- The shipping address is a JSONB snapshot of what was typed at checkout.
CREATE INDEX IF NOT EXISTS "orders_shipping_phone_rev_idx" ON "orders" (
  reverse(regexp_replace("shipping_address" ->> 'phone', '[^0-9]', '', 'g')) text_pattern_ops
);

-- The buyer's account phone (E.164), for orders shipped to someone else's number.
CREATE INDEX IF NOT EXISTS "users_phone_rev_idx" ON "users" (
  reverse(regexp_replace("phone", '[^0-9]', '', 'g')) text_pattern_ops
);
