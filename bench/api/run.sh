#!/usr/bin/env bash
# The API benchmark (see bench/README.md): a throwaway PostgreSQL database with
# both papers and a synthetic paper 199 (seed_synthetic), served by gunicorn
# with the production settings; every path measured with wrk as a ratio to a
# bare 50-row Django JsonResponse served by the same gunicorn, then in-process
# (after revision bumps, warm, and 200 searches with the cache bypassed).
# Writes bench/results/api.json and prints a table.  Everything runs against
# 127.0.0.1; the database, Redis DB, gunicorn and temporary files are removed on
# exit, error or interrupt.
#
#   BENCH_PG=postgres://postgres@127.0.0.1:5432   BENCH_REDIS=redis://127.0.0.1:6379/14
#   BENCH_PROPOSALS=10000 BENCH_EVIDENCE=100000 BENCH_OBSERVATIONS=10000
#   BENCH_WORKERS=2 BENCH_THREADS=2 BENCH_CONNECTIONS=16 BENCH_DURATION=5s BENCH_ROUNDS=3
#   BENCH_BUMP_ROUNDS=5 BENCH_WARM=20 BENCH_SEARCH_QUERIES=200 BENCH_PORT=8766
#   BENCH_INPROCESS_BUDGET=600 (s)  BENCH_STEP_TIMEOUT=3600 (s, any one step)
#   BENCH_SOAK_SECONDS=300 BENCH_SOAK_CONNECTIONS=32: the soak (bench/api/soak.py) after
#   the wrk part, on the same gunicorn (0 skips it); BENCH_SOAK_ONLY=1 runs the soak alone
set -euo pipefail
cd "$(dirname "$0")/../.."
# The uv the Makefile installed: on a new machine it is not on the PATH.
UV="$(command -v uv 2>/dev/null || echo "$PWD/.tools/bin/uv")"
for tool in wrk psql redis-cli curl; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install -y wrk postgresql-client redis-tools curl)" >&2; exit 1; }
done
[ -x "$UV" ] || { echo "uv not found: run 'make install' first" >&2; exit 1; }

PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
REDIS="${BENCH_REDIS:-redis://127.0.0.1:6379/14}"
case "$PG" in postgres://127.0.0.1[:/]* | postgres://*@127.0.0.1[:/]* | postgres://127.0.0.1 | postgres://*@127.0.0.1) ;;
  *) echo "BENCH_PG must be a server on 127.0.0.1 (got $PG)" >&2; exit 2 ;; esac
case "$REDIS" in redis://127.0.0.1:*/[0-9]*) ;;
  *) echo "BENCH_REDIS must name a database on 127.0.0.1, e.g. redis://127.0.0.1:6379/14 (got $REDIS)" >&2; exit 2 ;; esac
PROPOSALS="${BENCH_PROPOSALS:-10000}"
EVIDENCE="${BENCH_EVIDENCE:-100000}"
OBSERVATIONS="${BENCH_OBSERVATIONS:-10000}"
WORKERS="${BENCH_WORKERS:-2}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
DURATION="${BENCH_DURATION:-5s}"
ROUNDS="${BENCH_ROUNDS:-3}"
BUMP_ROUNDS="${BENCH_BUMP_ROUNDS:-5}"
WARM="${BENCH_WARM:-20}"
SEARCH_QUERIES="${BENCH_SEARCH_QUERIES:-200}"
PORT="${BENCH_PORT:-8766}"
BUDGET="${BENCH_INPROCESS_BUDGET:-600}"
STEP_TIMEOUT="${BENCH_STEP_TIMEOUT:-3600}"
DB="${BENCH_DB:-tracker_bench_$$}"  # BENCH_DB: a name of your own (dropped at the end)
BASE="http://127.0.0.1:$PORT"
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "port $PORT is in use on 127.0.0.1: set BENCH_PORT" >&2; exit 2
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tracker-bench.XXXXXX")"
export DJANGO_SETTINGS_MODULE=bench.api.settings BENCH_STATIC_ROOT="$WORK/static"
export DATABASE_URL="$PG/$DB" REDIS_URL="$REDIS"
export DJANGO_DEBUG=0 DJANGO_SECRET_KEY="bench-only-$(date +%s)-not-a-real-secret-value-xxxxxxxx"
export DJANGO_ALLOWED_HOSTS=127.0.0.1,testserver DJANGO_SECURE_SSL_REDIRECT=0
export API_ANON_RATE="100000000/min" API_USER_RATE="100000000/min" LOG_LEVEL=WARNING
# Production refuses to start without a real mail backend; the benchmark sends no mail.
export DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend
SOAK_SECONDS="${BENCH_SOAK_SECONDS:-300}"
SOAK_CONNECTIONS="${BENCH_SOAK_CONNECTIONS:-32}"
SOAK_ONLY="${BENCH_SOAK_ONLY:-0}"

