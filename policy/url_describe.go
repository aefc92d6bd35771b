package policy

import "strings"

// The accessors DescribeURL reads, with the names and meanings the URL
// generalizer package (policy/pageurl) gives them; this file goes away with
// urlSanitizer when that package replaces it.

func (s *urlSanitizer) Mode() string { return s.mode.String() }

func (s *urlSanitizer) MaxLength() int { return s.maxLen }

func (s *urlSanitizer) QueryAllowlist() []string { return sortedKeys(s.query) }

func (s *urlSanitizer) Describe() string {
	q := "no query"
	if len(s.query) > 0 {
		q = "query only " + strings.Join(s.QueryAllowlist(), ", ")
	}
	return "sanitized (" + s.mode.String() + " mode, " + q + ", no user info or fragment, IP hosts as {ip})"
}
