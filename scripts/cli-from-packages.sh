#!/usr/bin/env bash
# The `cdk-ecr-registry` command as users install it: from the wheel (pip, into a fresh virtualenv) and
# from the npm tarball (npm, into a fresh folder). Each runs `cdk-ecr-registry lifecycle preview` on the
# lifecycle-preview example's files and must print exactly what the compiled CLI (node lib/cli/main.js)
# prints (JSON; the npm one also as a table), and exit 2 on bad input.
#
# Then the wheel's `cdk-ecr-registry --version` on each Node.js line named in CLI_NODE_BINS ("20=/usr/bin 24=/path/bin ...",
# set by .ci/run; the current node alone when unset), with jsii's banner not silenced: on a Node.js jsii knows as
# maintained the output is one line; on any other the banner comes as text, never as Python b'...' literals.
#
# Needs dist/python/*.whl (`npx projen package:python`) and dist/js/*.tgz (`npx projen package:js`).
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

WHEEL=$(ls dist/python/cdk_ecr_registry-*.whl 2>/dev/null | head -1 || true)
TARBALL=$(ls dist/js/cdk-ecr-registry@*.jsii.tgz 2>/dev/null | head -1 || true)
[ -n "$WHEEL" ] || { echo "no wheel in dist/python: run npx projen package:python first" >&2; exit 1; }
[ -n "$TARBALL" ] || { echo "no tarball in dist/js: run npx projen package:js first" >&2; exit 1; }

ROOT=$PWD
WORK=$ROOT/.ci-work/cli
rm -rf "$WORK" && mkdir -p "$WORK/expected"
EXAMPLE=$PWD/examples/lifecycle-preview
ARGS=(lifecycle preview --policy "$EXAMPLE/policy.json" --images "$EXAMPLE/images.json" --now 2025-06-01T00:00:00Z)

node lib/cli/main.js "${ARGS[@]}" >"$WORK/expected/table.txt"
node lib/cli/main.js "${ARGS[@]}" --json >"$WORK/expected/preview.json"
# The reference itself must say something: a preview that expires and keeps images.
node -e '
  const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (!(p.expired.length > 0 && p.kept.length > 0)) { console.error("reference preview is empty"); process.exit(1); }
' "$WORK/expected/preview.json"

# Runs the installed command ($2) and compares its output with the reference: JSON always, the table
# when $3 is "table" (each run of the wheel's command starts a jsii kernel that loads aws-cdk-lib,
# about 30 s on a busy 2-core machine, so the pip check runs the command twice, not three times).
check_command() {
  local label="$1" cmd="$2" t0
  t0=$(date +%s)
  "$cmd" "${ARGS[@]}" --json >"$WORK/$label-preview.json"
  diff -u "$WORK/expected/preview.json" "$WORK/$label-preview.json"
  if [ "${3:-}" = table ]; then
    "$cmd" "${ARGS[@]}" >"$WORK/$label-table.txt"
    diff -u "$WORK/expected/table.txt" "$WORK/$label-table.txt"
  fi
  local status=0
  "$cmd" lifecycle preview --policy "$EXAMPLE/does-not-exist.json" --images "$EXAMPLE/images.json" \
    >/dev/null 2>"$WORK/$label-bad.err" || status=$?
  if [ "$status" -ne 2 ] || ! grep -q 'does-not-exist.json' "$WORK/$label-bad.err"; then
    echo "$label: expected exit 2 naming the missing file, got $status:" >&2
    cat "$WORK/$label-bad.err" >&2
    return 1
  fi
  echo "$label: cdk-ecr-registry lifecycle preview prints what lib/cli/main.js prints (JSON${3:+ and $3}); bad input exits 2 ($(( $(date +%s) - t0 ))s)"
}

t0=$(date +%s)
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$WHEEL"
echo "pip: installed $(basename "$WHEEL") and its dependencies into a fresh venv ($(( $(date +%s) - t0 ))s)"
check_command pip "$WORK/venv/bin/cdk-ecr-registry"

t0=$(date +%s)
mkdir -p "$WORK/npm"
(cd "$WORK/npm" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent "$ROOT/$TARBALL")
echo "npm: installed $(basename "$TARBALL") into a fresh folder ($(( $(date +%s) - t0 ))s)"
check_command npm "$WORK/npm/node_modules/.bin/cdk-ecr-registry" table

# The wheel's command as users on each Node.js line see it: jsii's banner not silenced.
version_on_node() {
  local v="$1" bin="$2" out lines
  out=$(env -u JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION PATH="$bin:$PATH" "$WORK/venv/bin/cdk-ecr-registry" --version 2>&1)
  if echo "$out" | grep -q "b'"; then
    echo "node $v: the wheel's command printed Python byte literals:" >&2; echo "$out" >&2; return 1
  fi
  if ! echo "$out" | tail -1 | grep -qx "cdk-ecr-registry [0-9][0-9.a-z-]*"; then
    echo "node $v: the last line is not the version:" >&2; echo "$out" >&2; return 1
  fi
  lines=$(echo "$out" | wc -l)
  if [ "$v" = 22 ] || [ "$v" = 24 ]; then
    if [ "$lines" -ne 1 ]; then echo "node $v: expected one line, got $lines:" >&2; echo "$out" >&2; return 1; fi
  fi
  echo "node $v: cdk-ecr-registry --version from the wheel: $lines line(s), no byte literals"
}
for pair in ${CLI_NODE_BINS:-current=$(dirname "$(command -v node)")}; do
  version_on_node "${pair%%=*}" "${pair#*=}"
done
