package testworkload

// The batch generators of the benchmarks. They build the traffic the Search
// by Image extension's collector sees: a batch of BatchRecords log records
// from several extension installs, mixed events, and personal data planted
// everywhere a careless or malicious client could put it. They are
// deterministic for a given seed, so figures are comparable across runs and
// machines.

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

const (
	// BatchRecords is the number of log records in one generated batch.
	BatchRecords = 100
	// BatchResources is the number of resources (extension installs) in one
	// batch; each holds BatchRecords/BatchResources records in one scope.
	BatchResources = 10
	// BatchSeed is the seed the benchmarks use.
	BatchSeed = 20261128
)

// The mix of a realistic batch: 40% UI interactions, 20% settings
// snapshots, 25% searches, 15% junk (unknown events, no event name).
const (
	BatchUIInteractions = 40
	BatchSettingsStates = 20
	BatchSearches       = 25
	BatchJunk           = BatchRecords - BatchUIInteractions - BatchSettingsStates - BatchSearches
)

// Batch is a generated batch and the strings planted in it that must never
// leave the collector (emails, IPs, user agents, identifiers, secrets).
type Batch struct {
	Logs    plog.Logs
	Planted []string
}

type eventKind uint8

const (
	kindUI eventKind = iota
	kindSettings
	kindSearch
	kindJunk
)

type batchGen struct {
	rng     *rand.Rand
	planted []string
	base    time.Time
}

func (g *batchGen) plant(s string) string {
	g.planted = append(g.planted, s)
	return s
}

func (g *batchGen) pick(list ...string) string { return list[g.rng.IntN(len(list))] }

// chance reports true with probability pct/100.
func (g *batchGen) chance(pct int) bool { return g.rng.IntN(100) < pct }

func (g *batchGen) email() string {
	first := g.pick("jane", "john", "li.wei", "maria", "ahmed", "yuki", "olga")
	last := g.pick("doe", "smith", "zhang", "garcia", "khan", "tanaka", "ivanova")
	return fmt.Sprintf("%s.%s%d@%s", first, last, g.rng.IntN(100), g.pick("example.com", "mail.example.org", "example.net"))
}

func (g *batchGen) uuid() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.rng.Uint32())
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (g *batchGen) ipv4() string {
	return fmt.Sprintf("%s.%d.%d.%d", g.pick("203", "198", "81", "94", "185"), g.rng.IntN(256), g.rng.IntN(256), 1+g.rng.IntN(254))
}

