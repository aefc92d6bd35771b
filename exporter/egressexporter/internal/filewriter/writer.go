// Package filewriter is the file sink of the egress exporter: an append-only
// file of whole lines with size and age rotation, retention of rotated files,
// optional gzip compression of rotated files and periodic fsync.
//
// Why not gopkg.in/natefinch/lumberjack.v2 (v2.2.1): it has no rotation by
// age (only deletion by age), sizes in whole megabytes, a package-global clock
// (tests cannot inject one per writer), no fsync, creates missing directories
// 0755 and compresses asynchronously with no way to wait for it. Each of those
// is a requirement here, so this small writer owns them instead.
package filewriter // import "github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter/internal/filewriter"

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	// FileMode is the mode of every file the writer creates.
	FileMode fs.FileMode = 0o600
	// DirMode is the mode of a directory the writer creates.
	DirMode fs.FileMode = 0o700

	// timeFormat stamps rotated files; lexical order is time order.
	timeFormat = "20060102T150405.000000000Z"
	gzExt      = ".gz"
	tmpExt     = ".tmp"
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
	// Now is the clock; nil means time.Now.
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
// clean.
type Writer struct {
	opts Options

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
	w := &Writer{opts: opts}
	if err := os.MkdirAll(filepath.Dir(opts.Path), DirMode); err != nil {
		return nil, fmt.Errorf("filewriter: create directory: %w", err)
	}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

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

func (w *Writer) needRotate(next int64) bool {
	if w.size == 0 {
		return false
	}
	if w.opts.MaxBytes > 0 && w.size+next > w.opts.MaxBytes {
		return true
	}
	return w.opts.MaxAge > 0 && !w.opts.Now().Before(w.openedAt.Add(w.opts.MaxAge))
}

// Rotate closes the active file under a timestamped name and opens a new one.
// An empty active file is not rotated.
func (w *Writer) Rotate() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if w.size == 0 {
		return nil
	}
	return w.rotateLocked()
}

// RotateIfAged rotates the active file if it is non-empty and older than
// MaxAge, so an idle file does not stay active forever.
func (w *Writer) RotateIfAged() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.size == 0 || w.opts.MaxAge <= 0 {
		return nil
	}
	if w.opts.Now().Before(w.openedAt.Add(w.opts.MaxAge)) {
		return nil
	}
	return w.rotateLocked()
}

func (w *Writer) rotateLocked() error {
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("filewriter: sync before rotation: %w", err)
	}
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("filewriter: close before rotation: %w", err)
	}
	dst := w.rotatedName(w.opts.Now())
	if err := os.Rename(w.opts.Path, dst); err != nil {
		// Reopen what we have so writes can continue.
		if oerr := w.open(); oerr != nil {
			return errors.Join(fmt.Errorf("filewriter: rotate: %w", err), oerr)
		}
		return fmt.Errorf("filewriter: rotate: %w", err)
	}
	syncDir(filepath.Dir(w.opts.Path))
	w.dirty = false
	if err := w.open(); err != nil {
		return err
	}
	if w.opts.OnRotate != nil {
		w.opts.OnRotate()
	}
	return nil
}

func (w *Writer) prefixExt() (dir, prefix, ext string) {
	dir = filepath.Dir(w.opts.Path)
	base := filepath.Base(w.opts.Path)
	ext = filepath.Ext(base)
	return dir, strings.TrimSuffix(base, ext) + "-", ext
}

// rotatedName is <prefix><time><ext>, with -N before the extension on a
// collision (two rotations within one clock tick).
func (w *Writer) rotatedName(t time.Time) string {
	dir, prefix, ext := w.prefixExt()
	stamp := t.UTC().Format(timeFormat)
	for i := 0; ; i++ {
		name := prefix + stamp
		if i > 0 {
			name += "-" + strconv.Itoa(i)
		}
		p := filepath.Join(dir, name+ext)
		if !exists(p) && !exists(p+gzExt) {
			return p
		}
	}
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
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

// Rotated is a rotated file found beside the active one.
type Rotated struct {
	Path       string
	RotatedAt  time.Time
	Compressed bool
}

// RotatedFiles lists rotated files, oldest first. Files whose names do not
// parse as ours are ignored, never touched.
func (w *Writer) RotatedFiles() ([]Rotated, error) {
	dir, prefix, ext := w.prefixExt()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("filewriter: list: %w", err)
	}
	var out []Rotated
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		name := e.Name()
		t, compressed, ok := parseRotatedName(name, prefix, ext)
		if !ok {
			continue
		}
		out = append(out, Rotated{Path: filepath.Join(dir, name), RotatedAt: t, Compressed: compressed})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// parseRotatedName recognizes <prefix><time>[-N]<ext>[.gz], the names
// rotatedName produces; anything else is not ours.
func parseRotatedName(name, prefix, ext string) (t time.Time, compressed, ok bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return time.Time{}, false, false
	}
	if r, ok := strings.CutSuffix(rest, ext+gzExt); ok {
		rest, compressed = r, true
	} else if r, ok := strings.CutSuffix(rest, ext); ok {
		rest = r
	} else {
		return time.Time{}, false, false
	}
	stamp, counter, hasCounter := strings.Cut(rest, "-")
	if hasCounter {
		if n, err := strconv.Atoi(counter); err != nil || n < 1 || strconv.Itoa(n) != counter {
			return time.Time{}, false, false
		}
	}
	t, err := time.Parse(timeFormat, stamp)
	if err != nil {
		return time.Time{}, false, false
	}
	return t, compressed, true
}

// Mill compresses rotated files (if enabled) and deletes those past
// Retention. It is idempotent, so an interrupted run is finished by the next.
func (w *Writer) Mill() error {
	w.millMu.Lock()
	defer w.millMu.Unlock()
	files, err := w.RotatedFiles()
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

// syncDir makes renames durable; best effort (not all filesystems allow it).
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
