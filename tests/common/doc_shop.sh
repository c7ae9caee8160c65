#!/bin/sh
# Builds, in the current (empty) directory, the PostgreSQL shop project of docs/postgres.md
# ("Lock-aware plans" and after) on the database $DATABASE_URL, up to STAGE, with the ids the
# pages show:
#   orders   init; orders (3e63e2ec1d31): customers and orders, applied, with three orders,
#            two of which share the reference A-2 and one has a total of -5.00
#   indexes  + [postgres] concurrent_indexes and lock_timeout = "5s"; order indexes
#            (5d430cc606c2): orders_customer_idx and the unique orders_reference_key, not applied
#   rules    indexes applied after the A-2 duplicate is fixed; + order rules (79c8394b6d4f),
#            generated with --not-valid: CHECK (total >= 0) and the foreign key to customers
# Used by tests/doc_examples.rs pages as
# `before: DATABASE_URL=postgresql://postgres@127.0.0.1/schemadiff_docs_NAME sh $REPO/tests/common/doc_shop.sh STAGE`.
set -e
stage=$1
sd() { schemadiff "$@" >/dev/null 2>&1 || { schemadiff "$@"; exit 1; }; }
q() { psql -X -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" "$@" >/dev/null; }
# the page's database may hold an earlier stage: start from an empty one
q -c "DROP SCHEMA public CASCADE" -c "CREATE SCHEMA public"
sd init --dialect postgres
sed -i "s|^database_url = .*|database_url = \"$DATABASE_URL\"|" schemadiff.toml
cat > schemas/schema.sql <<'SQL'
CREATE TABLE customers (
    id integer PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE orders (
    id integer PRIMARY KEY,
    reference text NOT NULL,
    customer_id integer NOT NULL,
    total numeric(10,2) NOT NULL
);
SQL
sd generate -m "orders" --rev-id 3e63e2ec1d31
sd upgrade
q -c "INSERT INTO customers VALUES (1, 'Ann')" \
  -c "INSERT INTO orders VALUES (1, 'A-1', 1, 10.00), (2, 'A-2', 1, 20.00), (3, 'A-2', 1, -5.00)"
[ "$stage" = orders ] && exit 0
printf '\n[postgres]\nconcurrent_indexes = true\nlock_timeout = "5s"\n' >> schemadiff.toml
cat >> schemas/schema.sql <<'SQL'
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE UNIQUE INDEX orders_reference_key ON orders (reference);
SQL
sd generate -m "order indexes" --rev-id 5d430cc606c2
[ "$stage" = indexes ] && exit 0
q -c "UPDATE orders SET reference = 'A-3' WHERE id = 3"
sd upgrade
sed -i 's/^    total numeric(10,2) NOT NULL$/    total numeric(10,2) NOT NULL CHECK (total >= 0)/; s/^    customer_id integer NOT NULL,$/    customer_id integer NOT NULL REFERENCES customers (id),/' schemas/schema.sql
sd generate -m "order rules" --not-valid --rev-id 79c8394b6d4f
[ "$stage" = rules ] && exit 0
echo "doc_shop.sh: unknown stage $stage" >&2
exit 1