// card returns a 16-digit number that passes the Luhn check.
func (g *batchGen) card() string {
	d := make([]int, 16)
	d[0] = 4
	for i := 1; i < 15; i++ {
		d[i] = g.rng.IntN(10)
	}
	sum := 0
	for i := 14; i >= 0; i-- {
		v := d[i]
		if (14-i)%2 == 0 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	d[15] = (10 - sum%10) % 10
	var b strings.Builder
	for i, v := range d {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(byte('0' + v))
	}
	return b.String()
}

// searchURL is a page URL as the extension's content script reads it:
// marketplace items with numeric ids and tracking parameters, emails in
// queries and paths, credentials, IP hosts, fragments.
func (g *batchGen) searchURL() string {
	id := 1005006000000000 + g.rng.Int64N(999999999)
	switch g.rng.IntN(14) {
	case 0:
		return fmt.Sprintf("https://www.aliexpress.com/item/%d.html?spm=a2g0o.productlist.main.%d.%x&algo_pvid=%s&gatewayAdapt=glo2usa#nav-review", id, g.rng.IntN(60), g.rng.Uint32(), g.uuid())
	case 1:
		e := g.plant(strings.ReplaceAll(g.email(), "@", "%40"))
		return fmt.Sprintf("https://aliexpress.us/item/%d.html?pdp_ext_f=%%7B%%22sku_id%%22%%3A%%22%d%%22%%7D&email=%s", id, id+7, e)
	case 2:
		return fmt.Sprintf("https://detail.1688.com/offer/%d.html?spm=a26352.13672862.offerlist.%d&tracelog=p4p&clickid=%x", id%1000000000000, g.rng.IntN(40), g.rng.Uint64())
	case 3:
		return fmt.Sprintf("https://www.alibaba.com/product-detail/Wireless-Earbuds-Bluetooth_%d.html?spm=a2700.galleryofferlist.normal_offer.d_title.%x&s=p", 1600000000000+g.rng.Int64N(999999999), g.rng.Uint32())
	case 4:
		user := g.plant(fmt.Sprintf("buyer%d", 10000+g.rng.IntN(90000)))
		tok := g.plant(fmt.Sprintf("%x%x", g.rng.Uint64(), g.rng.Uint64()))
		return fmt.Sprintf("https://%s:hunter2@shop.example.com/account/orders?token=%s", user, tok)
	case 5:
		ip := g.plant(fmt.Sprintf("192.168.%d.%d", g.rng.IntN(256), 1+g.rng.IntN(254)))
		return fmt.Sprintf("http://%s:8080/gallery/img_%d.jpg?uid=%d", ip, g.rng.IntN(1000), g.rng.IntN(100000))
	case 6:
		ip := g.plant(fmt.Sprintf("2001:db8::%x", 1+g.rng.IntN(0xfffe)))
		return fmt.Sprintf("https://[%s]:8443/catalog/shoes", ip)
	case 7:
		return fmt.Sprintf("https://www.amazon.com/Wireless-Earbuds/dp/B0%08X/ref=sr_1_%d?th=1&psc=1&tag=affiliate%d-20", g.rng.Uint32(), g.rng.IntN(20), g.rng.IntN(99))
	case 8:
		return fmt.Sprintf("https://www.pinterest.com/pin/%d/", 100000000000000000+g.rng.Int64N(99999999999999))
	case 9:
		e := g.plant(g.email())
		return fmt.Sprintf("https://photos.example.com/users/%s/albums/summer#top", e)
	case 10:
		return fmt.Sprintf("https://shop.example.org/p/%s?ref=mail", g.plant(g.uuid()))
	case 11:
		return fmt.Sprintf("https://www.ebay.com/itm/%d?_trkparms=amclksrc%%3DITM%%26aid%%3D%d&hash=item%x", 300000000000+g.rng.Int64N(99999999999), g.rng.IntN(9999), g.rng.Uint32())
	case 12:
		return fmt.Sprintf("HTTPS://WWW.AliExpress.COM:443/category/%d/women-clothing.html?CatId=%d&SortType=total_tranpro_desc", 100003109, 100003109)
	default:
		name := g.plant(g.pick("jane+doe+home+address", "john+smith+phone+number", "li+wei+passport"))
		return fmt.Sprintf("https://www.google.com/search?q=%s&tbm=isch&sa=X&ved=%x", name, g.rng.Uint64())
	}
}

func (g *batchGen) timestamps(lr plog.LogRecord) {
	ts := g.base.Add(time.Duration(g.rng.Int64N(int64(time.Hour))))
	lr.SetTimestamp(pcommon.NewTimestampFromTime(ts))
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(ts.Add(time.Duration(g.rng.Int64N(int64(2 * time.Second))))))
}

// noise adds what a naive SDK setup attaches to every record: trace context,
// severity, a body, unknown attributes and forged privacy.* attributes.
func (g *batchGen) noise(lr plog.LogRecord) {
	attrs := lr.Attributes()
	if g.chance(50) {
		var tid [16]byte
		var sid [8]byte
		for i := range tid {
			tid[i] = byte(g.rng.Uint32())
		}
		for i := range sid {
			sid[i] = byte(g.rng.Uint32())
		}
		lr.SetTraceID(tid)
		lr.SetSpanID(sid)
		lr.SetFlags(1)
	}
	lr.SetSeverityNumber(plog.SeverityNumberInfo)
	lr.SetSeverityText("INFO")
	if g.chance(5) {
		lr.SetSeverityText(g.plant("user=" + g.email()))
	}
	switch g.rng.IntN(4) {
	case 0:
		lr.Body().SetStr(fmt.Sprintf("event from %s on %s", g.plant(g.email()), g.plant(g.ipv4())))
	case 1:
		m := lr.Body().SetEmptyMap()
		m.PutStr("page.title", g.plant(fmt.Sprintf("Order #%d - %s", 100000+g.rng.IntN(900000), g.email())))
		m.PutStr("card", g.plant(g.card()))
	}
	if g.chance(40) {
		attrs.PutStr("user.email", g.plant(g.email()))
	}
	if g.chance(30) {
		attrs.PutStr("session.id", g.plant(g.uuid()))
	}
	if g.chance(15) {
		attrs.PutStr("privacy.consent", "granted")
	}
	if g.chance(10) {
		attrs.PutStr("privacy.policy.version", "forged-0")
	}
	if g.chance(10) {
		attrs.PutStr("payment.card", g.plant(g.card()))
	}
}

