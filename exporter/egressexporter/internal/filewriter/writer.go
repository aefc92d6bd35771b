package filewriter

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

const (
	// FileMode is the mode of every file the writer creates.
	FileMode fs.FileMode = 0o600
	// DirMode is the mode of a directory the writer creates.
	DirMode fs.FileMode = 0o700
)

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("filewriter: closed")

// Options configures a Writer.
type Options struct {
	// Path of the active file. Rotated files sit beside it as
	// <name>-<UTC time><ext>[.gz].
	Path string
	// MaxBytes rotates before a line would take the active file past it.
	// 0 disables size rotation. A single line larger than MaxBytes is still
	// written whole, into a file of its own.
	MaxBytes int64
	// MaxAge rotates the active file once it has been open this long.
	// 0 disables age rotation.
	MaxAge time.Duration
	// Retention deletes rotated files whose rotation time is older than this.
	// 0 keeps them forever.
	Retention time.Duration
	// Compress gzips rotated files.
	Compress bool
	// Now is this writer's clock (file age, rotation names, retention);
	// nil means time.Now.
	Now func() time.Time
	// OnRotate is called after each rotation (telemetry).
	OnRotate func()
}

// Writer appends whole lines to a file. It is safe for concurrent use.
//
// Line guarantee: each line is handed to the kernel in a single write(2) on a
// file opened O_APPEND, under a lock, and the writer keeps no user-space
// buffer: lines never interleave, a line is visible to readers as soon as
// WriteLine returns, and a process crash loses nothing WriteLine returned for.
// A failed or short write is rolled back by truncating to the last line
// boundary. The one thing no writer can prevent is a crash during a write
// (SIGKILL can stop the kernel's copy part way; a power loss can lose the end
// of unsynced data): that leaves a prefix of one line, always at the end of
// the active file. Reopening terminates such a fragment with '\n', so it is a
// single bad line that a line-oriented reader skips and the next line starts
// clean. A crash between a rotation's rename and the creation of the next
// active file leaves no active file; opening creates it.
type Writer struct {
	opts  Options
	names naming

	mu       sync.Mutex
	f        *os.File
	size     int64
	openedAt time.Time
	dirty    bool
	closed   bool

	millMu sync.Mutex
}

// New opens (or creates) the active file.
func New(opts Options) (*Writer, error) {
	if opts.Path == "" {
		return nil, errors.New("filewriter: empty path")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	w := &Writer{opts: opts, names: newNaming(opts.Path)}
	if err := os.MkdirAll(filepath.Dir(opts.Path), DirMode); err != nil {
		return nil, fmt.Errorf("filewriter: create directory: %w", err)
	}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

// open opens or creates the active file for appending, tightens its mode and
// terminates a torn last line.
func (w *Writer) open() error {
	f, err := os.OpenFile(w.opts.Path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, FileMode)
	if err != nil {
		return fmt.Errorf("filewriter: open: %w", err)
	}
	// An existing file keeps its content but not a looser mode.
	if err = f.Chmod(FileMode); err != nil {
		_ = f.Close()
		return fmt.Errorf("filewriter: chmod: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("filewriter: stat: %w", err)
	}
	size := st.Size()
	if size > 0 {
		terminated, err := endsWithNewline(w.opts.Path, size)
		if err != nil {
			_ = f.Close()
			return err
		}
		if !terminated {
			// Torn tail from a crash: end it so the next line starts clean.
			if _, err := f.Write([]byte{'\n'}); err != nil {
				_ = f.Close()
				return fmt.Errorf("filewriter: terminate torn line: %w", err)
			}
			size++
		}
	}
	w.f, w.size, w.openedAt = f, size, w.opts.Now()
	return nil
}

func endsWithNewline(path string, size int64) (bool, error) {
	r, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("filewriter: open for check: %w", err)
	}
	defer r.Close()
	b := make([]byte, 1)
	if _, err := r.ReadAt(b, size-1); err != nil {
		return false, fmt.Errorf("filewriter: read tail: %w", err)
	}
	return b[0] == '\n', nil
}

// WriteLine writes line (which must not contain '\n') followed by '\n' in one
// write, rotating first if the line would exceed MaxBytes or the file is older
// than MaxAge. It returns the number of bytes written. The newline is
// appended in line's spare capacity when there is some: the caller hands the
// buffer over.
func (w *Writer) WriteLine(line []byte) (int, error) {
	return w.writeBuf(append(line, '\n'))
}

// writeBuf writes buf, one or more whole lines, in a single write.
func (w *Writer) writeBuf(buf []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, ErrClosed
	}
	if w.needRotate(int64(len(buf))) {
		if err := w.rotateLocked(); err != nil {
			return 0, err
		}
	}
	n, err := w.f.Write(buf)
	if err != nil || n != len(buf) {
		if n > 0 {
			// Keep the file a sequence of whole lines.
			if terr := w.f.Truncate(w.size); terr != nil {
				err = errors.Join(err, fmt.Errorf("filewriter: roll back partial line: %w", terr))
			}
		}
		if err == nil {
			err = io.ErrShortWrite
		}
		return 0, fmt.Errorf("filewriter: write: %w", err)
	}
	w.size += int64(n)
	w.dirty = true
	return n, nil
}

// Sync fsyncs the active file if anything was written since the last Sync.
func (w *Writer) Sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || !w.dirty {
		return nil
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("filewriter: sync: %w", err)
	}
	w.dirty = false
	return nil
}

// Close fsyncs and closes the active file, then compresses and applies
// retention once more.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	err := w.f.Sync()
	err = errors.Join(err, w.f.Close())
	w.mu.Unlock()
	return errors.Join(err, w.Mill())
}

// syncDir makes renames durable; best effort (not all filesystems allow it).
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
