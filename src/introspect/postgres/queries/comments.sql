-- Comments on the objects whose model has no comment of its own: schemas, indexes,
-- sequences, table and domain constraints, functions and procedures, triggers, policies, domains,
-- composite and range types, attributes of composite types. One row each: the kind, the
-- schema, the name of the table/type/domain it belongs to (if any), its name, for a
-- function its identity arguments, and the text. (Tables, views, columns and enum types
-- carry theirs in relations.sql, columns.sql and enums.sql.) Built-in objects (oid below
-- FirstNormalObjectId, 16384) are left out but for schema public, without the comment
-- PostgreSQL puts on it in every database; so are an extension's objects and their parts.
WITH d AS (
    SELECT d.objoid, d.classoid, d.objsubid, d.description
    FROM pg_catalog.pg_description d
    WHERE (d.objoid >= 16384 OR d.classoid = 'pg_catalog.pg_namespace'::regclass)
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                      WHERE e.classid = d.classoid AND e.objid = d.objoid AND e.deptype = 'e')
), x AS (
    SELECT 'schema'::text AS kind, n.nspname::text AS nspname, NULL::text AS parent,
           n.nspname::text AS name, NULL::text AS args, d.description AS text,
           0::oid AS owner_class, 0::oid AS owner
    FROM d JOIN pg_catalog.pg_namespace n ON n.oid = d.objoid
    WHERE d.classoid = 'pg_catalog.pg_namespace'::regclass
      AND NOT (n.nspname = 'public' AND d.description = 'standard public schema')
    UNION ALL
    SELECT CASE c.relkind WHEN 'S' THEN 'sequence' ELSE 'index' END, n.nspname, NULL,
           c.relname, NULL, d.description,
           'pg_catalog.pg_class'::regclass, COALESCE(i.indrelid, 0)
    FROM d JOIN pg_catalog.pg_class c ON c.oid = d.objoid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
    WHERE d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
      AND c.relkind IN ('i', 'I', 'S')
    UNION ALL
    SELECT 'attribute', n.nspname, c.relname, a.attname, NULL, d.description,
           'pg_catalog.pg_type'::regclass, c.reltype
    FROM d JOIN pg_catalog.pg_class c ON c.oid = d.objoid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
    WHERE d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid > 0
      AND c.relkind = 'c'
    UNION ALL
    SELECT CASE WHEN con.contypid <> 0 THEN 'domain constraint' ELSE 'constraint' END,
           n.nspname, COALESCE(c.relname, t.typname), con.conname, NULL, d.description,
           CASE WHEN con.contypid <> 0 THEN 'pg_catalog.pg_type'::regclass
                ELSE 'pg_catalog.pg_class'::regclass END,
           CASE WHEN con.contypid <> 0 THEN con.contypid ELSE con.conrelid END
    FROM d JOIN pg_catalog.pg_constraint con ON con.oid = d.objoid
    JOIN pg_catalog.pg_namespace n ON n.oid = con.connamespace
    LEFT JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
    LEFT JOIN pg_catalog.pg_type t ON t.oid = con.contypid
    WHERE d.classoid = 'pg_catalog.pg_constraint'::regclass
    UNION ALL
    SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, n.nspname, NULL,
           p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid), d.description,
           0::oid, 0::oid
    FROM d JOIN pg_catalog.pg_proc p ON p.oid = d.objoid
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE d.classoid = 'pg_catalog.pg_proc'::regclass AND p.prokind IN ('f', 'p')
    UNION ALL
    SELECT 'trigger', n.nspname, c.relname, tg.tgname, NULL, d.description,
           'pg_catalog.pg_class'::regclass, tg.tgrelid
    FROM d JOIN pg_catalog.pg_trigger tg ON tg.oid = d.objoid
    JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE d.classoid = 'pg_catalog.pg_trigger'::regclass
      AND NOT tg.tgisinternal AND tg.tgparentid = 0
    UNION ALL
    SELECT 'policy', n.nspname, c.relname, pol.polname, NULL, d.description,
           'pg_catalog.pg_class'::regclass, pol.polrelid
    FROM d JOIN pg_catalog.pg_policy pol ON pol.oid = d.objoid
    JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE d.classoid = 'pg_catalog.pg_policy'::regclass AND c.relkind = 'r'
      AND NOT c.relispartition
    UNION ALL
    SELECT CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END, n.nspname, NULL,
           t.typname, NULL, d.description, 0::oid, 0::oid
    FROM d JOIN pg_catalog.pg_type t ON t.oid = d.objoid
    JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
    WHERE d.classoid = 'pg_catalog.pg_type'::regclass
      AND (t.typtype IN ('d', 'r') OR (t.typtype = 'c' AND c.relkind = 'c'))
)
SELECT x.kind, x.nspname, x.parent, x.name, x.args, x.text
FROM x
WHERE x.nspname !~ '^pg_' AND x.nspname <> 'information_schema'
  AND (cardinality($1::text[]) = 0 OR x.nspname = ANY ($1::text[]))
  -- Nor the parts of an extension's table or type.
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = x.owner_class AND e.objid = x.owner AND e.deptype = 'e')
ORDER BY 1, 2, 3, 4, 5