func (g *batchGen) uiInteraction(lr plog.LogRecord) {
	lr.SetEventName("ui.interaction")
	attrs := lr.Attributes()
	surface := g.pick(Surfaces...)
	if g.chance(10) {
		surface = "sidebar" // not in the enum
	}
	attrs.PutStr("ui.surface", surface)
	control := g.pick("search_button", "open_options", "marketplace_select", "close_popup", "settings_toggle", "image_overlay")
	switch {
	case g.chance(5):
		control = g.plant(fmt.Sprintf("call_49151%08d", g.rng.IntN(100000000))) // a phone number: outside the vocabulary, and a scanner finds it
	case g.chance(5):
		control = "Search Button!" // outside the vocabulary
	}
	attrs.PutStr("ui.control", control)
	if g.chance(10) {
		attrs.PutInt("ui.action", 1) // wrong type
	} else {
		attrs.PutStr("ui.action", g.pick(Actions...))
	}
	if g.chance(20) {
		attrs.PutStr("page.url", g.plant(fmt.Sprintf("https://mail.example.com/inbox/%s", g.email())))
	}
}

func (g *batchGen) settingsState(lr plog.LogRecord) {
	lr.SetEventName("settings.state")
	attrs := lr.Attributes()
	n := 3 + g.rng.IntN(4)
	for _, i := range g.rng.Perm(len(SettingNames))[:n] {
		key := "setting." + SettingNames[i]
		if g.chance(10) {
			attrs.PutStr(key, "true") // wrong type: dropped, not converted
		} else {
			attrs.PutBool(key, g.chance(50))
		}
	}
	if g.chance(20) {
		attrs.PutBool("setting.Bad-Name", true) // name pattern fails
	}
	if g.chance(15) {
		attrs.PutStr("setting.home_address", g.plant(fmt.Sprintf("%d Baker Street, London", 1+g.rng.IntN(300))))
	}
	if g.chance(20) {
		attrs.PutStr("user.id", g.plant(fmt.Sprintf("u-%d", 1000000+g.rng.IntN(9000000))))
	}
}

func (g *batchGen) searchStarted(lr plog.LogRecord) {
	lr.SetEventName("search.started")
	attrs := lr.Attributes()
	trigger := g.pick(Triggers...)
	if g.chance(15) {
		trigger = g.pick("page_load", "auto") // not a user action: the URL must go
	}
	attrs.PutStr("search.trigger", trigger)
	market := g.pick(Marketplaces...)
	if g.chance(10) {
		market = "amazon"
	}
	attrs.PutStr("search.marketplace", market)
	switch {
	case g.chance(5):
		attrs.PutInt("url.full", 42) // wrong type
	case g.chance(5):
		attrs.PutStr("url.full", g.plant("file:///C:/Users/"+g.pick("jane", "jdoe")+"/Pictures/IMG_0042.jpg"))
	default:
		attrs.PutStr("url.full", g.searchURL())
	}
	if g.chance(20) {
		attrs.PutStr("image.src", g.plant(fmt.Sprintf("https://cdn.example.com/u/%s/photo.jpg", g.uuid())))
	}
	if g.chance(10) {
		attrs.PutStr("http.request.header.cookie", g.plant(fmt.Sprintf("sid=%x; uid=%d", g.rng.Uint64(), g.rng.IntN(1000000))))
	}
}

