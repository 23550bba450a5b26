#!/usr/bin/env bash
# CI: a mixed read load through gunicorn on PostgreSQL that must answer every
# request: fails on any non-2xx/3xx answer or socket error (wrk's own counts).
#
# A throwaway database (LOAD_DB, default tracker_load_<pid>) on the PostgreSQL at
# LOAD_PG with both papers and the indicator definitions (load_papers,
# load_indicators: no synthetic data needed), served by gunicorn with the
# production settings (DJANGO_DEBUG=0, whitenoise and manifest static files, the
# Redis cache and response cache on LOAD_REDIS, flushed) on 127.0.0.1:LOAD_PORT;
# wrk then reads LOAD_SECONDS through bench/api/mixed.lua (API lists, details and
# searches, pages, Atom feeds, in turn).  The anonymous API throttle is raised out
# of the way: one client on loopback measures serving, not throttling.  Every path
# is checked once first (200, or the script names it and stops).  On exit, error
# or interrupt: gunicorn stopped, the database dropped, the Redis database flushed.
#
#   LOAD_PG=postgres://postgres@127.0.0.1:5432  LOAD_REDIS=redis://127.0.0.1:6379/13
#   LOAD_SECONDS=60 LOAD_THREADS=2 LOAD_CONNECTIONS=8 LOAD_WORKERS=2 LOAD_PORT=8767
set -euo pipefail
cd "$(dirname "$0")/.."
UV="$(command -v uv 2>/dev/null || echo "$PWD/.tools/bin/uv")"
for tool in wrk psql redis-cli curl; do
  command -v "$tool" >/dev/null || { echo "load: $tool is needed" >&2; exit 1; }
done

PG="${LOAD_PG:-postgres://postgres@127.0.0.1:5432}"
REDIS="${LOAD_REDIS:-redis://127.0.0.1:6379/13}"
case "$PG" in postgres://127.0.0.1[:/]* | postgres://*@127.0.0.1[:/]* | postgres://127.0.0.1 | postgres://*@127.0.0.1) ;;
  *) echo "LOAD_PG must be a server on 127.0.0.1 (got $PG)" >&2; exit 2 ;; esac
case "$REDIS" in redis://127.0.0.1:*/[0-9]*) ;;
  *) echo "LOAD_REDIS must name a database on 127.0.0.1 (got $REDIS)" >&2; exit 2 ;; esac
SECONDS_="${LOAD_SECONDS:-60}"
THREADS="${LOAD_THREADS:-2}"
CONNECTIONS="${LOAD_CONNECTIONS:-8}"
WORKERS="${LOAD_WORKERS:-2}"
PORT="${LOAD_PORT:-8767}"
DB="${LOAD_DB:-tracker_load_$$}"
BASE="http://127.0.0.1:$PORT"
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "load: port $PORT is in use on 127.0.0.1: set LOAD_PORT" >&2; exit 2
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tracker-load.XXXXXX")"
export DJANGO_SETTINGS_MODULE=bench.api.settings BENCH_STATIC_ROOT="$WORK/static"
export DATABASE_URL="$PG/$DB" REDIS_URL="$REDIS"
export DJANGO_DEBUG=0 DJANGO_SECRET_KEY="load-only-$(date +%s)-not-a-real-secret-value-xxxxxxxxxxxx"
export DJANGO_ALLOWED_HOSTS=127.0.0.1 DJANGO_SECURE_SSL_REDIRECT=0 LOG_LEVEL=WARNING
# Production refuses to start without a real mail backend; a read load sends no mail.
export DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend
export API_ANON_RATE="100000000/min" API_USER_RATE="100000000/min"

SERVER=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$SERVER" ]; then
    kill -TERM "$SERVER" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
  fi
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 \
    || echo "load: could not drop database $DB: drop it by hand" >&2
  redis-cli -u "$REDIS" flushdb >/dev/null 2>&1 || true
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

psql "$PG/postgres" -qc "CREATE DATABASE $DB" >/dev/null
redis-cli -u "$REDIS" flushdb >/dev/null
"$UV" run --frozen python manage.py migrate --no-input -v 0
"$UV" run --frozen python manage.py load_papers --no-progress >/dev/null
"$UV" run --frozen python manage.py load_indicators >/dev/null
"$UV" run --frozen python manage.py collectstatic --no-input -v 0

"$UV" run --frozen gunicorn tracker.wsgi:application --bind "127.0.0.1:$PORT" \
  --workers "$WORKERS" --worker-class sync --timeout 60 --log-level warning \
  >"$WORK/gunicorn.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 150); do
  curl -fsS --max-time 5 "$BASE/healthz" -o /dev/null 2>/dev/null && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/gunicorn.log" >&2; echo "load: gunicorn exited" >&2; exit 1; }
  sleep 0.2
done

# Every path answers 200 once before the load (the list is the Lua script's).
paths="$(sed -n 's/^  "\(\/[^"]*\)",$/\1/p' bench/api/mixed.lua)"
[ -n "$paths" ] || { echo "load: no paths read from bench/api/mixed.lua" >&2; exit 1; }
for path in $paths; do
  code="$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' "$BASE$path")"
  [ "$code" = 200 ] || { tail -50 "$WORK/gunicorn.log" >&2; echo "load: $path answered $code" >&2; exit 1; }
done

echo "load: ${SECONDS_}s of mixed reads, wrk -t$THREADS -c$CONNECTIONS, gunicorn $WORKERS sync workers; $(uptime)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_}s" --timeout 10s --latency \
  -s bench/api/mixed.lua "$BASE" | tee "$WORK/wrk.txt"

total="$(sed -n 's/^ *\([0-9][0-9]*\) requests in .*/\1/p' "$WORK/wrk.txt")"
non2xx="$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9][0-9]*\).*/\1/p' "$WORK/wrk.txt")"
sockets="$(sed -n 's/^ *Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1+\2+\3+\4/p' "$WORK/wrk.txt")"
errors=$(( ${non2xx:-0} + ${sockets:-0} ))
echo "load: ${total:-0} requests, ${non2xx:-0} non-2xx/3xx answers, $(( ${sockets:-0} )) socket errors"
if [ "${total:-0}" -eq 0 ] || [ "$errors" -ne 0 ]; then
  echo "load: FAILED (every request must be answered)" >&2
  tail -50 "$WORK/gunicorn.log" >&2
  exit 1
fi
echo "load: passed"
