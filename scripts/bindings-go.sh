#!/usr/bin/env bash
# The Go binding, used as a Go user would: `go run` builds and runs examples/platform-registry/go, a Go
# module that requires aws-cdk-go from the Go module proxy and the binding that `npx projen package:go`
# (or scripts/package-go.sh) writes to dist/go/cdkecrregistry (a replace directive in its go.mod); its
# templates and synth reports must equal the TypeScript example's (examples/platform-registry/app.ts).
#
# The Go app runs the aws-cdk-lib, constructs and cloud-assembly-schema JavaScript embedded in the Go
# modules it requires (aws-cdk-go v2.277.0: aws-cdk-lib 2.277.0), newer than the aws-cdk-lib floor in
# node_modules; so the TypeScript side is synthesized with those same tarballs (scripts/resolve-from.cjs),
# and both compare at one version, as the Python and Java comparisons do.
#
# Go caches: .ci-work/go (scripts/go-env.sh); the first build compiles aws-cdk-go.
#
# Each program runs with a deadline (scripts/with-deadline.sh; DEADLINE seconds, 300 unless set), tried twice:
# on a quiet machine the build takes 5 s and each synth 6 to 13 s.
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CDK_DISABLE_CLI_TELEMETRY=true
# aws-cdk-lib's built-in template validation (from 2.262; the Go app runs 2.277.0, the Python and Java checks
# run the 2.258.0 floor, which has none) is off on both sides: it is not what this check compares (the
# canary runs it on the newest aws-cdk-lib), it took 4.7 of the Go app's 6.2 s here, and its WASM engine
# inside a jsii kernel on Node 24 is where synths have hung (aws/aws-cdk#38498, #38425); CI stop 36 ran out
# of time in this step. The EcrChecks plugin of the example still runs and its report is compared.
export CDK_VALIDATION=false
source scripts/go-env.sh

APP_DIR=examples/platform-registry/go
[ -f dist/go/cdkecrregistry/go.mod ] || { echo "no dist/go/cdkecrregistry: run npx projen package:go (or bash scripts/package-go.sh) first" >&2; exit 1; }
required=$(cd "$APP_DIR" && go list -m -f '{{.Version}}' github.com/aws/aws-cdk-go/awscdk/v2)
if [ "$required" != "$AWSCDK_GO_VERSION" ]; then
  echo "$APP_DIR/go.mod requires aws-cdk-go $required, scripts/go-env.sh names $AWSCDK_GO_VERSION: keep them equal (one aws-cdk-go compile per CI run)" >&2
  exit 1
fi

DEADLINE="${DEADLINE:-300}"
deadline() { bash scripts/with-deadline.sh "$DEADLINE" 2 "$@"; }

OUT=.ci-work/bindings
rm -rf "$OUT/go" "$OUT/typescript-go" && mkdir -p "$OUT"
echo "go: building examples/platform-registry/go (aws-cdk-go $required from the module proxy, dist/go/cdkecrregistry; $(go version | awk '{print $3}'))"
t0=$(date +%s)
# `go run .` as the example's cdk.json does, in two steps to time the build apart from the synth.
deadline "go: building $APP_DIR" -- bash -c 'cd "$1" && go build -o "$2" . && go vet . && test -z "$(gofmt -l .)"' _ "$APP_DIR" "$GO_WORK_DIR/platform-registry" \
  || { echo "go: $APP_DIR does not build, pass go vet or is not gofmt-formatted" >&2; exit 1; }
t1=$(date +%s)
# A Go program stopped by the deadline prints its goroutines to its stderr: the log shows them.
deadline "go: the app's synth" -- env CDK_OUTDIR="$PWD/$OUT/go" "$GO_WORK_DIR/platform-registry" >"$OUT/go.log" 2>&1 \
  || { echo "go: the app failed:" >&2; tail -c 20000 "$OUT/go.log" >&2; exit 1; }
echo "go: build and vet took $(( t1 - t0 ))s, synth $(( $(date +%s) - t1 ))s"

# The JavaScript the Go app ran: every jsii tarball of the Go modules it is built from, but the binding's own
# (the TypeScript side runs the library from src/).
DEPS="$GO_WORK_DIR/typescript-deps/node_modules"
rm -rf "$DEPS" && mkdir -p "$DEPS"
names=()
while read -r dir; do
  for tgz in "$dir"/jsii/*.tgz; do
    [ -f "$tgz" ] || continue
    name=$(tar -xzOf "$tgz" package/package.json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).name))')
    [ "$name" = "$(node -p "require('./package.json').name")" ] && continue
    mkdir -p "$DEPS/$name" && tar -xzf "$tgz" -C "$DEPS/$name" --strip-components=1
    names+=("$name")
  done
done < <(cd "$APP_DIR" && go list -deps -f '{{with .Module}}{{.Dir}}{{end}}' . | sort -u)
versions=$(for n in "${names[@]}"; do echo "$n $(node -p "require('$DEPS/$n/package.json').version")"; done | paste -sd, - | sed 's/,/, /g')
echo "typescript: synthesizing examples/platform-registry/app.ts with the Go app's $versions"
deadline "typescript: the app's synth" -- env RESOLVE_FROM="$DEPS" RESOLVE_PACKAGES="$(IFS=,; echo "${names[*]}")" \
  NODE_OPTIONS="--require $PWD/scripts/resolve-from.cjs" CDK_OUTDIR="$OUT/typescript-go" \
  npx tsx --tsconfig tsconfig.dev.json examples/platform-registry/app.ts >"$OUT/typescript-go.log" 2>&1 \
  || { echo "typescript: examples/platform-registry/app.ts failed:" >&2; cat "$OUT/typescript-go.log" >&2; exit 1; }
npx tsx --tsconfig tsconfig.dev.json scripts/compare-assemblies.ts "$OUT/typescript-go" "$OUT/go"
