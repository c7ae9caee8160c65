-- Which tables and views each view or materialized view reads (through its rewrite rule).
SELECT DISTINCT r.ev_class::int8 AS view_id, rn.nspname, rc.relname
FROM pg_catalog.pg_rewrite r
JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
     AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> r.ev_class
JOIN pg_catalog.pg_class rc ON rc.oid = d.refobjid
JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
JOIN pg_catalog.pg_class vc ON vc.oid = r.ev_class
JOIN pg_catalog.pg_namespace vn ON vn.oid = vc.relnamespace
WHERE vc.relkind IN ('v', 'm') AND rc.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND vn.nspname !~ '^pg_' AND vn.nspname <> 'information_schema'
  AND (cardinality($1::text[]) = 0 OR vn.nspname = ANY ($1::text[]))
ORDER BY 1, 2, 3
