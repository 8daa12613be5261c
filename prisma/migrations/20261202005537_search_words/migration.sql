-- Typo-tolerant search by spelling correction (as in the pg_trgm documentation's "Text Search
-- Integration"): `search_words` holds every word of the products' names, brands and
-- descriptions; searchProducts (app/services/catalog.server.ts) replaces a word that no
-- product contains by the catalogue words within one or two edits of it ("shrit" → "shirt",
-- "jeens" → "jeans") found through the trigram index below, then runs the full-text query.
-- This replaces the trigram match on whole names, which was both too strict for short words
-- (word_similarity('shrit', 'shirt') is 0.33) and too loose for known ones ("short" found shirts).

-- CreateTable
CREATE TABLE "search_words" (
    "word" TEXT NOT NULL,

    CONSTRAINT "search_words_pkey" PRIMARY KEY ("word")
);

-- CreateIndex
CREATE INDEX "search_words_word_trgm_idx" ON "search_words" USING GIN ("word" gin_trgm_ops);

-- The words of a product: lowercase tokens of the `simple` text search configuration (no
-- stemming, no stop words), letters and digits only, 3 to 40 characters.
CREATE FUNCTION "search_words_of"(name text, brand text, description text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT lexeme FROM unnest(to_tsvector('simple'::regconfig, name || ' ' || brand || ' ' || description))
  WHERE length(lexeme) BETWEEN 3 AND 40 AND lexeme !~ '[[:punct:][:space:]]'
$$;

-- Words are only ever added: a word left by an edited or removed product costs a row and at
-- worst a correction that finds nothing.
CREATE FUNCTION "search_words_collect"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "search_words" ("word")
  SELECT "search_words_of"(NEW."name", NEW."brand", NEW."description")
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;

CREATE TRIGGER "products_search_words_insert" AFTER INSERT ON "products"
  FOR EACH ROW EXECUTE FUNCTION "search_words_collect"();

-- Stock and sales counters change far more often than the text: only a text change runs it.
CREATE TRIGGER "products_search_words_update" AFTER UPDATE OF "name", "brand", "description" ON "products"
  FOR EACH ROW
  WHEN (OLD."name" IS DISTINCT FROM NEW."name" OR OLD."brand" IS DISTINCT FROM NEW."brand" OR OLD."description" IS DISTINCT FROM NEW."description")
  EXECUTE FUNCTION "search_words_collect"();

-- Also when triggers are off for a bulk load (session_replication_role = replica, as the seed
-- and pg_restore --disable-triggers do): the words are part of the data, not a reaction to it.
ALTER TABLE "products" ENABLE ALWAYS TRIGGER "products_search_words_insert";
ALTER TABLE "products" ENABLE ALWAYS TRIGGER "products_search_words_update";

INSERT INTO "search_words" ("word")
SELECT DISTINCT "search_words_of"("name", "brand", "description") FROM "products"
ON CONFLICT DO NOTHING;

-- Only the replaced trigram match used these.
DROP INDEX IF EXISTS "products_name_trgm_idx";
DROP INDEX IF EXISTS "products_brand_trgm_idx";
