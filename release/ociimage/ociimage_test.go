package ociimage

import (
	"archive/tar"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func spec(t *testing.T) Spec {
	t.Helper()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	zone := filepath.Join(dir, "zoneinfo", "Europe")
	require.NoError(t, os.MkdirAll(zone, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(zone, "Berlin"), []byte("TZif-test"), 0o600))
	require.NoError(t, os.Symlink("Europe/Berlin", filepath.Join(dir, "zoneinfo", "CET")))
	return Spec{
		Version:  "1.2.3",
		Ref:      "example.test/otelcol-sbi:1.2.3",
		Binaries: map[string]string{"linux/amd64": write("bin-amd64", "amd64 binary"), "linux/arm64": write("bin-arm64", "arm64 binary")},
		Config:   write("otelcol.yaml", "receivers: {}\n"),
		Policy:   write("policy.yaml", "version: test\n"),
		CACerts:  write("ca.crt", "-----BEGIN CERTIFICATE-----\n"),
		ZoneInfo: filepath.Join(dir, "zoneinfo"),
		Created:  time.Unix(1_700_000_000, 0).UTC(),
	}
}

func digest(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return sha256.Sum256(b)
}

// TestArchiveIsReproducible: the same inputs give the same bytes; any input change does not.
func TestArchiveIsReproducible(t *testing.T) {
	s := spec(t)
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a.tar"), filepath.Join(dir, "b.tar"), filepath.Join(dir, "c.tar")
	require.NoError(t, WriteArchive(s, a))
	require.NoError(t, WriteArchive(s, b))
	assert.Equal(t, digest(t, a), digest(t, b), "two builds of the same inputs differ")
	require.NoError(t, os.WriteFile(s.Policy, []byte("version: changed\n"), 0o600))
	require.NoError(t, WriteArchive(s, c))
	assert.NotEqual(t, digest(t, a), digest(t, c), "a policy change must change the image")
}

// TestImageContents reads the archive back as an OCI layout: one image per platform, each
// running the binary as the non-root user with the default config, the files where deploy/
// expects them, the data directory owned by that user.
func TestImageContents(t *testing.T) {
	s := spec(t)
	archive := filepath.Join(t.TempDir(), "img.tar")
	require.NoError(t, WriteArchive(s, archive))
	dir := untar(t, archive)

	lp, err := layout.FromPath(dir)
	require.NoError(t, err)
	outer, err := lp.ImageIndex()
	require.NoError(t, err)
	om, err := outer.IndexManifest()
	require.NoError(t, err)
	require.Len(t, om.Manifests, 1)
	assert.Equal(t, s.Ref, om.Manifests[0].Annotations["org.opencontainers.image.ref.name"])
	idx, err := outer.ImageIndex(om.Manifests[0].Digest)
	require.NoError(t, err)
	im, err := idx.IndexManifest()
	require.NoError(t, err)
	require.Len(t, im.Manifests, 2)
	for i, want := range []string{"amd64", "arm64"} {
		d := im.Manifests[i]
		require.NotNil(t, d.Platform)
		assert.Equal(t, "linux", d.Platform.OS)
		assert.Equal(t, want, d.Platform.Architecture)
		img, err := idx.Image(d.Digest)
		require.NoError(t, err)
		cf, err := img.ConfigFile()
		require.NoError(t, err)
		assert.Equal(t, want, cf.Architecture)
		assert.Equal(t, "65532:65532", cf.Config.User)
		assert.Equal(t, []string{BinaryPath}, cf.Config.Entrypoint)
		assert.Equal(t, []string{"--config=" + ConfigPath}, cf.Config.Cmd)
		assert.Equal(t, s.Version, cf.Config.Labels["org.opencontainers.image.version"])
		assert.True(t, cf.Created.Time.Equal(s.Created))

		files := map[string]*tar.Header{}
		contents := map[string]string{}
		rc := mutate.Extract(img)
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			files["/"+strings.TrimSuffix(h.Name, "/")] = h
			if h.Typeflag == tar.TypeReg {
				b, err := io.ReadAll(tr)
				require.NoError(t, err)
				contents["/"+h.Name] = string(b)
			}
			assert.True(t, h.ModTime.Equal(s.Created), "%s has a fixed time", h.Name)
		}
		require.NoError(t, rc.Close())
		assert.Equal(t, want+" binary", contents[BinaryPath])
		assert.EqualValues(t, 0o755, files[BinaryPath].Mode)
		assert.Equal(t, "receivers: {}\n", contents[ConfigPath])
		assert.Equal(t, "version: test\n", contents[PolicyPath])
		require.Contains(t, files, DataDir)
		assert.Equal(t, UID, files[DataDir].Uid, "the data directory belongs to the runtime user")
		assert.Equal(t, byte(tar.TypeDir), files[DataDir].Typeflag)
		assert.Contains(t, contents["/etc/passwd"], "nonroot:x:65532:65532:")
		assert.Contains(t, contents, "/etc/ssl/certs/ca-certificates.crt")
		assert.Equal(t, "TZif-test", contents["/usr/share/zoneinfo/Europe/Berlin"])
		assert.Equal(t, "Europe/Berlin", files["/usr/share/zoneinfo/CET"].Linkname)
	}
}

func untar(t *testing.T, archive string) string {
	t.Helper()
	dir := t.TempDir()
	f, err := os.Open(archive)
	require.NoError(t, err)
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return dir
		}
		require.NoError(t, err)
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		require.True(t, strings.HasPrefix(p, dir+string(filepath.Separator)), h.Name)
		if h.Typeflag == tar.TypeDir {
			require.NoError(t, os.MkdirAll(p, 0o755))
			continue
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		b, err := io.ReadAll(tr)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(p, b, 0o644))
	}
}
