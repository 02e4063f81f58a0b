#!/usr/bin/env bash
# Installs the Python tools the tests and checks need into ./.venv (idempotent).
#   scripts/python-env.sh test        -> moto[server] (the ECR API emulator for integration tests)
#   scripts/python-env.sh conformance -> cfn-lint and checkov
#   scripts/python-env.sh all         -> both
# Versions are pinned so CI and developers run the same emulator and checkers.
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO='moto[server]==5.2.5'
CFN_LINT='cfn-lint==1.58.0'
CHECKOV='checkov==3.3.30'

VENV=.venv
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
fi

want=()
case "${1:-test}" in
  test) want=("$MOTO") ;;
  conformance) want=("$CFN_LINT" "$CHECKOV") ;;
  all) want=("$MOTO" "$CFN_LINT" "$CHECKOV") ;;
  *) echo "usage: $0 test|conformance|all" >&2; exit 2 ;;
esac

missing=()
for req in "${want[@]}"; do
  name="${req%%[*}"; name="${name%%=*}"
  version="${req##*==}"
  installed="$("$VENV/bin/python" -m pip show "$name" 2>/dev/null | sed -n 's/^Version: //p' || true)"
  if [ "$installed" != "$version" ]; then
    missing+=("$req")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "python-env: installing ${missing[*]} into $VENV" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${missing[@]}"
fi
