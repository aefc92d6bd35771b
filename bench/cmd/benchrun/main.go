// Command benchrun measures otelcol-sbi, the upstream-only reference and the
// floor side by side under the same load on this machine, in one run, and
// writes the results: JSON, a PNG plot of throughput against batch size and
// the "## End-to-end" section of docs/benchmarks.md.
//
// It is what `make bench` runs (through bench/run.sh).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/sbi-telemetry/otelcol-sbi/bench/harness"
	"github.com/sbi-telemetry/otelcol-sbi/bench/loadgen"
	"github.com/sbi-telemetry/otelcol-sbi/internal/testworkload"
)

// Dist is one distribution under test.
type Dist struct {
	Key    string // sbi, reference, floor
	Label  string
	Bin    string
	Config string
	Args   []string
}

// Measurement is one load run against one distribution.
type Measurement struct {
	Dist             string  `json:"dist"`
	BatchSize        int     `json:"batch_size"`
	Rep              int     `json:"rep"`
	RecordsPerSec    float64 `json:"records_per_s"`
	CPUSecPerMillion float64 `json:"cpu_s_per_million"`
	PeakRSSMiB       float64 `json:"peak_rss_mib"`
	// CPUCores is the collector's CPU time over the load's wall time: how
	// many of the machine's cores it kept busy (the load generator shares them).
	CPUCores    float64         `json:"cpu_cores"`
	OutputBytes int64           `json:"output_bytes"`
	Load        *loadgen.Result `json:"load"`
}

type options struct {
	batches     []int
	headline    int
	reps        int
	duration    time.Duration
	warmup      time.Duration
	concurrency int
	workDir     string
	jsonOut     string
	pngOut      string
	mdOut       string
	tgen        string
	tgenLogs    int
	// collectorCPU, when >= 0, pins the collector under test to that CPU
	// (taskset, GOMAXPROCS=1) while the load generator runs on the others:
	// each collector is measured at the saturation of one core instead of
	// sharing two with its client, so records/s compares the collectors.
	collectorCPU int
}

