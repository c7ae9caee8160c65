#!/bin/sh
# Builds, in the current (empty) directory, the example blog project that the revision pages
# of the docs tell the story of, up to STAGE, with the ids the pages show:
#   v1       init; blog v1 (1e6f9564a634) from schemas/v1
#   v2       + blog v2 (c684a90b5929) from schemas/v2
#   name     + author name required (28007e102f34): authors.name NOT NULL
#   branches + Ana's settings table (745a911369db) and Ben's author website (7f734034f323),
#            both from 28007e102f34, as after `git merge` of their two branches
#   merged   + merge settings and website (bdd4cf71bb64)
# Only revision files, snapshots/ and schemas/ are written: no database is touched.
# Used by tests/doc_examples.rs pages as `before: sh $REPO/tests/common/doc_blog.sh STAGE`.
set -e
stage=$1
at() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }
sd() { schemadiff "$@" >/dev/null 2>&1 || { schemadiff "$@"; exit 1; }; }
sd init
rm schemas/schema.sql
cp "$REPO"/schemas/v1/*.sql schemas/
sd generate -m "blog v1" --rev-id 1e6f9564a634
[ "$stage" = v1 ] && exit 0
cp "$REPO"/schemas/v2/*.sql schemas/
sd generate -m "blog v2" --rev-id c684a90b5929
[ "$stage" = v2 ] && exit 0
sed -i 's/^  name TEXT,$/  name TEXT NOT NULL,/' schemas/tables.sql
sd generate -m "author name required" --rev-id 28007e102f34
[ "$stage" = name ] && exit 0
# Ana's branch (aside in a directory of this run's own: pages run at the same time)
aside=$(mktemp -d)
cp -r snapshots "$aside/base"
cat > schemas/settings.sql <<'SQL'
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
SQL
sd generate -m "settings table" --rev-id 745a911369db
mv migrations/*_745a911369db_* "$aside/" && mv snapshots/settings.sql "$aside/settings.sql"
rm -r snapshots && mv "$aside/base" snapshots && mv schemas/settings.sql "$aside/schema_settings.sql"
# Ben's branch
sed -i 's/^  bio TEXT$/  bio TEXT,\n  website TEXT/' schemas/tables.sql
sd generate -m "author website" --rev-id 7f734034f323
# git merge of both
mv "$aside"/*_745a911369db_settings_table.sql migrations/
mv "$aside/settings.sql" snapshots/settings.sql
mv "$aside/schema_settings.sql" schemas/settings.sql
rmdir "$aside"
[ "$stage" = branches ] && exit 0
sd merge -m "merge settings and website" --rev-id bdd4cf71bb64
[ "$stage" = merged ] && exit 0
echo "doc_blog.sh: unknown stage $stage" >&2
exit 1
