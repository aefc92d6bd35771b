// Command ociimage builds the otelcol-sbi OCI image layout tarball without a container daemon
// (`make release` runs it):
//
//	ociimage -version 0.1.0 -binary linux/amd64=dist/release/otelcol-sbi_0.1.0_linux_amd64 \
//	  -binary linux/arm64=... -config deploy/container/otelcol.yaml -policy config/policy.yaml \
//	  -out dist/release/otelcol-sbi_0.1.0_oci.tar
//
// Timestamps come from SOURCE_DATE_EPOCH (0 when unset), so two builds give the same bytes.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sbi-telemetry/otelcol-sbi/release/ociimage"
)

type binaries map[string]string

func (b binaries) String() string { return fmt.Sprint(map[string]string(b)) }
func (b binaries) Set(v string) error {
	p, path, ok := strings.Cut(v, "=")
	if !ok || !strings.Contains(p, "/") {
		return fmt.Errorf("want os/arch=path, got %q", v)
	}
	b[p] = path
	return nil
}

func main() {
	s := ociimage.Spec{Binaries: binaries{}, Labels: map[string]string{}}
	flag.StringVar(&s.Version, "version", "", "image version (label and layout ref name)")
	flag.Var(binaries(s.Binaries), "binary", "os/arch=path of a static binary (repeat per platform)")
	flag.StringVar(&s.Config, "config", "deploy/container/otelcol.yaml", "default collector config")
	flag.StringVar(&s.Policy, "policy", "config/policy.yaml", "privacy policy")
	flag.StringVar(&s.CACerts, "ca-certs", "/etc/ssl/certs/ca-certificates.crt", "CA bundle to include")
	flag.StringVar(&s.ZoneInfo, "zoneinfo", "/usr/share/zoneinfo", "time zone database to include (empty: none)")
	source := flag.String("source", "https://github.com/sbi-telemetry/otelcol-sbi", "org.opencontainers.image.source label")
	repo := flag.String("repository", "ghcr.io/sbi-telemetry/otelcol-sbi", "image repository; the layout's ref name is <repository>:<version>")
	out := flag.String("out", "", "output OCI layout tarball")
	flag.Parse()
	s.Ref = *repo + ":" + s.Version
	if s.Version == "" || len(s.Binaries) == 0 || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	s.Labels["org.opencontainers.image.source"] = *source
	epoch := int64(0)
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ociimage: SOURCE_DATE_EPOCH:", err)
			os.Exit(2)
		}
		epoch = n
	}
	s.Created = time.Unix(epoch, 0).UTC()
	if err := ociimage.WriteArchive(s, *out); err != nil {
		fmt.Fprintln(os.Stderr, "ociimage:", err)
		os.Exit(1)
	}
}
