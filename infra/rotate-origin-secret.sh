#!/usr/bin/env bash
# Rotates the origin secret CloudFront adds to every API request (X-Secboard-Origin-Verify), in
# two deploys, with no request refused on the way:
#
#   infra/rotate-origin-secret.sh STACK begin    # previous = current, current = new; deploy:
#                                                # the functions accept both while CloudFront's
#                                                # edges move to the new one (minutes)
#   infra/rotate-origin-secret.sh STACK finish   # previous = ""; deploy: the old one stops
#
# Each step raises the OriginSecretGeneration parameter, so CloudFormation resolves the secret
# again (it does not notice a changed secret by itself). Needs the AWS CLI, python3 and sam, with
# credentials for the stack's account. Other parameters keep their deployed values.
# infra/rotation-test.sh runs both steps against moto (the test command's moto step).
set -euo pipefail
stack="${1:?usage: rotate-origin-secret.sh STACK begin|finish}"
step="${2:?usage: rotate-origin-secret.sh STACK begin|finish}"

# template.yaml names the secret after the stack.
secret="$stack/origin-secret"
generation=$(aws cloudformation describe-stacks --stack-name "$stack" \
  --query "Stacks[0].Parameters[?ParameterKey=='OriginSecretGeneration'].ParameterValue | [0]" --output text)
[ "$generation" = "None" ] && generation=1
value=$(aws secretsmanager get-secret-value --secret-id "$secret" --query SecretString --output text)

case "$step" in
  begin)
    fresh=$(aws secretsmanager get-random-password --password-length 48 --exclude-punctuation --query RandomPassword --output text)
    next=$(python3 -c 'import json,sys; v=json.loads(sys.argv[1]); print(json.dumps({"current": sys.argv[2], "previous": v["current"]}))' "$value" "$fresh")
    ;;
  finish)
    next=$(python3 -c 'import json,sys; v=json.loads(sys.argv[1]); print(json.dumps({"current": v["current"], "previous": ""}))' "$value")
    ;;
  *) echo "step must be begin or finish" >&2; exit 2 ;;
esac

aws secretsmanager put-secret-value --secret-id "$secret" --secret-string "$next" >/dev/null
sam deploy --stack-name "$stack" --no-confirm-changeset --no-fail-on-empty-changeset \
  --parameter-overrides "OriginSecretGeneration=$((generation + 1))"
echo "origin secret rotation: $step done (generation $((generation + 1)))"
