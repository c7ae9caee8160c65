-- What depends on what, from pg_depend (normal dependencies), for the objects the planner
-- orders: on one side a user function, a user type (domain, enum, composite, range; an
-- array type stands for its element type, a multirange for its range), or a table's or
-- view's row type or the relation itself; on the other side what refers to it. Each
-- side comes as a kind and a key (`schema.name`, a function as
-- `schema.name(identity arguments)`), with the table and object name for the parts of a
-- table (constraints, defaults, generated columns, indexes, triggers, columns).
WITH ref AS (
    SELECT d.classid, d.objid, d.objsubid,
           CASE WHEN d.refclassid = 'pg_catalog.pg_proc'::regclass THEN 'function'
                WHEN rc.relkind IN ('r', 'p', 'v', 'm', 'f') THEN 'relation'
                ELSE 'type' END AS rkind,
           CASE WHEN d.refclassid = 'pg_catalog.pg_proc'::regclass
                THEN pn.nspname || '.' || p.proname || '('
                     || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')'
                WHEN rc.oid IS NOT NULL THEN rcn.nspname || '.' || rc.relname
                ELSE tn.nspname || '.' || t.typname END AS rkey
    FROM pg_catalog.pg_depend d
    LEFT JOIN pg_catalog.pg_proc p ON d.refclassid = 'pg_catalog.pg_proc'::regclass
         AND p.oid = d.refobjid AND p.prokind IN ('f', 'p')
    LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
    -- A type: the element of an array, the range of a multirange, else itself.
    LEFT JOIN pg_catalog.pg_type t0 ON d.refclassid = 'pg_catalog.pg_type'::regclass
         AND t0.oid = d.refobjid
    LEFT JOIN pg_catalog.pg_type te ON te.typarray = t0.oid
    LEFT JOIN pg_catalog.pg_range mr ON mr.rngmultitypid = t0.oid
    LEFT JOIN pg_catalog.pg_type t ON t.oid = COALESCE(te.oid, mr.rngtypid, t0.oid)
    LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
    LEFT JOIN pg_catalog.pg_class rc ON rc.oid = CASE
         WHEN d.refclassid = 'pg_catalog.pg_class'::regclass THEN d.refobjid
         ELSE t.typrelid END
    LEFT JOIN pg_catalog.pg_namespace rcn ON rcn.oid = rc.relnamespace
    WHERE d.deptype = 'n'
      AND (p.oid IS NOT NULL
           OR (t.oid IS NOT NULL AND (t.typtype IN ('d', 'e', 'r') OR rc.relkind IS NOT NULL))
           OR (d.refclassid = 'pg_catalog.pg_class'::regclass
               AND rc.relkind IN ('r', 'p', 'v', 'm', 'f')))
      AND COALESCE(pn.nspname, rcn.nspname, tn.nspname) !~ '^pg_'
      AND COALESCE(pn.nspname, rcn.nspname, tn.nspname) <> 'information_schema'
      -- Neither side an extension's, nor a part of a type (a range's constructors).
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                      WHERE e.classid = d.refclassid AND e.objid = d.refobjid
                        AND e.deptype = 'e')
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                      WHERE e.classid = d.classid AND e.objid = d.objid
                        AND d.classid IN ('pg_catalog.pg_proc'::regclass,
                                          'pg_catalog.pg_type'::regclass)
                        AND e.deptype IN ('e', 'i'))
)
SELECT DISTINCT r.rkind, r.rkey, x.kind, x.key, x.name
FROM ref r
JOIN LATERAL (
    SELECT 'function'::text AS kind,
           n.nspname || '.' || p.proname || '('
           || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS key,
           NULL::text AS name
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE r.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = r.objid
    UNION ALL
    SELECT CASE WHEN t.typtype = 'd' THEN 'domain' ELSE 'type' END,
           n.nspname || '.' || t.typname, NULL
    FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    WHERE r.classid = 'pg_catalog.pg_type'::regclass AND t.oid = r.objid
    UNION ALL
    SELECT CASE WHEN c.relkind = 'c' THEN 'type'
                WHEN c.relkind = 'i' THEN 'index'
                WHEN r.objsubid > 0 THEN 'column'
                ELSE 'relation' END,
           n.nspname || '.' || COALESCE(ic.relname, c.relname),
           CASE WHEN c.relkind = 'i' THEN c.relname
                WHEN c.relkind <> 'c' AND r.objsubid > 0 THEN a.attname::text END
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_index i ON c.relkind = 'i' AND i.indexrelid = c.oid
    LEFT JOIN pg_catalog.pg_class ic ON ic.oid = i.indrelid
    LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = r.objsubid
    WHERE r.classid = 'pg_catalog.pg_class'::regclass AND c.oid = r.objid
    UNION ALL
    SELECT 'view', n.nspname || '.' || c.relname, NULL
    FROM pg_catalog.pg_rewrite w JOIN pg_catalog.pg_class c ON c.oid = w.ev_class
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE r.classid = 'pg_catalog.pg_rewrite'::regclass AND w.oid = r.objid
      AND w.rulename = '_RETURN'
    UNION ALL
    SELECT 'trigger', n.nspname || '.' || c.relname, tg.tgname
    FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE r.classid = 'pg_catalog.pg_trigger'::regclass AND tg.oid = r.objid
      AND NOT tg.tgisinternal AND tg.tgparentid = 0
    UNION ALL
    SELECT CASE WHEN con.contypid <> 0 THEN 'domain' ELSE 'constraint' END,
           n.nspname || '.' || COALESCE(c.relname, t.typname),
           CASE WHEN con.contypid = 0 THEN con.conname::text END
    FROM pg_catalog.pg_constraint con
    JOIN pg_catalog.pg_namespace n ON n.oid = con.connamespace
    LEFT JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
    LEFT JOIN pg_catalog.pg_type t ON t.oid = con.contypid
    WHERE r.classid = 'pg_catalog.pg_constraint'::regclass AND con.oid = r.objid
    UNION ALL
    SELECT CASE WHEN a.attgenerated = 's' THEN 'generated' ELSE 'default' END,
           n.nspname || '.' || c.relname, a.attname::text
    FROM pg_catalog.pg_attrdef ad JOIN pg_catalog.pg_class c ON c.oid = ad.adrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
    WHERE r.classid = 'pg_catalog.pg_attrdef'::regclass AND ad.oid = r.objid
) x ON true
-- A relation is only the dependency of a function or a type (its row type), and an object
-- does not depend on itself.
WHERE (r.rkind <> 'relation' OR x.kind IN ('function', 'type', 'domain'))
  AND (x.key <> r.rkey OR x.kind NOT IN ('function', 'type', 'domain'))
ORDER BY 1, 2, 3, 4, 5
