#!/usr/bin/env bash
# Builds the upstream-only reference distribution into bench/reference/dist.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench="$(dirname "$here")"
BUILDER_VERSION=v0.161.0
if [ ! -x "$bench/bin/builder-$BUILDER_VERSION" ]; then
  mkdir -p "$bench/bin/tmp"
  GOBIN="$bench/bin/tmp" go install "go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION"
  mv "$bench/bin/tmp/builder" "$bench/bin/builder-$BUILDER_VERSION"
  rmdir "$bench/bin/tmp"
fi
cd "$here"
if [ -x dist/otelcol-reference ] && [ dist/otelcol-reference -nt builder-config.yaml ]; then
  echo "reference: dist/otelcol-reference is up to date"
  exit 0
fi
"$bench/bin/builder-$BUILDER_VERSION" --config builder-config.yaml >build.log 2>&1 || { tail -40 build.log; exit 1; }
echo "reference: built $here/dist/otelcol-reference"
