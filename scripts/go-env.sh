# Sourced by the scripts that build Go (package-go.sh, bindings-go.sh, bindings-snippets.sh go): one Go
# build cache and one module cache in the CI work folder, so that aws-cdk-go (a large module: minutes of
# CPU on a cold cache) is downloaded and compiled once per CI run and every later Go build reuses it.
# -modcacherw keeps the module cache deletable (CI starts with `rm -rf .ci-work`).
# GO_WORK_DIR moves both (e.g. GO_WORK_DIR=/tmp/go-cold for a cold build beside a warm one).
GO_WORK_DIR="${GO_WORK_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.ci-work/go}"
export GOCACHE="$GO_WORK_DIR/build"
export GOMODCACHE="$GO_WORK_DIR/mod"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-modcacherw -buildvcs=false"
export GOTOOLCHAIN=local
mkdir -p "$GOCACHE" "$GOMODCACHE"

# The aws-cdk-go release the Go binding is compiled against, and the example app and the snippets use:
# the newest whose whole dependency graph the Go module proxy serves here (see scripts/package-go.sh).
AWSCDK_GO_VERSION=v2.277.0
CONSTRUCTS_GO_VERSION=v10.8.1
JSII_RUNTIME_GO_VERSION=v1.143.0
