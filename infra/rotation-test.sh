#!/usr/bin/env bash
# Runs infra/rotate-origin-secret.sh, both steps, against moto (CloudFormation and Secrets
# Manager) with the real AWS CLI, and checks what each step leaves behind:
#   begin:  previous = the old current, current = a fresh 48-character secret, generation + 1
#   finish: previous = "", current kept, generation + 1
# and that each step deploys the stack with the raised OriginSecretGeneration. `sam deploy` needs
# built functions and real CloudFormation, so a stand-in `sam` on PATH records its arguments and
# applies the parameter change with `aws cloudformation update-stack --use-previous-template`.
# moto's CloudFormation does not model AWS::SecretsManager::Secret, so the stack holds the
# template's own OriginSecretGeneration parameter and the secret is made the way the template
# names it (checked here against template.yaml).
#
#   infra/rotation-test.sh http://127.0.0.1:PORT     # a running moto server
set -euo pipefail
endpoint="${1:?usage: rotation-test.sh MOTO_URL}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${SECBOARD_TOOLS:-$HOME/.cache/secboard-tools}"
venv="$tools/venv"
# The AWS CLI in a venv of its own: it pins botocore exactly, and so do moto's and SAM's boto3.
awscli="$tools/awscli"
stamp="$awscli/.installed-$(sha256sum "$root/infra/requirements-awscli.txt" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    python3 -m venv "$awscli"
    "$awscli/bin/python" -m pip install --quiet --disable-pip-version-check -r "$root/infra/requirements-awscli.txt"
    touch "$stamp"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export AWS_ENDPOINT_URL="$endpoint" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=eu-central-1
export AWS_PAGER="" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export PATH="$work/bin:$awscli/bin:$PATH"
stack="rotation-$$-$RANDOM"
fail() { echo "rotation test: $*" >&2; exit 1; }

# The stack: template.yaml's own OriginSecretGeneration parameter (and the secret's name, checked).
"$venv/bin/python" - "$root/template.yaml" "$work/stack.json" <<'EOF'
import json, sys
from cfnlint.decode import decode
template, errors = decode(sys.argv[1])
assert not errors, errors
name = template["Resources"]["OriginSecret"]["Properties"].get("Name")
assert name == {"Fn::Sub": "${AWS::StackName}/origin-secret"}, f"OriginSecret's Name is {name!r}, the script looks for STACK/origin-secret"
stack = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {"OriginSecretGeneration": template["Parameters"]["OriginSecretGeneration"]},
    "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
}
json.dump(stack, open(sys.argv[2], "w"), default=str)
EOF
aws cloudformation create-stack --stack-name "$stack" --template-body "file://$work/stack.json" >/dev/null
first="$(aws secretsmanager get-random-password --password-length 48 --exclude-punctuation --query RandomPassword --output text)"
aws secretsmanager create-secret --name "$stack/origin-secret" \
    --secret-string "{\"previous\": \"\", \"current\": \"$first\"}" >/dev/null

# The stand-in for `sam deploy`: records its arguments, applies the raised generation.
mkdir -p "$work/bin"
cat >"$work/bin/sam" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
echo "$*" >>"$SAM_LOG"
[ "$1" = deploy ] || { echo "sam stand-in: only deploy" >&2; exit 2; }
stack="" generation=""
while [ $# -gt 0 ]; do
    case "$1" in
        --stack-name) stack="$2"; shift ;;
        --parameter-overrides) generation="${2#OriginSecretGeneration=}"; shift ;;
    esac
    shift
done
aws cloudformation update-stack --stack-name "$stack" --use-previous-template \
    --parameters "ParameterKey=OriginSecretGeneration,ParameterValue=$generation" >/dev/null
EOF
chmod +x "$work/bin/sam"
export SAM_LOG="$work/sam.log"

field() { aws secretsmanager get-secret-value --secret-id "$stack/origin-secret" --query SecretString --output text |
    python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
generation() { aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Parameters[?ParameterKey=='OriginSecretGeneration'].ParameterValue | [0]" --output text; }

[ "$(generation)" = 1 ] || fail "the stack starts at generation $(generation), not 1"

bash "$root/infra/rotate-origin-secret.sh" "$stack" begin
current="$(field current)"
[ "$(field previous)" = "$first" ] || fail "begin: previous is not the secret that was current"
[ "$current" != "$first" ] || fail "begin: current was not replaced"
[[ "$current" =~ ^[A-Za-z0-9]{48}$ ]] || fail "begin: the new secret is not 48 letters and digits"
[ "$(generation)" = 2 ] || fail "begin: generation is $(generation), not 2"
grep -qx -- "deploy --stack-name $stack --no-confirm-changeset --no-fail-on-empty-changeset --parameter-overrides OriginSecretGeneration=2" "$SAM_LOG" ||
    fail "begin: sam deploy was called as: $(cat "$SAM_LOG")"

bash "$root/infra/rotate-origin-secret.sh" "$stack" finish
[ "$(field previous)" = "" ] || fail "finish: previous is still set"
[ "$(field current)" = "$current" ] || fail "finish: current changed"
[ "$(generation)" = 3 ] || fail "finish: generation is $(generation), not 3"
[ "$(wc -l <"$SAM_LOG")" = 2 ] || fail "finish: expected two deploys, got: $(cat "$SAM_LOG")"

if bash "$root/infra/rotate-origin-secret.sh" "$stack" sideways 2>/dev/null; then fail "an unknown step was accepted"; fi
[ "$(wc -l <"$SAM_LOG")" = 2 ] || fail "an unknown step deployed"
echo "origin secret rotation: begin and finish verified against moto"
