// Command benchcheck reads a collector's OTLP-JSON output and, given the
// loadgen run id and acknowledgement file, reports missing acknowledged
// records, duplicates, planted-marker leaks and records not in minimized form.
//
//	benchcheck -run t1 -ack ack.txt -out 'data/events*.jsonl'
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/sbi-telemetry/otelcol-sbi/bench/loadgen"
	"github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
)

func main() {
	runID := flag.String("run", "", "loadgen run id")
	mix := flag.String("mix", "default", "loadgen mix")
	ack := flag.String("ack", "", "acknowledgement file written by loadgen -ack")
	out := flag.String("out", "", "output glob(s), comma separated")
	flag.Parse()
	o, err := loadgen.ReadOutput(strings.Split(*out, ",")...)
	if err != nil {
		fail(err)
	}
	rep := map[string]any{
		"files": o.Files, "lines": o.Lines, "records": o.Records, "by_event": o.ByEvent,
		"leaks": o.LeakCount, "leak_examples": o.Leaks, "shape_violations": o.ShapeCount, "shape_examples": o.Shape,
	}
	if *ack != "" {
		m, err := testworkload.ParseMix(*mix)
		if err != nil {
			fail(err)
		}
		g, err := loadgen.NewGenerator(*runID, m)
		if err != nil {
			fail(err)
		}
		acked, err := ReadAck(*ack)
		if err != nil {
			fail(err)
		}
		rep["verdict"] = g.Verify(o, acked)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(rep)
}

// ReadAck reads "start count" lines.
func ReadAck(path string) ([][2]int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var acked [][2]int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		var a [2]int64
		if _, err := fmt.Sscanf(line, "%d %d", &a[0], &a[1]); err != nil {
			return nil, fmt.Errorf("%s: %q: %w", path, line, err)
		}
		acked = append(acked, a)
	}
	return acked, sc.Err()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchcheck:", err)
	os.Exit(1)
}
