// Package filewriter is the file sink of the egress exporter: an append-only
// file of whole lines with size and age rotation, retention of rotated files,
// optional gzip compression of rotated files and periodic fsync.
//
// Where each job lives:
//
//   - writer.go: [Writer] and [Options]. Opening the active file (mode, the
//     repair of a torn tail a crash left), appending whole lines (the line
//     guarantee), [Writer.Sync] and [Writer.Close].
//   - rotate.go: when and how the active file is rotated: by size on a
//     write, by age on a write or on [Writer.RotateIfAged].
//   - naming.go: the names of rotated files (type naming): making a free
//     name at rotation, recognizing ours among other files, listing them
//     ([Writer.RotatedFiles]).
//   - retention.go: [Writer.Mill], the pass over rotated files that deletes
//     those past retention and compresses the rest.
//   - gzip.go: crash-safe gzip of one rotated file.
//
// The clock is per writer ([Options.Now]): nothing in the package reads a
// global one, so tests run writers with their own fake clocks side by side.
//
// Why not gopkg.in/natefinch/lumberjack.v2 (v2.2.1): it has no rotation by
// age (only deletion by age), sizes in whole megabytes, a package-global clock
// (tests cannot inject one per writer), no fsync, creates missing directories
// 0755 and compresses asynchronously with no way to wait for it. Each of those
// is a requirement here, so this small writer owns them instead.
package filewriter // import "github.com/sbi-telemetry/otelcol-sbi/exporter/egressexporter/internal/filewriter"
