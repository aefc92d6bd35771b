package policy

// index looks strings up by linear scan while there are few of them — the
// handful of events, attributes and enum values a policy names, where
// comparing lengths and bytes beats hashing — and in a map beyond that.
type index[V any] struct {
	keys []string
	vals []V
	m    map[string]V
}

const linearMax = 8

func newIndex[V any](m map[string]V) index[V] {
	if len(m) > linearMax {
		return index[V]{m: m}
	}
	var x index[V]
	for _, k := range sortedKeys(m) {
		x.keys = append(x.keys, k)
		x.vals = append(x.vals, m[k])
	}
	return x
}

func (x *index[V]) get(k string) (V, bool) {
	if x.m != nil {
		v, ok := x.m[k]
		return v, ok
	}
	for i, key := range x.keys {
		if key == k {
			return x.vals[i], true
		}
	}
	var zero V
	return zero, false
}

func (x *index[V]) empty() bool { return x.m == nil && len(x.keys) == 0 }
