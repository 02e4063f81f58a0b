#!/usr/bin/env bash
# Every README and docs/ snippet, translated by jsii-rosetta, used in the languages we ship
# (scripts/run-snippets.ts writes them into their rosetta/<fixture>.<py|java>-fixture):
#
#   bash scripts/bindings-snippets.sh python   each Python snippet runs and synthesizes against the wheel
#                                              (.venv-bindings), then mypy checks them all
#   bash scripts/bindings-snippets.sh java     each Java snippet compiles (javac) against the built jar and
#                                              aws-cdk-lib from Maven Central (the classpath of
#                                              examples/platform-registry/java/pom.xml)
#   bash scripts/bindings-snippets.sh go       each Go snippet, repaired (scripts/go-snippet-fixes.ts: rosetta's Go
#                                              mistakes), compiles (one go build, then go vet) against the binding
#                                              (dist/go) and the aws-cdk-go of examples/platform-registry/go
#
# Needs the translations (npx projen compile && npx projen post-compile, or the build) and the package
# (npx projen package:python / package:java / package:go).
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CDK_DISABLE_CLI_TELEMETRY=true
export JSII_RUNTIME_PACKAGE_CACHE=enabled JSII_RUNTIME_PACKAGE_CACHE_ROOT="$PWD/.ci-work/jsii-cache"

case "${1:-}" in
  python)
    PY=$(bash scripts/python-bindings-env.sh)
    npx tsx --tsconfig tsconfig.dev.json scripts/run-snippets.ts python "$PY"
    ;;
  java)
    GROUP_PATH=io/github/cdk-ecr-registry/cdk-ecr-registry
    VERSION=$(node -p "require('./package.json').version")
    [ -f "dist/java/$GROUP_PATH/$VERSION/cdk-ecr-registry-$VERSION.jar" ] || { echo "no jar in dist/java: run npx projen package:java first" >&2; exit 1; }
    # Maven keeps a release version once it is in the local repository: drop the copy of a rebuilt binding.
    rm -rf "$HOME/.m2/repository/$GROUP_PATH/$VERSION"
    CP_FILE=$PWD/.ci-work/snippets-java.classpath
    mkdir -p .ci-work
    mvn -q -B -ntp -f examples/platform-registry/java/pom.xml \
      "-Dcdk.version=$(node -p "require('aws-cdk-lib/package.json').version")" \
      "-Dconstructs.version=$(node -p "require('constructs/package.json').version")" \
      "-Dcdk-ecr-registry.version=$VERSION" \
      dependency:build-classpath "-Dmdep.outputFile=$CP_FILE" >/dev/null
    npx tsx --tsconfig tsconfig.dev.json scripts/run-snippets.ts java "$(cat "$CP_FILE")"
    ;;
  go)
    [ -f dist/go/cdkecrregistry/go.mod ] || { echo "no dist/go/cdkecrregistry: run npx projen package:go (or bash scripts/package-go.sh) first" >&2; exit 1; }
    source scripts/go-env.sh
    npx tsx --tsconfig tsconfig.dev.json scripts/run-snippets.ts go examples/platform-registry/go
    ;;
  *)
    echo "usage: $0 python|java|go" >&2; exit 2 ;;
esac
