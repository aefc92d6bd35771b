package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// fieldMarker is what every planted field carries: as text, as bytes, as a
// number that is no valid value of any field the policy names.
const fieldMarker = "PLANTEDFIELD"

// fieldPath is a path from LogsData to one leaf field of the OTLP logs data
// model, as the proto descriptor lists it.
type fieldPath []protoreflect.FieldDescriptor

func (p fieldPath) String() string {
	names := make([]string, len(p))
	for i, fd := range p {
		names[i] = string(fd.Name())
	}
	return strings.Join(names, ".")
}

// leafPaths walks the descriptor of md and returns the path of every scalar
// field reachable from it. AnyValue is recursive (arrays, key-value lists):
// its nested messages are walked to a bounded depth.
func leafPaths(md protoreflect.MessageDescriptor, prefix fieldPath, depth map[protoreflect.FullName]int) []fieldPath {
	var out []fieldPath
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		path := append(append(fieldPath{}, prefix...), fd)
		if fd.Kind() != protoreflect.MessageKind {
			out = append(out, path)
			continue
		}
		sub := fd.Message()
		if depth[sub.FullName()] >= 2 {
			continue
		}
		depth[sub.FullName()]++
		children := leafPaths(sub, path, depth)
		depth[sub.FullName()]--
		if len(children) == 0 {
			out = append(out, path) // an empty message is itself a planted field
		}
		out = append(out, children...)
	}
	return out
}

// plantAt sets the leaf at path in m to the marker. The structural lists
// (resource_logs, scope_logs, log_records) are entered at their first
// element, the record under test; every other list gets a new element, so
// what the record already holds stays as it is.
func plantAt(m protoreflect.Message, path fieldPath) {
	fd := path[0]
	rest := path[1:]
	structural := map[protoreflect.Name]bool{"resource_logs": true, "scope_logs": true, "log_records": true}
	if fd.IsList() {
		list := m.Mutable(fd).List()
		if fd.Kind() == protoreflect.MessageKind {
			var elem protoreflect.Message
			if structural[fd.Name()] && list.Len() > 0 {
				elem = list.Get(0).Message()
			} else {
				elem = list.AppendMutable().Message()
			}
			if len(rest) > 0 {
				plantAt(elem, rest)
			}
			return
		}
		list.Append(markerValue(fd))
		return
	}
	if fd.Kind() == protoreflect.MessageKind {
		sub := m.Mutable(fd).Message()
		if len(rest) > 0 {
			plantAt(sub, rest)
		}
		return
	}
	m.Set(fd, markerValue(fd))
}

func markerValue(fd protoreflect.FieldDescriptor) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(fieldMarker)
	case protoreflect.BytesKind:
		// trace and span ids must have their own length to decode at all.
		switch fd.Name() {
		case "trace_id":
			return protoreflect.ValueOfBytes([]byte("PLANTEDFIELD0000"))
		case "span_id":
			return protoreflect.ValueOfBytes([]byte("PLANTED0"))
		}
		return protoreflect.ValueOfBytes([]byte(fieldMarker))
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(true)
	case protoreflect.EnumKind:
		return protoreflect.ValueOfEnum(77) // no severity number has it
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(7777)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(7777)
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(7777)
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(7777) // a timestamp in 1970, or an odd count
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(77.77)
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(77.77)
	}
	panic("unhandled kind " + fd.Kind().String())
}

