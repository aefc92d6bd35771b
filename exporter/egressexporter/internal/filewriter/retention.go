package filewriter

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Mill deletes rotated files past Retention and compresses the others (if
// enabled). It is idempotent, so an interrupted run is finished by the next.
func (w *Writer) Mill() error {
	w.millMu.Lock()
	defer w.millMu.Unlock()
	files, err := w.names.list()
	if err != nil {
		return err
	}
	var errs error
	now := w.opts.Now()
	for _, r := range files {
		if w.opts.Retention > 0 && now.Sub(r.RotatedAt) > w.opts.Retention {
			if err := os.Remove(r.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = errors.Join(errs, fmt.Errorf("filewriter: retention: %w", err))
			}
			continue
		}
		if w.opts.Compress && !r.Compressed {
			errs = errors.Join(errs, compressFile(r.Path))
		}
	}
	return errs
}
