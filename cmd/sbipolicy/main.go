// Command sbipolicy is the review tool of the privacy policy: it explains what
// the policy does to events (explain), what one policy version lets out that
// another does not (diff), validates a policy as the collector does (check),
// and regenerates docs/policy-changes.md (changes). Every decision it prints
// comes from the policy engine the collector runs.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

const usage = `usage:
  sbipolicy explain [--policy FILE] [--now RFC3339] [--service-name NAME] [FILE|-]
      what the policy does to each event and attribute, and which rule decides;
      then the exact records minimize emits (OTLP JSON). Input: compact JSON
      (as /v1/events accepts it) or OTLP JSON (ExportLogsServiceRequest).
  sbipolicy diff OLD NEW
      Markdown: what NEW lets out that OLD did not, and the reverse. Exit 1
      when NEW lets more out but keeps OLD's version. OLD and NEW are files,
      or REV:PATH for a file as committed (e.g. main:config/policy.yaml).
  sbipolicy check FILE
      validates FILE exactly as the collector does (same messages); exit 1 on error.
  sbipolicy changes [--policy config/policy.yaml] [--out docs/policy-changes.md]
      regenerates the policy change log from the file's git history.
`

// errUsage makes main exit 2 (a usage error) rather than 1.
var errUsage = errors.New("usage")

func main() {
	code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	os.Exit(code)
}

// run is main without the process: tests call it with buffers.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "explain":
		err = runExplain(args[1:], stdin, stdout)
	case "diff":
		err = runDiff(args[1:], stdout)
	case "check":
		err = runCheck(args[1:], stdout)
		if err != nil && !errors.Is(err, errUsage) {
			fmt.Fprintln(stderr, err) // the collector's message, as it is
			return 1
		}
	case "changes":
		err = runChanges(args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = fmt.Errorf("%w: unknown command %q", errUsage, args[0])
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "sbipolicy: %v\n%s", err, usage)
		return 2
	default:
		fmt.Fprintf(stderr, "sbipolicy: %v\n", err)
		return 1
	}
}
