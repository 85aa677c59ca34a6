-- A texts row keeps its search text and gram keys (most of its bytes) out of line, in TOAST,
-- and the rest inline and uncompressed (MAIN; a score reads those fields for every match): a
-- text query reads narrow rows (a third of the pages). PostgreSQL toasts only rows over 2 kB;
-- toast_tuple_target is the size it then moves values out until the row fits (the two long
-- values go first, so the short ones are not compressed on the way). Run when the table is
-- created or migrated (an ALTER TABLE locks out readers).
ALTER TABLE dataset_atlas.texts SET (toast_tuple_target = 1024),
    ALTER COLUMN id SET STORAGE MAIN,
    ALTER COLUMN search_text SET STORAGE EXTERNAL, ALTER COLUMN grams SET STORAGE EXTERNAL,
    ALTER COLUMN title_en_key SET STORAGE MAIN, ALTER COLUMN title_zh_key SET STORAGE MAIN,
    ALTER COLUMN category SET STORAGE MAIN,
    ALTER COLUMN rank_id SET STORAGE MAIN, ALTER COLUMN rank_title_en SET STORAGE MAIN,
    ALTER COLUMN rank_title_zh SET STORAGE MAIN, ALTER COLUMN rank_tags SET STORAGE MAIN;
