#!/usr/bin/env bash
# The virtualenv in which the Python binding is used as a Python user would (./.venv-bindings):
# the wheel jsii-pacmak built (dist/python), aws-cdk-lib and constructs from PyPI at the versions the
# TypeScript side uses (so templates compare byte for byte), and mypy. Idempotent: what is installed at
# the right version stays; the wheel (always version 0.0.0 here) is reinstalled every time.
#
#   bash scripts/python-bindings-env.sh          prints the venv's python path on stdout
#   bash scripts/python-bindings-env.sh --fresh  deletes the venv first (what CI gets on a clean clone)
#
# Scripts that run Python apps also set JSII_RUNTIME_PACKAGE_CACHE=enabled (see python_env below): the
# jsii kernel then unpacks aws-cdk-lib once into .ci-work/jsii-cache instead of in every process (on a
# busy 2-core machine 10 s instead of 25-40 s per process).
set -euo pipefail
cd "$(dirname "$0")/.."

MYPY='mypy==2.4.1'
VENV=.venv-bindings

WHEEL=$(ls dist/python/cdk_ecr_registry-*.whl 2>/dev/null | head -1 || true)
if [ -z "$WHEEL" ]; then
  echo "no wheel in dist/python: run npx projen package:python first" >&2
  exit 1
fi
CDK_VERSION=$(node -p "require('aws-cdk-lib/package.json').version")
CONSTRUCTS_VERSION=$(node -p "require('constructs/package.json').version")

if [ "${1:-}" = "--fresh" ]; then
  rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" >&2
fi
pip_install() { "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@" >&2; }
# pip keeps what already satisfies these pins, so a warm venv costs a few seconds.
pip_install "aws-cdk-lib==$CDK_VERSION" "constructs==$CONSTRUCTS_VERSION" "$MYPY" "$WHEEL"
pip_install --force-reinstall --no-deps "$WHEEL"
echo "$PWD/$VENV/bin/python"
