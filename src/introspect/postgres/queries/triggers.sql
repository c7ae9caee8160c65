-- Triggers of tables, views, partitioned and foreign tables (not internal ones, such as
-- those of foreign keys, nor the clones a partitioned table's trigger makes on its
-- partitions), with the server's CREATE TRIGGER text, the enabled state and the relation's
-- kind (triggers of partitioned and foreign tables are reported, not managed), and the key
-- of the trigger's function when it is a user function (a trigger function takes no
-- arguments, so its key ends in `()`): the dependency of every trigger on its function,
-- which depends.sql leaves to this query.
SELECT n.nspname, c.relname, t.tgname, c.relkind::text AS relkind,
       pg_catalog.pg_get_triggerdef(t.oid, false) AS definition,
       t.tgenabled::text AS enabled,
       CASE WHEN p.oid >= 16384 AND pn.nspname !~ '^pg_' AND pn.nspname <> 'information_schema'
                 AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                                 WHERE e.classid = 'pg_catalog.pg_proc'::regclass
                                   AND e.objid = p.oid AND e.deptype = 'e')
            THEN pn.nspname || '.' || p.proname || '()' END AS function
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
WHERE NOT t.tgisinternal AND t.tgparentid = 0
  AND c.relkind IN ('r', 'p', 'v', 'f')
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (cardinality($1::text[]) = 0 OR n.nspname = ANY ($1::text[]))
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_class'::regclass
                    AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 1, 2, 3
