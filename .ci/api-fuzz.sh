#!/usr/bin/env bash
# Fuzz the API from its own OpenAPI schema with schemathesis: no server error, and
# for reads no response that breaks the schema.  Serves the app with gunicorn on
# 127.0.0.1 over a throwaway SQLite database holding both papers, throttles raised
# for the run.  Two passes:
#   reads   every GET, anonymous, all the conformance checks;
#   writes  every method of the write endpoints (drafts and their review actions,
#           corrections, sources, imports), as an editor with an API token made
#           for the run in the throwaway database: no server error.  Requests are sent one at
#           a time (SQLite takes one writer at a time, as in `make run`).
# Bounded: the write pass fuzzes for FUZZ_WRITE_SECONDS and each pass is cut off
# after FUZZ_PASS_SECONDS, so the whole script stays under four minutes; nothing
# leaves the loopback interface.
#   FUZZ_EXAMPLES        examples per read operation (default 25)
#   FUZZ_WRITE_SECONDS   time the write pass fuzzes for (default 70)
#   FUZZ_PASS_SECONDS    hard limit of each pass (default 90)
#   FUZZ_PORT            port (default 8765)
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${FUZZ_PORT:-8765}"
EXAMPLES="${FUZZ_EXAMPLES:-25}"
WRITE_SECONDS="${FUZZ_WRITE_SECONDS:-70}"
PASS_SECONDS="${FUZZ_PASS_SECONDS:-90}"
WORK="$(mktemp -d)"
export SQLITE_PATH="$WORK/fuzz.sqlite3"
export DATABASE_URL="" REDIS_URL=""
export DJANGO_DEBUG=1
export API_ANON_RATE="100000/min" API_USER_RATE="100000/min" API_WRITE_RATE="100000/min"
export SITE_URL="http://127.0.0.1:$PORT"
# The uv the Makefile installed: on a new machine it is not on the PATH.
UV="$(command -v uv 2>/dev/null || echo "$PWD/.tools/bin/uv")"
BASE="http://127.0.0.1:$PORT"

"$UV" run --frozen python manage.py migrate --no-input -v 0
"$UV" run --frozen python manage.py load_papers >/dev/null

# The writer: an editor made the way users are made (create_user), a synthetic source
# and draft for ids to find, and a token for the run (only its hash is stored, in the
# throwaway database deleted at the end).
TOKEN="$("$UV" run --frozen python manage.py shell -c '
from django.contrib.auth import get_user_model
from django.core.management import call_command
from policies.models import ApiToken
call_command("create_user", "fuzz-editor", role="editor", email="fuzz-editor@example.org", stdout=open("/dev/null", "w"))
import datetime as dt
from policies import services
from policies.models import Proposal
from django.utils import timezone
user = get_user_model().objects.get(username="fuzz-editor")
# As after a first sign-in: the one-time password replaced (here by none at all), so
# its tokens are accepted (policies/api/authentication.py).
user.set_unusable_password()
user.last_login = timezone.now()
user.save(update_fields=["password", "last_login"])
# Something for ids to find (id 1 of each): a synthetic source and a draft citing it.
source, _ = services.get_or_create_evidence(user, data=services.EvidenceInput(
    url="https://example.org/synthetic-fuzz-source", title="Synthetic fuzz source",
    publisher="Synthetic Publisher", kind="other", published_date=dt.date(2020, 1, 1)))
services.create_draft(user, proposal=Proposal.objects.order_by("pk").first(),
    data=services.UpdateInput(status="in_progress", effective_date=dt.date(2020, 1, 1),
    rationale="Synthetic fuzz draft.", evidence=[source]))
print(ApiToken.objects.issue(user, "schemathesis (synthetic, throwaway database)")[1])
' | tail -n 1)"

"$UV" run --frozen gunicorn tracker.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 \
  --log-level warning >"$WORK/gunicorn.log" 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

for _ in $(seq 1 50); do
  curl -fsS "$BASE/api/v1/schema/" -o /dev/null 2>/dev/null && break
  sleep 0.2
done

status=0
echo "--- reads: every GET, anonymous"
timeout --signal=INT "$PASS_SECONDS" "$UV" run --frozen schemathesis run "$BASE/api/v1/schema/" \
  --include-method GET \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
  --max-examples "$EXAMPLES" \
  --phases examples,fuzzing \
  --suppress-health-check all \
  --request-timeout 30 || status=$?

echo "--- writes: drafts, sources, imports and review actions, with an editor's token"
timeout --signal=INT "$PASS_SECONDS" "$UV" run --frozen schemathesis run "$BASE/api/v1/schema/" \
  --include-path-regex '^/api/v1/(drafts|sources|imports)/|/corrections/$' \
  --header "Authorization: Token $TOKEN" \
  --checks not_a_server_error \
  --max-time "$WRITE_SECONDS" \
  --phases examples,coverage,fuzzing \
  --workers 1 \
  --suppress-health-check all \
  --request-timeout 30 || status=$?

if grep -q "Traceback\|Internal Server Error" "$WORK/gunicorn.log"; then
  echo "--- server errors in the gunicorn log:"
  grep -B2 -A20 "Traceback" "$WORK/gunicorn.log" | head -80
  status=1
fi
exit "$status"
