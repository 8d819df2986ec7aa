#!/bin/sh
# Backs up the database named by PORTAL_DATABASE_URL into BACKUP_DIR (default /var/backups/huining-portal),
# keeping 30 days. SQLite is copied with its online backup API, PostgreSQL with pg_dump.
# The search index is not backed up: it is rebuilt from the database (flask --app portal search reindex).
set -eu
BACKUP_DIR=${BACKUP_DIR:-/var/backups/huining-portal}
URL=${PORTAL_DATABASE_URL:-sqlite:///$(dirname "$0")/../instance/portal.sqlite3}
STAMP=$(date +%Y%m%d-%H%M%S)
mkdir -p "$BACKUP_DIR"
case "$URL" in
  sqlite:///*)
    python3 - "${URL#sqlite:///}" "$BACKUP_DIR/portal-$STAMP.sqlite3" <<'PY'
import sqlite3, sys
source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
source.backup(target)
target.close(); source.close()
PY
    gzip "$BACKUP_DIR/portal-$STAMP.sqlite3" ;;
  postgresql*)
    pg_dump --format=custom --file="$BACKUP_DIR/portal-$STAMP.dump" "$(echo "$URL" | sed 's/+psycopg//')" ;;
  *) echo "unsupported database URL: $URL" >&2; exit 1 ;;
esac
find "$BACKUP_DIR" -name 'portal-*' -mtime +30 -delete
echo "backup written to $BACKUP_DIR (portal-$STAMP)"
