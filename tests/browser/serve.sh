#!/usr/bin/env bash
# The browser tests' server: a fresh secboard-local (new data folder, the port Playwright chose,
# a bootstrap admin), built by cargo if needed. The log goes to $SECBOARD_BROWSER_DIR/server.log,
# where the tests read the embedded engine's address (for secboard-admin).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# SECBOARD_SKIP_BUILD=1 uses the binaries as they are (iterating on the console alone).
[ "${SECBOARD_SKIP_BUILD:-}" = 1 ] || cargo build --quiet -p secboard-infra --bin secboard-local --bin secboard-admin
dir="${SECBOARD_BROWSER_DIR:?set by playwright.config.mjs}"
mkdir -p "$dir"
exec env -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_DYNAMODB -u AWS_ENDPOINT_URL_S3 \
    "${CARGO_TARGET_DIR:-target}/debug/secboard-local" --listen "127.0.0.1:${SECBOARD_BROWSER_PORT:?}" --data "$dir/data" \
    > >(tee "$dir/server.log") 2>&1
