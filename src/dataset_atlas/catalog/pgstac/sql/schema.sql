-- The Dataset Atlas tables beside pgstac's, at schema version 3 (see migrate.py).
-- Idempotent: ingest runs it each time (under an advisory lock, so two curators ingesting at
-- once do not race). A catalog written with an older schema is first brought up to date by
-- migrate-*.sql (columns an existing table lacks), then this file runs as for a new one.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE SCHEMA IF NOT EXISTS dataset_atlas;
CREATE TABLE IF NOT EXISTS dataset_atlas.records (
    id text PRIMARY KEY REFERENCES pgstac.collections (id) ON DELETE CASCADE,
    ord bigint NOT NULL,
    source_kind text NOT NULL, source_path text NOT NULL,
    title_zh text NOT NULL, title_en text NOT NULL, category text NOT NULL, keywords text NOT NULL,
    formats text[] NOT NULL, place_zh text NOT NULL, place_en text NOT NULL,
    west float8, south float8, east float8, north float8, extent_quality text NOT NULL,
    start_date date, end_date date, ongoing boolean NOT NULL,
    resolution_m float8, resolution_text text NOT NULL, time_resolution text NOT NULL,
    access text NOT NULL, licence text NOT NULL, size_bytes bigint, file_count bigint,
    -- Python's str.lower() of the titles: the sort keys the local index uses, byte for byte
    title_en_key text NOT NULL, title_zh_key text NOT NULL,
    -- a span given backwards (end before start) is searched with its ends swapped
    t_lo date GENERATED ALWAYS AS (CASE WHEN end_date IS NULL OR start_date IS NULL OR start_date <= end_date
                                   THEN start_date ELSE end_date END) STORED,
    t_hi date GENERATED ALWAYS AS (CASE WHEN end_date IS NULL OR start_date IS NULL OR start_date <= end_date
                                   THEN end_date ELSE start_date END) STORED,
    -- the box for the GiST index; one crossing 180° is indexed as the whole longitude range
    geom geometry GENERATED ALWAYS AS (CASE WHEN west IS NULL THEN NULL
        WHEN west > east THEN ST_MakeEnvelope(-180, south, 180, north, 4326)
        ELSE ST_MakeEnvelope(west, south, east, north, 4326) END) STORED
);
CREATE SEQUENCE IF NOT EXISTS dataset_atlas.ingest_order;
CREATE INDEX IF NOT EXISTS records_geom ON dataset_atlas.records USING gist (geom);
CREATE INDEX IF NOT EXISTS records_time ON dataset_atlas.records (t_lo, t_hi);
CREATE INDEX IF NOT EXISTS records_resolution ON dataset_atlas.records (resolution_m);
CREATE INDEX IF NOT EXISTS records_category ON dataset_atlas.records (category);
CREATE INDEX IF NOT EXISTS records_time_resolution ON dataset_atlas.records (time_resolution);
CREATE INDEX IF NOT EXISTS records_access ON dataset_atlas.records (access);
CREATE INDEX IF NOT EXISTS records_formats ON dataset_atlas.records USING gin (formats);
-- the search text in its own table: scans for the other filters and the facet counts stay narrow
CREATE TABLE IF NOT EXISTS dataset_atlas.texts (
    id text PRIMARY KEY REFERENCES dataset_atlas.records (id) ON DELETE CASCADE,
    search_text text NOT NULL,
    -- schema 2: a copy of the record's fact row, so a free-text query finds its matches and
    -- applies the other filters in this one table, with no join (written by ingest with the facts)
    combo integer, west float8, south float8, east float8, north float8, t_lo date, t_hi date, resolution_m float8,
    -- every non-ASCII character and pair of them in the text as an integer (gram keys): a term of
    -- one or two such characters (冻土, 冰) is found exactly through its index, where the trigram
    -- index has nothing to look up
    grams int8[],
    -- the record's sort keys: a text query's page is sorted among its matches, not by walking a
    -- sort index of all records (slow when the matches sort late, as "permafrost" titles do)
    ord bigint, title_en_key text, title_zh_key text, start_date date, end_date date, size_bytes bigint, category text,
    -- schema 3: the record's lower-cased fields the relevance score reads (query.RANK_FIELDS,
    -- written by the same code as the local index reads them): matches are scored in SQL
    rank_id text, rank_title_en text, rank_title_zh text, rank_tags text
);
CREATE INDEX IF NOT EXISTS texts_trigram ON dataset_atlas.texts USING gin (search_text gin_trgm_ops);
CREATE INDEX IF NOT EXISTS records_ord ON dataset_atlas.records (ord);
CREATE INDEX IF NOT EXISTS records_title_en ON dataset_atlas.records ((title_en_key COLLATE "C"), ord);
CREATE INDEX IF NOT EXISTS records_start ON dataset_atlas.records (start_date, ord);
CREATE INDEX IF NOT EXISTS records_start_desc ON dataset_atlas.records (start_date DESC NULLS LAST, ord);
CREATE TABLE IF NOT EXISTS dataset_atlas.meta (key text PRIMARY KEY, value jsonb NOT NULL);
-- A counter bumped by every statement that changes the rows (ingest, or a cascade from a
-- collection deleted by any writer): app processes reuse a result while it stays the same.
INSERT INTO dataset_atlas.meta VALUES ('version', '0') ON CONFLICT (key) DO NOTHING;
-- SECURITY DEFINER: pgstac's own functions (delete_collection) run as its roles, which have
-- no rights on this schema, and a delete there cascades here.
CREATE OR REPLACE FUNCTION dataset_atlas.bump_version() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE dataset_atlas.meta SET value = to_jsonb(value::text::bigint + 1) WHERE key = 'version';
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER records_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON dataset_atlas.records
    FOR EACH STATEMENT EXECUTE FUNCTION dataset_atlas.bump_version();
