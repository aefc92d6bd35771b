package testworkload

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Kind is the shape of one generated record.
type Kind int

const (
	// KindUI is a conforming ui.interaction, with PII in other attributes.
	KindUI Kind = iota
	// KindLegacyUI is a ui.interaction named only by an `event.name`
	// attribute (older SDKs); the receiver normalizes it into EventName.
	KindLegacyUI
	// KindSettings is a conforming settings.state, with wrongly typed and
	// unknown settings besides.
	KindSettings
	// KindSearch is a search.started from a user action, with a url.full full
	// of PII that sanitization must strip.
	KindSearch
	// KindSearchAuto is a search.started whose trigger is not a user action:
	// url.full must not survive. Its record may or may not be kept, so it is
	// only used for leak checks.
	KindSearchAuto
	// KindJunkEvent is an event the policy does not name (page.view): dropped.
	KindJunkEvent
	// KindNoName is a record without any event name: dropped.
	KindNoName
	numKinds
)

var kindNames = [numKinds]string{"ui", "legacy_ui", "settings", "search", "search_auto", "junk", "noname"}

func (k Kind) String() string { return kindNames[k] }

// Acknowledged reports whether an acknowledged record of this kind must
// appear in the output.
func (k Kind) Acknowledged() bool {
	return k == KindUI || k == KindLegacyUI || k == KindSettings || k == KindSearch
}

// Mix is the relative weight of each kind.
type Mix [numKinds]int

// DefaultMix is mostly conforming events from real SDKs, with a tail of junk.
var DefaultMix = Mix{KindUI: 35, KindLegacyUI: 5, KindSettings: 15, KindSearch: 20, KindSearchAuto: 5, KindJunkEvent: 15, KindNoName: 5}

// ParseMix reads "ui=35,settings=15,..."; kinds not named get weight 0.
func ParseMix(s string) (Mix, error) {
	if s == "" || s == "default" {
		return DefaultMix, nil
	}
	var m Mix
	total := 0
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return m, fmt.Errorf("mix: %q is not kind=weight", part)
		}
		w, err := strconv.Atoi(val)
		if err != nil || w < 0 {
			return m, fmt.Errorf("mix: weight of %q must be a non-negative integer", name)
		}
		found := false
		for k := Kind(0); k < numKinds; k++ {
			if kindNames[k] == name {
				m[k] = w
				found = true
			}
		}
		if !found {
			return m, fmt.Errorf("mix: unknown kind %q (known: %s)", name, strings.Join(kindNames[:], ", "))
		}
		total += w
	}
	if total == 0 {
		return m, fmt.Errorf("mix: all weights are zero")
	}
	return m, nil
}

func (m Mix) String() string {
	parts := make([]string, 0, numKinds)
	for k := Kind(0); k < numKinds; k++ {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", kindNames[k], m[k]))
		}
	}
	return strings.Join(parts, ",")
}

// Generator builds the records of one load run. Every record is a pure
// function of (run id, sequence number): the kind of event, its attribute
// values, the PII planted in it. So a checker recomputes, from the
// acknowledged sequence numbers alone, which records must appear in an
// output and exactly what their minimized form must be (Expect).
//
// The policy's vocabularies are closed (ui.control, setting names), so no
// record attribute can carry an id through minimization. What identifies a
// request's records in an output is the resource they arrive in: its
// service.version, a valid extension version that encodes the first
// sequence number of the request (BatchVersion), which minimization keeps.
// Within one request, records are told apart as a multiset.
type Generator struct {
	RunID string // [a-z]{1,12}; part of every id and marker
	Mix   Mix
	total int
}

// NewGenerator returns a generator; runID must be 1-12 letters a-z.
func NewGenerator(runID string, mix Mix) (*Generator, error) {
	if runID == "" || len(runID) > 12 || strings.Trim(runID, "abcdefghijklmnopqrstuvwxyz") != "" {
		return nil, fmt.Errorf("run id must be 1-12 letters a-z")
	}
	g := &Generator{RunID: runID, Mix: mix}
	for _, w := range mix {
		g.total += w
	}
	if g.total == 0 {
		return nil, fmt.Errorf("mix has no weight")
	}
	return g, nil
}

