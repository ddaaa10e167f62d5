-- +goose Up
-- The action log's API keys are held unique by a hash index (issue #19).
-- actions_idem_key, a unique B-tree on (book, actor, idem_key), entered
-- the whole key in every entry: about 60 bytes, and 160 bytes of WAL per
-- action with the page splits, three actions per voucher made, checked
-- and posted. A hash index keeps a 4-byte hash code per entry (85 bytes of
-- WAL with the record's own), and an exclusion constraint on it refuses a
-- second action with the same key as the unique index did, comparing the
-- rows themselves, not the codes.
--
-- The index is on one text: book, actor and key joined by newlines, as
-- api_key_lock joins them. Equal keys give equal texts, so no key is
-- accepted twice; a book's code and a user's name hold no newline
-- (books_book_check, users_name_check), so different keys give different
-- texts. The lookup by key (underAPIKey) names the same expression and
-- the three columns.
DROP INDEX actions_idem_key;
ALTER TABLE actions ADD CONSTRAINT actions_idem_key
    EXCLUDE USING hash ((book || E'\n' || actor || E'\n' || idem_key) WITH =) WHERE (idem_key IS NOT NULL);

