// Command loadgen sends a bounded, realistic mix of extension telemetry as
// OTLP/HTTP protobuf to a collector on 127.0.0.1 and prints what it observed
// as JSON: accepted records/s, latency percentiles, refusals by status.
//
//	loadgen -url http://127.0.0.1:4318/v1/logs -records 100000 -duration 10s -batch 50 -c 4
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/sbi-telemetry/otelcol-sbi/bench/loadgen"
	"github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
)

func main() {
	var (
		o       loadgen.Options
		mix     = flag.String("mix", "default", "kind=weight,... over ui, legacy_ui, settings, search, search_auto, junk, noname")
		runID   = flag.String("run", "", "run id in every id and marker ([a-z]{1,12}; default random)")
		ackFile = flag.String("ack", "", "write the acknowledged sequence ranges (start count per line) here")
	)
	flag.StringVar(&o.URL, "url", "http://127.0.0.1:4318/v1/logs", "OTLP/HTTP logs endpoint (loopback only)")
	flag.Int64Var(&o.Records, "records", 100000, "stop after sending this many records")
	flag.DurationVar(&o.Duration, "duration", 10*time.Second, "stop after this long")
	flag.IntVar(&o.BatchSize, "batch", 50, "records per request")
	flag.IntVar(&o.Concurrency, "c", 4, "concurrent senders")
	flag.Int64Var(&o.StartSeq, "start", 0, "first sequence number")
	flag.BoolVar(&o.Gzip, "gzip", false, "gzip request bodies")
	flag.IntVar(&o.Pool, "pool", 0, "cycle through this many pre-encoded requests (0: every record unique)")
	flag.StringVar(&o.SourceAddr, "source", "", "local loopback address to send from (e.g. 127.0.0.2)")
	flag.DurationVar(&o.Timeout, "timeout", 30*time.Second, "per-request timeout")
	flag.Float64Var(&o.RequestsPerSecond, "rps", 0, "cap on total requests per second (0: unlimited)")
	flag.Parse()

	if *runID == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		for i := range b {
			b[i] = 'a' + b[i]%26
		}
		*runID = string(b)
	}
	m, err := testworkload.ParseMix(*mix)
	if err != nil {
		fail(err)
	}
	g, err := loadgen.NewGenerator(*runID, m)
	if err != nil {
		fail(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := g.Run(ctx, o)
	if err != nil {
		fail(err)
	}
	if *ackFile != "" {
		f, err := os.Create(*ackFile)
		if err != nil {
			fail(err)
		}
		w := bufio.NewWriter(f)
		fmt.Fprintf(w, "# run %s mix %s\n", *runID, m)
		for _, a := range res.Acked {
			fmt.Fprintf(w, "%d %d\n", a[0], a[1])
		}
		if err := w.Flush(); err != nil {
			fail(err)
		}
		_ = f.Close()
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(struct {
		RunID string `json:"run_id"`
		*loadgen.Result
	}{*runID, res})
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(1)
}
