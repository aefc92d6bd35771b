package filewriter

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// timeFormat stamps rotated files; fixed width, so lexical order is time order.
const timeFormat = "20060102T150405.000000000Z"

// naming is the file names of one writer: the active file <stem><ext> and the
// rotated files beside it, <stem>-<UTC rotation time>[-N]<ext>[.gz], where -N
// (N >= 1) tells apart rotations within one clock tick.
type naming struct {
	dir    string
	prefix string // <stem>-
	ext    string
}

func newNaming(active string) naming {
	base := filepath.Base(active)
	ext := filepath.Ext(base)
	return naming{dir: filepath.Dir(active), prefix: strings.TrimSuffix(base, ext) + "-", ext: ext}
}

// rotated returns a free path for a file rotated at t: no file, compressed or
// not, has that name yet.
func (n naming) rotated(t time.Time) string {
	stamp := t.UTC().Format(timeFormat)
	for i := 0; ; i++ {
		p := filepath.Join(n.dir, n.name(stamp, i))
		if !exists(p) && !exists(p+gzExt) {
			return p
		}
	}
}

// name is the uncompressed base name for a rotation stamp and counter.
func (n naming) name(stamp string, counter int) string {
	if counter == 0 {
		return n.prefix + stamp + n.ext
	}
	return n.prefix + stamp + "-" + strconv.Itoa(counter) + n.ext
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// parse recognizes a base name that rotated could have produced (with or
// without .gz); anything else is not ours.
func (n naming) parse(name string) (t time.Time, counter int, compressed, ok bool) {
	rest, ok := strings.CutPrefix(name, n.prefix)
	if !ok {
		return time.Time{}, 0, false, false
	}
	if r, ok := strings.CutSuffix(rest, n.ext+gzExt); ok {
		rest, compressed = r, true
	} else if r, ok := strings.CutSuffix(rest, n.ext); ok {
		rest = r
	} else {
		return time.Time{}, 0, false, false
	}
	stamp, c, hasCounter := strings.Cut(rest, "-")
	if hasCounter {
		var err error
		// Only the canonical form: no sign, no leading zero, >= 1.
		if counter, err = strconv.Atoi(c); err != nil || counter < 1 || strconv.Itoa(counter) != c {
			return time.Time{}, 0, false, false
		}
	}
	t, err := time.Parse(timeFormat, stamp)
	if err != nil {
		return time.Time{}, 0, false, false
	}
	return t, counter, compressed, true
}

// Rotated is a rotated file found beside the active one.
type Rotated struct {
	Path       string
	RotatedAt  time.Time
	Compressed bool

	counter int // -N of a same-tick rotation; orders those
}

// RotatedFiles lists rotated files, oldest first. Files whose names do not
// parse as ours are ignored, never touched.
func (w *Writer) RotatedFiles() ([]Rotated, error) {
	return w.names.list()
}

func (n naming) list() ([]Rotated, error) {
	entries, err := os.ReadDir(n.dir)
	if err != nil {
		return nil, fmt.Errorf("filewriter: list: %w", err)
	}
	var out []Rotated
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		t, counter, compressed, ok := n.parse(e.Name())
		if !ok {
			continue
		}
		out = append(out, Rotated{Path: filepath.Join(n.dir, e.Name()), RotatedAt: t, Compressed: compressed, counter: counter})
	}
	// By time, then by counter: the name order would put "-1" (a later
	// rotation in the same tick) before "." (the first).
	slices.SortFunc(out, func(a, b Rotated) int {
		return cmp.Or(a.RotatedAt.Compare(b.RotatedAt), cmp.Compare(a.counter, b.counter), cmp.Compare(a.Path, b.Path))
	})
	return out, nil
}
