package loadgen

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// Options bound and shape one load run.
type Options struct {
	URL         string        // http://127.0.0.1:PORT/v1/logs; loopback only
	Records     int64         // stop after this many records were sent (count bound)
	Duration    time.Duration // and after this long (time bound)
	BatchSize   int           // records per request
	Concurrency int           // parallel senders
	StartSeq    int64         // first sequence number
	Gzip        bool
	// Pool > 0 pre-encodes this many distinct requests and cycles through
	// them: the generator's cost leaves the measurement, ids repeat (so no
	// acknowledgement tracking). 0: every record is unique.
	Pool int
	// SourceAddr is the local loopback address to send from (e.g. 127.0.0.2),
	// so that tests can act as distinct clients.
	SourceAddr string
	Timeout    time.Duration // per request
	// RequestsPerSecond caps the total request rate (0: as fast as possible).
	RequestsPerSecond float64
	Header            http.Header
}

// Result is what one run observed.
type Result struct {
	URL              string           `json:"url"`
	BatchSize        int              `json:"batch_size"`
	Concurrency      int              `json:"concurrency"`
	Mix              string           `json:"mix"`
	Requests         int64            `json:"requests"`
	SentRecords      int64            `json:"sent_records"`
	AcceptedRequests int64            `json:"accepted_requests"`
	AcceptedRecords  int64            `json:"accepted_records"`
	PartialRejected  int64            `json:"partial_success_rejected"`
	DurationSeconds  float64          `json:"duration_s"`
	AcceptedPerSec   float64          `json:"accepted_records_per_s"`
	LatencyMs        Percentiles      `json:"latency_ms"`
	Refusals         map[string]int64 `json:"refusals"` // by HTTP status, "transport" for errors
	// Acked lists the acknowledged batches as [start, count] (unique mode only).
	Acked [][2]int64 `json:"-"`
	// Uncertain lists batches whose fate the client cannot know: cut off by
	// the time bound or failed in transport after being sent. The collector
	// may have taken them.
	Uncertain [][2]int64 `json:"-"`
}

// Percentiles of request latency.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// CheckLoopback refuses any target that is not on this machine's loopback.
func CheckLoopback(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("url: %w", err)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to send to %q: loopback addresses only", host)
	}
	return nil
}

// NewClient returns an HTTP client for c concurrent senders from source
// (a loopback address, or "" for the default).
func NewClient(source string, c int, timeout time.Duration) (*http.Client, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if source != "" {
		ip := net.ParseIP(source)
		if ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("source address must be a loopback address")
		}
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	tr := &http.Transport{
		DialContext:         d.DialContext,
		MaxIdleConns:        c * 2,
		MaxIdleConnsPerHost: c * 2,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: timeout}, nil
}

type encoded struct {
	start int64
	n     int
	body  []byte
}

func (g *Generator) encode(start int64, n int, gz bool) (encoded, error) {
	ld := plog.NewLogs()
	g.AppendBatch(ld, start, n, time.Now())
	body, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		return encoded{}, err
	}
	if gz {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		_, _ = w.Write(body)
		_ = w.Close()
		body = b.Bytes()
	}
	return encoded{start: start, n: n, body: body}, nil
}

