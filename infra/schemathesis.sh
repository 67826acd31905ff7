#!/usr/bin/env bash
# schemathesis over every route of the OpenAPI document, served by a fresh local server (new data
# folder, free port) and signed in as a bootstrapped superuser (the cookie sent as a header).
# Configuration: infra/schemathesis.toml (fixed seed, bounded examples, a time cap).
#
# Two passes, each with a fresh sign-in: the operations that end or change the run's own session
# (sign-out, ending sessions, 2FA and password changes) apart, then everything else.
# Fails on any server error, any answer that breaks the document, or a panic in the server log.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tools="${SECBOARD_TOOLS:-$HOME/.cache/secboard-tools}"
st="$tools/venv/bin/schemathesis"
[ -x "$st" ] || { echo "schemathesis is not installed in $tools/venv (infra/test-all.sh installs it)" >&2; exit 1; }

cargo build --quiet -p secboard-infra --bin secboard-local
data="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
base="http://127.0.0.1:$port"
log="$data/server.log"
email="fuzz-admin@example.com"
password="schemathesis correct horse battery"
env -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_DYNAMODB BOOTSTRAP_ADMIN_EMAIL="$email" BOOTSTRAP_ADMIN_PASSWORD="$password" \
    "${CARGO_TARGET_DIR:-target}/debug/secboard-local" --listen "127.0.0.1:$port" --data "$data/data" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 150); do
    curl -fsS "$base/api/health" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "schemathesis: the local server stopped" >&2; exit 1; }
    sleep 0.1
done
curl -fsS "$base/api/health" >/dev/null || { cat "$log" >&2; echo "schemathesis: the local server does not answer" >&2; exit 1; }

sign_in() {
    local jar="$data/jar"
    rm -f "$jar"
    local next
    next="$(curl -fsS -c "$jar" -X POST "$base/api/auth/login" -H 'content-type: application/json' \
        -d "{\"email\":\"$email\",\"password\":\"$password\"}")"
    [ "$next" = '{"next":"done"}' ] || { echo "schemathesis: sign-in answered $next" >&2; exit 1; }
    awk '$6 == "secboard_session" { print $7 }' "$jar"
}

# Operations that end or change the caller's own session or credentials.
own_session='^(post_auth_logout|delete_me_sessions|delete_me_sessions_id|delete_users_id_sessions|delete_users_id_sessions_sid|delete_me_totp|post_me_totp_setup|post_me_totp_confirm|post_me_backup_codes|post_me_password)$'

# The document names the cookie as deployed (`__Host-` over HTTPS); locally it is served over HTTP.
curl -fsS "$base/api/openapi.json" | sed 's/__Host-secboard_session/secboard_session/' >"$data/openapi.json"
grep -q '"name": "secboard_session"' "$data/openapi.json" || { echo "schemathesis: the document names no session cookie" >&2; exit 1; }

# A session per pass, both signed in now: the passes try made-up passwords (sign-in, re-auth)
# until the throttles answer 429, after which this run could not sign in again.
declare -A sessions
for pass in main own-session; do
    sessions[$pass]="$(sign_in)"
    [ -n "${sessions[$pass]}" ] || { echo "schemathesis: sign-in set no session cookie" >&2; exit 1; }
done

# Something to fuzz past "not found": a company with a department, a global group and a user.
api() { curl -fsS -X "$1" "$base$2" -H 'content-type: application/json' -H "origin: $base" -b "secboard_session=${sessions[main]}" -d "$3"; }
id_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
company="$(api POST /api/org/companies '{"name":"Fuzz Ltd"}' | id_of)"
department="$(api POST "/api/org/companies/$company/departments" '{"name":"Fuzzing"}' | id_of)"
group="$(api POST /api/org/groups '{"name":"Fuzzers","permissions":{"users":{"view":true}}}' | id_of)"
user="$(api POST /api/users "{\"email\":\"fuzzed@example.com\",\"first_name\":\"Fuzz\",\"last_name\":\"Ed\",\"company_id\":\"$company\",\"department_id\":\"$department\"}" | id_of)"
export SECBOARD_ST_COMPANY="$company" SECBOARD_ST_GROUP="$group" SECBOARD_ST_USER="$user"

status=0
for pass in main own-session; do
    session="${sessions[$pass]}"
    if [ "$pass" = main ]; then filter=(--exclude-operation-id-regex "$own_session"); else filter=(--include-operation-id-regex "$own_session"); fi
    echo "==> schemathesis, pass: $pass"
    SECBOARD_ST_SESSION="$session" SECBOARD_ST_ORIGIN="$base" \
        "$st" --config-file infra/schemathesis.toml run "$data/openapi.json" --url "$base" "${filter[@]}" \
        --report junit --report-dir "${SECBOARD_ST_REPORTS:-$data/reports}" || status=1
done

if grep -n -E 'panicked|RUST_BACKTRACE' "$log" >&2; then
    echo "schemathesis: the server panicked (above)" >&2
    status=1
fi
[ "$status" -eq 0 ] && echo "schemathesis: OK (no server errors, no answers outside the document, no panics)"
exit "$status"
