#!/usr/bin/env bash
# `cdk-ecr-registry adopt --language python` against the built wheel (run after `npx projen package:python`):
# the written Python app synthesizes what the written TypeScript app does, and report --assembly on it shows
# exactly the changes adoption listed (scripts/adopt-python.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CDK_DISABLE_CLI_TELEMETRY=true AWS_EC2_METADATA_DISABLED=true
export JSII_RUNTIME_PACKAGE_CACHE=enabled JSII_RUNTIME_PACKAGE_CACHE_ROOT="$PWD/.ci-work/jsii-cache"
PY=$(bash scripts/python-bindings-env.sh)
npx tsx --tsconfig tsconfig.dev.json scripts/adopt-python.ts .ci-work/adopt-python "$PY"
