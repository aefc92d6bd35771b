package policy

// URLInfo describes the policy's `url:` settings, for the review tools
// (Describe covers events and attributes; this covers how url attributes are
// sanitized).
type URLInfo struct {
	Mode      string
	MaxLength int
	// QueryAllowlist lists the query parameters that may stay (sorted).
	QueryAllowlist []string
	// Summary is the sanitizer's own one-line account of what of a URL
	// leaves (the data inventory's); it changes when rules beyond the mode,
	// the length and the query allowlist change (e.g. generalize mode's
	// vocabularies).
	Summary string
}

// DescribeURL returns the policy's URL settings as data.
func (p *Policy) DescribeURL() URLInfo {
	return URLInfo{
		Mode:           p.url.Mode(),
		MaxLength:      p.url.MaxLength(),
		QueryAllowlist: p.url.QueryAllowlist(),
		Summary:        p.url.Describe(),
	}
}
