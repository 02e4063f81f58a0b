#!/usr/bin/env bash
# Packages the Go binding (dist/go/cdkecrregistry) and proves that it compiles.
#
# The package itself is jsii-pacmak's, unchanged: its go.mod requires the aws-cdk-go version of our
# aws-cdk-lib floor (v2.258.0). On our machines the Go module proxy does not serve one of that release's
# indirect dependencies (awscdkcloudassemblyschema/v54 v54.26.0), so `go mod tidy` on the package as
# generated fails here although it works against the public proxy. To still compile the generated code,
# a scratch copy is built against a newer aws-cdk-go whose whole dependency graph is served
# (the generated code uses only APIs of the floor, which later releases keep): the release that the Go
# example app and the Go snippets use too (scripts/go-env.sh), so that its compile, cached in .ci-work/go,
# is done once.
#
# One defect of the generated code is repaired first (scripts/patch-go-binding.py): the run-time type
# checks dereference an omitted optional collection parameter (RegistryScanning_Enhanced(nil) panicked).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/go-env.sh

VERIFY_AWSCDK_GO="${VERIFY_AWSCDK_GO:-$AWSCDK_GO_VERSION}"
VERIFY_CONSTRUCTS_GO="${VERIFY_CONSTRUCTS_GO:-$CONSTRUCTS_GO_VERSION}"
VERIFY_JSII_RUNTIME_GO="${VERIFY_JSII_RUNTIME_GO:-$JSII_RUNTIME_GO_VERSION}"

# The handler assets and an executable bin script first (as every package task does), then check the
# npm tarball embedded in the module.
npx projen package:prepare
npx jsii-pacmak -v --target go --code-only
test -f dist/go/cdkecrregistry/go.mod
python3 scripts/patch-go-binding.py dist/go/cdkecrregistry
python3 scripts/check-package.py go

ROOT=$PWD
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r dist/go/cdkecrregistry "$scratch/"
cd "$scratch/cdkecrregistry"
echo "go: dist/go/cdkecrregistry requires $(grep 'aws-cdk-go/awscdk/v2 ' go.mod | xargs); compiling a copy against awscdk $VERIFY_AWSCDK_GO"
go mod edit \
  -require="github.com/aws/aws-cdk-go/awscdk/v2@$VERIFY_AWSCDK_GO" \
  -require="github.com/aws/constructs-go/constructs/v10@$VERIFY_CONSTRUCTS_GO" \
  -require="github.com/aws/jsii-runtime-go@$VERIFY_JSII_RUNTIME_GO"
# Drop the indirect requirements pinned to the floor release; tidy resolves them for the newer one.
go mod edit $(grep '// indirect' go.mod | awk '{print "-droprequire=" $1}')
# The module proxy and the compiler with a deadline (scripts/with-deadline.sh; DEADLINE seconds, 400 unless set),
# tried twice: tidy, build and vet take 1 to 2 minutes here on a cold cache.
deadline() { bash "$ROOT/scripts/with-deadline.sh" "${DEADLINE:-400}" 2 "$@"; }
deadline "go: go mod tidy" -- go mod tidy
t0=$(date +%s)
deadline "go: building the binding" -- bash -c 'go build ./... && go vet ./... >/dev/null'
echo "go: the generated binding compiles ($(find . -name '*.go' | wc -l) files; build and vet $(( $(date +%s) - t0 ))s, caches in ${GO_WORK_DIR#$OLDPWD/})"
