#!/usr/bin/env bash
# API throughput: wrk against gunicorn on a throwaway PostgreSQL database holding
# both papers plus a few thousand clearly synthetic proposals.  Reports the
# proposals list's requests/second as a ratio to a bare Django JSON view served by
# the same gunicorn in the same run, and writes bench/results/api.json.
#   BENCH_PG=postgres://postgres@127.0.0.1:5432  BENCH_PROPOSALS=3000
#   BENCH_DURATION=10s BENCH_CONNECTIONS=16 BENCH_WORKERS=4 BENCH_PORT=8766
set -euo pipefail
cd "$(dirname "$0")/../.."
# The uv the Makefile installed: on a new machine it is not on the PATH.
UV="$(command -v uv 2>/dev/null || echo "$PWD/.tools/bin/uv")"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
DB="tracker_bench_$$"
PORT="${BENCH_PORT:-8766}"
DURATION="${BENCH_DURATION:-10s}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
WORKERS="${BENCH_WORKERS:-4}"
N="${BENCH_PROPOSALS:-3000}"
export DJANGO_SETTINGS_MODULE=bench.api.settings
export DATABASE_URL="$PG/$DB" REDIS_URL=""
export DJANGO_DEBUG=0 DJANGO_SECRET_KEY="bench-only-$(date +%s)-not-a-real-secret-value-xxxxxxxx"
export DJANGO_ALLOWED_HOSTS=127.0.0.1 DJANGO_SECURE_SSL_REDIRECT=0
export API_ANON_RATE="100000000/min" LOG_LEVEL=WARNING

psql "$PG/postgres" -qc "CREATE DATABASE $DB" >/dev/null
cleanup() {
  [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null || true
}
trap cleanup EXIT
"$UV" run --frozen python manage.py migrate --no-input -v 0
"$UV" run --frozen python manage.py load_papers >/dev/null
"$UV" run --frozen python bench/api/seed.py "$N"

"$UV" run --frozen gunicorn tracker.wsgi:application --bind "127.0.0.1:$PORT" \
  --workers "$WORKERS" --log-level warning &
SERVER=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/bench/bare/" -o /dev/null 2>/dev/null && break; sleep 0.2; done

LIST="/api/v1/proposals/?page_size=25"
curl -fsS "http://127.0.0.1:$PORT$LIST" | python3 -c 'import json,sys; print("proposals in the list:", json.load(sys.stdin)["count"])'
rps() { wrk -t2 -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$PORT$1" | awk '/Requests\/sec/ {print $2}'; }
rps /bench/bare/ >/dev/null  # warm up
BARE=$(rps /bench/bare/)
PROPOSALS=$(rps "$LIST")
mkdir -p bench/results
python3 - "$BARE" "$PROPOSALS" "$N" "$WORKERS" "$CONNECTIONS" "$DURATION" <<'PY'
import json, sys, datetime
bare, proposals, n, workers, conns, duration = sys.argv[1:]
result = {
    "bare_json_rps": float(bare),
    "proposals_list_rps": float(proposals),
    "ratio": round(float(proposals) / float(bare), 4),
    "synthetic_proposals": int(n),
    "gunicorn_workers": int(workers),
    "connections": int(conns),
    "duration": duration,
    "list": "/api/v1/proposals/?page_size=25",
    "measured_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
}
json.dump(result, open("bench/results/api.json", "w"), indent=2)
print(json.dumps(result, indent=2))
PY
