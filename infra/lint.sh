#!/usr/bin/env bash
# Lints template.yaml with cfn-lint and `sam validate --lint`.
#
# Installs the tools once (idempotently) into a virtual environment at
# ${SECBOARD_TOOLS:-$HOME/.cache/secboard-tools}/venv; needs PyPI for that first install only.
# Both checks run offline. Exits non-zero on any failure and ends with a one-line summary.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
tools="${SECBOARD_TOOLS:-$HOME/.cache/secboard-tools}"
venv="$tools/venv"
template="${1:-template.yaml}"

export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export AWS_REGION="${AWS_REGION:-$AWS_DEFAULT_REGION}"
export SAM_CLI_TELEMETRY=0
# No update check, no metrics, no prompts.
export SAM_CLI_CONTEXT_DISABLE_UPDATE_CHECK=1
export PIP_DISABLE_PIP_VERSION_CHECK=1

fail() { echo "lint: FAILED: $*" >&2; exit 1; }

python="${PYTHON:-$(command -v python3 || true)}"
[ -n "$python" ] || fail "python3 not found (needed for the aws-sam-cli / cfn-lint venv)"

# Install, idempotently: reuse the venv when both tools already run from it.
if ! { [ -x "$venv/bin/sam" ] && [ -x "$venv/bin/cfn-lint" ] \
       && "$venv/bin/cfn-lint" --version >/dev/null 2>&1 \
       && "$venv/bin/sam" --version >/dev/null 2>&1; }; then
    echo "lint: installing aws-sam-cli and cfn-lint into $venv (first run only)"
    mkdir -p "$tools" || fail "cannot create $tools"
    "$python" -m venv "$venv" || fail "cannot create the venv at $venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip || fail "pip upgrade failed"
    "$venv/bin/python" -m pip install --quiet -r "$here/requirements-tools.txt" \
        || fail "pip install -r infra/requirements-tools.txt failed"
fi
export PATH="$venv/bin:$PATH"

cd "$root" || fail "cannot cd to $root"
[ -f "$template" ] || fail "$root/$template not found"

status=0
failed=()

echo "lint: cfn-lint $(cfn-lint --version 2>&1 | awk '{print $NF}') on $template"
if ! cfn-lint "$template"; then
    status=1; failed+=("cfn-lint")
fi

echo "lint: $(sam --version 2>&1) validate --lint on $template"
if ! sam validate --lint --template-file "$template" --region "$AWS_DEFAULT_REGION"; then
    status=1; failed+=("sam validate --lint")
fi

if [ "$status" -eq 0 ]; then
    echo "lint: OK: cfn-lint and sam validate --lint passed on $template"
else
    (IFS=,; echo "lint: FAILED: ${failed[*]} reported problems on $template" >&2)
fi
exit "$status"
