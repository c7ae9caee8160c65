-- Columns of ordinary tables, views and materialized views, in attnum order, with the name
-- as the server quotes it (constraint and index keys refer to columns by attnum and are
-- resolved from these rows). Identity columns carry their sequence's parameters.
-- Partitioned tables and partitions too: a column a table inherits (attinhcount > 0) is
-- read for the keys but is its parent's (see Relations::add_columns).
SELECT a.attrelid::int8 AS relid, a.attnum, a.attname, a.attinhcount::int4 AS inhcount,
       pg_catalog.quote_ident(a.attname) AS quoted,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull,
       pg_catalog.pg_get_expr(ad.adbin, CASE WHEN a.attgenerated = '' THEN 0 ELSE ad.adrelid END) AS default_expr,
       a.attidentity::text, a.attgenerated::text,
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation,
       d.description AS comment,
       pg_catalog.format_type(s.seqtypid, NULL) AS seqtype,
       s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
-- A join rather than col_description(), which runs a query per row.
LEFT JOIN pg_catalog.pg_description d ON d.objoid = a.attrelid
     AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = a.attnum
LEFT JOIN pg_catalog.pg_depend dep ON a.attidentity <> ''
     AND dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.refobjid = a.attrelid
     AND dep.refobjsubid = a.attnum AND dep.deptype = 'i'
     AND dep.classid = 'pg_catalog.pg_class'::regclass
LEFT JOIN pg_catalog.pg_sequence s ON s.seqrelid = dep.objid
WHERE a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p', 'v', 'm')
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (cardinality($1::text[]) = 0 OR n.nspname = ANY ($1::text[]))
ORDER BY a.attrelid, a.attnum