func main() {
	var (
		o       options
		sbiBin  = flag.String("sbi", "../dist/otelcol-sbi", "otelcol-sbi binary")
		refBin  = flag.String("ref", "reference/dist/otelcol-reference", "reference binary")
		batches = flag.String("batches", "1,10,50,100,500", "batch sizes for the plot")
		only    = flag.String("only", "sbi,reference,floor", "distributions to measure")
		cfgDir  = flag.String("configs", "configs", "directory of sbi.yaml, reference.yaml, floor.yaml")
		noDocs  = flag.Bool("no-docs", false, "do not rewrite docs/benchmarks.md")
		from    = flag.String("from", "", "re-render the plot and docs from a results JSON instead of measuring")
	)
	flag.IntVar(&o.headline, "headline", 100, "batch size of the headline table (measured -reps times, best run reported)")
	flag.IntVar(&o.reps, "reps", 5, "repetitions at the headline batch size (best reported)")
	flag.DurationVar(&o.duration, "duration", 8*time.Second, "load duration per measurement")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up load before each measurement")
	flag.IntVar(&o.concurrency, "c", 4, "concurrent senders")
	flag.StringVar(&o.workDir, "work", "work/bench", "scratch directory (outputs, logs)")
	flag.StringVar(&o.jsonOut, "json", "results/bench.json", "results JSON")
	flag.StringVar(&o.pngOut, "png", "../docs/benchmarks-throughput.png", "plot")
	flag.StringVar(&o.mdOut, "md", "../docs/benchmarks.md", "markdown file whose ## End-to-end section is rewritten")
	flag.StringVar(&o.tgen, "telemetrygen", "bin/telemetrygen-v0.161.0", "telemetrygen v0.161.0 binary (empty: skip)")
	flag.IntVar(&o.tgenLogs, "telemetrygen-logs", 5000, "logs telemetrygen sends")
	flag.IntVar(&o.collectorCPU, "collector-cpu", 0, "pin the collector under test to this CPU with GOMAXPROCS=1 (-1: no pinning)")
	flag.Parse()
	log.SetFlags(log.Ltime)

	for _, s := range strings.Split(*batches, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			log.Fatalf("bad batch size %q", s)
		}
		o.batches = append(o.batches, n)
	}
	all := []Dist{
		{Key: "sbi", Label: "1 otelcol-sbi", Bin: *sbiBin, Config: filepath.Join(*cfgDir, "sbi.yaml")},
		{Key: "reference", Label: "2 upstream reference v0.161.0", Bin: *refBin, Config: filepath.Join(*cfgDir, "reference.yaml"),
			Args: []string{"--feature-gates=ottl.functions.enableLambda"}},
		{Key: "floor", Label: "3 floor (otelcol-sbi, no minimize)", Bin: *sbiBin, Config: filepath.Join(*cfgDir, "floor.yaml")},
	}
	var dists []Dist
	for _, d := range all {
		if strings.Contains(*only, d.Key) {
			if _, err := os.Stat(d.Bin); err != nil {
				log.Fatalf("%s: binary %s missing (build it first: make -C .. build / reference/build.sh)", d.Key, d.Bin)
			}
			dists = append(dists, d)
		}
	}
	if *from != "" {
		b, err := os.ReadFile(*from)
		must(err)
		var res Summary
		must(json.Unmarshal(b, &res))
		o.headline, o.reps = res.Headline, res.Reps
		render(&res, o, *noDocs)
		return
	}
	_ = os.RemoveAll(o.workDir)
	must(os.MkdirAll(o.workDir, 0o755))

	env := machine()
	log.Printf("machine: %s", env)
	ctx := context.Background()
	var ms []Measurement
	// Interleave distributions inside each batch size, so that noise from
	// the rest of the machine spreads over all three.
	plan := []struct{ batch, rep int }{}
	for _, b := range o.batches {
		plan = append(plan, struct{ batch, rep int }{b, 0})
	}
	if !contains(o.batches, o.headline) {
		plan = append(plan, struct{ batch, rep int }{o.headline, 0})
	}
	for r := 1; r < o.reps; r++ {
		plan = append(plan, struct{ batch, rep int }{o.headline, r})
	}
	for _, p := range plan {
		for _, d := range dists {
			m, err := measure(ctx, o, d, p.batch, p.rep)
			if err != nil {
				log.Fatalf("%s batch %d: %v", d.Key, p.batch, err)
			}
			log.Printf("%-9s batch %4d rep %d: %9.0f rec/s  %6.2f CPU s/M  %.2f cores  peak RSS %6.1f MiB  p99 %.1f ms  refusals %v",
				d.Key, p.batch, p.rep, m.RecordsPerSec, m.CPUSecPerMillion, m.CPUCores, m.PeakRSSMiB, m.Load.LatencyMs.P99, m.Load.Refusals)
			ms = append(ms, m)
		}
	}

	checks := map[string]*outputCheck{}
	for _, d := range dists {
		if d.Key == "floor" {
			continue // its guard drops the raw records: nothing to compare
		}
		c, err := checkOutput(ctx, o, d)
		if err != nil {
			log.Fatalf("%s output check: %v", d.Key, err)
		}
		log.Printf("%-9s output check: %d acknowledged, %d missing, %d duplicates, %d leaks, %d not minimized",
			d.Key, c.Verdict.Acknowledged, c.Verdict.Missing, c.Verdict.Duplicates, c.Leaks, c.Shape)
		checks[d.Key] = c
	}

	var tg *tgenResult
	if o.tgen != "" && contains(keys(dists), "sbi") {
		r, err := runTelemetrygen(ctx, o, dists[0])
		if err != nil {
			log.Printf("telemetrygen: %v", err)
			r = &tgenResult{Error: err.Error()}
		}
		tg = r
	}

	res := summarize(ms, o, dists, env, tg)
	res.Checks = checks
	must(os.MkdirAll(filepath.Dir(o.jsonOut), 0o755))
	b, _ := json.MarshalIndent(res, "", "  ")
	must(os.WriteFile(o.jsonOut, b, 0o644))
	render(res, o, *noDocs)
}

func render(res *Summary, o options, noDocs bool) {
	if err := writePlot(res, o.pngOut); err != nil {
		log.Printf("plot: %v", err)
	}
	md := markdown(res, o)
	fmt.Println(md)
	if !noDocs {
		must(replaceSection(o.mdOut, "## End-to-end", md))
		log.Printf("wrote %s, %s, %s", o.mdOut, o.pngOut, o.jsonOut)
	}
}

