#!/usr/bin/env bash
# Uploads the console to the stack's private bucket and invalidates CloudFront's copies, so the
# distribution serves the new files at once:
#
#   infra/deploy-console.sh STACK
#
# Needs the AWS CLI with credentials for the stack's account. HTML is uploaded without caching
# (a new version is seen at once), scripts and styles with a short cache.
set -euo pipefail
stack="${1:?usage: deploy-console.sh STACK}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
console="$here/../console"

output() {
  aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue | [0]" --output text
}
bucket=$(output ConsoleBucket)
distribution=$(output DistributionId)
url=$(output ConsoleUrl)
[ -n "$bucket" ] && [ "$bucket" != "None" ] || { echo "no ConsoleBucket output on stack $stack" >&2; exit 1; }

aws s3 sync "$console/" "s3://$bucket/" --delete --exclude "*" --include "*.html" \
  --cache-control "no-cache" --content-type "text/html; charset=utf-8"
aws s3 sync "$console/" "s3://$bucket/" --delete --exclude "*.html" --cache-control "max-age=300"
aws cloudfront create-invalidation --distribution-id "$distribution" --paths "/*" \
  --query Invalidation.Id --output text
echo "console uploaded: $url"
