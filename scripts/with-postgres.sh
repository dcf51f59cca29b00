#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server that starts and stops here.
# Usage: scripts/with-postgres.sh COMMAND [ARGS...]   (DATABASE_URL is set for it)
set -euo pipefail

PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "PostgreSQL server not found; installing it" >&2
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq postgresql >/dev/null
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
PORT=${PGPORT_TEST:-54329}
DIR=$(mktemp -d)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$DIR"

stop() {
  as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap stop EXIT

as_pg "$PGBIN/initdb" -D "$DIR/data" -A trust -U postgres >/dev/null
OPTIONS="-p $PORT -k $DIR -c listen_addresses=127.0.0.1"
# Tests trade durability for speed; PG_DURABLE=1 keeps PostgreSQL's defaults (make faults: a server
# stopped as in a crash must keep every commit it acknowledged).
[ "${PG_DURABLE:-0}" = 1 ] || OPTIONS="$OPTIONS -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w start -o "$OPTIONS" >/dev/null
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT" >&2

export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/crm"
# For the fault injection (bench/loadtest.py --fault postgres-outage), which stops and starts it.
export PGBIN_TEST="$PGBIN" PGDATA_TEST="$DIR/data" PGLOG_TEST="$DIR/log" PGOPTIONS_TEST="$OPTIONS"
"$@"
