// Command sbiclientgen generates the policy-derived parts of the extension's
// client library (client/js): the vocabulary, the attribute rules and the
// TypeScript types, from the policy file the collector enforces, so the client
// cannot send a value the policy does not name.
//
// The output goes between marker lines inside client/js/sbi-telemetry.js and
// client/js/sbi-telemetry.d.ts, so the library stays one file an extension can
// vendor and import unbundled (a service worker module, a page, no build step).
//
//	go run ./cmd/sbiclientgen -policy config/policy.yaml -dir client/js
//	go run ./cmd/sbiclientgen -check   # exit 1 when the files are stale
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

func main() {
	file := flag.String("policy", "config/policy.yaml", "policy file")
	dir := flag.String("dir", "client/js", "directory of sbi-telemetry.js and sbi-telemetry.d.ts")
	check := flag.Bool("check", false, "only report whether the generated regions are up to date")
	flag.Parse()
	if err := run(*file, *dir, *check); err != nil {
		fmt.Fprintln(os.Stderr, "sbiclientgen:", err)
		os.Exit(1)
	}
}

func run(policyFile, dir string, check bool) error {
	out, err := render(policyFile)
	if err != nil {
		return err
	}
	var stale []string
	for _, f := range out.files() {
		path := filepath.Join(dir, f.name)
		old, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		updated, err := splice(old, f.region, f.comment)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if bytes.Equal(old, updated) {
			continue
		}
		if check {
			stale = append(stale, path)
			continue
		}
		if err := os.WriteFile(path, updated, 0o644); err != nil {
			return err
		}
	}
	if len(stale) > 0 {
		return fmt.Errorf("generated code is stale in %v: run `make generate-client`", stale)
	}
	return nil
}

func loadPSLData() (pslData, error) {
	nodes, version, err := loadPSL()
	if err != nil {
		return pslData{}, err
	}
	if err := checkLabels(nodes); err != nil {
		return pslData{}, err
	}
	return pslData{encoded: encodePSL(nodes), version: version}, nil
}

// render loads the policy and renders every generated region.
func render(policyFile string) (*output, error) {
	p, err := policy.LoadFile(policyFile)
	if err != nil {
		return nil, err
	}
	urls, _, err := loadURLSpec(policyFile)
	if err != nil {
		return nil, err
	}
	psl, err := loadPSLData()
	if err != nil {
		return nil, err
	}
	return generate(p.Describe(), urls, psl)
}
