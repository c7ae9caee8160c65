-- Indexes that no constraint owns, with the server's CREATE INDEX text, key parts and
-- predicate. Also reports invalid indexes (a failed CREATE INDEX CONCURRENTLY).
SELECT i.indrelid::int8 AS relid, ic.relname AS name, i.indisunique, i.indisvalid,
       pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
       -- Plain column keys by name; only expression keys are deparsed (deparsing is
       -- what this query spends its time on).
       ARRAY(SELECT CASE WHEN i.indkey[k - 1] <> 0
                         THEN pg_catalog.quote_ident(a.attname)
                         ELSE pg_catalog.pg_get_indexdef(i.indexrelid, k, true) END
             FROM generate_series(1, i.indnkeyatts) k
             LEFT JOIN pg_catalog.pg_attribute a
               ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]
             ORDER BY k)::text[] AS parts,
       ARRAY(SELECT (i.indoption[k - 1] & 1) = 1
             FROM generate_series(1, i.indnkeyatts) k ORDER BY k)::bool[] AS descending,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid) AS predicate
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm') AND NOT c.relispartition
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (cardinality($1::text[]) = 0 OR n.nspname = ANY ($1::text[]))
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                  WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x'))
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_class'::regclass
                    AND e.objid = i.indexrelid AND e.deptype = 'e')
ORDER BY i.indrelid, ic.relname
