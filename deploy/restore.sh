#!/usr/bin/env bash
# Restore a backup of deploy/backup.sh:
#   deploy/restore.sh BACKUP.db [MEDIA.tar.gz]
# into the database DATABASE_URL names, which must be EMPTY: on PostgreSQL
# create it first (createdb -O tieshagai tieshagai_restored), on SQLite a new
# file. Every table's row count and checksum is printed (compare with
# `manage.py db_fingerprint` on the source), then migrations run (a backup
# older than the code is brought up to date).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
if [ $# -lt 1 ]; then
  echo "usage: $0 BACKUP.db [MEDIA.tar.gz]" >&2
  exit 2
fi

"$PY" manage.py db_restore "$1"

if [ $# -ge 2 ]; then
  media=$("$PY" manage.py shell --no-imports -c "from django.conf import settings; print(settings.MEDIA_ROOT)")
  mkdir -p "$media"
  if [ -n "$(ls -A "$media")" ]; then
    echo "$media is not empty: uploads not restored (extract $2 there by hand)" >&2
    exit 1
  fi
  tar -xzf "$2" -C "$media"
  echo "Restored uploads into $media."
fi

"$PY" manage.py db_fingerprint
"$PY" manage.py migrate --noinput
