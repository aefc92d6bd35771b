// Package ociimage builds the otelcol-sbi container image without a container daemon: an OCI
// image index with one image per platform, each the static binary, its default config and the
// policy, on a base of CA certificates, time zone data and a passwd entry for the non-root
// user. Everything is deterministic (sorted entries, fixed owners, modes and times), so the
// same inputs give the same bytes, as the release checksums require.
package ociimage

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The runtime user, as in distroless "nonroot".
const (
	UID = 65532
	GID = 65532
)

// Paths inside the image; deploy/ and the Dockerfile use the same.
const (
	BinaryPath = "/usr/local/bin/otelcol-sbi"
	ConfigPath = "/etc/otelcol-sbi/otelcol.yaml"
	PolicyPath = "/etc/otelcol-sbi/policy.yaml"
	DataDir    = "/var/lib/otelcol-sbi"
)

// Spec is what goes into the image.
type Spec struct {
	Version  string            // image version label
	Ref      string            // the layout's ref name, e.g. ghcr.io/sbi-telemetry/otelcol-sbi:0.1.0
	Binaries map[string]string // "linux/amd64" -> path of the static binary
	Config   string            // the default collector config (deploy/container/otelcol.yaml)
	Policy   string            // config/policy.yaml
	CACerts  string            // CA bundle of the build machine, e.g. /etc/ssl/certs/ca-certificates.crt
	ZoneInfo string            // time zone database directory, e.g. /usr/share/zoneinfo ("" to omit)
	Created  time.Time         // every timestamp (SOURCE_DATE_EPOCH)
	Labels   map[string]string // extra OCI labels
}

// entry is one file or directory of a layer.
type entry struct {
	name     string // absolute path inside the image
	dir      bool
	mode     int64
	uid, gid int
	data     []byte
	link     string // symlink target
}

// layerOf writes entries (and their parent directories) as a deterministic tar layer.
func layerOf(entries []entry, mtime time.Time) (v1.Layer, error) {
	seen := map[string]bool{}
	var all []entry
	for _, e := range entries {
		for d := path.Dir(e.name); d != "/" && !seen[d]; d = path.Dir(d) {
			seen[d] = true
			all = append(all, entry{name: d, dir: true, mode: 0o755})
		}
		if e.dir && seen[e.name] {
			// An explicit directory overrides the implicit parent.
			for i := range all {
				if all[i].name == e.name {
					all[i] = e
				}
			}
			continue
		}
		seen[e.name] = true
		all = append(all, e)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].name < all[j].name })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range all {
		h := &tar.Header{
			Name: strings.TrimPrefix(e.name, "/"), Mode: e.mode, Uid: e.uid, Gid: e.gid,
			ModTime: mtime, Format: tar.FormatPAX,
		}
		switch {
		case e.dir:
			h.Typeflag, h.Name = tar.TypeDir, h.Name+"/"
		case e.link != "":
			h.Typeflag, h.Linkname = tar.TypeSymlink, e.link
		default:
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(e.data); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}, tarball.WithMediaType(types.OCILayer))
}

