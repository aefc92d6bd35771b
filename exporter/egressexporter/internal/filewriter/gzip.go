package filewriter

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

const (
	gzExt  = ".gz"
	tmpExt = ".tmp"
)

// compressFile writes path.gz via a temporary file, fsyncs it, renames it
// into place and only then removes the original: a crash at any point leaves
// either the original or a complete .gz (a stale .tmp is overwritten later).
func compressFile(path string) error {
	src, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("filewriter: compress: %w", err)
	}
	defer src.Close()
	dst := path + gzExt
	tmp := dst + tmpExt
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, FileMode)
	if err != nil {
		return fmt.Errorf("filewriter: compress: %w", err)
	}
	zw := gzip.NewWriter(out)
	_, err = io.Copy(zw, src)
	err = errors.Join(err, zw.Close())
	err = errors.Join(err, out.Sync())
	err = errors.Join(err, out.Close())
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("filewriter: compress: %w", err)
	}
	syncDir(filepath.Dir(path))
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("filewriter: compress: remove original: %w", err)
	}
	return nil
}
