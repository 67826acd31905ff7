#!/usr/bin/env bash
# Runs the README's walk-through of bringing users in (a spreadsheet through the API, a Django
# dump through the API and the admin tool), as written, against a fresh local server (new data
# folder, free port, a bootstrap admin), and checks what it answers.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo build --quiet -p secboard-infra --bin secboard-local --bin secboard-admin
bin="$(cd "${CARGO_TARGET_DIR:-target}/debug" && pwd)"
data="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
log="$data/server.log"
env -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_DYNAMODB -u AWS_ENDPOINT_URL_S3 \
    BOOTSTRAP_ADMIN_EMAIL=admin@example.com BOOTSTRAP_ADMIN_PASSWORD='correct horse battery staple' \
    "$bin/secboard-local" --listen "127.0.0.1:$port" --data "$data/data" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
    grep -q 'First admin created' "$log" && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "walkthrough-imports: the local server stopped" >&2; exit 1; }
    sleep 0.1
done
dynamo="$(grep -o 'DynamoDB: http://[0-9.:]*' "$log" | head -1 | cut -d' ' -f2)"
[ -n "$dynamo" ] || { cat "$log" >&2; echo "walkthrough-imports: no DynamoDB address printed" >&2; exit 1; }
script="$(sed -n '/<!-- imports-walkthrough:start -->/,/<!-- imports-walkthrough:end -->/p' README.md | sed '1,2d;$d' | sed '$d')"
out="$(PATH="$bin:$PATH" BASE="http://127.0.0.1:$port" DYNAMO="$dynamo" bash -euo pipefail -c "$script")"
echo "$out"
# The lines the walk-through's comments promise, in order.
got="$(echo "$out" | tr '\n' ' ')"
want="done would_create queued email would_create 1 1 no_profile Engineers "
if [ "$got" != "$want" ]; then
    echo "walkthrough-imports: FAILED: expected \"$want\", got \"$got\"" >&2
    exit 1
fi
echo "walkthrough-imports: OK (README walk-through of imports ran as written)"