func hash64(seq int64) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seq))
	_, _ = h.Write(b[:])
	return h.Sum64()
}

// KindOf returns the kind of record seq (deterministic).
func (g *Generator) KindOf(seq int64) Kind {
	r := int(hash64(seq) % uint64(g.total))
	for k := Kind(0); k < numKinds; k++ {
		if r < g.Mix[k] {
			return k
		}
		r -= g.Mix[k]
	}
	return KindUI
}

// MarkerPrefix starts every planted PII marker; any occurrence in an output is a leak.
const MarkerPrefix = "piimk"

// Marker is the unique PII marker of one record.
func (g *Generator) Marker(seq int64) string {
	return MarkerPrefix + g.RunID + "x" + strconv.FormatInt(seq, 10)
}

// BatchVersion is the service.version of the resource that holds the
// records of a request starting at sequence number start (0 <= start <
// 2^48): "1.a.b.c" with a, b, c its 16-bit digits, a Chrome extension
// version the policy keeps.
func BatchVersion(start int64) string {
	u := uint64(start)
	return fmt.Sprintf("1.%d.%d.%d", u>>32&0xffff, u>>16&0xffff, u&0xffff)
}

// generatorSettings are the settings a settings.state record turns on (one
// per record); dark_mode is reported in every record besides.
var generatorSettings = func() []string {
	var out []string
	for _, s := range Settings {
		if s != "dark_mode" {
			out = append(out, s)
		}
	}
	return out
}()

// hosts of the page URLs a Generator plants: mixed case, a default port,
// marketplaces and other sites.
var hosts = []string{"WWW.AliExpress.com", "www.alibaba.com:443", "detail.1688.com", "shop.example.org", "www.amazon.com"}

// SanitizedURL is the url.full a KindSearch record must carry after
// minimization (the seed policy's url mode, generalize).
func SanitizedURL(seq int64) string {
	h := strings.ToLower(hosts[seq%int64(len(hosts))])
	h = strings.TrimSuffix(h, ":443")
	return "https://" + h + "/item/{id}.html"
}

func (g *Generator) rawURL(seq int64) string {
	m := g.Marker(seq)
	return "https://jane." + m + ":hunter2@" + hosts[seq%int64(len(hosts))] +
		"/item/1005006123456789.html?spm=a2g0o&email=" + m + "%40mail.example&q=" + m + "#" + m
}

// AppendBatch appends records [start, start+n) grouped as one resource and
// scope, which is what an SDK batching processor produces.
func (g *Generator) AppendBatch(ld plog.Logs, start int64, n int, now time.Time) {
	rl := ld.ResourceLogs().AppendEmpty()
	g.fillResource(rl.Resource(), start)
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("sbi-extension/telemetry")
	sl.Scope().SetVersion("3.2.1")
	lrs := sl.LogRecords()
	lrs.EnsureCapacity(n)
	for i := 0; i < n; i++ {
		g.fillRecord(lrs.AppendEmpty(), start+int64(i), now)
	}
}

func (g *Generator) fillResource(res pcommon.Resource, seq int64) {
	a := res.Attributes()
	a.PutStr("service.name", "sbi-extension")
	a.PutStr("service.version", BatchVersion(seq))
	a.PutStr("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 "+g.Marker(seq))
	a.PutStr("client.address", "203.0.113.7")
	a.PutStr("enduser.id", g.Marker(seq)+"@mail.example")
	a.PutStr("browser.language", "en-US")
	a.PutStr("os.type", "linux")
}

