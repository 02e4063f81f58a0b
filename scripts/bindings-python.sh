#!/usr/bin/env bash
# The Python binding, used as a Python user would: a virtualenv with the built wheel (dist/python, from
# `npx projen package:python`) and aws-cdk-lib from PyPI (scripts/python-bindings-env.sh).
#
# Every example that has an app.py beside its app.ts synthesizes in both languages, and the templates
# and synth reports must be equal (scripts/compare-assemblies.ts). Then mypy checks every app.py
# (--strict).
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CDK_DISABLE_CLI_TELEMETRY=true
# One unpacked copy of aws-cdk-lib for every Python process (see scripts/python-bindings-env.sh).
export JSII_RUNTIME_PACKAGE_CACHE=enabled JSII_RUNTIME_PACKAGE_CACHE_ROOT="$PWD/.ci-work/jsii-cache"

t0=$(date +%s)
PY=$(bash scripts/python-bindings-env.sh)
VENV_BIN=$(dirname "$PY")
echo "python: virtualenv ready ($(( $(date +%s) - t0 ))s): $("$PY" -m pip list --disable-pip-version-check 2>/dev/null | grep -E '^(aws-cdk-lib|cdk-ecr-registry|mypy) ' | tr -s ' ' | paste -sd, -)"

OUT=.ci-work/bindings
rm -rf "$OUT" && mkdir -p "$OUT"
apps=()
status=0
for app in examples/*/app.py; do
  dir=$(dirname "$app"); name=$(basename "$dir")
  apps+=("$app")
  t0=$(date +%s)
  # The jsii host with a deadline (scripts/with-deadline.sh; DEADLINE seconds, 300 unless set), tried twice.
  if ! CDK_OUTDIR="$OUT/$name/python" bash scripts/with-deadline.sh "${DEADLINE:-300}" 2 "python: $app" -- "$PY" "$app" >"$OUT/$name-python.log" 2>&1; then
    echo "python: $app FAILED" >&2; cat "$OUT/$name-python.log" >&2; status=1; continue
  fi
  CDK_OUTDIR="$OUT/$name/typescript" npx tsx --tsconfig tsconfig.dev.json "$dir/app.ts" >"$OUT/$name-typescript.log" 2>&1 \
    || { echo "typescript: $dir/app.ts FAILED" >&2; cat "$OUT/$name-typescript.log" >&2; status=1; continue; }
  if npx tsx --tsconfig tsconfig.dev.json scripts/compare-assemblies.ts "$OUT/$name/typescript" "$OUT/$name/python"; then
    echo "python: $app synthesizes what $dir/app.ts does ($(( $(date +%s) - t0 ))s)"
  else
    echo "python: $app differs from $dir/app.ts" >&2; status=1
  fi
done
[ "${#apps[@]}" -gt 0 ] || { echo "no examples/*/app.py" >&2; exit 1; }

# One mypy run per app (every app is a module named "app"); the shared cache makes every run after the
# first cheap (the first one analyses aws-cdk-lib's stubs).
t0=$(date +%s)
for app in "${apps[@]}"; do
  "$VENV_BIN/mypy" --strict --no-error-summary --cache-dir .ci-work/mypy-cache "$app" || { echo "python: mypy --strict: $app" >&2; status=1; }
done
echo "python: mypy --strict on ${#apps[@]} example apps ($(( $(date +%s) - t0 ))s)"
exit $status
