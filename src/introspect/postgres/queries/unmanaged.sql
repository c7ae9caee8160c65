-- Every user object of a kind schemadiff sees but does not manage, one row each: a stable,
-- readable key (the kind and the qualified name) and what it is. Objects an extension
-- owns, parts of other objects (a range type's casts to its multirange) and built-in ones
-- (oid below FirstNormalObjectId, 16384) are left out. Foreign tables (and foreign
-- partitions) come from relations.sql. Objects of no schema (event triggers, casts,
-- publications, subscriptions, foreign data wrappers and servers, languages) are listed
-- whatever the schema filter.
WITH ext AS (
    SELECT e.classid, e.objid FROM pg_catalog.pg_depend e WHERE e.deptype IN ('e', 'i')
), objs AS (
    SELECT 'pg_catalog.pg_proc'::regclass AS classid, p.oid AS objid, n.nspname,
           CASE p.prokind WHEN 'a' THEN 'aggregate' ELSE 'window function' END || ' '
           || n.nspname || '.' || p.proname || '('
           || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS key,
           CASE p.prokind WHEN 'a' THEN 'aggregate' ELSE 'window function' END AS what
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE p.prokind IN ('a', 'w')
    UNION ALL
    SELECT 'pg_catalog.pg_operator'::regclass, o.oid, n.nspname,
           'operator ' || n.nspname || '.' || o.oprname || '('
           || COALESCE(pg_catalog.format_type(NULLIF(o.oprleft, 0), NULL), 'NONE') || ', '
           || COALESCE(pg_catalog.format_type(NULLIF(o.oprright, 0), NULL), 'NONE') || ')',
           'operator'
    FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
    UNION ALL
    SELECT 'pg_catalog.pg_opclass'::regclass, c.oid, n.nspname,
           'operator class ' || n.nspname || '.' || c.opcname || ' USING ' || am.amname,
           'operator class'
    FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace
    JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod
    UNION ALL
    SELECT 'pg_catalog.pg_opfamily'::regclass, f.oid, n.nspname,
           'operator family ' || n.nspname || '.' || f.opfname || ' USING ' || am.amname,
           'operator family'
    FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
    JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod
    UNION ALL
    SELECT 'pg_catalog.pg_collation'::regclass, c.oid, n.nspname,
           'collation ' || n.nspname || '.' || c.collname, 'collation'
    FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
    UNION ALL
    SELECT 'pg_catalog.pg_conversion'::regclass, c.oid, n.nspname,
           'conversion ' || n.nspname || '.' || c.conname, 'conversion'
    FROM pg_catalog.pg_conversion c JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
    UNION ALL
    SELECT 'pg_catalog.pg_ts_config'::regclass, c.oid, n.nspname,
           'text search configuration ' || n.nspname || '.' || c.cfgname,
           'text search configuration'
    FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
    UNION ALL
    SELECT 'pg_catalog.pg_ts_dict'::regclass, c.oid, n.nspname,
           'text search dictionary ' || n.nspname || '.' || c.dictname,
           'text search dictionary'
    FROM pg_catalog.pg_ts_dict c JOIN pg_catalog.pg_namespace n ON n.oid = c.dictnamespace
    UNION ALL
    SELECT 'pg_catalog.pg_ts_parser'::regclass, c.oid, n.nspname,
           'text search parser ' || n.nspname || '.' || c.prsname, 'text search parser'
    FROM pg_catalog.pg_ts_parser c JOIN pg_catalog.pg_namespace n ON n.oid = c.prsnamespace
    UNION ALL
    SELECT 'pg_catalog.pg_ts_template'::regclass, c.oid, n.nspname,
           'text search template ' || n.nspname || '.' || c.tmplname, 'text search template'
    FROM pg_catalog.pg_ts_template c JOIN pg_catalog.pg_namespace n ON n.oid = c.tmplnamespace
    UNION ALL
    SELECT 'pg_catalog.pg_statistic_ext'::regclass, s.oid, n.nspname,
           'statistics ' || n.nspname || '.' || s.stxname, 'extended statistics'
    FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
    UNION ALL
    SELECT 'pg_catalog.pg_rewrite'::regclass, w.oid, n.nspname,
           'rule ' || n.nspname || '.' || c.relname || '.' || w.rulename, 'rule'
    FROM pg_catalog.pg_rewrite w JOIN pg_catalog.pg_class c ON c.oid = w.ev_class
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE w.rulename <> '_RETURN'
    UNION ALL
    SELECT 'pg_catalog.pg_policy'::regclass, p.oid, n.nspname,
           'policy ' || n.nspname || '.' || c.relname || '.' || p.polname, 'policy'
    FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    -- Those of tables, partitioned tables and partitions are managed (policies.sql).
    WHERE c.relkind NOT IN ('r', 'p')
    UNION ALL
    SELECT 'pg_catalog.pg_class'::regclass, c.oid, n.nspname,
           'row-level security ' || n.nspname || '.' || c.relname,
           CASE WHEN c.relforcerowsecurity THEN 'row-level security (enabled, forced)'
                ELSE 'row-level security (enabled)' END
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relrowsecurity AND c.relkind NOT IN ('r', 'p')
    UNION ALL
    SELECT 'pg_catalog.pg_class'::regclass, c.oid, n.nspname,
           'unlogged ' || n.nspname || '.' || c.relname, 'unlogged table'
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relpersistence = 'u' AND c.relkind IN ('r', 'p', 'm', 'S')
    UNION ALL
    SELECT 'pg_catalog.pg_class'::regclass, c.oid, n.nspname,
           'storage parameters ' || n.nspname || '.' || c.relname,
           'storage parameters: ' || pg_catalog.array_to_string(c.reloptions, ', ')
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.reloptions IS NOT NULL AND c.relkind IN ('r', 'p', 'm')
    UNION ALL
    SELECT 'pg_catalog.pg_class'::regclass, c.oid, n.nspname,
           'replica identity ' || n.nspname || '.' || c.relname,
           'replica identity ' || CASE c.relreplident WHEN 'f' THEN 'full'
                                      WHEN 'n' THEN 'nothing' ELSE 'using an index' END
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relreplident <> 'd' AND c.relkind IN ('r', 'p')
    UNION ALL
    SELECT 'pg_catalog.pg_class'::regclass, c.oid, n.nspname,
           'inheritance ' || n.nspname || '.' || c.relname,
           'table inheritance: foreign table inherits ' || pn.nspname || '.' || pc.relname
    FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
    JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
    WHERE NOT c.relispartition AND c.relkind = 'f'
    UNION ALL
    -- Privileges of tables, views, sequences, functions, types and schemas, and default
    -- privileges, are modelled (privileges.sql), partitioned tables' too; those of foreign tables
    -- are not.
    SELECT 'pg_catalog.pg_class'::regclass, c.oid, n.nspname,
           'privileges ' || n.nspname || '.' || c.relname, 'privileges (non-default ACL)'
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relacl IS NOT NULL AND c.relkind = 'f'
)
SELECT o.key, o.what FROM objs o
WHERE o.objid >= 16384
  AND o.nspname !~ '^pg_' AND o.nspname <> 'information_schema'
  AND (o.nspname = '' OR cardinality($1::text[]) = 0 OR o.nspname = ANY ($1::text[]))
  AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = o.classid AND ext.objid = o.objid)
