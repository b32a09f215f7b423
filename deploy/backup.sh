#!/usr/bin/env bash
# Back up the database and the uploads into BACKUP_DIR (or the first argument):
#   tieshagai-<stamp>.db            pg_dump --format=custom (PostgreSQL) or a SQLite copy
#   tieshagai-<stamp>-media.tar.gz  MEDIA_ROOT (uploaded ledgers, evidence files)
# and delete backups older than BACKUP_KEEP_DAYS (default 30; 0 keeps everything).
# The database is whatever DATABASE_URL names (as for the application).
# Restore with deploy/restore.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
dir=${1:-${BACKUP_DIR:-backups}}
keep=${BACKUP_KEEP_DAYS:-30}
stamp=$(date +%Y%m%d-%H%M%S)
mkdir -p "$dir"
umask 077  # backups hold people's data: readable by their owner only

"$PY" manage.py db_backup "$dir/tieshagai-$stamp.db"

media=$("$PY" manage.py shell --no-imports -c "from django.conf import settings; print(settings.MEDIA_ROOT)")
if [ -d "$media" ]; then
  tar -czf "$dir/tieshagai-$stamp-media.tar.gz" -C "$media" .
  echo "Backed up uploads in $media to $dir/tieshagai-$stamp-media.tar.gz ($(du -h "$dir/tieshagai-$stamp-media.tar.gz" | cut -f1))."
else
  echo "No uploads folder at $media: nothing to add."
fi

if [ "$keep" -gt 0 ]; then
  find "$dir" -maxdepth 1 -name 'tieshagai-*' -type f -mtime +"$keep" -print -delete
fi
