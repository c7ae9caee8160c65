-- Primary key, unique, check, foreign key and exclusion constraints with the server's own
-- text of each, their columns by attnum, and the referenced table. Column names are
-- resolved from the rows of columns.sql (cheaper than a subquery per row), except the
-- referenced columns of a table that query does not read (another schema than --schema,
-- a partition), which are resolved here. Constraints a table has from its parent are the
-- parent's: a partition's clones (conparentid), inherited CHECKs (declared again in the
-- child or not: the server merges them). A partition's copies of its parent's keys are read
-- (`inherited`) for their names only.
SELECT con.conrelid::int8 AS relid, con.conname, con.contype::text,
       pg_catalog.pg_get_constraintdef(con.oid) AS definition,
       con.conkey AS keys, con.confrelid::int8 AS ref_relid, con.confkey AS ref_keys,
       rn.nspname AS ref_schema, rc.relname AS ref_table,
       CASE WHEN con.contype = 'f' AND NOT (rc.relkind IN ('r', 'p')
                 AND rn.nspname !~ '^pg_' AND rn.nspname <> 'information_schema'
                 AND (cardinality($1::text[]) = 0 OR rn.nspname = ANY ($1::text[])))
            THEN ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
                       JOIN pg_catalog.pg_attribute a
                         ON a.attrelid = con.confrelid AND a.attnum = k.num
                       ORDER BY k.ord)::text[] END AS ref_columns,
       con.confdeltype::text, con.confupdtype::text, con.condeferred,
       (con.conparentid <> 0 OR con.coninhcount > 0) AS inherited
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.contype IN ('p', 'u', 'c', 'f', 'x') AND con.conrelid <> 0
  AND c.relkind IN ('r', 'p')
  AND (con.conparentid = 0 AND con.coninhcount = 0 OR con.contype IN ('p', 'u', 'x'))
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (cardinality($1::text[]) = 0 OR n.nspname = ANY ($1::text[]))
ORDER BY con.conrelid, con.conname
