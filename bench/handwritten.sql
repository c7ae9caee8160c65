-- The same change as after.sql, written by hand: the 12-step rebuild of
-- https://www.sqlite.org/lang_altertable.html#otheralter, minimal (no indexes, views or
-- triggers to restore). IFNULL backfills the NULL qty values, as NOT NULL requires.
PRAGMA foreign_keys=OFF;
BEGIN;
CREATE TABLE new_items(id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL, qty INTEGER NOT NULL DEFAULT 0, created_at TEXT, CHECK (price >= 0));
INSERT INTO new_items (id, name, price, qty, created_at) SELECT id, name, price, IFNULL(qty, 0), created_at FROM items;
DROP TABLE items;
ALTER TABLE new_items RENAME TO items;
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys=ON;
