#!/usr/bin/env bash
# The Java binding, used as a Java user would: Maven compiles and runs
# examples/platform-registry/java (aws-cdk-lib from Maven Central, cdk-ecr-registry from the
# Maven repository that `npx projen package:java` writes to dist/java); its templates must equal
# the TypeScript example's (examples/platform-registry/app.ts).
#
# Works with an empty ~/.m2 (Maven Central is reachable). Extra arguments go to mvn, e.g.
#   bash scripts/bindings-java.sh -Dmaven.repo.local=/tmp/m2   (a cold run with its own local repository)
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CDK_DISABLE_CLI_TELEMETRY=true

GROUP_PATH=io/github/cdk-ecr-registry/cdk-ecr-registry
VERSION=$(node -p "require('./package.json').version")
JAR="dist/java/$GROUP_PATH/$VERSION/cdk-ecr-registry-$VERSION.jar"
if [ ! -f "$JAR" ]; then
  echo "no $JAR: run npx projen package:java first" >&2
  exit 1
fi
CDK_VERSION=$(node -p "require('aws-cdk-lib/package.json').version")
CONSTRUCTS_VERSION=$(node -p "require('constructs/package.json').version")

# Maven never downloads a release version again once it is in the local repository, so a binding
# rebuilt under the same version would be ignored: drop the cached copy of it first.
LOCAL_REPO="$HOME/.m2/repository"
for arg in "$@"; do
  case "$arg" in -Dmaven.repo.local=*) LOCAL_REPO="${arg#-Dmaven.repo.local=}" ;; esac
done
rm -rf "${LOCAL_REPO:?}/$GROUP_PATH/$VERSION"

OUT=.ci-work/bindings
rm -rf "$OUT/java" "$OUT/typescript-java" && mkdir -p "$OUT"
echo "java: compiling and running examples/platform-registry/java (aws-cdk-lib $CDK_VERSION, constructs $CONSTRUCTS_VERSION from Maven Central, $(basename "$JAR"))"
t0=$(date +%s)
# Maven and the jsii host with a deadline (scripts/with-deadline.sh; DEADLINE seconds, 300 unless set), tried
# twice: 7 to 20 s here, Maven Central downloads included.
CDK_OUTDIR="$PWD/$OUT/java" bash scripts/with-deadline.sh "${DEADLINE:-300}" 2 "java: maven compile + synth" -- \
  mvn -q -B -ntp -f examples/platform-registry/java/pom.xml \
  "-Dcdk.version=$CDK_VERSION" "-Dconstructs.version=$CONSTRUCTS_VERSION" "-Dcdk-ecr-registry.version=$VERSION" \
  "$@" compile exec:java
echo "java: maven compile + synth took $(( $(date +%s) - t0 ))s"
echo "typescript: synthesizing examples/platform-registry/app.ts"
CDK_OUTDIR="$OUT/typescript-java" npx tsx --tsconfig tsconfig.dev.json examples/platform-registry/app.ts
npx tsx --tsconfig tsconfig.dev.json scripts/compare-assemblies.ts "$OUT/typescript-java" "$OUT/java"
