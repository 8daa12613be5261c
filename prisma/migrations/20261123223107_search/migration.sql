-- Storefront search: typo-tolerant matching with pg_trgm plus PostgreSQL full-text search.
-- These are expression indexes Prisma's schema language cannot describe; the queries in
-- app/services/catalog.server.ts use exactly these expressions so the planner can use them.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Trigram indexes: "kurtha" still finds "kurta" (word similarity), for names and brands.
CREATE INDEX "products_name_trgm_idx" ON "products" USING GIN (lower("name") gin_trgm_ops);
CREATE INDEX "products_brand_trgm_idx" ON "products" USING GIN (lower("brand") gin_trgm_ops);

-- Full-text search over name, brand and description (English stemming: "kurtas" → "kurta").
CREATE INDEX "products_search_fts_idx" ON "products" USING GIN (
  to_tsvector('english'::regconfig, "name" || ' ' || "brand" || ' ' || "description")
);
