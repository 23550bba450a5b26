#!/usr/bin/env bash
# Fuzz the read API from its own OpenAPI schema with schemathesis: no server
# error, no response that breaks the schema.  Serves the app with gunicorn on
# 127.0.0.1 over a throwaway SQLite database holding both papers, throttles
# raised for the run.  Writes are covered by their own tests; the fuzzer only
# reads (GET), so it needs no account.
#   FUZZ_EXAMPLES  examples per operation (default 25)
#   FUZZ_PORT      port (default 8765)
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${FUZZ_PORT:-8765}"
EXAMPLES="${FUZZ_EXAMPLES:-25}"
WORK="$(mktemp -d)"
export SQLITE_PATH="$WORK/fuzz.sqlite3"
export DATABASE_URL="" REDIS_URL=""
export DJANGO_DEBUG=1
export API_ANON_RATE="100000/min" API_USER_RATE="100000/min"
export SITE_URL="http://127.0.0.1:$PORT"
# The uv the Makefile installed: on a new machine it is not on the PATH.
UV="$(command -v uv 2>/dev/null || echo "$PWD/.tools/bin/uv")"

"$UV" run --frozen python manage.py migrate --no-input -v 0
"$UV" run --frozen python manage.py load_papers >/dev/null

"$UV" run --frozen gunicorn tracker.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 \
  --log-level warning >"$WORK/gunicorn.log" 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$PORT/api/v1/schema/" -o /dev/null 2>/dev/null && break
  sleep 0.2
done

"$UV" run --frozen schemathesis run "http://127.0.0.1:$PORT/api/v1/schema/" \
  --include-method GET \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
  --max-examples "$EXAMPLES" \
  --phases examples,fuzzing \
  --suppress-health-check all \
  --request-timeout 30
