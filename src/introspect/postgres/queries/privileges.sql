-- Privileges, default privileges, owners and the server's roles, one row each.
-- `what`: 'grant' (an entry beyond the built-in default, acldefault(kind, owner)),
-- 'revoke' (a built-in default entry missing), 'owner' (grantee is the owner), 'default'
-- (pg_default_acl: name is the role, sub the object type, schema NULL when global),
-- 'role' (name is a role of the server), 'user' (name is current_user). The subtraction
-- is done here, so an object with the default privileges gives no row but its owner; the
-- owner's own entries never appear. Objects the model does not hold are dropped in Rust.
WITH objs AS (
    SELECT 'relation'::text AS kind, n.nspname::text AS schema, c.relname::text AS name,
           NULL::text AS sub, c.relkind::text AS extra, c.relacl AS acl, c.relowner AS owner,
           CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char" AS defkind
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S')
      AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
      AND (cardinality($1::text[]) = 0 OR n.nspname = ANY ($1::text[]))
    UNION ALL
    SELECT 'column', n.nspname, c.relname, a.attname, c.relkind::text, a.attacl, c.relowner,
           'c'::"char"
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
      AND c.relkind IN ('r', 'p', 'v', 'm')
      AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
      AND (cardinality($1::text[]) = 0 OR n.nspname = ANY ($1::text[]))
    UNION ALL
    SELECT 'function', n.nspname, p.proname,
           pg_catalog.pg_get_function_identity_arguments(p.oid), p.prokind::text, p.proacl,
           p.proowner, 'f'::"char"
    FROM pg_catalog.pg_proc p
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE p.prokind IN ('f', 'p')
      AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
      AND (cardinality($1::text[]) = 0 OR n.nspname = ANY ($1::text[]))
    UNION ALL
    SELECT 'schema', n.nspname, n.nspname, NULL, NULL, n.nspacl, n.nspowner, 'n'::"char"
    FROM pg_catalog.pg_namespace n
    WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
      AND (cardinality($1::text[]) = 0 OR n.nspname = ANY ($1::text[]))
    UNION ALL
    SELECT 'type', n.nspname, t.typname, NULL, t.typtype::text, t.typacl, t.typowner,
           'T'::"char"
    FROM pg_catalog.pg_type t
    JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    LEFT JOIN pg_catalog.pg_class tc ON tc.oid = t.typrelid
    WHERE t.typtype IN ('e', 'c', 'r', 'd') AND (t.typtype <> 'c' OR tc.relkind = 'c')
      AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
      AND (cardinality($1::text[]) = 0 OR n.nspname = ANY ($1::text[]))
),
defs AS (
    SELECT CASE WHEN d.defaclnamespace = 0 THEN NULL ELSE n.nspname::text END AS schema,
           r.rolname::text AS role, d.defaclobjtype::text AS objtype, d.defaclacl AS acl,
           d.defaclrole AS roleid, d.defaclnamespace = 0 AS global,
           CASE d.defaclobjtype WHEN 'S' THEN 's' ELSE d.defaclobjtype END::"char" AS defkind
    FROM pg_catalog.pg_default_acl d
    JOIN pg_catalog.pg_roles r ON r.oid = d.defaclrole
    LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
    WHERE d.defaclnamespace = 0 OR cardinality($1::text[]) = 0 OR n.nspname = ANY ($1::text[])
)
SELECT o.kind, o.schema, o.name, o.sub, o.extra, 'owner' AS what, r.rolname::text AS grantee,
       NULL::text AS privilege, false AS grantable
FROM objs o JOIN pg_catalog.pg_roles r ON r.oid = o.owner
WHERE o.kind <> 'column'
UNION ALL
SELECT o.kind, o.schema, o.name, o.sub, o.extra, x.what,
       CASE WHEN x.grantee = 0 THEN NULL ELSE g.rolname::text END, x.privilege_type, x.is_grantable
FROM objs o
CROSS JOIN LATERAL (
    (SELECT 'grant'::text AS what, e.grantee, e.privilege_type, e.is_grantable
     FROM pg_catalog.aclexplode(COALESCE(o.acl, pg_catalog.acldefault(o.defkind, o.owner))) e
     EXCEPT
     SELECT 'grant', e.grantee, e.privilege_type, e.is_grantable
     FROM pg_catalog.aclexplode(pg_catalog.acldefault(o.defkind, o.owner)) e)
    UNION ALL
    (SELECT 'revoke', e.grantee, e.privilege_type, e.is_grantable
     FROM pg_catalog.aclexplode(pg_catalog.acldefault(o.defkind, o.owner)) e
     EXCEPT
     SELECT 'revoke', e.grantee, e.privilege_type, e.is_grantable
     FROM pg_catalog.aclexplode(COALESCE(o.acl, pg_catalog.acldefault(o.defkind, o.owner))) e)
) x
LEFT JOIN pg_catalog.pg_roles g ON g.oid = x.grantee
WHERE o.acl IS NOT NULL AND x.grantee <> o.owner
UNION ALL
SELECT 'default', d.schema, d.role, d.objtype, NULL, x.what,
       CASE WHEN x.grantee = 0 THEN NULL ELSE g.rolname::text END, x.privilege_type, x.is_grantable
FROM defs d
CROSS JOIN LATERAL (
    (SELECT 'grant'::text AS what, e.grantee, e.privilege_type, e.is_grantable
     FROM pg_catalog.aclexplode(d.acl) e
     EXCEPT
     SELECT 'grant', e.grantee, e.privilege_type, e.is_grantable
     FROM pg_catalog.aclexplode(pg_catalog.acldefault(d.defkind, d.roleid)) e
     WHERE d.global)
    UNION ALL
    (SELECT 'revoke', e.grantee, e.privilege_type, e.is_grantable
     FROM pg_catalog.aclexplode(pg_catalog.acldefault(d.defkind, d.roleid)) e
     WHERE d.global
     EXCEPT
     SELECT 'revoke', e.grantee, e.privilege_type, e.is_grantable
     FROM pg_catalog.aclexplode(d.acl) e)
) x
LEFT JOIN pg_catalog.pg_roles g ON g.oid = x.grantee
WHERE x.grantee <> d.roleid
UNION ALL
SELECT 'role', NULL, r.rolname::text, NULL, NULL, 'role', NULL, NULL, false
FROM pg_catalog.pg_roles r
UNION ALL
SELECT 'user', NULL, current_user::text, NULL, NULL, 'user', NULL, NULL, false
ORDER BY 1, 2, 3, 4, 6, 7, 8
