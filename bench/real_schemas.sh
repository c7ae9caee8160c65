#!/usr/bin/env bash
# End-to-end checks of schemadiff on real schemas (issue 14, item 6). Not run by CI.
#
#   bench/real_schemas.sh postgres|sqlite FILE.sql|DIR [...]
#
# For each schema file (a DIR means its *.sql files, one schema each), prints one line per
# check: `<schema> <check> PASS|FAIL|SKIP <seconds>s [detail]`, and the files it compared are
# kept under $OUT (default /tmp/realschemas/out/<schema>/) for reading.
#
#   a  load      the file into a fresh schemadiff_real_* database (psql / sqlite3)
#   b  self      `diff --from <that database> --to <the file>` prints nothing
#   c  empty     init + the file as schemas/ + generate + `upgrade head` on an empty database:
#                its `inspect` equals the original's (table inheritance aside: see options).
#                PostgreSQL: the aggregates (not modelled) are added by hand to the first
#                revision, between the functions they use and the views that call them
#   c  ext       PostgreSQL: after c, the objects schemadiff does not model (event triggers,
#                policies, rules, grants, publications) restored with pg_restore from a dump
#                of the original (what a user does by hand) equal the original's (with the
#                aggregates of c)
#   c  options   PostgreSQL: table options schemadiff does not model (UNLOGGED, fillfactor,
#                REPLICA IDENTITY, INHERITS) are the same on the database built from empty
#   d  editN     three edits of the declared file (add a column with a default, add an index on
#                it, then a CHECK on PostgreSQL / drop an existing column on SQLite), on
#                PostgreSQL then a function body (a comment line added, in a CREATE OR REPLACE)
#                and a trigger disabled when the schema has them: generate, `upgrade head`,
#                `check` clean, a second generate writes nothing
#   d  verify    `verify`: the revisions up to head and back down in a scratch database
#   d  downN     `downgrade -1` step by step: each step's `inspect` equals the one before the
#                edit (`(order)` when equal only up to column order, which PostgreSQL cannot keep)
#   e  keep*     the catalog of objects schemadiff does not model (PostgreSQL: the list above;
#                SQLite: triggers) is the same after every edit and every downgrade
#
# Environment: SCHEMADIFF (binary, default target/debug/schemadiff), PGURL (server, default
# postgresql://postgres@127.0.0.1:5432), REAL_TABLE (the table the edits touch, default: the
# first table by name that has a primary key), KEEP=1 (keep the databases).
# A file NAME.pre.sql next to a PostgreSQL schema NAME.sql is run (errors allowed) before the
# load of check a and before `upgrade head` of check c: what the schema needs from its platform
# (roles, schemas and tables of an auth service, ...). Roles it creates are cluster-wide and stay.
# Every database it creates is dropped at the end, also on failure or interrupt.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SCHEMADIFF:-$here/target/debug/schemadiff}
PGURL=${PGURL:-postgresql://postgres@127.0.0.1:5432}
OUTROOT=${OUT:-/tmp/realschemas/out}
engine=${1:?usage: real_schemas.sh postgres|sqlite FILE|DIR...}
shift
[ $# -gt 0 ] || { echo "usage: real_schemas.sh postgres|sqlite FILE|DIR..." >&2; exit 2; }
case $engine in postgres|sqlite) ;; *) echo "engine must be postgres or sqlite" >&2; exit 2 ;; esac

