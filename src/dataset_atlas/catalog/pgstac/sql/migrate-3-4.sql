-- Schema 3 to 4: the search text and the rank fields are in the words of catalog/terms.py
-- (hyphens and punctuation split words, plurals folded) and the search text holds a STAC
-- collection's summary. No column changes: every texts row is marked, and migrate.py derives
-- its search text, gram keys and rank fields again from the record in its collection.
UPDATE dataset_atlas.texts SET grams = NULL;
