#!/bin/sh
# Creates the Temporal server's two PostgreSQL databases and brings their schemas up to date: the one-shot job of
# docker-compose.yml, and what the native-topology test runs. Safe to run again (create tolerates an existing
# database, update-schema applies only what is missing).
# Environment: SQL_HOST, SQL_PORT (5432), SQL_USER, SQL_PASSWORD, SCHEMA_DIR (the server's schema/postgresql/v12).
set -eu
: "${SQL_HOST:?}" "${SQL_USER:?}" "${SQL_PASSWORD:?}"
SQL_PORT=${SQL_PORT:-5432}
SCHEMA_DIR=${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}
export SQL_PASSWORD

for db in temporal temporal_visibility; do
  schema=$([ "$db" = temporal ] && echo temporal || echo visibility)
  tool() { temporal-sql-tool --plugin postgres12 --ep "$SQL_HOST" -p "$SQL_PORT" -u "$SQL_USER" --db "$db" "$@"; }
  tool create || echo "database $db exists"
  # setup-schema -v 0.0 only creates the version table; it is a no-op once the schema has a version.
  tool setup-schema -v 0.0 || true
  tool update-schema -d "$SCHEMA_DIR/$schema/versioned"
done
echo "schemas up to date"
