package policy

// index looks up the few strings a policy names (events, attributes, enum
// values, setting names) by length and then bytes: keys are grouped by
// length, so a lookup compares only keys as long as the one sought, and a
// string longer than every key is refused at once. For the vocabularies of a
// policy (tens of short names) this beats hashing; a set with many keys of
// one length, or very long keys, uses a map.
type index[V any] struct {
	keys  []string // sorted by length, then bytes
	vals  []V
	start []uint16 // keys of length l are keys[start[l]:start[l+1]]
	m     map[string]V
}

const (
	linearMax = 8   // most keys of one length compared one by one
	indexLen  = 128 // longest key grouped by length
)

func newIndex[V any](m map[string]V) index[V] {
	if len(m) == 0 {
		return index[V]{}
	}
	keys := sortedKeys(m)
	longest, perLen := 0, map[int]int{}
	for _, k := range keys {
		longest = max(longest, len(k))
		perLen[len(k)]++
	}
	for _, n := range perLen {
		if n > linearMax || longest > indexLen {
			return index[V]{m: m}
		}
	}
	x := index[V]{start: make([]uint16, longest+2)}
	for l := 0; l <= longest; l++ {
		x.start[l] = uint16(len(x.keys))
		for _, k := range keys {
			if len(k) == l {
				x.keys = append(x.keys, k)
				x.vals = append(x.vals, m[k])
			}
		}
	}
	x.start[longest+1] = uint16(len(x.keys))
	return x
}

func (x *index[V]) get(k string) (V, bool) {
	if x.m != nil {
		v, ok := x.m[k]
		return v, ok
	}
	if l := len(k); l+1 < len(x.start) {
		for i := x.start[l]; i < x.start[l+1]; i++ {
			if x.keys[i] == k {
				return x.vals[i], true
			}
		}
	}
	var zero V
	return zero, false
}

func (x *index[V]) empty() bool { return x.m == nil && len(x.keys) == 0 }