// plantedSeeds is one planted variant of a minimized record per field path.
func plantedSeeds(f *testing.F) [][]byte {
	base := oneRecord("search.started", func(m pcommon.Map) { m.PutStr("search.trigger", "toolbar_button") })
	Seed().Apply(base)
	raw, err := protoMarshaler.MarshalLogs(base)
	if err != nil {
		f.Fatal(err)
	}
	var basePB logspb.LogsData
	if err := proto.Unmarshal(raw, &basePB); err != nil {
		f.Fatal(err)
	}
	var out [][]byte
	for _, path := range leafPaths(basePB.ProtoReflect().Descriptor(), nil, map[protoreflect.FullName]int{}) {
		pb := proto.Clone(&basePB).(*logspb.LogsData)
		plantAt(pb.ProtoReflect(), path)
		b, err := proto.Marshal(pb)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// minimizedRecord is one record in its minimized form under p.
func minimizedRecord(t *testing.T, p *Policy) plog.Logs {
	ld := oneRecord("search.started", func(m pcommon.Map) {
		m.PutStr("search.trigger", "toolbar_button")
		m.PutStr("search.marketplace", "aliexpress")
	})
	ld.ResourceLogs().At(0).Resource().Attributes().PutStr("service.version", "3.2.1")
	p.Apply(ld)
	require.Equal(t, 1, ld.LogRecordCount())
	return ld
}

func toProto(t *testing.T, ld plog.Logs) *logspb.LogsData {
	var pb logspb.LogsData
	require.NoError(t, proto.Unmarshal(mustMarshal(t, ld), &pb))
	return &pb
}

func fromProto(t *testing.T, pb *logspb.LogsData) plog.Logs {
	b, err := proto.Marshal(pb)
	require.NoError(t, err)
	ld, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(b)
	require.NoError(t, err)
	return ld
}

// TestEveryOTLPFieldIsBuiltNotCopied walks every field of the OTLP logs data
// model as the proto descriptor lists it (entity refs, string-index forms and
// whatever the proto module adds, not a hand list), plants a marker in it on
// an otherwise minimized record, and requires that Apply's output is exactly
// the minimized record (the marker gone) and that Check and Guard reject the
// planted record.
func TestEveryOTLPFieldIsBuiltNotCopied(t *testing.T) {
	p := testSeed(t)
	base := minimizedRecord(t, p)
	want := mustMarshal(t, base)
	basePB := toProto(t, base)

	paths := leafPaths(basePB.ProtoReflect().Descriptor(), nil, map[protoreflect.FullName]int{})
	require.Greater(t, len(paths), 40, "the walk reaches the whole data model")
	seen := map[string]bool{}
	for _, path := range paths {
		seen[path[len(path)-1].TextName()] = true
		t.Run(path.String(), func(t *testing.T) {
			pb := proto.Clone(basePB).(*logspb.LogsData)
			plantAt(pb.ProtoReflect(), path)
			planted := fromProto(t, pb)

			// Check and Guard reject the record as planted.
			rl := planted.ResourceLogs().At(0)
			sl := rl.ScopeLogs().At(0)
			guarded := plog.NewLogs()
			planted.CopyTo(guarded)
			gs := p.Guard(guarded)
			assert.Equal(t, 0, gs.Passed, "Guard passed a record with %s set", path)
			// Check sees the resource, scope and record; the wrappers' own
			// fields (schema URLs) are Guard's.
			if wrapper := path[len(path)-1].Name() == "schema_url" && len(path) <= 3; !wrapper {
				assert.NotEqual(t, None, p.Check(rl.Resource(), sl.Scope(), sl.LogRecords().At(0)), "Check accepted a record with %s set", path)
			}

			// Apply builds the minimized record again: same bytes, or no
			// record when the event name itself was planted.
			p.Apply(planted)
			got := mustMarshal(t, planted)
			switch path[len(path)-1].Name() {
			case "event_name":
				assert.Zero(t, planted.LogRecordCount())
				return
			case "time_unix_nano", "observed_time_unix_nano":
				// A time from 1970: replaced by the time of receipt.
				lr := planted.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
				assert.NotEqual(t, pcommon.Timestamp(7777), lr.Timestamp())
				assert.NotEqual(t, pcommon.Timestamp(7777), lr.ObservedTimestamp())
				assert.Equal(t, None, p.Check(planted.ResourceLogs().At(0).Resource(), planted.ResourceLogs().At(0).ScopeLogs().At(0).Scope(), lr))
				return
			}
			assert.Equal(t, want, got, "Apply kept something of %s", path)
			assert.NotContains(t, string(got), fieldMarker)
		})
	}
	for _, name := range []string{"entityRefs", "keyStrindex", "stringValueStrindex", "body", "traceId", "flags", "droppedAttributesCount", "schemaUrl"} {
		assert.True(t, seen[name] || hasField(paths, name), "the walk covers %s", name)
	}
}

func hasField(paths []fieldPath, jsonName string) bool {
	for _, p := range paths {
		for _, fd := range p {
			if fd.JSONName() == jsonName {
				return true
			}
		}
	}
	return false
}

// TestCanonicalSizes: the wire sizes record.go computes agree with pdata's
// marshaler on every record Apply builds, and on their resources.
func TestCanonicalSizes(t *testing.T) {
	p := testSeed(t)
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "sbi-extension")
	sl := rl.ScopeLogs().AppendEmpty()
	now := pcommon.NewTimestampFromTime(testNow)
	for i, fill := range []func(plog.LogRecord){
		func(lr plog.LogRecord) { lr.SetEventName("ui.interaction") },
		func(lr plog.LogRecord) {
			lr.SetEventName("ui.interaction")
			lr.SetSeverityNumber(plog.SeverityNumberFatal4)
			lr.SetSeverityText("FATAL4")
			lr.Attributes().PutStr("ui.control", "context_search_aliexpress")
		},
		func(lr plog.LogRecord) {
			lr.SetEventName("settings.state")
			for _, k := range []string{"dark_mode", "auto_search", "context_menu"} {
				lr.Attributes().PutBool("setting."+k, len(k)%2 == 0)
			}
		},
		func(lr plog.LogRecord) {
			lr.SetEventName("search.started")
			lr.Attributes().PutStr("search.trigger", "page_button")
			lr.Attributes().PutStr("url.full", "https://www.aliexpress.com/item/"+strings.Repeat("1", 120)+".html")
		},
	} {
		lr := sl.LogRecords().AppendEmpty()
		lr.SetTimestamp(now - pcommon.Timestamp(i)*pcommon.Timestamp(time.Hour))
		lr.SetObservedTimestamp(now)
		fill(lr)
	}
	p.Apply(ld)
	require.Equal(t, 4, ld.LogRecordCount())
	ps := p.newPass(nil)
	for _, lr := range ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().All() {
		ev, _ := p.event(lr)
		c := ps.canonicalize(ev, lr)
		size := emptyRecordSize
		for _, f := range recordFields {
			size += f.size(c)
		}
		assert.Equal(t, sizer.LogRecordSize(lr), size, lr.EventName())
	}
	res := ld.ResourceLogs().At(0).Resource()
	assert.True(t, ps.resourceSizeIs(res, sizeAttrs(ps.canonResource(res))))
}

// TestApplyBuildsNotCopies: the record Apply emits is the canonical record
// built from scratch, even when the input is one byte away from it.
func TestApplyOutputIsCanonical(t *testing.T) {
	p := testSeed(t)
	ld := minimizedRecord(t, p)
	lr := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	lr.SetFlags(1)
	assert.Equal(t, ViolationUnnamedField, p.Check(ld.ResourceLogs().At(0).Resource(), ld.ResourceLogs().At(0).ScopeLogs().At(0).Scope(), lr))
	p.Apply(ld)
	lr = ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.Zero(t, lr.Flags())
	assert.Equal(t, None, p.Check(ld.ResourceLogs().At(0).Resource(), ld.ResourceLogs().At(0).ScopeLogs().At(0).Scope(), lr))
}