func (g *batchGen) junk(lr plog.LogRecord) {
	attrs := lr.Attributes()
	switch g.rng.IntN(5) {
	case 0:
		lr.SetEventName("page.view")
		attrs.PutStr("url.full", g.searchURL())
	case 1:
		lr.SetEventName("ad.impression")
		attrs.PutStr("ad.id", fmt.Sprintf("%d", g.rng.Int64()))
	case 2:
		lr.SetEventName("UI.Interaction") // event names are case-sensitive
		attrs.PutStr("ui.surface", "popup")
	case 3:
		// An older SDK: event.name as an attribute. The receiver normalizes
		// this; the engine alone sees a record without an event name.
		attrs.PutStr("event.name", "ui.interaction")
		attrs.PutStr("ui.surface", "popup")
	default:
		// No event name at all: a plain log line.
		lr.Body().SetStr(fmt.Sprintf("uncaught TypeError at chrome-extension://abcdefghijklmnop/popup.js:%d user %s", g.rng.IntN(999), g.plant(g.email())))
	}
}

func (g *batchGen) resource(res pcommon.Resource, client int) {
	attrs := res.Attributes()
	attrs.PutStr("service.name", "sbi-extension")
	switch client % 5 {
	case 3:
		attrs.PutInt("service.version", 321) // wrong type
	case 4:
		attrs.PutStr("service.version", "3.3.0-beta.1")
	default:
		attrs.PutStr("service.version", g.pick("3.2.1", "3.2.0", "3.1.9"))
	}
	attrs.PutStr("user_agent.original", g.plant(fmt.Sprintf("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.%d.%d Safari/537.36", 6000+g.rng.IntN(999), g.rng.IntN(200))))
	if client%2 == 0 {
		attrs.PutStr("client.address", g.plant(g.ipv4()))
	} else {
		attrs.PutStr("client.address", g.plant(fmt.Sprintf("2001:db8:85a3::8a2e:%x:%x", g.rng.IntN(0xffff), g.rng.IntN(0xffff))))
	}
	attrs.PutStr("browser.name", g.pick("Chrome", "Edge", "Brave"))
	attrs.PutStr("os.type", g.pick("windows", "darwin", "linux"))
	attrs.PutStr("host.name", g.plant(fmt.Sprintf("DESKTOP-%06X", g.rng.IntN(0xffffff))))
	if client%3 == 0 {
		attrs.PutStr("enduser.id", g.plant(g.email()))
	}
	if client%4 == 1 {
		attrs.PutStr("privacy.policy.version", "0-forged")
	}
	res.SetDroppedAttributesCount(2)
}

func (g *batchGen) scope(sl plog.ScopeLogs) {
	sl.SetSchemaUrl("https://opentelemetry.io/schemas/1.27.0")
	sc := sl.Scope()
	sc.SetName("sbi-extension/telemetry")
	sc.SetVersion("3.2.1")
	sc.Attributes().PutStr("session.id", g.plant(g.uuid()))
}

// RealisticBatch builds a batch, deterministic for a seed and a time of
// receipt at (event times fall in the hour before it: the policy bounds
// event times around receipt) of BatchRecords
// records in BatchResources resources: 40 ui.interaction, 20 settings.state,
// 25 search.started with url.full, 15 junk, in shuffled order, with personal
// data planted in resource attributes, scope, bodies, severity text, trace
// context, unknown, wrongly typed and privacy.* attributes and URLs.
func RealisticBatch(seed uint64, at time.Time) Batch {
	g := &batchGen{
		rng:  rand.New(rand.NewPCG(seed, seed^0x5b1)),
		base: at.Add(-time.Hour - 2*time.Second),
	}
	kinds := make([]eventKind, 0, BatchRecords)
	for k, n := range map[eventKind]int{kindUI: BatchUIInteractions, kindSettings: BatchSettingsStates, kindSearch: BatchSearches, kindJunk: BatchJunk} {
		for range n {
			kinds = append(kinds, k)
		}
	}
	// Map iteration order is random: sort before the seeded shuffle.
	sortKinds(kinds)
	g.rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })

	ld := plog.NewLogs()
	per := BatchRecords / BatchResources
	for c := range BatchResources {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.SetSchemaUrl("https://opentelemetry.io/schemas/1.27.0")
		g.resource(rl.Resource(), c)
		sl := rl.ScopeLogs().AppendEmpty()
		g.scope(sl)
		for _, k := range kinds[c*per : (c+1)*per] {
			lr := sl.LogRecords().AppendEmpty()
			g.timestamps(lr)
			switch k {
			case kindUI:
				g.uiInteraction(lr)
			case kindSettings:
				g.settingsState(lr)
			case kindSearch:
				g.searchStarted(lr)
			default:
				g.junk(lr)
			}
			if k != kindJunk || g.chance(50) {
				g.noise(lr)
			}
		}
	}
	return Batch{Logs: ld, Planted: g.planted}
}

