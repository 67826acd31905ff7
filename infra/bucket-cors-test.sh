#!/usr/bin/env bash
# Runs the DataBucketCors custom resource's function, as template.yaml writes it inline, against
# moto's S3: a Create puts the template's CORS rule on a bucket (MaxAgeSeconds arrives as text,
# as CloudFormation passes numbers to custom resources) and answers SUCCESS with a stable
# physical id; a Delete takes the rule away. cfnresponse (which Lambda provides to inline code)
# is replaced by a recorder.
#
#   infra/bucket-cors-test.sh http://127.0.0.1:PORT     # a running moto server
set -euo pipefail
endpoint="${1:?usage: bucket-cors-test.sh MOTO_URL}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${SECBOARD_TOOLS:-$HOME/.cache/secboard-tools}"
python="$tools/venv/bin/python"
[ -x "$python" ] || python="$(command -v python3)"
AWS_ENDPOINT_URL="$endpoint" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=eu-central-1 \
    "$python" - "$root/template.yaml" <<'PY'
import sys, types, uuid, yaml, boto3
class Loader(yaml.SafeLoader):
    pass
# !Sub, !If, !GetAtt...: the function's code is plain text; the rule's values are read as written.
Loader.add_multi_constructor("!", lambda loader, tag, node: loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode) else loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None)
doc = yaml.load(open(sys.argv[1]), Loader=Loader)
code = doc["Resources"]["DataBucketCorsFunction"]["Properties"]["Code"]["ZipFile"]
rules = doc["Resources"]["DataBucketCors"]["Properties"]["CorsRules"]
for r in rules:
    r["AllowedOrigins"] = ["https://d111111abcdef8.cloudfront.net"]
    r["MaxAgeSeconds"] = str(r["MaxAgeSeconds"])
sent = []
cfn = types.ModuleType("cfnresponse")
cfn.SUCCESS, cfn.FAILED = "SUCCESS", "FAILED"
cfn.send = lambda event, context, status, data, physical_id: sent.append((status, physical_id))
sys.modules["cfnresponse"] = cfn
ns = {}
exec(code, ns)
s3 = boto3.client("s3", region_name="eu-central-1")
bucket = "bucket-cors-test-" + uuid.uuid4().hex[:12]
s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
props = {"Bucket": bucket, "CorsRules": rules}
ns["handler"]({"RequestType": "Create", "ResourceProperties": props}, None)
assert sent[-1] == ("SUCCESS", bucket + "-cors"), sent
got = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
assert got == [{"AllowedOrigins": ["https://d111111abcdef8.cloudfront.net"], "AllowedMethods": ["PUT"], "AllowedHeaders": ["content-type"], "MaxAgeSeconds": 600}], got
ns["handler"]({"RequestType": "Delete", "ResourceProperties": props}, None)
assert sent[-1] == ("SUCCESS", bucket + "-cors"), sent
try:
    s3.get_bucket_cors(Bucket=bucket)
    raise SystemExit("bucket-cors-test: FAILED: the rule is still there after Delete")
except s3.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "NoSuchCORSConfiguration", e
print("bucket-cors-test: OK (the custom resource puts the template's CORS rule and takes it away)")
PY
