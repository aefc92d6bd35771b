#!/usr/bin/env bash
# build-dist.sh OCB MANIFEST VERSION
#
# Builds one distribution from an ocb manifest in two visible steps, because `ocb` alone prints
# nothing until it is done (minutes on a cold machine: module downloads, then compiling ~1,000
# packages):
#   1. ocb generates the sources and resolves modules (--skip-compilation); a line every 15 s
#      says it is still working;
#   2. `go build -v` compiles with the flags ocb uses (CGO off, -trimpath, -ldflags='-s -w');
#      every 50 compiled packages print a progress line.
# The version is stamped through ocb's environment overlay of the manifest key dist.version.
set -euo pipefail
ocb=$1 manifest=$2 version=$3
GO=${GO:-go}
out=$(sed -n 's/^  output_path: *//p' "$manifest")
name=$(sed -n 's/^  name: *//p' "$manifest")
[ -n "$out" ] && [ -n "$name" ] || { echo "build-dist.sh: no dist.output_path/name in $manifest" >&2; exit 1; }

start=$SECONDS
echo "build: [1/2] ocb generates $out from $manifest and resolves modules (cold module cache: a few minutes)"
( while sleep 15; do echo "build:       still resolving modules ($((SECONDS - start)) s)"; done ) &
ticker=$!
trap 'kill "$ticker" 2>/dev/null || true' EXIT
env "dist.version=$version" "$ocb" --config "$manifest" --skip-compilation 2>&1 |
  { grep -vE '[[:space:]]INFO[[:space:]]' || true; }
kill "$ticker" 2>/dev/null || true
trap - EXIT

echo "build: [2/2] compiling $out/$name (cold build cache: several minutes on 2 cores)"
cd "$out"
CGO_ENABLED=0 "$GO" build -v -trimpath -ldflags='-s -w' -o "$name" . 2>&1 |
  awk '/^[a-zA-Z0-9_.\/-]+$/ { n++; if (n % 50 == 0) { printf "build:       %d packages compiled (%s)\n", n, $0; fflush() } next }
       { print; fflush() }
       END { if (n) printf "build:       %d packages compiled\n", n }'
echo "build: $out/$name built in $((SECONDS - start)) s"
