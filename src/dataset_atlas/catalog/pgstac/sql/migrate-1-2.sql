-- Schema 1 to 2: the texts columns beside the search text (the fact row, the gram keys and
-- the sort keys; see schema.sql). The combos, facts and cube tables are created by schema.sql,
-- and migrate.py derives the new rows for every record. Run only when migrating: an ALTER
-- TABLE locks out readers.
ALTER TABLE dataset_atlas.texts
    ADD COLUMN IF NOT EXISTS combo integer, ADD COLUMN IF NOT EXISTS west float8,
    ADD COLUMN IF NOT EXISTS south float8, ADD COLUMN IF NOT EXISTS east float8,
    ADD COLUMN IF NOT EXISTS north float8, ADD COLUMN IF NOT EXISTS t_lo date,
    ADD COLUMN IF NOT EXISTS t_hi date, ADD COLUMN IF NOT EXISTS resolution_m float8,
    ADD COLUMN IF NOT EXISTS grams int8[], ADD COLUMN IF NOT EXISTS ord bigint,
    ADD COLUMN IF NOT EXISTS title_en_key text, ADD COLUMN IF NOT EXISTS title_zh_key text,
    ADD COLUMN IF NOT EXISTS start_date date, ADD COLUMN IF NOT EXISTS end_date date,
    ADD COLUMN IF NOT EXISTS size_bytes bigint, ADD COLUMN IF NOT EXISTS category text;
