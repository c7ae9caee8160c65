-- Functions and procedures (not aggregates or window functions: unmanaged.sql lists those)
-- with the server's own text of each: identity arguments (what tells overloads apart),
-- arguments with modes and defaults, result, and the whole CREATE OR REPLACE statement.
-- Left out: what an extension owns, and what a type owns (a range type's constructors).
SELECT p.oid::int8 AS oid, n.nspname, p.proname,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity_args,
       p.prokind = 'p' AS procedure,
       pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
       CASE WHEN p.prokind = 'f' THEN pg_catalog.pg_get_function_result(p.oid) END AS result,
       pg_catalog.pg_get_functiondef(p.oid) AS definition
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p')
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (cardinality($1::text[]) = 0 OR n.nspname = ANY ($1::text[]))
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = 'pg_catalog.pg_proc'::regclass
                    AND e.objid = p.oid AND e.deptype IN ('e', 'i'))
ORDER BY 2, 3, 4
