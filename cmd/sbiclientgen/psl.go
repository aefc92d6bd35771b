package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The client needs the public suffix list the collector uses, which is the
// table compiled into golang.org/x/net/publicsuffix (the version go.mod
// pins). Rather than a second copy of the list from elsewhere, the generator
// decodes that very table (data/text, data/nodes, data/children and the bit
// layout in table.go) into a compact string. The Go and JS tests check that
// both answer alike on hosts under every rule.

// pslNode is one label of the decoded suffix tree.
type pslNode struct {
	label     string
	icann     bool
	rule      bool // a normal rule ends here
	exception bool // !label
	wildcard  bool // *.label
	children  []*pslNode
}

// loadPSL decodes x/net's compiled table from the module directory.
func loadPSL() (nodes []*pslNode, version string, err error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/net").Output()
	if err != nil {
		return nil, "", fmt.Errorf("locating golang.org/x/net: %w", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "publicsuffix")
	table, err := os.ReadFile(filepath.Join(dir, "table.go"))
	if err != nil {
		return nil, "", err
	}
	consts := map[string]uint64{}
	for _, m := range regexp.MustCompile(`(?m)^\s*(\w+)\s*=\s*(\d+)\s*$`).FindAllSubmatch(table, -1) {
		n, _ := strconv.ParseUint(string(m[2]), 10, 64)
		consts[string(m[1])] = n
	}
	if m := regexp.MustCompile(`const numTLD = (\d+)`).FindSubmatch(table); m != nil {
		consts["numTLD"], _ = strconv.ParseUint(string(m[1]), 10, 64)
	}
	if m := regexp.MustCompile(`const version = "([^"]*)"`).FindSubmatch(table); m != nil {
		version = string(m[1])
	}
	for _, k := range []string{"nodesBits", "nodesBitsChildren", "nodesBitsICANN", "nodesBitsTextOffset", "nodesBitsTextLength",
		"childrenBitsWildcard", "childrenBitsNodeType", "childrenBitsHi", "childrenBitsLo",
		"nodeTypeNormal", "nodeTypeException", "nodeTypeParentOnly", "numTLD"} {
		if _, ok := consts[k]; !ok {
			return nil, "", fmt.Errorf("%s: constant %s not found (x/net changed its table layout)", dir, k)
		}
	}
	if consts["nodesBits"] != 40 || version == "" {
		return nil, "", fmt.Errorf("%s: unexpected table layout", dir)
	}
	read := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, "data", name)) }
	text, err := read("text")
	if err != nil {
		return nil, "", err
	}
	nodeData, err := read("nodes")
	if err != nil {
		return nil, "", err
	}
	childData, err := read("children")
	if err != nil {
		return nil, "", err
	}
	node := func(i uint64) uint64 {
		b := nodeData[i*5:]
		return uint64(b[4]) | uint64(b[3])<<8 | uint64(b[2])<<16 | uint64(b[1])<<24 | uint64(b[0])<<32
	}
	child := func(i uint64) uint64 {
		b := childData[i*4:]
		return uint64(b[3]) | uint64(b[2])<<8 | uint64(b[1])<<16 | uint64(b[0])<<24
	}
	mask := func(bits uint64) uint64 { return 1<<bits - 1 }
	var decode func(lo, hi uint64, depth int) ([]*pslNode, error)
	decode = func(lo, hi uint64, depth int) ([]*pslNode, error) {
		if depth > 16 || hi*5 > uint64(len(nodeData)) {
			return nil, fmt.Errorf("corrupt table at nodes [%d,%d)", lo, hi)
		}
		var out []*pslNode
		for i := lo; i < hi; i++ {
			x := node(i)
			length := x & mask(consts["nodesBitsTextLength"])
			x >>= consts["nodesBitsTextLength"]
			offset := x & mask(consts["nodesBitsTextOffset"])
			x >>= consts["nodesBitsTextOffset"]
			icann := x&mask(consts["nodesBitsICANN"]) != 0
			x >>= consts["nodesBitsICANN"]
			c := child(x & mask(consts["nodesBitsChildren"]))
			clo := c & mask(consts["childrenBitsLo"])
			c >>= consts["childrenBitsLo"]
			chi := c & mask(consts["childrenBitsHi"])
			c >>= consts["childrenBitsHi"]
			typ := c & mask(consts["childrenBitsNodeType"])
			c >>= consts["childrenBitsNodeType"]
			if offset+length > uint64(len(text)) {
				return nil, fmt.Errorf("corrupt table: node %d text", i)
			}
			n := &pslNode{label: string(text[offset : offset+length]), icann: icann,
				rule: typ == consts["nodeTypeNormal"], exception: typ == consts["nodeTypeException"],
				wildcard: c&mask(consts["childrenBitsWildcard"]) != 0}
			if clo < chi {
				if n.children, err = decode(clo, chi, depth+1); err != nil {
					return nil, err
				}
			}
			out = append(out, n)
		}
		return out, nil
	}
	nodes, err = decode(0, consts["numTLD"], 0)
	return nodes, version, err
}

// encodePSL writes the whole tree compactly for the JS client, which ports
// x/net's lookup as is (the ICANN bit of every node takes part in it, so the
// private section cannot be left out). A node is its label, prefixed by '^'
// when its ICANN bit is clear, then '!' for an exception or '~' when no rule
// ends there; '*' after the label for a wildcard rule; then its children in
// parentheses, comma separated:
//
//	jp(ac,~kawasaki*(!city),...),^~io(^github)
func encodePSL(nodes []*pslNode) string {
	var b strings.Builder
	var write func([]*pslNode)
	write = func(ns []*pslNode) {
		sorted := append([]*pslNode(nil), ns...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i].label < sorted[j].label })
		for i, n := range sorted {
			if i > 0 {
				b.WriteByte(',')
			}
			if !n.icann {
				b.WriteByte('^')
			}
			switch {
			case n.exception:
				b.WriteByte('!')
			case !n.rule:
				b.WriteByte('~')
			}
			b.WriteString(n.label)
			if n.wildcard {
				b.WriteByte('*')
			}
			if len(n.children) > 0 {
				b.WriteByte('(')
				write(n.children)
				b.WriteByte(')')
			}
		}
	}
	write(nodes)
	return b.String()
}

// pslRules lists the encoded rules as PSL lines ("*.ck", "!www.ck"), for tests.
func pslRules(nodes []*pslNode, parent string, out *[]string) {
	for _, n := range nodes {
		name := n.label
		if parent != "" {
			name += "." + parent
		}
		if n.rule {
			*out = append(*out, name)
		}
		if n.exception {
			*out = append(*out, "!"+name)
		}
		if n.wildcard {
			*out = append(*out, "*."+name)
		}
		pslRules(n.children, name, out)
	}
}

func checkLabels(nodes []*pslNode) error {
	var bad bytes.Buffer
	var walk func([]*pslNode)
	walk = func(ns []*pslNode) {
		for _, n := range ns {
			if strings.ContainsAny(n.label, "(),!~*.^") || n.label == "" {
				fmt.Fprintf(&bad, " %q", n.label)
			}
			walk(n.children)
		}
	}
	walk(nodes)
	if bad.Len() > 0 {
		return fmt.Errorf("public suffix labels the encoding cannot carry:%s", bad.String())
	}
	return nil
}