mkdir -p "$OUTROOT"
DBLIST="$OUTROOT/.databases.$$"
: >"$DBLIST"
cleanup() {
  [ "${KEEP:-0}" = 1 ] && return
  local db
  while read -r db; do
    [ -n "$db" ] || continue
    if [ "$engine" = postgres ]; then
      psql "$PGURL/postgres" -qAtc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1
      # scratch databases of schemadiff itself are its own to drop; nothing else here
    else
      rm -f "$db"
    fi
  done <"$DBLIST"
  rm -f "$DBLIST"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fails=0
now() { date +%s.%N; }
line() { # schema check status start [detail]
  local t
  t=$(awk -v a="$4" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}')
  printf '%-20s %-8s %-4s %6ss %s\n' "$1" "$2" "$3" "$t" "${5:-}"
  [ "$3" = FAIL ] && fails=$((fails + 1))
  return 0
}

# --- engine helpers -------------------------------------------------------------------------
newdb() { # name -> url (created, empty)
  if [ "$engine" = postgres ]; then
    echo "$1" >>"$DBLIST"
    psql "$PGURL/postgres" -qAtc "CREATE DATABASE \"$1\"" >/dev/null || return 1
    echo "$PGURL/$1"
  else
    local f="$work/$1.db"
    echo "$f" >>"$DBLIST"
    rm -f "$f"; : >"$f"
    echo "sqlite:///$f"
  fi
}
load() { # url file
  if [ "$engine" = postgres ]; then
    psql "$1" -X -q -v ON_ERROR_STOP=1 -f "$2" >"$work/load.out" 2>&1
  else
    sqlite3 -bail "${1#sqlite:///}" <"$2" >"$work/load.out" 2>&1
  fi
}
sql() { # url query
  if [ "$engine" = postgres ]; then psql "$1" -X -qAt -c "$2"; else sqlite3 "${1#sqlite:///}" "$2"; fi
}
unmodelled() { # url -> catalog of what schemadiff leaves alone
  # (functions, procedures, triggers and domains are modelled since issue 15: `inspect` and
  # the `empty`/`down` checks cover them; aggregates, event triggers and the rest are not)
  if [ "$engine" = postgres ]; then
    sql "$1" "
with ns as (select oid, nspname from pg_namespace
            where nspname not in ('pg_catalog','information_schema') and nspname !~ '^pg_')
select 'aggregate ' || p.oid::regprocedure || ' ' || a.aggtransfn::regproc::text || ' ' ||
       a.aggtranstype::regtype::text || ' ' || a.aggfinalfn::regproc::text
  from pg_proc p join pg_aggregate a on a.aggfnoid = p.oid join ns on ns.oid = p.pronamespace
 where not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass
                   and d.objid = p.oid and d.deptype = 'e')
union all
select 'event trigger ' || evtname || ' ' || evtevent || ' ' || evtfoid::regproc::text || ' ' || evtenabled::text
  from pg_event_trigger
union all
select 'policy ' || schemaname || '.' || tablename || ' ' || policyname || ' ' ||
       coalesce(qual, '') || ' ' || coalesce(with_check, '') from pg_policies
union all
select 'rule ' || schemaname || '.' || tablename || ' ' || definition from pg_rules
 where schemaname not in ('pg_catalog','information_schema')
union all
select 'grant ' || c.oid::regclass || ' ' || c.relacl::text
  from pg_class c join ns on ns.oid = c.relnamespace
 where c.relacl is not null and c.relname !~ '^schemadiff_'
union all
select 'publication ' || pubname || ' ' || schemaname || '.' || tablename from pg_publication_tables
union all
select 'rls ' || c.oid::regclass || ' ' || c.relrowsecurity || ' ' || c.relforcerowsecurity
  from pg_class c join ns on ns.oid = c.relnamespace
 where c.relkind in ('r', 'p') and (c.relrowsecurity or c.relforcerowsecurity)
order by 1"
  else
    sql "$1" "select type || ' ' || name || ' ' || tbl_name || ' ' || coalesce(sql, '')
                from sqlite_master where type = 'trigger' order by name"
  fi
}
table_options() { # url -> table options schemadiff does not model (PostgreSQL)
  [ "$engine" = postgres ] || return 0
  sql "$1" "select 'table ' || c.oid::regclass || ' persistence=' || c.relpersistence::text ||
                   ' replica_identity=' || c.relreplident::text || ' options=' || coalesce(c.reloptions::text, '') ||
                   ' inherits=' || coalesce((select string_agg(i.inhparent::regclass::text, ',') from pg_inherits i where i.inhrelid = c.oid), '')
              from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema')
               and n.nspname !~ '^pg_' and c.relname !~ '^schemadiff_'
               and (c.relpersistence <> 'p' or c.relreplident <> 'd' or c.reloptions is not null
                    or exists (select 1 from pg_inherits i where i.inhrelid = c.oid))
             order by 1"
}
sizes() { # url -> "N tables, N indexes, N views, N triggers"
  if [ "$engine" = postgres ]; then
    sql "$1" "select count(*) filter (where c.relkind in ('r','p')) || ' tables, ' ||
                     count(*) filter (where c.relkind = 'i') || ' indexes, ' ||
                     count(*) filter (where c.relkind in ('v','m')) || ' views/matviews, ' ||
                     (select count(*) from pg_trigger where not tgisinternal) || ' triggers, ' ||
                     (select count(*) from pg_proc p join pg_namespace pn on pn.oid = p.pronamespace
                       where pn.nspname not in ('pg_catalog','information_schema') and pn.nspname !~ '^pg_'
                         and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')) || ' functions'
                from pg_class c join pg_namespace n on n.oid = c.relnamespace
               where n.nspname not in ('pg_catalog','information_schema') and n.nspname !~ '^pg_'
                 and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e')"
  else
    sql "$1" "select sum(type = 'table') || ' tables, ' || sum(type = 'index') || ' indexes, ' ||
                     sum(type = 'view') || ' views, ' || sum(type = 'trigger') || ' triggers'
                from sqlite_master where name not like 'sqlite_%'"
  fi
}
pick_table() { # url -> quoted table name
  if [ -n "${REAL_TABLE:-}" ]; then echo "$REAL_TABLE"; return; fi
  if [ "$engine" = postgres ]; then
    sql "$1" "select format('%I.%I', n.nspname, c.relname) from pg_class c
               join pg_namespace n on n.oid = c.relnamespace
              where c.relkind = 'r' and n.nspname not in ('pg_catalog','information_schema')
                and n.nspname !~ '^pg_' and c.relname !~ '^schemadiff_'
                and not exists (select 1 from pg_inherits i where i.inhrelid = c.oid or i.inhparent = c.oid)
                and exists (select 1 from pg_constraint k where k.conrelid = c.oid and k.contype = 'p')
                and not exists (select 1 from pg_depend d where d.deptype = 'e' and d.objid = c.oid)
              order by n.nspname = 'public' desc, 1 limit 1"
  else
    # the first table by name that has a column the third edit can drop, else the first one
    local t first=""
    for t in $(sql "$1" "select '\"' || replace(name, '\"', '\"\"') || '\"' from sqlite_master
               where type = 'table' and name not like 'sqlite_%' and name not like 'schemadiff_%'
                 and sql not like 'CREATE VIRTUAL%' and name not like '% %' order by name"); do
      first=${first:-$t}
      if droppable_column "$1" "$t" >/dev/null; then echo "$t"; return; fi
    done
    echo "$first"
  fi
}
droppable_column() { # url table -> a column that no key, index, view or trigger uses (SQLite)
  local db=${1#sqlite:///} t=$2 c
  for c in $(sqlite3 "$db" "select name from pragma_table_info($(printf "'%s'" "$(sql "$1" "select name from sqlite_master where '\"' || replace(name,'\"','\"\"') || '\"' = '$t'")")) where pk = 0 order by cid desc"); do
    if ! sqlite3 "$db" "select sql from sqlite_master where sql is not null and type <> 'table'" | grep -qi "$c" &&
       ! sqlite3 "$db" "select sql from sqlite_master where type = 'table'" | grep -i "references" | grep -qi "$c"; then
      # neither in another statement nor in a FOREIGN KEY line
      if ! sqlite3 "$db" "select sql from sqlite_master where type='table' and '\"' || replace(name,'\"','\"\"') || '\"' = '$t'" |
           grep -iE "(unique|check|primary key|foreign key)[^,]*$c" >/dev/null; then
        echo "$c"; return 0
      fi
    fi
  done
  return 1
}
# Declared file after an edit. PostgreSQL: the statements are appended (a declared file may
# hold ALTER). SQLite: only CREATE statements are declared, so the edit is made in a copy of
# the database built from the file and its schema is printed back.
edit_file() { # file stmt
  if [ "$engine" = postgres ]; then
    printf '\n%s\n' "$2" >>"$1"
  else
    local tmp="$work/edit.db"
    rm -f "$tmp"
    sqlite3 -bail "$tmp" <"$1" && sqlite3 -bail "$tmp" "$2" && sqlite3 "$tmp" .schema >"$1.new" &&
      mv "$1.new" "$1"
  fi
}
inspect() { "$BIN" inspect "$1" 2>"$work/inspect.err"; }
same_catalog() { # a b -> 0 equal, 1 equal up to column order, 2 different
  cmp -s "$1" "$2" && return 0
  # PostgreSQL appends a re-added column: compare the lines as a set, trailing commas aside
  diff <(sed 's/,$//' "$1" | sort) <(sed 's/,$//' "$2" | sort) >/dev/null && return 1
  return 2
}
sd() { # run schemadiff in the project, output to $work/last.out
  (cd "$proj" && "$BIN" "$@") >"$work/last.out" 2>&1
}
firstline() { grep -v '^\s*$' "$work/last.out" | grep -E '×|rror' -A1 | tr -s ' \n' ' ' | cut -c1-160; }
nmig() { find "$proj/migrations" -name '*.sql' | wc -l; }

# --- one schema -------------------------------------------------------------------------------
run_one() {
  local file=$1 name t0 url orig built table col rc
  name=$(basename "$file" .sql | tr -c 'a-zA-Z0-9_\n' '_' | tr 'A-Z' 'a-z')
  work="$OUTROOT/$name"
  rm -rf "$work"; mkdir -p "$work"
  local tag="schemadiff_real_${name}_$$"

  # a. load
  t0=$(now)
  orig=$(newdb "${tag}_orig") || { line "$name" load FAIL "$t0" "cannot create database"; return; }
  local pre="${file%.sql}.pre.sql"
  [ "$engine" = postgres ] && [ -f "$pre" ] && psql "$orig" -X -q -f "$pre" >/dev/null 2>&1
  load "$orig" "$file"
  rc=$?
  if [ $rc -ne 0 ]; then line "$name" load FAIL "$t0" "$(grep -m1 -i error "$work/load.out" | cut -c1-150)"; return; fi
  line "$name" load PASS "$t0" "$(wc -l <"$file") lines, $(sizes "$orig")"
  unmodelled "$orig" >"$work/unmodelled.orig"
  table_options "$orig" >"$work/options.orig"

  # b. the database against its own DDL
  t0=$(now)
  "$BIN" diff --exit-code --from "$orig" --to "$file" >"$work/self.diff" 2>"$work/self.err"
  rc=$?
  if [ $rc -eq 1 ]; then line "$name" self FAIL "$t0" "$(grep -cv '^--' "$work/self.diff") statements, see $work/self.diff"
  elif [ $rc -ne 0 ]; then line "$name" self FAIL "$t0" "exit $rc: $(grep -m1 -E '×|error' "$work/self.err" | cut -c1-150)"
  else line "$name" self PASS "$t0"; fi

  # c. from empty
  t0=$(now)
  proj="$work/proj"; mkdir -p "$proj"
  (cd "$proj" && "$BIN" init --dialect "$engine" >/dev/null 2>&1)
  rm -f "$proj"/schemas/*.sql
  cp "$file" "$proj/schemas/$name.sql"
  built=$(newdb "${tag}_built") || { line "$name" empty FAIL "$t0" "cannot create database"; return; }
  export DATABASE_URL=$built
  inspect "$orig" >"$work/inspect.orig"
  if [ "$engine" = postgres ] && [ -f "$pre" ]; then
    psql "$built" -X -q -f "$pre" >/dev/null 2>&1
  fi
  local pre_dump="$work/orig.dump"
  [ "$engine" = postgres ] && pg_dump -Fc -s -d "$orig" -f "$pre_dump"
  if ! sd generate -m init; then line "$name" empty FAIL "$t0" "generate: $(firstline)"; return; fi
  if [ "$engine" = postgres ]; then
    # What a user adds by hand to the first revision (docs/postgres.md, What is left out):
    # the aggregates, which schemadiff does not model, created after the functions they are
    # built on and before the views that call them, and dropped in the downgrade before
    # those functions are.
    pg_restore -l "$pre_dump" | grep -E '^[0-9]+; [0-9]+ [0-9]+ AGGREGATE ' >"$work/agg.list" || true
    if [ -s "$work/agg.list" ]; then
      pg_restore -L "$work/agg.list" -f - "$pre_dump" | grep -vE '^(SET |SELECT pg_catalog.set_config|--|\\)' >"$work/agg.up"
      sql "$orig" "select format('DROP AGGREGATE %I.%I(%s);', n.nspname, p.proname,
                                 pg_get_function_identity_arguments(p.oid))
                     from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                    where p.prokind = 'a' and n.nspname not in ('pg_catalog', 'information_schema')
                      and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
                    order by 1" >"$work/agg.down"
      local rev; rev=$(ls "$proj"/migrations/*.sql | head -1)
      awk -v up="$work/agg.up" -v down="$work/agg.down" '
        function cat(f,  l) { while ((getline l < f) > 0) print l; close(f) }
        /^-- migrate:down/ { if (!u) { cat(up); u = 1 } sect = "down" }
        sect != "down" && !u && /^CREATE (MATERIALIZED )?VIEW / { print "-- the aggregates, by hand"; cat(up); u = 1 }
        sect == "down" && !d && /^DROP FUNCTION / { cat(down); d = 1 }
        { print }
        END { if (!d) cat(down) }' "$rev" >"$rev.new" && mv "$rev.new" "$rev"
    fi
  fi
  if ! sd upgrade head; then line "$name" empty FAIL "$t0" "upgrade: $(firstline)"; return; fi
  inspect "$built" >"$work/inspect.built"
  # table inheritance is reported, not managed: a build from empty loses it (check `options`)
  local inh; inh=$(grep -c '^-- not managed by schemadiff: inheritance ' "$work/inspect.orig")
  grep -v -e '^-- not managed by schemadiff: inheritance ' -e '^$' "$work/inspect.orig" >"$work/inspect.orig.cmp"
  grep -v -e '^-- not managed by schemadiff: inheritance ' -e '^$' "$work/inspect.built" >"$work/inspect.built.cmp"
  local inhnote=""; [ "$inh" -gt 0 ] && inhnote=" ($inh INHERITS not compared: see options)"
  same_catalog "$work/inspect.orig.cmp" "$work/inspect.built.cmp"
  case $? in
    0) line "$name" empty PASS "$t0" "$inhnote" ;;
    1) line "$name" empty PASS "$t0" "(order)$inhnote" ;;
    *) line "$name" empty FAIL "$t0" "inspect differs: diff $work/inspect.orig $work/inspect.built" ;;
  esac

  # e (for c). restore the rest of what the original has and schemadiff does not model
  if [ "$engine" = postgres ]; then
    t0=$(now)
    pg_restore -l "$pre_dump" | grep -E '^[0-9]+; [0-9]+ [0-9]+ (EVENT TRIGGER|POLICY|RULE|ACL|ROW SECURITY|PUBLICATION|PUBLICATION TABLE) ' \
      >"$work/post.list" || true
    pg_restore -L "$work/post.list" -d "$built" "$pre_dump" >"$work/post.out" 2>&1 || true
    unmodelled "$built" >"$work/unmodelled.built"
    if cmp -s "$work/unmodelled.orig" "$work/unmodelled.built"; then line "$name" ext PASS "$t0" "$(wc -l <"$work/unmodelled.orig") objects"
    else line "$name" ext FAIL "$t0" "diff $work/unmodelled.orig $work/unmodelled.built"; fi
    t0=$(now)
    table_options "$built" >"$work/options.built"
    if cmp -s "$work/options.orig" "$work/options.built"; then line "$name" options PASS "$t0" "$(grep -c . "$work/options.orig") tables with options"
    else line "$name" options FAIL "$t0" "not modelled, lost from empty: $(diff "$work/options.orig" "$work/options.built" | grep -c '^<') of $(grep -c . "$work/options.orig") tables (diff $work/options.orig $work/options.built)"; fi
  fi
  local ubase; ubase=$(unmodelled "$built"; table_options "$built")

  # d. three edits up, then down
  table=$(pick_table "$built")
  if [ -z "$table" ]; then line "$name" edits SKIP "$(now)" "no table with a primary key"; return; fi
  local decl="$proj/schemas/$name.sql" third
  local -a edits=(
    "ALTER TABLE $table ADD COLUMN sd_real_added integer DEFAULT 7 NOT NULL;"
    "CREATE INDEX sd_real_idx ON $table (sd_real_added);"
  )
  if [ "$engine" = postgres ]; then
    third="ALTER TABLE $table ADD CONSTRAINT sd_real_check CHECK (sd_real_added > 0);"
  else
    col=$(droppable_column "$built" "$table")
    third=${col:+ALTER TABLE $table DROP COLUMN \"$col\";}
  fi
  [ -n "$third" ] && edits+=("$third")
  if [ "$engine" = postgres ]; then
    # issue 15: a function body (a comment line at the start of the body of the first plpgsql
    # or SQL function by name, written as its CREATE OR REPLACE) and a trigger (disabled)
    local fedit tedit
    fedit=$(sql "$built" "select replace(pg_get_functiondef(p.oid), 'AS \$function\$',
                                 'AS \$function\$' || chr(10) || '-- sd_real_edit')
              from pg_proc p join pg_namespace n on n.oid = p.pronamespace
              join pg_language l on l.oid = p.prolang
             where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_'
               and p.prokind in ('f', 'p') and l.lanname in ('plpgsql', 'sql') and p.prosrc <> ''
               and pg_get_functiondef(p.oid) like '%AS \$function\$%'
               and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
             order by n.nspname, p.proname, p.oid limit 1")
    [ -n "$fedit" ] && edits+=("$fedit;")
    tedit=$(sql "$built" "select format('ALTER TABLE %I.%I DISABLE TRIGGER %I;', n.nspname, c.relname, t.tgname)
              from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
             where not t.tgisinternal and t.tgparentid = 0 and c.relkind in ('r', 'p')
             order by 1 limit 1")
    [ -n "$tedit" ] && edits+=("$tedit")
  fi
  inspect "$built" >"$work/step0"
  local i=0 e before gen=() bad sub why=""
  for e in "${edits[@]}"; do
    i=$((i + 1)); t0=$(now); bad=0; sub=""
    edit_file "$decl" "$e" || { line "$name" "edit$i" FAIL "$t0" "editing the file: $e"; return; }
    before=$(nmig)
    if sd generate "${gen[@]}" -m "edit $i"; then sub="generate ok"
    else
      bad=1; why="${why:-$(firstline)}"
      # what a user can do when snapshots/ do not load: compare schemas/ with the database
      if [ ${#gen[@]} -eq 0 ] && sd generate --from-db -m "edit $i"; then
        gen=(--from-db); sub="generate FAIL, --from-db ok"
      else
        line "$name" "edit$i" FAIL "$t0" "generate: $(firstline)"; return
      fi
    fi
    if [ "$(nmig)" -ne $((before + 1)) ]; then line "$name" "edit$i" FAIL "$t0" "generate wrote no revision"; return; fi
    if ! sd upgrade head; then line "$name" "edit$i" FAIL "$t0" "$sub, upgrade: $(firstline)"; return; fi
    sub="$sub, upgrade ok"
    if sd check; then sub="$sub, check ok"; else bad=1; sub="$sub, check FAIL"; why="${why:-$(firstline)}"; fi
    before=$(nmig)
    sd generate "${gen[@]}" -m "again $i"
    if [ "$(nmig)" -ne "$before" ]; then
      bad=1; sub="$sub, 2nd generate wrote a revision"
      rm -f "$(ls -t "$proj"/migrations/*.sql | head -1)"
    else sub="$sub, 2nd generate empty"; fi
    inspect "$built" >"$work/step$i"
    if [ "$(unmodelled "$built"; table_options "$built")" != "$ubase" ]; then bad=1; sub="$sub, unmodelled changed"; fi
    if [ $bad = 1 ]; then line "$name" "edit$i" FAIL "$t0" "$sub"; else line "$name" "edit$i" PASS "$t0" "$sub: ${e%%$'\n'*}"; fi
  done
  [ -n "$why" ] && echo "  first error: $why"
  t0=$(now)
  if sd verify; then line "$name" verify PASS "$t0" "every revision up and down in a scratch database"
  else line "$name" verify FAIL "$t0" "$(firstline)"; fi
  local n=$i keep=PASS
  while [ $i -gt 0 ]; do
    t0=$(now)
    if ! sd downgrade -1; then line "$name" "down$i" FAIL "$t0" "downgrade: $(firstline)"; return; fi
    inspect "$built" >"$work/down$((i - 1))"
    same_catalog "$work/step$((i - 1))" "$work/down$((i - 1))"
    rc=$?
    if [ "$(unmodelled "$built"; table_options "$built")" != "$ubase" ]; then keep=FAIL; fi
    if [ $rc -eq 2 ]; then line "$name" "down$i" FAIL "$t0" "diff $work/step$((i - 1)) $work/down$((i - 1))"
    else line "$name" "down$i" PASS "$t0" "$([ $rc -eq 1 ] && echo '(order)')"; fi
    i=$((i - 1))
  done
  t0=$(now)
  line "$name" keep $keep "$t0" "unmodelled catalog through $n edits and $n downgrades ($(echo "$ubase" | grep -c .) objects)"
}

for arg in "$@"; do
  if [ -d "$arg" ]; then
    for f in "$arg"/*.sql; do case $f in *.pre.sql) continue ;; esac; run_one "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"; done
  else
    run_one "$(cd "$(dirname "$arg")" && pwd)/$(basename "$arg")"
  fi
done
unset DATABASE_URL
echo "failures: $fails"
[ $fails -eq 0 ]