func (g *Generator) fillRecord(lr plog.LogRecord, seq int64, now time.Time) {
	lr.SetTimestamp(pcommon.NewTimestampFromTime(now))
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(now))
	lr.SetSeverityNumber(plog.SeverityNumberInfo)
	lr.SetSeverityText("INFO")
	var tid pcommon.TraceID
	binary.BigEndian.PutUint64(tid[:8], hash64(seq))
	binary.BigEndian.PutUint64(tid[8:], uint64(seq)+1)
	lr.SetTraceID(tid)
	m := g.Marker(seq)
	a := lr.Attributes()
	switch k := g.KindOf(seq); k {
	case KindUI, KindLegacyUI:
		if k == KindUI {
			lr.SetEventName("ui.interaction")
		} else {
			a.PutStr("event.name", "ui.interaction")
		}
		a.PutStr("ui.surface", Surfaces[seq%int64(len(Surfaces))])
		a.PutStr("ui.control", Controls[seq%int64(len(Controls))])
		a.PutStr("ui.action", Actions[seq%int64(len(Actions))])
		a.PutStr("ui.label", "Search images for "+m+"@mail.example")
		a.PutStr("user.email", m+"@mail.example")
		pos := a.PutEmptyMap("ui.position")
		pos.PutInt("x", 12)
		pos.PutStr("who", m)
		lr.Body().SetStr("clicked by " + m)
	case KindSettings:
		lr.SetEventName("settings.state")
		a.PutBool("setting."+generatorSettings[seq%int64(len(generatorSettings))], true)
		a.PutBool("setting.dark_mode", seq%2 == 0)
		a.PutStr("setting.auto_open", "true") // wrong type: dropped, not converted
		a.PutStr("setting.Bad-Name", m)       // name outside the pattern
		a.PutStr("user.id", m)
	case KindSearch:
		lr.SetEventName("search.started")
		a.PutStr("search.trigger", Triggers[seq%int64(len(Triggers))])
		a.PutStr("search.marketplace", Marketplaces[seq%int64(len(Marketplaces))])
		a.PutStr("url.full", g.rawURL(seq))
		a.PutStr("page.title", "Inbox of "+m)
		a.PutStr("http.request.header.cookie", "sid="+m)
	case KindSearchAuto:
		lr.SetEventName("search.started")
		a.PutStr("search.trigger", "auto_detect")
		a.PutStr("search.marketplace", "aliexpress")
		a.PutStr("url.full", g.rawURL(seq))
	case KindJunkEvent:
		lr.SetEventName("page.view")
		a.PutStr("url.full", g.rawURL(seq))
		a.PutStr("user.email", m+"@mail.example")
		lr.Body().SetStr("visited " + m)
	case KindNoName:
		lr.Body().SetStr("console.log: token=" + m)
		a.PutStr("log.origin", m)
	}
}

// Expected is the minimized form an acknowledged record must have.
type Expected struct {
	Seq       int64
	Kind      Kind
	EventName string
	Attrs     map[string]any // string or bool values
}

// Expect returns the minimized form of seq, and false for kinds that need
// not appear in the output.
func (g *Generator) Expect(seq int64) (Expected, bool) {
	k := g.KindOf(seq)
	e := Expected{Seq: seq, Kind: k}
	switch k {
	case KindUI, KindLegacyUI:
		e.EventName = "ui.interaction"
		e.Attrs = map[string]any{
			"ui.surface": Surfaces[seq%int64(len(Surfaces))],
			"ui.control": Controls[seq%int64(len(Controls))],
			"ui.action":  Actions[seq%int64(len(Actions))],
		}
	case KindSettings:
		e.EventName = "settings.state"
		e.Attrs = map[string]any{"setting." + generatorSettings[seq%int64(len(generatorSettings))]: true, "setting.dark_mode": seq%2 == 0}
	case KindSearch:
		e.EventName = "search.started"
		e.Attrs = map[string]any{
			"search.trigger":     Triggers[seq%int64(len(Triggers))],
			"search.marketplace": Marketplaces[seq%int64(len(Marketplaces))],
			"url.full":           SanitizedURL(seq),
		}
	default:
		return e, false
	}
	return e, true
}

// Key identifies a minimized record of the request that started at
// sequence number start: its resource's version and its whole content.
func (e Expected) Key(start int64) string {
	return RecordKey(BatchVersion(start), e.EventName, e.Attrs)
}

// RecordKey is the Key of a minimized record in a resource of this
// service.version, with this event name and these attributes (string or
// bool values).
func RecordKey(version, name string, attrs map[string]any) string {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(version)
	b.WriteByte('|')
	b.WriteString(name)
	for _, k := range keys {
		fmt.Fprintf(&b, "|%s=%v", k, attrs[k])
	}
	return b.String()
}
