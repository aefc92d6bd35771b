package egressexporter // import "github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter"

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/sbi-telemetry/otelcol-sbi/policy"
)

// Config is the configuration of the egress exporter. Exactly one of File and
// OTLP must be set.
type Config struct {
	TimeoutConfig exporterhelper.TimeoutConfig                             `mapstructure:",squash"`
	QueueConfig   configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	RetryConfig   configretry.BackOffConfig                                `mapstructure:"retry_on_failure"`

	// Guard selects the policy the guard checks records against: the same
	// keys (policy_file / policy) and default (the seed policy) as minimize.
	Guard policy.Config `mapstructure:",squash"`

	// UnsafeDisableGuard exports records without checking them against the
	// policy. It exists to measure the cost of moving bytes (bench/, "the
	// floor"); the exporter warns at start when it is set, and no shipped
	// config sets it. Named like tls' insecure_skip_verify: it is never the
	// default and it says what it does.
	UnsafeDisableGuard bool `mapstructure:"unsafe_disable_guard"`

	File configoptional.Optional[FileConfig] `mapstructure:"file"`
	OTLP configoptional.Optional[OTLPConfig] `mapstructure:"otlp"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// FileConfig is the file destination.
type FileConfig struct {
	// Path of the active file; its directory is created 0700 if missing.
	Path string `mapstructure:"path"`
	// Rotation of the active file.
	Rotation RotationConfig `mapstructure:"rotation"`
	// RetentionDays deletes rotated files rotated more than this many days
	// ago. 0 keeps them.
	RetentionDays int `mapstructure:"retention_days"`
	// Compression of rotated files: "none" (or empty) or "gzip".
	Compression string `mapstructure:"compression"`
	// FlushInterval is how often written data is fsynced to disk. Lines are
	// visible to readers as soon as they are written; this bounds what a
	// power loss can take.
	FlushInterval time.Duration `mapstructure:"flush_interval"`
}

// RotationConfig rotates the active file by size and by age.
type RotationConfig struct {
	// MaxMegabytes rotates before the active file would exceed this size
	// (MiB). 0 disables size rotation.
	MaxMegabytes int `mapstructure:"max_megabytes"`
	// MaxAge rotates the active file once it has been open this long.
	// 0 disables age rotation.
	MaxAge time.Duration `mapstructure:"max_age"`
}

const (
	compressionNone = "none"
	compressionGzip = "gzip"

	protocolHTTP = "http"
	protocolGRPC = "grpc"
)

// OTLPConfig is the OTLP destination. Protocol selects which of the
// collector's client configs the remaining keys of the `otlp:` block are
// decoded into: confighttp.ClientConfig for http (endpoint is the base URL,
// /v1/logs is appended) or configgrpc.ClientConfig for grpc (endpoint is
// host:port). Both carry tls, headers, compression and auth.
type OTLPConfig struct {
	Protocol string                  `mapstructure:"protocol"`
	HTTP     confighttp.ClientConfig `mapstructure:"-"`
	GRPC     configgrpc.ClientConfig `mapstructure:"-"`
}

var (
	_                      component.Config    = (*Config)(nil)
	_                      confmap.Unmarshaler = (*OTLPConfig)(nil)
	_                      confmap.Validator   = (*OTLPConfig)(nil)
	_                      confmap.Validator   = (*FileConfig)(nil)
	_                      confmap.Validator   = (*Config)(nil)
	errBothDestinations                        = errors.New("exactly one destination: set either `file` or `otlp`, not both")
	errNoDestination                           = errors.New("no destination: set `file` or `otlp`")
	errEmptyPath                               = errors.New("`path` must not be empty")
	errEmptyEndpoint                           = errors.New("`endpoint` must not be empty")
	errBadProtocol                             = errors.New("`protocol` must be `http` or `grpc`")
	errBadCompression                          = errors.New("`compression` must be `none` or `gzip`")
	errNegativeMaxMB                           = errors.New("`rotation.max_megabytes` must not be negative")
	errNegativeMaxAge                          = errors.New("`rotation.max_age` must not be negative")
	errNegativeRetention                       = errors.New("`retention_days` must not be negative")
	errNonPositiveInterval                     = errors.New("`flush_interval` must be positive")
)

// Validate checks the destination choice. The parts validate themselves
// (confmap walks every field, the policy included).
func (cfg *Config) Validate() error {
	switch {
	case cfg.File.HasValue() && cfg.OTLP.HasValue():
		return errBothDestinations
	case !cfg.File.HasValue() && !cfg.OTLP.HasValue():
		return errNoDestination
	}
	return nil
}

// Validate checks the file destination without touching the filesystem
// beyond looking: the path must not be a directory and its parent, if it
// exists, must be one.
func (fc *FileConfig) Validate() error {
	var errs error
	if fc.Path == "" {
		errs = errors.Join(errs, errEmptyPath)
	} else {
		if st, err := os.Stat(fc.Path); err == nil && st.IsDir() {
			errs = errors.Join(errs, fmt.Errorf("`path` %q is a directory; name a file", fc.Path))
		}
		if st, err := os.Stat(filepath.Dir(fc.Path)); err == nil && !st.IsDir() {
			errs = errors.Join(errs, fmt.Errorf("`path` %q: parent is not a directory", fc.Path))
		}
	}
	if fc.Rotation.MaxMegabytes < 0 {
		errs = errors.Join(errs, errNegativeMaxMB)
	}
	if fc.Rotation.MaxAge < 0 {
		errs = errors.Join(errs, errNegativeMaxAge)
	}
	if fc.RetentionDays < 0 {
		errs = errors.Join(errs, errNegativeRetention)
	}
	switch fc.Compression {
	case "", compressionNone, compressionGzip:
	default:
		errs = errors.Join(errs, errBadCompression)
	}
	if fc.FlushInterval <= 0 {
		errs = errors.Join(errs, errNonPositiveInterval)
	}
	return errs
}

// Validate checks the OTLP destination. The endpoint is never echoed: it may
// carry credentials.
func (oc *OTLPConfig) Validate() error {
	switch oc.Protocol {
	case protocolHTTP:
		if oc.HTTP.Endpoint == "" {
			return errEmptyEndpoint
		}
		u, err := url.Parse(oc.HTTP.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("`endpoint` must be an http:// or https:// URL for protocol http")
		}
	case protocolGRPC:
		if oc.GRPC.Endpoint == "" {
			return errEmptyEndpoint
		}
	default:
		return errBadProtocol
	}
	return nil
}

// Unmarshal reads `protocol` first, then decodes the other keys of the block
// into that protocol's client config, so unknown keys are still rejected.
func (oc *OTLPConfig) Unmarshal(conf *confmap.Conf) error {
	if conf.IsSet("protocol") {
		p, ok := conf.Get("protocol").(string)
		if !ok {
			return errBadProtocol
		}
		oc.Protocol = p
		conf.Delete("protocol")
	}
	switch oc.Protocol {
	case protocolHTTP:
		return conf.Unmarshal(&oc.HTTP)
	case protocolGRPC:
		return conf.Unmarshal(&oc.GRPC)
	default:
		return errBadProtocol
	}
}

// rotationBytes converts the configured size limit.
func (fc *FileConfig) rotationBytes() int64 {
	return int64(fc.Rotation.MaxMegabytes) * 1024 * 1024
}
