#!/usr/bin/env bash
# Read replica check, run by .ci/run (make replica-check): a PostgreSQL
# primary and a streaming replica of it (pg_basebackup -R) are started in
# temporary directories on free ports, the application is migrated on the
# primary with DATABASE_REPLICA_URL naming the replica, and
# deploy/replica_check.py proves which pages read which server, that a
# user's write pins their reads to the primary, and that pages still answer
# when the replica is down. Stops and removes everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}
work=$(mktemp -d)
chmod 755 "$work"

# PostgreSQL refuses to run as root: the servers run as the postgres user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cleanup() {
  status=$?
  as_pg "$bin/pg_ctl" -D "$work/replica" -m immediate stop >/dev/null 2>&1 || true
  as_pg "$bin/pg_ctl" -D "$work/primary" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT INT TERM

primary_port=$(free_port)
replica_port=$(free_port)
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; fi

as_pg "$bin/initdb" -D "$work/primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$bin/pg_ctl" -D "$work/primary" -l "$work/primary.log" -w \
  -o "-p $primary_port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
as_pg "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$work/replica" -R -X stream
as_pg "$bin/pg_ctl" -D "$work/replica" -l "$work/replica.log" -w \
  -o "-p $replica_port -k $work -c listen_addresses=127.0.0.1 -c hot_standby=on" start >/dev/null
"$bin/psql" -h 127.0.0.1 -p "$primary_port" -U postgres -qc "CREATE DATABASE tieshagai"

export DEBUG=1 LOG_LEVEL=WARNING \
  DATABASE_URL="postgres://postgres@127.0.0.1:$primary_port/tieshagai" \
  DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:$replica_port/tieshagai" \
  MEDIA_ROOT="$work/media" REPLICA_DATA_DIR="$work/replica" REPLICA_PG_CTL="$bin/pg_ctl"
"$PY" manage.py migrate --noinput >/dev/null
"$PY" manage.py load_demo >/dev/null
"$PY" deploy/replica_check.py
