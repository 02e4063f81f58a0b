#!/usr/bin/env bash
# Builds the OCI registries and crane that the image copy tests and bench run, once, into
# .oci-tools/ (ignored by git); later runs reuse them. Needs Go (1.22 or later) and the Go proxy.
#   .oci-tools/bin/registry       go-containerregistry's in-memory registry (v0.22.1)
#   .oci-tools/bin/crane          go-containerregistry's crane (v0.22.1): fixtures, reference copies
#   .oci-tools/dist/registry      the CNCF distribution registry (v3.0.0): basic auth
#   .oci-tools/bin/htpasswd-bcrypt  a bcrypt line for distribution's htpasswd (scripts/oci-tools/htpasswd)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="$PWD/.oci-tools"
GGCR=v0.22.1
DIST=v3.0.0
STAMP="$OUT/versions"
WANT="ggcr=$GGCR dist=$DIST htpasswd=1"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && [ -x "$OUT/bin/registry" ] && [ -x "$OUT/bin/crane" ] && [ -x "$OUT/dist/registry" ] && [ -x "$OUT/bin/htpasswd-bcrypt" ]; then
  exit 0
fi
command -v go >/dev/null || { echo "oci-tools: Go is needed to build the test registries (https://go.dev/dl/)" >&2; exit 1; }
mkdir -p "$OUT/bin" "$OUT/dist"
GOFLAGS=-buildvcs=false GOBIN="$OUT/bin" go install "github.com/google/go-containerregistry/cmd/registry@$GGCR" "github.com/google/go-containerregistry/cmd/crane@$GGCR"
GOFLAGS=-buildvcs=false GOBIN="$OUT/dist" go install "github.com/distribution/distribution/v3/cmd/registry@$DIST"
(cd scripts/oci-tools/htpasswd && GOFLAGS=-buildvcs=false go build -o "$OUT/bin/htpasswd-bcrypt" .)
echo "$WANT" > "$STAMP"
