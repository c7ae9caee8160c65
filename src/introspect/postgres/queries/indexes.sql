-- Indexes that no constraint owns, with the server's CREATE INDEX text, key parts and
-- predicate. Also reports invalid indexes (a failed CREATE INDEX CONCURRENTLY). A
-- partition's index that is a partition of its parent's index is the parent's (`inherited`:
-- read for its name only).
-- Plain column keys come as attnums, resolved from the rows of columns.sql; only indexes
-- with an expression key have their keys deparsed (deparsing is what this query spends
-- its time on).
SELECT i.indrelid::int8 AS relid, ic.relname AS name, i.indisunique, i.indisvalid,
       pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
       i.indnkeyatts::int4 AS nkeys, i.indkey::int2[] AS keys,
       i.indoption::int2[] AS options,
       CASE WHEN 0 = ANY (i.indkey)
            THEN ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
                       FROM generate_series(1, i.indnkeyatts) k ORDER BY k)::text[]
       END AS expressions,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid) AS predicate,
       ic.relispartition AS inherited
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm')
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (cardinality($1::text[]) = 0 OR n.nspname = ANY ($1::text[]))
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                  WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x'))
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_class'::regclass
                    AND e.objid = i.indexrelid AND e.deptype = 'e')
ORDER BY i.indrelid, ic.relname
