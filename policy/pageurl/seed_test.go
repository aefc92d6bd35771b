package pageurl

import (
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/sbi-telemetry/otelcol-sbi/config"
)

// seed compiles the url block of config/policy.yaml, the rules under test.
var seed = sync.OnceValue(func() *Generalizer {
	var doc struct {
		URL Spec `yaml:"url"`
	}
	if err := yaml.Unmarshal(config.SeedPolicy, &doc); err != nil {
		panic(err)
	}
	var errs []string
	g := Compile(&doc.URL, func(rule, msg string) { errs = append(errs, rule+": "+msg) })
	if len(errs) > 0 {
		panic(strings.Join(errs, "\n"))
	}
	return g
})

func mustCompile(t testing.TB, s Spec) *Generalizer {
	t.Helper()
	g := Compile(&s, func(rule, msg string) { t.Fatalf("%s: %s", rule, msg) })
	return g
}
