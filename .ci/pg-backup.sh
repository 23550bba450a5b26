#!/usr/bin/env bash
# `make backup` and `make restore FILE=...`: PostgreSQL's own dump of the database
# at DATABASE_URL, for disaster recovery (README, "Operations: backups").
#
#   .ci/pg-backup.sh backup [FILE]   pg_dump --format=custom to FILE
#                                    (default tracker-<UTC time>.dump), written
#                                    beside it and renamed once complete
#   .ci/pg-backup.sh restore FILE    pg_restore --clean --if-exists --no-owner in one
#                                    transaction: every table of the dump replaced,
#                                    or, on any error, nothing changed
#
# SQLite is refused: stop the server and copy db.sqlite3, or use
# `manage.py export_tracker` / `import_tracker`.  pg_dump and pg_restore (the
# postgresql-client package) must be at least the server's major version.
# DATABASE_URL is passed to them as a libpq URI (it shows in the process list
# while they run: on a shared machine put the password in ~/.pgpass instead).
set -euo pipefail

usage() {
  echo "usage: $0 backup [FILE] | restore FILE   (DATABASE_URL=postgres://...)" >&2
  exit 2
}

action=${1:-}
file=${2:-}
url=${DATABASE_URL:-}

case "$url" in
  postgres://* | postgresql://*) ;;
  "")
    echo "DATABASE_URL is not set, so the tracker uses SQLite: make backup and make restore" \
      "are for PostgreSQL. On SQLite, stop the server and copy db.sqlite3, or use" \
      "manage.py export_tracker / import_tracker." >&2
    exit 2
    ;;
  *)
    echo "DATABASE_URL is not a PostgreSQL address (postgres://user:password@host:port/name):" \
      "make backup and make restore are for PostgreSQL only; use manage.py export_tracker" \
      "/ import_tracker on other databases." >&2
    exit 2
    ;;
esac

for tool in pg_dump pg_restore; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "$tool is not installed (apt-get install postgresql-client)." >&2
    exit 2
  }
done

case "$action" in
  backup)
    file=${file:-tracker-$(date -u +%Y%m%dT%H%M%SZ).dump}
    partial="$file.partial"
    trap 'rm -f "$partial"' EXIT
    pg_dump --format=custom --file="$partial" --dbname="$url"
    mv "$partial" "$file"
    trap - EXIT
    echo "Wrote $file ($(wc -c <"$file") bytes). Restore it with: make restore FILE=$file"
    ;;
  restore)
    [ -n "$file" ] || usage
    [ -f "$file" ] || { echo "No such file: $file" >&2; exit 2; }
    pg_restore --list "$file" >/dev/null 2>&1 || {
      echo "$file is not a pg_dump archive (custom format); nothing was changed." >&2
      exit 2
    }
    if [ -t 0 ] && [ "${YES:-}" != "1" ]; then
      read -r -p "Replace every table of the database at DATABASE_URL with $file? Type yes: " answer
      [ "$answer" = "yes" ] || { echo "Nothing was changed." >&2; exit 1; }
    fi
    pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error \
      --dbname="$url" "$file"
    echo "Restored $file."
    ;;
  *) usage ;;
esac
