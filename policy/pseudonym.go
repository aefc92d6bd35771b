package policy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"sync/atomic"
	"time"
)

// Pseudonyms are HMAC-SHA256 of the value under a key derived from the master
// key and the UTC date, so the same value maps to different pseudonyms on
// different days and cannot be linked across days. A pseudonym carries a tag
// only the collector can compute, so Check can tell a real pseudonym from a
// client-chosen string shaped like one.
const (
	pseudonymPrefix = "ps1_"
	macLen          = 16
	tagLen          = 8
	pseudonymLen    = len(pseudonymPrefix) + (macLen+tagLen)*4/3
)

type pseudonymizer struct {
	master  []byte
	current atomic.Pointer[dayKeys]
}

type dayKeys struct {
	day       int64
	today     []byte
	yesterday []byte // pseudonyms minted just before midnight still verify after it
}

func newPseudonymizer(master []byte) *pseudonymizer {
	return &pseudonymizer{master: master}
}

// keys returns the keys of now's UTC day, derived once per day.
func (ps *pseudonymizer) keys(now time.Time) *dayKeys {
	if ps == nil {
		return nil
	}
	day := now.UTC().Unix() / 86400
	if k := ps.current.Load(); k != nil && k.day == day {
		return k
	}
	k := &dayKeys{day: day, today: ps.derive(day), yesterday: ps.derive(day - 1)}
	ps.current.Store(k)
	return k
}

func (ps *pseudonymizer) derive(day int64) []byte {
	mac := hmac.New(sha256.New, ps.master)
	mac.Write([]byte("otelcol-sbi pseudonym key v1 "))
	mac.Write([]byte(time.Unix(day*86400, 0).UTC().Format(time.DateOnly)))
	return mac.Sum(nil)
}

func (k *dayKeys) pseudonym(value string) string {
	sum := mint(k.today, value)
	return pseudonymPrefix + base64.RawURLEncoding.EncodeToString(sum[:])
}

func mint(key []byte, value string) [macLen + tagLen]byte {
	var out [macLen + tagLen]byte
	m := hmac.New(sha256.New, key)
	m.Write([]byte{'v'})
	m.Write([]byte(value))
	copy(out[:macLen], m.Sum(nil))
	m.Reset()
	m.Write([]byte{'t'})
	m.Write(out[:macLen])
	copy(out[macLen:], m.Sum(nil))
	return out
}

// valid reports whether s is a pseudonym minted today or yesterday.
func (k *dayKeys) valid(s string) bool {
	if len(s) != pseudonymLen || s[:len(pseudonymPrefix)] != pseudonymPrefix {
		return false
	}
	var raw [macLen + tagLen]byte
	n, err := base64.RawURLEncoding.Decode(raw[:], []byte(s[len(pseudonymPrefix):]))
	if err != nil || n != len(raw) {
		return false
	}
	for _, key := range [][]byte{k.today, k.yesterday} {
		m := hmac.New(sha256.New, key)
		m.Write([]byte{'t'})
		m.Write(raw[:macLen])
		if hmac.Equal(m.Sum(nil)[:tagLen], raw[macLen:]) {
			return true
		}
	}
	return false
}
