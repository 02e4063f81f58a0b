#!/usr/bin/env bash
# The Python binding, used as a Python user would: a virtualenv with the built wheel
# (dist/python, from `npx projen package:python`) and aws-cdk-lib from PyPI synthesizes
# examples/platform-registry/app.py; its templates must equal the TypeScript example's.
set -euo pipefail
cd "$(dirname "$0")/.."

WHEEL=$(ls dist/python/cdk_ecr_registry-*.whl 2>/dev/null | head -1 || true)
if [ -z "$WHEEL" ]; then
  echo "no wheel in dist/python: run npx projen package:python first" >&2
  exit 1
fi
CDK_VERSION=$(node -p "require('aws-cdk-lib/package.json').version")
CONSTRUCTS_VERSION=$(node -p "require('constructs/package.json').version")

VENV=.venv-bindings
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  "aws-cdk-lib==$CDK_VERSION" "constructs==$CONSTRUCTS_VERSION" "$WHEEL" --force-reinstall --no-cache-dir >/dev/null

OUT=.ci-work/bindings
rm -rf "$OUT" && mkdir -p "$OUT"
echo "python: synthesizing examples/platform-registry/app.py (aws-cdk-lib $CDK_VERSION from PyPI, $(basename "$WHEEL"))"
CDK_OUTDIR="$OUT/python" "$VENV/bin/python" examples/platform-registry/app.py
echo "typescript: synthesizing examples/platform-registry/app.ts"
CDK_OUTDIR="$OUT/typescript" npx tsx --tsconfig tsconfig.dev.json examples/platform-registry/app.ts
npx tsx --tsconfig tsconfig.dev.json scripts/compare-assemblies.ts "$OUT/typescript" "$OUT/python"