func sortKinds(k []eventKind) {
	for i := 1; i < len(k); i++ {
		for j := i; j > 0 && k[j] < k[j-1]; j-- {
			k[j], k[j-1] = k[j-1], k[j]
		}
	}
}

// ConformingBatch builds a batch, deterministic for a seed and a time of
// receipt at (event times are whole seconds in the hour before it) of BatchRecords
// records that are already in their minimized form under a policy of the
// given version (the kept path: what a second Apply, or the egress guard,
// sees): 50 ui.interaction, 25 settings.state, 25 search.started with a
// sanitized url.full; resources carry only service.name, service.version and
// the version stamp; timestamps are whole seconds; no body, scope or trace
// context.
func ConformingBatch(seed uint64, policyVersion string, at time.Time) plog.Logs {
	g := &batchGen{rng: rand.New(rand.NewPCG(seed, seed^0xc0f))}
	base := at.Truncate(time.Second).Add(-time.Hour)
	urls := []string{
		"https://www.aliexpress.com/item/{id}.html",
		"https://detail.1688.com/offer/{id}.html",
		"https://www.alibaba.com/product-detail/{id}.html",
		"https://www.amazon.com/{seg}/dp/{id}/{id}",
		"https://www.pinterest.com/pin/{id}/",
		"https://photos.example.com/users/{id}/{seg}/{seg}",
		"http://{ip}:8080/gallery/{id}.jpg",
		"https://www.aliexpress.com/category/{id}/{name}.html",
	}
	ld := plog.NewLogs()
	per := BatchRecords / BatchResources
	n := 0
	for r := range BatchResources {
		rl := ld.ResourceLogs().AppendEmpty()
		attrs := rl.Resource().Attributes()
		attrs.PutStr("service.name", "sbi-extension")
		// One version per resource: Apply merges resources that minimize alike,
		// so a minimized batch has no two equal resources.
		attrs.PutStr("service.version", fmt.Sprintf("3.%d.%d", r/3, r%3))
		attrs.PutStr("privacy.policy.version", policyVersion)
		sl := rl.ScopeLogs().AppendEmpty()
		for range per {
			lr := sl.LogRecords().AppendEmpty()
			ts := pcommon.NewTimestampFromTime(base.Add(time.Duration(g.rng.IntN(3600)) * time.Second))
			lr.SetTimestamp(ts)
			lr.SetObservedTimestamp(ts)
			lr.SetSeverityNumber(plog.SeverityNumberInfo)
			a := lr.Attributes()
			switch {
			case n%4 < 2:
				lr.SetEventName("ui.interaction")
				a.PutStr("ui.surface", g.pick(Surfaces...))
				a.PutStr("ui.control", g.pick("search_button", "open_options", "marketplace_select", "close_popup"))
				a.PutStr("ui.action", g.pick(Actions...))
			case n%4 == 2:
				lr.SetEventName("settings.state")
				for _, i := range g.rng.Perm(len(Settings))[:4] {
					a.PutBool("setting."+Settings[i], g.chance(50))
				}
			default:
				lr.SetEventName("search.started")
				a.PutStr("search.trigger", g.pick(Triggers...))
				a.PutStr("search.marketplace", g.pick(Marketplaces...))
				a.PutStr("url.full", urls[g.rng.IntN(len(urls))])
			}
			n++
		}
	}
	return ld
}
