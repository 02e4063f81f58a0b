#!/usr/bin/env bash
# Synthesizes every example app with the real cdk CLI, as a user would: `cd examples/<name> && npx cdk synth`.
# No credentials are needed: every example names its account and region and seeds what it would look up.
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_EC2_METADATA_DISABLED=true CDK_DISABLE_CLI_TELEMETRY=true CDK_DISABLE_VERSION_CHECK=true
status=0
for dir in examples/*/; do
  [ -f "$dir/cdk.json" ] || continue
  name=$(basename "$dir")
  out=$(mktemp -d)
  t0=$(date +%s)
  if (cd "$dir" && npx cdk synth --quiet --no-notices --no-version-reporting --output "$out" >/dev/null 2>"$out.err"); then
    stacks=$(node -e 'const m=require(process.argv[1]+"/manifest.json");console.log(Object.values(m.artifacts).filter(a=>a.type==="aws:cloudformation:stack").length)' "$out")
    echo "examples/$name: cdk synth ok, $stacks stacks ($(( $(date +%s) - t0 ))s)"
  else
    echo "examples/$name: cdk synth FAILED" >&2
    cat "$out.err" >&2
    status=1
  fi
  rm -rf "$out" "$out.err"
done
exit $status