func keys(ds []Dist) []string {
	var k []string
	for _, d := range ds {
		k = append(k, d.Key)
	}
	return k
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func machine() string {
	// runtime.NumCPU counts only the CPUs this process may run on, and
	// run.sh pins benchrun to one: count the machine's from /proc/cpuinfo.
	model, cpus := "unknown CPU", 0
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "processor") {
				cpus++
			}
			if strings.HasPrefix(l, "model name") && model == "unknown CPU" {
				if _, v, ok := strings.Cut(l, ":"); ok {
					model = strings.TrimSpace(v)
				}
			}
		}
	}
	if cpus == 0 {
		cpus = runtime.NumCPU()
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			load = fmt.Sprintf(", load average %s %s %s at start", f[0], f[1], f[2])
		}
	}
	return fmt.Sprintf("%d cores (%s), %s, %s/%s%s", cpus, model, runtime.Version(), runtime.GOOS, runtime.GOARCH, load)
}

type instance struct {
	proc        *harness.Process
	endpoint    string
	metricsPort int
	output      string // the active file
	outputs     string // glob of the active and rotated files
}

func start(o options, d Dist, tag string) (*instance, error) {
	port, err := harness.FreePort()
	if err != nil {
		return nil, err
	}
	mport, err := harness.FreePort()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(o.workDir, tag)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs(dir)
	in := &instance{endpoint: fmt.Sprintf("127.0.0.1:%d", port), metricsPort: mport,
		output: filepath.Join(abs, "out.jsonl"), outputs: filepath.Join(abs, "out*.jsonl")}
	env := []string{"BENCH_ENDPOINT=" + in.endpoint, "BENCH_OUTPUT=" + in.output, "BENCH_METRICS_PORT=" + strconv.Itoa(mport)}
	bin, args := d.Bin, append([]string{"--config", d.Config}, d.Args...)
	if o.collectorCPU >= 0 {
		// taskset execs the collector: the PID, and so the CPU and RSS
		// accounting, stay the collector's.
		bin, args = "taskset", append([]string{"-c", strconv.Itoa(o.collectorCPU), d.Bin}, args...)
		env = append(env, "GOMAXPROCS=1")
	}
	p, err := harness.Start(d.Key, bin, args, env, filepath.Join(abs, "collector.log"))
	if err != nil {
		return nil, err
	}
	in.proc = p
	if err := p.WaitTCP(in.endpoint, 60*time.Second); err != nil {
		p.Kill()
		return nil, err
	}
	return in, nil
}

func measure(ctx context.Context, o options, d Dist, batch, rep int) (Measurement, error) {
	m := Measurement{Dist: d.Key, BatchSize: batch, Rep: rep}
	in, err := start(o, d, fmt.Sprintf("%s-b%d-r%d", d.Key, batch, rep))
	if err != nil {
		return m, err
	}
	defer func() { _ = in.proc.Stop(15 * time.Second) }()
	g, err := loadgen.NewGenerator("bench", testworkload.DefaultMix)
	if err != nil {
		return m, err
	}
	url := "http://" + in.endpoint + "/v1/logs"
	pool := max(8, min(64, 20000/batch))
	lo := loadgen.Options{URL: url, BatchSize: batch, Concurrency: o.concurrency, Pool: pool, Records: 1 << 40, Duration: o.warmup}
	if _, err := g.Run(ctx, lo); err != nil {
		return m, fmt.Errorf("warm-up: %w", err)
	}
	harness.WaitStable(in.outputs, 500*time.Millisecond, 20*time.Second)
	cpu0, err := in.proc.CPUSeconds()
	if err != nil {
		return m, err
	}
	lo.Duration = o.duration
	res, err := g.Run(ctx, lo)
	if err != nil {
		return m, err
	}
	// The CPU bill includes draining what was accepted (queue, writes).
	m.OutputBytes = harness.WaitStable(in.outputs, time.Second, 60*time.Second)
	cpu1, err := in.proc.CPUSeconds()
	if err != nil {
		return m, err
	}
	hwm, err := in.proc.PeakRSS()
	if err != nil {
		return m, err
	}
	m.Load = res
	m.RecordsPerSec = res.AcceptedPerSec
	if res.AcceptedRecords > 0 {
		m.CPUSecPerMillion = (cpu1 - cpu0) / float64(res.AcceptedRecords) * 1e6
	}
	m.PeakRSSMiB = float64(hwm) / (1 << 20)
	if res.DurationSeconds > 0 {
		m.CPUCores = (cpu1 - cpu0) / res.DurationSeconds
	}
	if in.proc.Exited() {
		return m, fmt.Errorf("collector exited during the run: %s", in.proc.LogTail(2000))
	}
	// Keep the scratch directory small: outputs of a full run are GBs.
	removeAll(in.outputs)
	return m, nil
}