SERVER=""
STEP=""
stop_server() {
  [ -n "$SERVER" ] || return 0
  local master
  master="$(cat "$WORK/gunicorn.pid" 2>/dev/null || true)"
  [ -n "$master" ] && kill -TERM "$master" 2>/dev/null || true
  kill -TERM "$SERVER" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$SERVER" 2>/dev/null || true
  [ -n "$master" ] && kill -KILL "$master" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  SERVER=""
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$STEP" ]; then
    kill -TERM "$STEP" 2>/dev/null || true
    wait "$STEP" 2>/dev/null || true
  fi
  stop_server
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 \
    || echo "could not drop database $DB: drop it by hand" >&2
  redis-cli -u "$REDIS" flushdb >/dev/null 2>&1 || true
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Each step runs bounded by BENCH_STEP_TIMEOUT, in the background so that a
# signal reaches the traps at once (cleanup then stops the step too).
step() {
  timeout "$STEP_TIMEOUT" "$@" &
  STEP=$!
  local rc=0
  wait "$STEP" || rc=$?
  STEP=""
  return "$rc"
}
manage() { step "$UV" run --frozen python manage.py "$@"; }

UPTIME_START="$(uptime)"
psql "$PG/postgres" -qc "CREATE DATABASE $DB" >/dev/null
redis-cli -u "$REDIS" flushdb >/dev/null
echo "database $DB, Redis $REDIS (flushed); $PROPOSALS synthetic proposals, $EVIDENCE evidence sources"
manage migrate --no-input -v 0
manage load_papers --no-progress >/dev/null
manage load_indicators >/dev/null
SEED_START=$(date +%s.%N)
manage seed_synthetic --proposals "$PROPOSALS" --evidence "$EVIDENCE" --observations "$OBSERVATIONS"
SEED_SECONDS=$(python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 1))" "$SEED_START" "$(date +%s.%N)")
manage collectstatic --no-input -v 0
psql "$PG/$DB" -qc "VACUUM ANALYZE" >/dev/null

# The data revision: tracker/revision.py, when the project has it.
rc=0
step "$UV" run --frozen python -c "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('tracker.revision') else 3)" || rc=$?
case $rc in
  0) manage shell -v 0 -c "from tracker import revision; revision.bump()"; REVISION=1 ;;
  3) echo "no revision module: the after-bump measurements are skipped"; REVISION=0 ;;
  *) echo "could not look for tracker.revision (exit $rc)" >&2; exit 1 ;;
esac

"$UV" run --frozen gunicorn tracker.wsgi:application --bind "127.0.0.1:$PORT" \
  --workers "$WORKERS" --worker-class sync --timeout 120 --pid "$WORK/gunicorn.pid" \
  --log-level warning &
SERVER=$!
for _ in $(seq 1 150); do
  curl -fsS --max-time 5 "$BASE/bench/bare/" -o /dev/null 2>/dev/null && break
  kill -0 "$SERVER" 2>/dev/null || { echo "gunicorn exited" >&2; exit 1; }
  sleep 0.2
done
curl -fsS --max-time 5 "$BASE/bench/bare/" -o /dev/null || { echo "gunicorn did not answer" >&2; exit 1; }

UPTIME_BEFORE="$(uptime)"
if [ "$SOAK_ONLY" != 1 ]; then
  step "$UV" run --frozen python bench/api/wrkbench.py --base "$BASE" --out "$WORK/http.json" \
    --duration "$DURATION" --threads "$THREADS" --connections "$CONNECTIONS" --rounds "$ROUNDS" \
    --bump-rounds "$BUMP_ROUNDS"
fi
# The soak (issue 13): errors, p99 and the workers' memory over BENCH_SOAK_SECONDS.
# Errors fail the run at its end, once every result is written.
SOAK_STATUS=0
if [ "$SOAK_SECONDS" -gt 0 ]; then
  echo "soak:"
  step "$UV" run --frozen python bench/api/soak.py --base "$BASE" \
    --master "$(cat "$WORK/gunicorn.pid")" --seconds "$SOAK_SECONDS" \
    --connections "$SOAK_CONNECTIONS" --threads "$THREADS" || SOAK_STATUS=$?
fi
stop_server
[ "$SOAK_ONLY" != 1 ] || exit "$SOAK_STATUS"
echo "in-process:"
step "$UV" run --frozen python bench/api/inprocess.py --after-bump "$BUMP_ROUNDS" --warm "$WARM" \
  --search "$SEARCH_QUERIES" --budget "$BUDGET" --json "$WORK/inprocess.json"
UPTIME_AFTER="$(uptime)"

count() { psql "$PG/$DB" -Atc "SELECT count(*) FROM $1"; }
python3 - "$WORK/meta.json" <<PY
import datetime, json, sys
meta = {
    "measured_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "commit": "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)",
    "uncommitted_files": $(git status --porcelain 2>/dev/null | wc -l),
    "nproc": $(nproc),
    "uptime_start": """$UPTIME_START""".strip(),
    "uptime_before": """$UPTIME_BEFORE""".strip(),
    "uptime_after": """$UPTIME_AFTER""".strip(),
    "synthetic_proposals": $PROPOSALS,
    "synthetic_evidence": $EVIDENCE,
    "synthetic_observations": $OBSERVATIONS,
    "proposals_in_database": $(count policies_proposal),
    "evidence_in_database": $(count evidence_evidence),
    "status_updates_in_database": $(count policies_statusupdate),
    "observations_in_database": $(count evidence_observation),
    "seed_seconds": $SEED_SECONDS,
    "gunicorn_workers": $WORKERS,
    "revision_module": bool($REVISION),
    "database": "PostgreSQL $(psql "$PG/postgres" -Atc 'SHOW server_version')",
}
json.dump(meta, open(sys.argv[1], "w"), indent=2)
PY
echo
step "$UV" run --frozen python bench/api/report.py "$WORK/meta.json" "$WORK/http.json" "$WORK/inprocess.json"
[ "$SOAK_STATUS" = 0 ] || { echo "the soak failed (see bench/results/soak.json)" >&2; exit 1; }
