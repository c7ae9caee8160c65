-- Target schema for the rebuild benchmark: a CHECK on price and qty NOT NULL DEFAULT 0.
-- Neither can be done with ALTER TABLE in SQLite, so the table is rebuilt.
CREATE TABLE items (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  price REAL,
  qty INTEGER NOT NULL DEFAULT 0,
  created_at TEXT,
  CHECK (price >= 0)
);
