package filewriter

import (
	"errors"
	"fmt"
	"os"
)

// needRotate reports whether the active file must be rotated before next
// bytes are appended: it would pass MaxBytes, or it reached MaxAge. An empty
// file is never rotated (a line larger than MaxBytes gets a file of its own).
func (w *Writer) needRotate(next int64) bool {
	if w.size == 0 {
		return false
	}
	if w.opts.MaxBytes > 0 && w.size+next > w.opts.MaxBytes {
		return true
	}
	return w.aged()
}

func (w *Writer) aged() bool {
	return w.opts.MaxAge > 0 && !w.opts.Now().Before(w.openedAt.Add(w.opts.MaxAge))
}

// RotateIfAged rotates the active file if it is non-empty and older than
// MaxAge, so an idle file does not stay active forever.
func (w *Writer) RotateIfAged() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.size == 0 || !w.aged() {
		return nil
	}
	return w.rotateLocked()
}

// rotateLocked fsyncs and closes the active file, renames it to a rotated
// name and opens a new active file. A crash after the rename and before the
// open leaves no active file, which the next open creates.
func (w *Writer) rotateLocked() error {
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("filewriter: sync before rotation: %w", err)
	}
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("filewriter: close before rotation: %w", err)
	}
	if err := os.Rename(w.opts.Path, w.names.rotated(w.opts.Now())); err != nil {
		// Reopen what we have so writes can continue.
		if oerr := w.open(); oerr != nil {
			return errors.Join(fmt.Errorf("filewriter: rotate: %w", err), oerr)
		}
		return fmt.Errorf("filewriter: rotate: %w", err)
	}
	syncDir(w.names.dir)
	w.dirty = false
	if err := w.open(); err != nil {
		return err
	}
	if w.opts.OnRotate != nil {
		w.opts.OnRotate()
	}
	return nil
}