// baseEntries: passwd and group with the non-root user, a writable /tmp, the CA bundle and
// the time zone database.
func baseEntries(s Spec) ([]entry, error) {
	es := []entry{
		{name: "/etc/passwd", mode: 0o644, data: []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
		{name: "/etc/group", mode: 0o644, data: []byte("root:x:0:\nnonroot:x:65532:\n")},
		{name: "/tmp", dir: true, mode: 0o1777},
		{name: "/home/nonroot", dir: true, mode: 0o700, uid: UID, gid: GID},
	}
	ca, err := os.ReadFile(s.CACerts)
	if err != nil {
		return nil, fmt.Errorf("CA bundle: %w", err)
	}
	es = append(es, entry{name: "/etc/ssl/certs/ca-certificates.crt", mode: 0o644, data: ca})
	if s.ZoneInfo != "" {
		err := filepath.WalkDir(s.ZoneInfo, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(s.ZoneInfo, p)
			name := path.Join("/usr/share/zoneinfo", filepath.ToSlash(rel))
			switch {
			case d.IsDir():
				es = append(es, entry{name: name, dir: true, mode: 0o755})
			case d.Type()&fs.ModeSymlink != 0:
				target, err := os.Readlink(p)
				if err != nil {
					return err
				}
				es = append(es, entry{name: name, mode: 0o777, link: target})
			case d.Type().IsRegular():
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				es = append(es, entry{name: name, mode: 0o644, data: b})
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("zoneinfo: %w", err)
		}
	}
	return es, nil
}

// Image builds the image of one platform.
func Image(s Spec, platform, binary string) (v1.Image, error) {
	base, err := baseEntries(s)
	if err != nil {
		return nil, err
	}
	baseLayer, err := layerOf(base, s.Created)
	if err != nil {
		return nil, err
	}
	bin, err := os.ReadFile(binary)
	if err != nil {
		return nil, err
	}
	cfg, err := os.ReadFile(s.Config)
	if err != nil {
		return nil, err
	}
	pol, err := os.ReadFile(s.Policy)
	if err != nil {
		return nil, err
	}
	appLayer, err := layerOf([]entry{
		{name: BinaryPath, mode: 0o755, data: bin},
		{name: ConfigPath, mode: 0o644, data: cfg},
		{name: PolicyPath, mode: 0o644, data: pol},
		// The events file and the queue: owned by the runtime user (a volume in production).
		{name: DataDir, dir: true, mode: 0o700, uid: UID, gid: GID},
	}, s.Created)
	if err != nil {
		return nil, err
	}
	osName, arch, ok := strings.Cut(platform, "/")
	if !ok {
		return nil, fmt.Errorf("platform %q is not os/arch", platform)
	}
	img, err := mutate.AppendLayers(empty.Image, baseLayer, appLayer)
	if err != nil {
		return nil, err
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = osName, arch
	cf.Created = v1.Time{Time: s.Created}
	labels := map[string]string{
		"org.opencontainers.image.title":    "otelcol-sbi",
		"org.opencontainers.image.version":  s.Version,
		"org.opencontainers.image.licenses": "Apache-2.0",
	}
	for k, v := range s.Labels {
		labels[k] = v
	}
	cf.Config = v1.Config{
		User:         fmt.Sprintf("%d:%d", UID, GID),
		Entrypoint:   []string{BinaryPath},
		Cmd:          []string{"--config=" + ConfigPath},
		WorkingDir:   DataDir,
		Env:          []string{"PATH=/usr/local/bin:/usr/bin:/bin"},
		ExposedPorts: map[string]struct{}{"4318/tcp": {}, "13133/tcp": {}, "8888/tcp": {}},
		Labels:       labels,
	}
	cf.History = nil
	return mutate.ConfigFile(img, cf)
}

// Index builds the multi-platform index of s.Binaries, platforms in sorted order.
func Index(s Spec) (v1.ImageIndex, error) {
	platforms := make([]string, 0, len(s.Binaries))
	for p := range s.Binaries {
		platforms = append(platforms, p)
	}
	sort.Strings(platforms)
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range platforms {
		img, err := Image(s, p, s.Binaries[p])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		osName, arch, _ := strings.Cut(p, "/")
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: osName, Architecture: arch}},
		})
	}
	return idx, nil
}

// WriteArchive writes s as an OCI image layout tarball (what `podman load`, `skopeo copy
// oci-archive:` and `crane push` read), its index named s.Ref.
func WriteArchive(s Spec, out string) error {
	idx, err := Index(s)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "ociimage-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	if err := lp.AppendIndex(idx, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": s.Ref,
	})); err != nil {
		return err
	}
	return tarDir(dir, out, s.Created)
}

// tarDir archives a directory deterministically.
func tarDir(dir, out string, mtime time.Time) error {
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(names)
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	for _, p := range names {
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h := &tar.Header{Name: filepath.ToSlash(rel), ModTime: mtime, Mode: 0o644, Format: tar.FormatPAX}
		if st.IsDir() {
			h.Typeflag, h.Name, h.Mode = tar.TypeDir, h.Name+"/", 0o755
		} else {
			h.Typeflag, h.Size = tar.TypeReg, st.Size()
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if !st.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if _, err := tw.Write(b); err != nil {
				return err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return f.Close()
}
