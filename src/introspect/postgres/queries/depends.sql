-- What depends on what, from pg_depend (normal dependencies), for the objects the planner
-- orders: on one side a user function, a user type (domain, enum, composite, range; an
-- array type stands for its element type, a multirange for its range), or a table's or
-- view's row type or the relation itself; on the other side what refers to it. Each
-- side comes as a kind and a key (`schema.name`, a function as
-- `schema.name(identity arguments)`), with the object's name for the parts of a table
-- (constraints, defaults, generated columns, indexes, triggers, columns); what schemadiff
-- does not manage (aggregates, rules, policies, event triggers, casts, operators) as kind
-- `other` keyed as in unmanaged.sql. A relation is only listed as what a function or a
-- type needs. Left out: objects of extensions, the parts of a type (a range's
-- constructors, an array or multirange type), and a trigger's own function (triggers.sql
-- names it; see `objects::add_depends`).
--
-- Cost: the entries are read from the side that has few of them. What refers to functions
-- and types through the index on what is referred to; what functions and triggers refer to
-- through the index on the referrer. Never all entries referring to relations: every
-- constraint, default, index and sequence of every table refers to its table.
WITH dep AS (
    -- What refers to a user function or type: the server's index on what is referred to
    -- (refclassid, refobjid) reads these entries only.
    SELECT d.classid, d.objid, d.objsubid, d.refclassid, d.refobjid
    FROM pg_catalog.pg_depend d
    WHERE d.deptype = 'n' AND d.refobjid >= 16384
      AND d.refclassid IN ('pg_catalog.pg_proc'::regclass, 'pg_catalog.pg_type'::regclass)
      AND d.classid IN ('pg_catalog.pg_proc'::regclass, 'pg_catalog.pg_type'::regclass,
                        'pg_catalog.pg_class'::regclass, 'pg_catalog.pg_rewrite'::regclass,
                        'pg_catalog.pg_constraint'::regclass,
                        'pg_catalog.pg_attrdef'::regclass, 'pg_catalog.pg_policy'::regclass,
                        'pg_catalog.pg_event_trigger'::regclass, 'pg_catalog.pg_cast'::regclass,
                        'pg_catalog.pg_operator'::regclass)
    UNION ALL
    -- What a trigger's WHEN condition calls. A trigger's own function comes with
    -- triggers.sql: it is most of a schema's entries here, one per trigger.
    SELECT d.classid, d.objid, d.objsubid, d.refclassid, d.refobjid
    FROM pg_catalog.pg_trigger t
    -- (OFFSET 0 keeps the conditions on what is referred to outside, so that the server
    -- reads the trigger's few entries, not every entry referring to a function.)
    CROSS JOIN LATERAL (
        SELECT e.classid, e.objid, e.objsubid, e.refclassid, e.refobjid, e.deptype
        FROM pg_catalog.pg_depend e
        WHERE e.classid = 'pg_catalog.pg_trigger'::regclass AND e.objid = t.oid
        OFFSET 0) d
    WHERE t.tgqual IS NOT NULL AND NOT t.tgisinternal AND t.tgparentid = 0
      AND d.deptype = 'n' AND d.refobjid >= 16384 AND d.refobjid <> t.tgfoid
      AND d.refclassid IN ('pg_catalog.pg_proc'::regclass, 'pg_catalog.pg_type'::regclass)
    UNION ALL
    -- A relation a function needs: only a `BEGIN ATOMIC` body names relations (a function's
    -- row-type arguments and results refer to the type). Read from the function's side,
    -- not from every relation's: a relation is referred to by its constraints, defaults,
    -- indexes and sequences, tens of entries per table that this query does not want.
    SELECT d.classid, d.objid, d.objsubid, d.refclassid, d.refobjid
    FROM pg_catalog.pg_proc p
    CROSS JOIN LATERAL (
        SELECT e.classid, e.objid, e.objsubid, e.refclassid, e.refobjid, e.deptype
        FROM pg_catalog.pg_depend e
        WHERE e.classid = 'pg_catalog.pg_proc'::regclass AND e.objid = p.oid
        OFFSET 0) d
    WHERE p.prosqlbody IS NOT NULL AND p.oid >= 16384
      AND d.deptype = 'n' AND d.refobjid >= 16384
      AND d.refclassid = 'pg_catalog.pg_class'::regclass
), dep_user AS (
    SELECT dep.* FROM dep
    WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                      WHERE e.classid = dep.refclassid AND e.objid = dep.refobjid
                        AND e.deptype = 'e')
      AND NOT (dep.classid IN ('pg_catalog.pg_proc'::regclass, 'pg_catalog.pg_type'::regclass)
               AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                           WHERE e.classid = dep.classid AND e.objid = dep.objid
                             AND e.deptype IN ('e', 'i')))
), ref AS (
    SELECT dep.classid, dep.objid, dep.objsubid, 'function'::text AS rkind,
           -- A trigger function takes no arguments: no need to ask the server.
           n.nspname || '.' || p.proname || '('
           || CASE WHEN p.prorettype = 'pg_catalog.trigger'::regtype THEN ''
                   ELSE pg_catalog.pg_get_function_identity_arguments(p.oid) END || ')' AS rkey,
           n.nspname AS rschema
    FROM dep_user dep JOIN pg_catalog.pg_proc p ON p.oid = dep.refobjid
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE dep.refclassid = 'pg_catalog.pg_proc'::regclass AND p.prokind IN ('f', 'p')
    UNION ALL
    SELECT dep.classid, dep.objid, dep.objsubid,
           CASE WHEN rc.relkind IN ('r', 'p', 'v', 'm', 'f') THEN 'relation' ELSE 'type' END,
           n.nspname || '.' || t.typname, n.nspname
    FROM dep_user dep JOIN pg_catalog.pg_type t0 ON t0.oid = dep.refobjid
    LEFT JOIN pg_catalog.pg_type te ON te.typarray = t0.oid
    LEFT JOIN pg_catalog.pg_range mr ON mr.rngmultitypid = t0.oid
    JOIN pg_catalog.pg_type t ON t.oid = COALESCE(te.oid, mr.rngtypid, t0.oid)
    JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    LEFT JOIN pg_catalog.pg_class rc ON rc.oid = t.typrelid
    WHERE dep.refclassid = 'pg_catalog.pg_type'::regclass
      AND (t.typtype IN ('d', 'e', 'r') OR rc.relkind IS NOT NULL)
    UNION ALL
    SELECT dep.classid, dep.objid, dep.objsubid, 'relation', n.nspname || '.' || rc.relname,
           n.nspname
    FROM dep_user dep JOIN pg_catalog.pg_class rc ON rc.oid = dep.refobjid
    JOIN pg_catalog.pg_namespace n ON n.oid = rc.relnamespace
    WHERE dep.refclassid = 'pg_catalog.pg_class'::regclass
      AND dep.classid IN ('pg_catalog.pg_proc'::regclass, 'pg_catalog.pg_type'::regclass,
                          'pg_catalog.pg_class'::regclass)
      AND rc.relkind IN ('r', 'p', 'v', 'm', 'f')
), r AS (
    SELECT * FROM ref WHERE ref.rschema !~ '^pg_' AND ref.rschema <> 'information_schema'
), x AS (
    SELECT r.rkind, r.rkey, CASE WHEN p.prokind IN ('f', 'p') THEN 'function' ELSE 'other' END
           AS kind,
           CASE p.prokind WHEN 'a' THEN 'aggregate ' WHEN 'w' THEN 'window function ' ELSE '' END
           || n.nspname || '.' || p.proname || '('
           || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS key,
           NULL::text AS name
    FROM r JOIN pg_catalog.pg_proc p ON p.oid = r.objid
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE r.classid = 'pg_catalog.pg_proc'::regclass
    UNION ALL
    SELECT r.rkind, r.rkey, CASE WHEN t.typtype = 'd' THEN 'domain' ELSE 'type' END,
           n.nspname || '.' || t.typname, NULL
    FROM r JOIN pg_catalog.pg_type t ON t.oid = r.objid
    JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    WHERE r.classid = 'pg_catalog.pg_type'::regclass
    UNION ALL
    SELECT r.rkind, r.rkey,
           CASE WHEN c.relkind = 'c' THEN 'type'
                WHEN c.relkind = 'i' THEN 'index'
                WHEN r.objsubid > 0 THEN 'column'
                ELSE 'relation' END,
           n.nspname || '.' || COALESCE(ic.relname, c.relname),
           CASE WHEN c.relkind = 'i' THEN c.relname
                WHEN c.relkind <> 'c' AND r.objsubid > 0 THEN a.attname::text END
    FROM r JOIN pg_catalog.pg_class c ON c.oid = r.objid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_index i ON c.relkind = 'i' AND i.indexrelid = c.oid
    LEFT JOIN pg_catalog.pg_class ic ON ic.oid = i.indrelid
    LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = r.objsubid
    WHERE r.classid = 'pg_catalog.pg_class'::regclass
    UNION ALL
    SELECT r.rkind, r.rkey, CASE WHEN w.rulename = '_RETURN' THEN 'view' ELSE 'other' END,
           CASE WHEN w.rulename = '_RETURN' THEN n.nspname || '.' || c.relname
                ELSE 'rule ' || n.nspname || '.' || c.relname || '.' || w.rulename END,
           NULL
    FROM r JOIN pg_catalog.pg_rewrite w ON w.oid = r.objid
    JOIN pg_catalog.pg_class c ON c.oid = w.ev_class
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE r.classid = 'pg_catalog.pg_rewrite'::regclass
    UNION ALL
    SELECT r.rkind, r.rkey, 'other', 'policy ' || n.nspname || '.' || c.relname || '.' || p.polname,
           NULL
    FROM r JOIN pg_catalog.pg_policy p ON p.oid = r.objid
    JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE r.classid = 'pg_catalog.pg_policy'::regclass
    UNION ALL
    SELECT r.rkind, r.rkey, 'other', 'event trigger ' || t.evtname, NULL
    FROM r JOIN pg_catalog.pg_event_trigger t ON t.oid = r.objid
    WHERE r.classid = 'pg_catalog.pg_event_trigger'::regclass
    UNION ALL
    SELECT r.rkind, r.rkey, 'other',
           'cast (' || pg_catalog.format_type(c.castsource, NULL) || ' AS '
           || pg_catalog.format_type(c.casttarget, NULL) || ')', NULL
    FROM r JOIN pg_catalog.pg_cast c ON c.oid = r.objid
    WHERE r.classid = 'pg_catalog.pg_cast'::regclass
    UNION ALL
    SELECT r.rkind, r.rkey, 'other',
           'operator ' || n.nspname || '.' || o.oprname || '('
           || COALESCE(pg_catalog.format_type(NULLIF(o.oprleft, 0), NULL), 'NONE') || ', '
           || COALESCE(pg_catalog.format_type(NULLIF(o.oprright, 0), NULL), 'NONE') || ')', NULL
    FROM r JOIN pg_catalog.pg_operator o ON o.oid = r.objid
    JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
    WHERE r.classid = 'pg_catalog.pg_operator'::regclass
    UNION ALL
    SELECT r.rkind, r.rkey, 'trigger', n.nspname || '.' || c.relname, tg.tgname
    FROM r JOIN pg_catalog.pg_trigger tg ON tg.oid = r.objid
    JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE r.classid = 'pg_catalog.pg_trigger'::regclass
      AND NOT tg.tgisinternal AND tg.tgparentid = 0
    UNION ALL
    SELECT r.rkind, r.rkey, CASE WHEN con.contypid <> 0 THEN 'domain' ELSE 'constraint' END,
           n.nspname || '.' || COALESCE(c.relname, t.typname),
           CASE WHEN con.contypid = 0 THEN con.conname::text END
    FROM r JOIN pg_catalog.pg_constraint con ON con.oid = r.objid
    JOIN pg_catalog.pg_namespace n ON n.oid = con.connamespace
    LEFT JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
    LEFT JOIN pg_catalog.pg_type t ON t.oid = con.contypid
    WHERE r.classid = 'pg_catalog.pg_constraint'::regclass
    UNION ALL
    SELECT r.rkind, r.rkey, CASE WHEN a.attgenerated = 's' THEN 'generated' ELSE 'default' END,
           n.nspname || '.' || c.relname, a.attname::text
    FROM r JOIN pg_catalog.pg_attrdef ad ON ad.oid = r.objid
    JOIN pg_catalog.pg_class c ON c.oid = ad.adrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
    WHERE r.classid = 'pg_catalog.pg_attrdef'::regclass
)
SELECT DISTINCT x.rkind, x.rkey, x.kind, x.key, x.name
FROM x
-- A relation is only what a function or a type needs; nothing depends on itself.
WHERE (x.rkind <> 'relation' OR x.kind IN ('function', 'type', 'domain'))
  AND (x.key <> x.rkey OR x.kind NOT IN ('function', 'type', 'domain'))
ORDER BY 1, 2, 3, 4, 5
