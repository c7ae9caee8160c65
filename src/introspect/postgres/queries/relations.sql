-- Tables, views, materialized views, sequences and partitioned/foreign tables, one row each.
-- A partitioned table carries its key, a partition its parent and bound, an inheritance
-- child its parents in inhseqno order (schemas and names, two arrays).
-- Sequences carry their parameters and, for serial columns, the owning column; identity
-- sequences are left out (they belong to their column).
SELECT c.oid::int8 AS oid, n.nspname, c.relname, c.relkind::text, c.relispartition,
       c.relrowsecurity, c.relforcerowsecurity,
       d.description AS comment,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END AS viewdef,
       pg_catalog.format_type(s.seqtypid, NULL) AS seqtype,
       s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
       owner_n.nspname AS owner_schema, owner_c.relname AS owner_table, owner_a.attname AS owner_column,
       (dep.deptype = 'i') AS identity_seq,
       CASE WHEN c.relispartition THEN pg_catalog.format('%I.%I', pn.nspname, pc.relname) END AS parent,
       pn.nspname AS parent_schema, pc.relname AS parent_name,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partkey,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS partbound,
       CASE WHEN NOT c.relispartition AND c.relkind IN ('r', 'p')
            THEN ARRAY(SELECT ipn.nspname FROM pg_catalog.pg_inherits ii
                       JOIN pg_catalog.pg_class ipc ON ipc.oid = ii.inhparent
                       JOIN pg_catalog.pg_namespace ipn ON ipn.oid = ipc.relnamespace
                       WHERE ii.inhrelid = c.oid ORDER BY ii.inhseqno)::text[] END AS inh_schemas,
       CASE WHEN NOT c.relispartition AND c.relkind IN ('r', 'p')
            THEN ARRAY(SELECT ipc.relname FROM pg_catalog.pg_inherits ii
                       JOIN pg_catalog.pg_class ipc ON ipc.oid = ii.inhparent
                       WHERE ii.inhrelid = c.oid ORDER BY ii.inhseqno)::text[] END AS inh_names
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
-- A join rather than obj_description(), which runs a query per row.
LEFT JOIN pg_catalog.pg_description d ON d.objoid = c.oid
     AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
LEFT JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
LEFT JOIN pg_catalog.pg_depend dep ON c.relkind = 'S'
     AND dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid
     AND dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.deptype IN ('a', 'i')
LEFT JOIN pg_catalog.pg_class owner_c ON owner_c.oid = dep.refobjid
LEFT JOIN pg_catalog.pg_namespace owner_n ON owner_n.oid = owner_c.relnamespace
LEFT JOIN pg_catalog.pg_attribute owner_a ON owner_a.attrelid = dep.refobjid AND owner_a.attnum = dep.refobjsubid
LEFT JOIN pg_catalog.pg_inherits inh ON c.relispartition AND inh.inhrelid = c.oid
LEFT JOIN pg_catalog.pg_class pc ON pc.oid = inh.inhparent
LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (cardinality($1::text[]) = 0 OR n.nspname = ANY ($1::text[]))
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_class'::regclass
                    AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY n.nspname, c.relname
