#!/usr/bin/env bash
# One command for a new account: the HTTP function's secret, the package checked, the deployment, and a smoke test
# that changes nothing (a dry run, then the zone's status). Run from a checkout, after `npm install`, with AWS credentials allowed to
# deploy (README, "Deploy"), jq, and the rotator's Tencent API key in the environment:
#
#   TENCENTCLOUD_SECRET_ID=... TENCENTCLOUD_SECRET_KEY=... ROTATOR_TOKEN=<a bearer caller's token> \
#     docs/examples/bootstrap.sh prod eu-west-1 zone-27q0p0bal192 clients.json
#
# clients.json holds ROTATOR_CLIENTS (README, "Add callers"); the smoke test calls as the bearer caller whose token
# ROTATOR_TOKEN is, or, without it, as an IAM caller with your own AWS credentials. Secret values go to AWS through
# a private file, never on a command line (where any process on the machine can read them). Running it again
# updates the secret and the stack.
set -euo pipefail
if [[ $# -ne 4 ]]; then
  echo "usage: $0 STAGE REGION ZONE_ID CLIENTS_JSON_FILE" >&2
  exit 2
fi
stage=$1 region=$2 zone=$3 clients=$4
for name in TENCENTCLOUD_SECRET_ID TENCENTCLOUD_SECRET_KEY; do
  [[ -n "${!name:-}" ]] || { echo "$name is not set: the rotator's Tencent API key" >&2; exit 2; }
done
jq -e 'type == "array"' "$clients" > /dev/null || { echo "$clients is not a JSON array of callers" >&2; exit 2; }
cd "$(dirname "$0")/../.."

# The functions reserve 9 units of concurrency and AWS keeps 100 unreserved: a new account's limit (often 10) is
# raised through Service Quotas before anything is created.
limit=$(aws lambda get-account-settings --region "$region" --query AccountLimit.ConcurrentExecutions --output text)
if (( limit < 109 )); then
  echo "The account's Lambda concurrency limit is $limit; the deployment needs at least 109 (Service Quotas)." >&2
  exit 1
fi

secret="teo-key-rotator/$stage"
payload=$(mktemp)
trap 'rm -f "$payload"' EXIT
chmod 600 "$payload"
jq -n --rawfile clients "$clients" \
  '{TENCENTCLOUD_SECRET_ID: env.TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY: env.TENCENTCLOUD_SECRET_KEY,
    ROTATOR_CLIENTS: $clients}' > "$payload"
if aws secretsmanager describe-secret --region "$region" --secret-id "$secret" > /dev/null 2>&1; then
  aws secretsmanager put-secret-value --region "$region" --secret-id "$secret" --secret-string "file://$payload" > /dev/null
  echo "Updated the secret $secret"
else
  aws secretsmanager create-secret --region "$region" --name "$secret" --secret-string "file://$payload" > /dev/null
  echo "Created the secret $secret"
fi
rm -f "$payload"

# The package checked offline first (the stage's template: least privilege, no secret values, the alarms).
npm run package -- --stage "$stage" --region "$region"
npx serverless deploy --stage "$stage" --region "$region"
endpoint=$(aws cloudformation describe-stacks --region "$region" --stack-name "teo-key-rotator-$stage" \
  --query "Stacks[0].Outputs[?OutputKey=='HttpApiUrl'].OutputValue" --output text)
echo "Deployed: $endpoint"

caller=()
[[ -n "${ROTATOR_TOKEN:-}" ]] || caller=(--aws-iam)
npm run -s rotator -- rotate --url "$endpoint" --zone "$zone" --generate --dry-run "${caller[@]}"
npm run -s rotator -- status --url "$endpoint" --zone "$zone" "${caller[@]}"
