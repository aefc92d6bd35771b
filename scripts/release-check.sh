#!/usr/bin/env bash
# release-check.sh VERSION  (make release-check)
#
# Reproducibility of the whole release: `make release` twice into two directories, the second
# with an empty Go build cache (every package compiled again, nothing reused from the first),
# then the two SHA256SUMS (binaries for linux/amd64 and linux/arm64, SBOM, OCI image) must be
# identical. Slow on purpose: a cold compile of both targets takes many minutes on 2 cores.
set -euo pipefail
version=$1
GO=${GO:-go}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./scripts/release.sh "$version" "$work/a"
GOCACHE="$work/gocache" ./scripts/release.sh "$version" "$work/b"
if diff -u "$work/a/SHA256SUMS" "$work/b/SHA256SUMS"; then
  echo "release-check: two builds of $version are byte-identical:"
  cat "$work/a/SHA256SUMS"
else
  echo "release-check: the two builds differ" >&2
  exit 1
fi
