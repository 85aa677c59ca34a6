-- Schema 2 to 3: the rank fields the relevance score reads (see schema.sql); migrate.py
-- computes them for every record. Run only when migrating: an ALTER TABLE locks out readers.
ALTER TABLE dataset_atlas.texts
    ADD COLUMN IF NOT EXISTS rank_id text, ADD COLUMN IF NOT EXISTS rank_title_en text,
    ADD COLUMN IF NOT EXISTS rank_title_zh text, ADD COLUMN IF NOT EXISTS rank_tags text;
