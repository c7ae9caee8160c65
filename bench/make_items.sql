-- The "before" database for the rebuild benchmark: items with 1,000,000 rows.
-- 1% of qty is NULL (so making qty NOT NULL DEFAULT 0 must backfill), price is never negative.
CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL, qty INTEGER, created_at TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO items (id, name, price, qty, created_at)
SELECT i,
       'item-' || i,
       (i % 100000) / 100.0,
       CASE WHEN i % 100 = 0 THEN NULL ELSE i % 500 END,
       strftime('%Y-%m-%d %H:%M:%S', 1600000000 + i * 37, 'unixepoch')
FROM n;
