package policy

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"gopkg.in/yaml.v3"
)

// Config selects the policy a component enforces. Both `minimize` and the
// `egress` guard embed it (squashed), so ops configure them with the same keys
// and the same default: the seed policy embedded in the binary.
type Config struct {
	// PolicyFile is the path of a policy YAML file. Empty: the seed policy.
	PolicyFile string `mapstructure:"policy_file"`
	// Policy is an inline policy, the same schema as the file. Mutually
	// exclusive with PolicyFile.
	Policy map[string]any `mapstructure:"policy"`
}

// Validate loads and compiles the configured policy, so that `otelcol validate`
// and the collector's start both fail with the file, the rule and the problem.
func (c *Config) Validate() error {
	_, err := c.Compile()
	return err
}

// Compile returns the compiled policy the config names. Compiled policies are
// cached by content, so a processor and an exporter that name the same file
// share one evaluator.
func (c *Config) Compile() (*Policy, error) {
	switch {
	case c.PolicyFile != "" && len(c.Policy) > 0:
		return nil, errors.New("policy_file and policy are mutually exclusive: set one")
	case c.PolicyFile != "":
		return LoadFile(c.PolicyFile)
	case len(c.Policy) > 0:
		data, err := yaml.Marshal(c.Policy)
		if err != nil {
			return nil, fmt.Errorf("policy (inline): %w", err)
		}
		return cached("inline", data)
	default:
		return Seed(), nil
	}
}

// LoadFile reads and compiles a policy file.
func LoadFile(path string) (*Policy, error) {
	data, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is named once, in front
		}
		return nil, fmt.Errorf("policy %s: %w", path, err)
	}
	return cached(path, data)
}

// compiledCache maps a policy's content hash to its compiled form: the same
// policy, named by file or embedded, compiles once per process.
var compiledCache sync.Map // [sha256.Size]byte -> *Policy

func cached(source string, data []byte) (*Policy, error) {
	key := sha256.Sum256(data)
	if p, ok := compiledCache.Load(key); ok {
		return p.(*Policy), nil
	}
	p, err := Parse(data, source)
	if err != nil {
		return nil, err
	}
	actual, _ := compiledCache.LoadOrStore(key, p)
	return actual.(*Policy), nil
}