UNION ALL
SELECT g.key, g.what FROM (
    SELECT 'pg_catalog.pg_event_trigger'::regclass AS classid, t.oid AS objid,
           'event trigger ' || t.evtname AS key, 'event trigger' AS what
    FROM pg_catalog.pg_event_trigger t
    UNION ALL
    SELECT 'pg_catalog.pg_cast'::regclass, c.oid,
           'cast (' || pg_catalog.format_type(c.castsource, NULL) || ' AS '
           || pg_catalog.format_type(c.casttarget, NULL) || ')', 'cast'
    FROM pg_catalog.pg_cast c
    UNION ALL
    SELECT 'pg_catalog.pg_publication'::regclass, p.oid, 'publication ' || p.pubname,
           'publication'
    FROM pg_catalog.pg_publication p
    UNION ALL
    SELECT 'pg_catalog.pg_subscription'::regclass, s.oid, 'subscription ' || s.subname,
           'subscription'
    FROM pg_catalog.pg_subscription s
    WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d
                       WHERE d.datname = pg_catalog.current_database())
    UNION ALL
    SELECT 'pg_catalog.pg_foreign_data_wrapper'::regclass, w.oid,
           'foreign data wrapper ' || w.fdwname, 'foreign data wrapper'
    FROM pg_catalog.pg_foreign_data_wrapper w
    UNION ALL
    SELECT 'pg_catalog.pg_foreign_server'::regclass, s.oid, 'foreign server ' || s.srvname,
           'foreign server'
    FROM pg_catalog.pg_foreign_server s
    UNION ALL
    SELECT 'pg_catalog.pg_language'::regclass, l.oid, 'language ' || l.lanname, 'language'
    FROM pg_catalog.pg_language l
    UNION ALL
    SELECT 'pg_catalog.pg_transform'::regclass, t.oid,
           'transform for ' || pg_catalog.format_type(t.trftype, NULL) || ' language '
           || l.lanname, 'transform'
    FROM pg_catalog.pg_transform t JOIN pg_catalog.pg_language l ON l.oid = t.trflang
    UNION ALL
    SELECT 'pg_catalog.pg_am'::regclass, a.oid, 'access method ' || a.amname,
           'access method'
    FROM pg_catalog.pg_am a
) g
WHERE g.objid >= 16384
  AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = g.classid AND ext.objid = g.objid)
ORDER BY 1
