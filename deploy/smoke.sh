#!/usr/bin/env bash
# Production smoke test, run by .ci/run: the application as deployed —
# DEBUG=0, PostgreSQL, collectstatic, gunicorn (deploy/gunicorn.conf.py, two
# workers) on a free loopback port, and the task worker (db_worker) — then
# deploy/smoke_check.py checks /healthz, the HTTPS redirect, the security
# headers, a static file under its hashed name, and a login whose session
# every worker finds. Uses a database of its own on the PG_SERVER server
# (created and dropped); stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
GUNICORN=${GUNICORN:-.venv/bin/gunicorn}
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
db="tieshagai_smoke_$$"
work=$(mktemp -d)
server_pid=""
worker_pid=""

cleanup() {
  status=$?
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -n "$worker_pid" ] && kill "$worker_pid" 2>/dev/null && wait "$worker_pid" 2>/dev/null || true
  psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT INT TERM

port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password="Smoke-$(date +%s)-check"

psql "$PG_SERVER/postgres" -qc "CREATE DATABASE $db"
export DEBUG=0 \
  SECRET_KEY="smoke-$(date +%s%N)-a-long-random-value-used-for-this-run-only" \
  ALLOWED_HOSTS=127.0.0.1 \
  DATABASE_URL="$PG_SERVER/$db" \
  STATIC_ROOT="$work/static" MEDIA_ROOT="$work/media" \
  BEHIND_PROXY=1 LOG_LEVEL=WARNING CACHE_BACKEND=database \
  GUNICORN_BIND="127.0.0.1:$port" GUNICORN_WORKERS=2 GUNICORN_THREADS=1

"$PY" manage.py migrate --noinput >/dev/null
"$PY" manage.py collectstatic --noinput | tail -n 1
"$PY" manage.py check --deploy --fail-level WARNING
DJANGO_SUPERUSER_PASSWORD="$password" "$PY" manage.py createsuperuser \
  --noinput --username smoke --email smoke@example.invalid >/dev/null

"$GUNICORN" -c deploy/gunicorn.conf.py --access-logfile "$work/access.log" &
server_pid=$!
"$PY" manage.py db_worker --no-reload --interval 1 >"$work/worker.log" 2>&1 &
worker_pid=$!

for _ in $(seq 1 60); do
  if "$PY" -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$port/healthz', timeout=1)" 2>/dev/null; then
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || { echo "gunicorn exited"; exit 1; }
  sleep 0.5
done

"$PY" deploy/smoke_check.py --base "http://127.0.0.1:$port" --static-root "$work/static" \
  --username smoke --password "$password"

kill -0 "$worker_pid" 2>/dev/null || { echo "FAIL: the task worker exited"; cat "$work/worker.log"; exit 1; }
# A task queued now (the sweep for lost ledger imports) is run by that worker.
"$PY" - <<'EOF' || { cat "$work/worker.log"; exit 1; }
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tieshagai.settings")
django.setup()
from django_tasks import TaskResultStatus  # noqa: E402

from households.ledger.tasks import sweep_lost_imports  # noqa: E402

result = sweep_lost_imports.enqueue()
deadline = time.monotonic() + 30
while result.status not in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
    if time.monotonic() > deadline:
        raise SystemExit("FAIL: the task worker did not run a queued task within 30 s")
    time.sleep(0.2)
    result.refresh()
if result.status != TaskResultStatus.SUCCESSFUL:
    raise SystemExit(f"FAIL: the queued task failed: {result.errors}")
print(f"ok   the task worker ran a queued task ({result.task.name}) on PostgreSQL")
EOF
echo "ok   the task worker (db_worker) is running (pid $worker_pid)"
if grep -q "password\|csrfmiddlewaretoken" "$work/access.log"; then
  echo "FAIL: the access log holds form data"; exit 1
fi
echo "ok   access log: $(wc -l <"$work/access.log") requests, paths without query strings"
