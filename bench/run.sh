#!/usr/bin/env bash
# make bench: measures otelcol-sbi, the upstream-only reference (v0.161.0) and
# the floor side by side under the same load, in one run, on this machine;
# writes docs/benchmarks.md (## End-to-end), docs/benchmarks-throughput.png and
# bench/results/bench.json; then runs the micro-benchmarks of bench/micro.
# Extra arguments go to benchrun (e.g. -duration 4s -batches 10,100 -reps 1).
set -euo pipefail
cd "$(dirname "$0")"
SBI_BIN="${OTELCOL_SBI_BIN:-../dist/otelcol-sbi}"
TELEMETRYGEN_VERSION=v0.161.0
if [ ! -x "$SBI_BIN" ]; then
  echo "== building otelcol-sbi"; make -C .. build
fi
echo "== reference distribution"
./reference/build.sh
if [ ! -x "bin/telemetrygen-$TELEMETRYGEN_VERSION" ]; then
  echo "== installing telemetrygen $TELEMETRYGEN_VERSION"
  mkdir -p bin/tmp
  GOBIN="$PWD/bin/tmp" go install "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@$TELEMETRYGEN_VERSION"
  mv bin/tmp/telemetrygen "bin/telemetrygen-$TELEMETRYGEN_VERSION" && rmdir bin/tmp
fi
go build -o bin/benchrun ./cmd/benchrun
go build -o bin/loadgen ./cmd/loadgen
go build -o bin/benchcheck ./cmd/benchcheck
echo "== end-to-end: otelcol-sbi vs reference vs floor"
# benchrun (the load generator) runs on CPU 1; it pins each collector to CPU 0.
taskset -c 1 ./bin/benchrun -collector-cpu 0 -sbi "$SBI_BIN" -ref reference/dist/otelcol-reference -telemetrygen "bin/telemetrygen-$TELEMETRYGEN_VERSION" "$@"
echo "== micro-benchmarks (bench/micro)"
if ls micro/*_test.go >/dev/null 2>&1 || find micro -name '*_test.go' | grep -q .; then
  (cd micro && go test -run '^$' -bench . -benchmem -count 1 ./...)
else
  echo "bench/micro has no benchmarks yet"
fi
