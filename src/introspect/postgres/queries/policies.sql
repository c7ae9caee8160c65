-- Row-level security policies of tables, one row each: the table, the policy's name,
-- permissive or restrictive, the command (`*`, `r`, `a`, `w`, `d`), the role names
-- (`public`, a name no role can have, for 0; sorted by the reader) and the server's text of `USING` and `WITH CHECK`.
SELECT n.nspname, c.relname, p.polname, p.polpermissive, p.polcmd::text AS polcmd,
       ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r.oid)::text END
             FROM pg_catalog.unnest(p.polroles) AS r(oid)) AS roles,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (cardinality($1::text[]) = 0 OR n.nspname = ANY ($1::text[]))
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_class'::regclass
                    AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 1, 2, 3
