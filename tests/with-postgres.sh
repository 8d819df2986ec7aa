#!/bin/sh
# Runs a command against a throwaway PostgreSQL server in a temporary folder, stopped on exit.
set -eu
# The newest installed server (a client-only version has a bin folder without initdb).
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
PGDATA=$(mktemp -d)
PORT=${PORTAL_TEST_PG_PORT:-55432}
RUN_AS=""
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$PGDATA"
  RUN_AS="runuser -u postgres --"
fi
stop() {
  $RUN_AS "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PGDATA"
}
trap stop EXIT INT TERM
$RUN_AS "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
$RUN_AS "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGDATA -c fsync=off" start >/dev/null
echo "PostgreSQL $($PGBIN/postgres --version | awk '{print $3}') on 127.0.0.1:$PORT"
PORTAL_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres" "$@"