// Run sends load as the options say and returns what it observed. It stops
// at the first of: Records sent, Duration elapsed, ctx done.
func (g *Generator) Run(ctx context.Context, o Options) (*Result, error) {
	if err := CheckLoopback(o.URL); err != nil {
		return nil, err
	}
	if o.BatchSize <= 0 || o.Concurrency <= 0 || o.Records <= 0 || o.Duration <= 0 {
		return nil, errors.New("batch size, concurrency, records and duration must be positive")
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	client, err := NewClient(o.SourceAddr, o.Concurrency, o.Timeout)
	if err != nil {
		return nil, err
	}
	defer client.CloseIdleConnections()

	var pool []encoded
	for i := 0; i < o.Pool; i++ {
		e, err := g.encode(o.StartSeq+int64(i*o.BatchSize), o.BatchSize, o.Gzip)
		if err != nil {
			return nil, err
		}
		pool = append(pool, e)
	}

	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	var tick <-chan time.Time
	if o.RequestsPerSecond > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / o.RequestsPerSecond))
		defer t.Stop()
		tick = t.C
	}

	var (
		next   atomic.Int64 // batch index
		mu     sync.Mutex
		res    = &Result{URL: o.URL, BatchSize: o.BatchSize, Concurrency: o.Concurrency, Mix: g.Mix.String(), Refusals: map[string]int64{}}
		lats   []time.Duration
		wg     sync.WaitGroup
		errMu  sync.Mutex
		runErr error
	)
	begin := time.Now()
	for w := 0; w < o.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var myLats []time.Duration
			var acked, uncertain [][2]int64
			local := map[string]int64{}
			var reqs, sent, accReq, accRec, partial int64
			defer func() {
				mu.Lock()
				lats = append(lats, myLats...)
				res.Acked = append(res.Acked, acked...)
				res.Uncertain = append(res.Uncertain, uncertain...)
				for k, v := range local {
					res.Refusals[k] += v
				}
				res.Requests += reqs
				res.SentRecords += sent
				res.AcceptedRequests += accReq
				res.AcceptedRecords += accRec
				res.PartialRejected += partial
				mu.Unlock()
			}()
			for ctx.Err() == nil {
				if tick != nil {
					select {
					case <-tick:
					case <-ctx.Done():
						return
					}
				}
				idx := next.Add(1) - 1
				start := idx * int64(o.BatchSize)
				if start >= o.Records {
					return
				}
				n := int(min(int64(o.BatchSize), o.Records-start))
				var e encoded
				if len(pool) > 0 {
					e = pool[idx%int64(len(pool))]
					e.n = n
					if n != o.BatchSize { // the tail: encode exactly n
						var err error
						if e, err = g.encode(o.StartSeq+start, n, o.Gzip); err != nil {
							errMu.Lock()
							runErr = err
							errMu.Unlock()
							return
						}
					}
				} else {
					var err error
					if e, err = g.encode(o.StartSeq+start, n, o.Gzip); err != nil {
						errMu.Lock()
						runErr = err
						errMu.Unlock()
						return
					}
				}
				t0 := time.Now()
				status, rejected, err := post(ctx, client, o, e.body)
				lat := time.Since(t0)
				reqs++
				sent += int64(n)
				if err != nil {
					if len(pool) == 0 {
						uncertain = append(uncertain, [2]int64{e.start, int64(n)})
					}
					if ctx.Err() != nil {
						// Cut off by the time bound: neither acknowledged nor refused.
						return
					}
					local["transport"]++
					// A client backs off when the collector is unreachable
					// (e.g. while it restarts); bounded by ctx.
					select {
					case <-time.After(50 * time.Millisecond):
					case <-ctx.Done():
						return
					}
					continue
				}
				myLats = append(myLats, lat)
				if status == http.StatusOK {
					accReq++
					accRec += int64(n) - rejected
					partial += rejected
					if len(pool) == 0 && rejected == 0 {
						acked = append(acked, [2]int64{e.start, int64(n)})
					}
				} else {
					local[strconv.Itoa(status)]++
				}
			}
		}()
	}
	wg.Wait()
	res.DurationSeconds = time.Since(begin).Seconds()
	if res.DurationSeconds > 0 {
		res.AcceptedPerSec = float64(res.AcceptedRecords) / res.DurationSeconds
	}
	res.LatencyMs = percentiles(lats)
	sort.Slice(res.Acked, func(i, j int) bool { return res.Acked[i][0] < res.Acked[j][0] })
	return res, runErr
}

func post(ctx context.Context, client *http.Client, o Options, body []byte) (int, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if o.Gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	for k, vs := range o.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, 0, err
	}
	var rejected int64
	if resp.StatusCode == http.StatusOK && len(rb) > 0 {
		er := plogotlp.NewExportResponse()
		if resp.Header.Get("Content-Type") == "application/json" {
			err = er.UnmarshalJSON(rb)
		} else {
			err = er.UnmarshalProto(rb)
		}
		if err == nil {
			rejected = er.PartialSuccess().RejectedLogRecords()
		}
	}
	return resp.StatusCode, rejected, nil
}

func percentiles(l []time.Duration) Percentiles {
	if len(l) == 0 {
		return Percentiles{}
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	at := func(q float64) float64 {
		i := int(q * float64(len(l)-1))
		return float64(l[i].Microseconds()) / 1000
	}
	return Percentiles{P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: at(1)}
}