// Summary is the results file.
type Summary struct {
	Date         string                  `json:"date"`
	Machine      string                  `json:"machine"`
	Concurrency  int                     `json:"concurrency"`
	Duration     string                  `json:"duration_per_measurement"`
	Headline     int                     `json:"headline_batch"`
	Reps         int                     `json:"reps"`
	Dists        []Dist                  `json:"dists"`
	Measurements []Measurement           `json:"measurements"`
	Median       map[string]Measurement  `json:"headline_median"`
	Telemetrygen *tgenResult             `json:"telemetrygen,omitempty"`
	Checks       map[string]*outputCheck `json:"output_checks,omitempty"`
	CollectorCPU *int                    `json:"collector_cpu,omitempty"` // pinned to this CPU, GOMAXPROCS=1
}

// outputCheck is what the checker found in one distribution's output after
// a run of unique, acknowledged-tracked records.
type outputCheck struct {
	Records int             `json:"records"`
	ByEvent map[string]int  `json:"by_event"`
	Verdict loadgen.Verdict `json:"verdict"`
	Leaks   int             `json:"leaks"`
	Shape   int             `json:"not_minimized"`
}

// checkOutput sends unique records (ids tracked) and checks the output:
// the same load must come out minimized the same way from every distribution.
func checkOutput(ctx context.Context, o options, d Dist) (*outputCheck, error) {
	in, err := start(o, d, d.Key+"-check")
	if err != nil {
		return nil, err
	}
	g, err := loadgen.NewGenerator("check", testworkload.DefaultMix)
	if err != nil {
		in.proc.Kill()
		return nil, err
	}
	res, err := g.Run(ctx, loadgen.Options{URL: "http://" + in.endpoint + "/v1/logs", BatchSize: 50, Concurrency: 2,
		Records: 20000, Duration: 30 * time.Second})
	if err != nil {
		in.proc.Kill()
		return nil, err
	}
	if err := in.proc.Stop(30 * time.Second); err != nil {
		return nil, err
	}
	out, err := loadgen.ReadOutput(in.outputs)
	if err != nil {
		return nil, err
	}
	return &outputCheck{Records: out.Records, ByEvent: out.ByEvent, Verdict: g.Verify(out, res.Acked), Leaks: out.LeakCount, Shape: out.ShapeCount}, nil
}

func summarize(ms []Measurement, o options, dists []Dist, env string, tg *tgenResult) *Summary {
	s := &Summary{Date: time.Now().UTC().Format(time.RFC3339), Machine: env, Concurrency: o.concurrency,
		Duration: o.duration.String(), Headline: o.headline, Reps: o.reps, Dists: dists, Measurements: ms,
		Median: map[string]Measurement{}, Telemetrygen: tg}
	if o.collectorCPU >= 0 {
		s.CollectorCPU = &o.collectorCPU
	}
	for _, d := range dists {
		var h []Measurement
		for _, m := range ms {
			if m.Dist == d.Key && m.BatchSize == o.headline {
				h = append(h, m)
			}
		}
		if len(h) == 0 {
			continue
		}
		// Best of the repetitions, as the micro-benchmarks report: contention
		// from other jobs on the machine only ever lowers throughput and
		// raises CPU per record, so the best run is the least disturbed.
		// Peak RSS: the worst run.
		med := h[0]
		for _, m := range h {
			if m.RecordsPerSec > med.RecordsPerSec {
				med = m // latency and cores busy of the fastest run
			}
		}
		med.CPUSecPerMillion = minOf(h, func(m Measurement) float64 { return m.CPUSecPerMillion })
		med.PeakRSSMiB = maxOf(h, func(m Measurement) float64 { return m.PeakRSSMiB })
		s.Median[d.Key] = med
	}
	return s
}

func minOf(ms []Measurement, f func(Measurement) float64) float64 {
	x := f(ms[0])
	for _, m := range ms {
		x = min(x, f(m))
	}
	return x
}

func maxOf(ms []Measurement, f func(Measurement) float64) float64 {
	x := 0.0
	for _, m := range ms {
		x = max(x, f(m))
	}
	return x
}

func removeAll(glob string) {
	m, _ := filepath.Glob(glob)
	for _, f := range m {
		_ = os.Remove(f)
	}
}
