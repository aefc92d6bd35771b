// Command policydoc writes the data inventory of a policy file
// (docs/data-inventory.md): what can leave the collector, and why.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

func main() {
	file := flag.String("policy", "config/policy.yaml", "policy file")
	out := flag.String("out", "", "output file (default: stdout)")
	flag.Parse()
	if err := run(*file, *out); err != nil {
		fmt.Fprintln(os.Stderr, "policydoc:", err)
		os.Exit(1)
	}
}

func run(file, out string) error {
	p, err := policy.LoadFile(file)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := policy.WriteInventory(&b, p, file); err != nil {
		return err
	}
	if out == "" {
		_, err = os.Stdout.Write(b.Bytes())
		return err
	}
	return os.WriteFile(out, b.Bytes(), 0o644)
}