-- Facet counts without hashing text per row. Each distinct combination of facet values (and
-- whether the record has an extent) is one row of `combos`; `facts` is a narrow row per
-- record (its combination and the range columns the other filters read), so counting a
-- result is one integer GROUP BY over few pages, and the counts per facet are then taken
-- over the few combinations instead of the rows.
CREATE TABLE IF NOT EXISTS dataset_atlas.combos (
    code serial PRIMARY KEY,
    category text NOT NULL, time_resolution text NOT NULL, access text NOT NULL, extent_quality text NOT NULL,
    formats text[] NOT NULL, has_extent boolean NOT NULL,
    UNIQUE (category, time_resolution, access, extent_quality, formats, has_extent)
);
CREATE TABLE IF NOT EXISTS dataset_atlas.facts (
    id text PRIMARY KEY REFERENCES dataset_atlas.records (id) ON DELETE CASCADE,
    combo integer NOT NULL,
    west float8, south float8, east float8, north float8, t_lo date, t_hi date, resolution_m float8,
    -- the extent's box as the line between two corners: the same bounding box as an envelope
    -- in half the bytes (the row stays narrow), and PostGIS keeps statistics for it (so the
    -- planner scans the table for a wide area and the index for a small one)
    extent geometry GENERATED ALWAYS AS (CASE WHEN west IS NULL THEN NULL
        WHEN west > east THEN ST_MakeLine(ST_SetSRID(ST_MakePoint(-180, south), 4326),
                                          ST_SetSRID(ST_MakePoint(180, north), 4326))
        ELSE ST_MakeLine(ST_SetSRID(ST_MakePoint(west, south), 4326),
                         ST_SetSRID(ST_MakePoint(east, north), 4326)) END) STORED
);
CREATE INDEX IF NOT EXISTS facts_extent ON dataset_atlas.facts USING gist (extent);
CREATE INDEX IF NOT EXISTS texts_grams ON dataset_atlas.texts USING gin (grams);
CREATE INDEX IF NOT EXISTS facts_time ON dataset_atlas.facts (t_lo, t_hi);
CREATE INDEX IF NOT EXISTS facts_resolution ON dataset_atlas.facts (resolution_m);
-- Records per combination for the whole catalog, kept by triggers as signed deltas (appends
-- only, so concurrent writers never wait on each other's rows; ingest folds them together):
-- a query without range, area or text filters reads its counts from here, not from the rows.
-- (integer counts: sum() of integers stays a fast integer, of bigints it becomes numeric)
CREATE TABLE IF NOT EXISTS dataset_atlas.cube (combo integer NOT NULL, n integer NOT NULL);
CREATE OR REPLACE FUNCTION dataset_atlas.cube_delta() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE dataset_atlas.cube;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO dataset_atlas.cube SELECT combo, count(*) FROM added GROUP BY combo;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO dataset_atlas.cube SELECT combo, -count(*) FROM removed GROUP BY combo;
    ELSE
        INSERT INTO dataset_atlas.cube SELECT combo, sum(d) FROM (
            SELECT combo, -1 AS d FROM removed UNION ALL SELECT combo, 1 FROM added) AS changes
        GROUP BY combo HAVING sum(d) <> 0;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER facts_cube_insert AFTER INSERT ON dataset_atlas.facts
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION dataset_atlas.cube_delta();
CREATE OR REPLACE TRIGGER facts_cube_update AFTER UPDATE ON dataset_atlas.facts
    REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION dataset_atlas.cube_delta();
CREATE OR REPLACE TRIGGER facts_cube_delete AFTER DELETE ON dataset_atlas.facts
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION dataset_atlas.cube_delta();
CREATE OR REPLACE TRIGGER facts_cube_truncate AFTER TRUNCATE ON dataset_atlas.facts
    FOR EACH STATEMENT EXECUTE FUNCTION dataset_atlas.cube_delta();
