#!/usr/bin/env bash
# Every test, from a clean checkout, on a fresh Debian machine with the Rust toolchain:
#   1. installs what the tests need (cargo-nextest, clippy/rustfmt, OpenLDAP's slapd, Samba as an AD DC, and in one Python venv
#      moto server, schemathesis, cfn-lint, the SAM CLI and Django (the import tests' vectors),
#      pinned in infra/requirements-tools.txt);
#   2. cargo fmt --check and clippy -D warnings;
#   3. the whole suite (unit, contract, end-to-end) against the embedded dynoxide engine;
#   4. the store and flow tests again against moto server (DynamoDB, S3 and SES), started here on a free port,
#      infra/rotate-origin-secret.sh against it (infra/rotation-test.sh, with the AWS CLI) and the
#      data bucket's CORS custom resource (infra/bucket-cors-test.sh);
#   5. the README's curl walk-through against a fresh local server;
#   6. schemathesis over every route of docs/openapi.json against a fresh local server (the
#      document itself checked by openapi-spec-validator; secboard-openapi's tests hold it equal
#      to the code);
#   7. cfn-lint and sam validate --lint on template.yaml;
#   8. the console in a real browser (Debian's chromium, installed if missing; @playwright/test
#      from tests/browser's lockfile) against a fresh local server.
# Any step that fails stops the run with a non-zero exit. Missing tools are installed, never skipped.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tools="${SECBOARD_TOOLS:-$HOME/.cache/secboard-tools}"
venv="$tools/venv"
export PIP_DISABLE_PIP_VERSION_CHECK=1
step() { printf '\n==> %s\n' "$*"; }

step "tools"
command -v cargo >/dev/null || { echo "cargo not found: install the Rust toolchain (rustup) first" >&2; exit 1; }
cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
cargo nextest --version >/dev/null 2>&1 || cargo install cargo-nextest --locked
python="$(command -v python3 || true)"
if [ -z "$python" ]; then
    apt-get update -qq && apt-get install -y -qq python3 python3-venv >/dev/null
    python="$(command -v python3)"
fi
if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
fi
# SECBOARD_TIME_ZONE is read from the system's tz database (as on Lambda's provided.al2023).
if [ ! -f /usr/share/zoneinfo/Europe/Kyiv ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tzdata >/dev/null
fi
# The Active Directory tests start a throwaway OpenLDAP slapd per test (tests/src/slapd.rs), with
# certificates made by openssl and entries loaded by ldap-utils.
if ! command -v slapd >/dev/null || ! command -v ldapadd >/dev/null || ! command -v openssl >/dev/null; then
    echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slapd ldap-utils openssl >/dev/null
fi
slapd -VV >/dev/null 2>&1 || { echo "slapd is installed but does not run" >&2; exit 1; }
# The same scenarios run against a real AD domain controller: tests/src/samba.rs provisions a Samba
# domain in a temporary folder and starts it once per run (samba-tool, samba -i; as root, for its
# fixed ports 389 and 636).
samba_packages="samba samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules winbind"
# shellcheck disable=SC2086
if ! command -v samba >/dev/null || ! command -v samba-tool >/dev/null || ! dpkg -s $samba_packages >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $samba_packages >/dev/null
fi
samba -V >/dev/null 2>&1 || { echo "samba is installed but does not run" >&2; exit 1; }
stamp="$venv/.installed-$(sha256sum infra/requirements-tools.txt | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    echo "installing moto, cfn-lint, the SAM CLI and Django into $venv"
    mkdir -p "$tools"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -r infra/requirements-tools.txt
    touch "$stamp"
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "tests against the embedded dynoxide engine"
# SES tests need moto (next step); everything else runs here.
cargo nextest run --workspace --no-fail-fast -E 'not test(/^ses::/) and not test(/^ssm::/)'

step "store and flow tests against moto server"
port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$tools/moto.log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$moto_pid" 2>/dev/null; then echo "moto server did not start:" >&2; cat "$tools/moto.log" >&2; exit 1; fi
    sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/moto-api/" >/dev/null || { echo "moto server is not answering on $port" >&2; exit 1; }
# moto does not check presigned links' expiry, nor their signature (a PUT of another length or
# type than the link signs is taken): those tests (a_presigned_link_expires, s33_*, signed_upload_*)
# are the embedded engine's, whose SigV4 check is s3s's. moto's server
# is not thread-safe (concurrent writes answer 500, "dictionary changed size during iteration", and
# its transactions are not atomic under concurrency), so the tests of concurrency guarantees (each
# has "concurrent" in its name) are proven on the embedded engine, whose conditional writes are atomic.
# The Samba AD DC test proves the directory's side and runs once, in the step above: the store's side
# of the same scenarios is proven here by their slapd tests.
SECBOARD_TEST_DYNAMODB="http://127.0.0.1:$port" SECBOARD_TEST_S3="http://127.0.0.1:$port" SECBOARD_TEST_SES="http://127.0.0.1:$port" \
    cargo nextest run -p secboard-tests -p secboard-dynamodb --no-fail-fast -E 'not test(a_presigned_link_expires) and not test(/s33_/) and not test(/signed_upload/) and not test(/concurrent/) and not test(/samba/)'
# The origin secret's rotation script, both steps, with the real AWS CLI against the same moto.
SECBOARD_TOOLS="$tools" bash infra/rotation-test.sh "http://127.0.0.1:$port"
# The data bucket's CORS rule, put by the template's custom resource function, against the same moto.
SECBOARD_TOOLS="$tools" bash infra/bucket-cors-test.sh "http://127.0.0.1:$port"

step "the README walk-through, as written, against a fresh local server"
bash infra/walkthrough.sh

step "the README walk-through of bringing users in, as written, against a fresh local server"
bash infra/walkthrough-imports.sh

step "schemathesis over every route of the OpenAPI document, against a fresh local server"
"$venv/bin/openapi-spec-validator" docs/openapi.json
SECBOARD_TOOLS="$tools" bash infra/schemathesis.sh

step "template: cfn-lint and sam validate --lint"
SECBOARD_TOOLS="$tools" bash infra/lint.sh

step "the console in a real browser (infra/browser-tests.sh)"
bash infra/browser-tests.sh

printf '\nall checks passed\n'
