package policy

// URLInfo describes the policy's `url:` settings, for the review tools
// (Describe covers events and attributes; this covers how url attributes are
// sanitized).
type URLInfo struct {
	Mode      string
	MaxLength int
	// QueryAllowlist lists the query parameters that may stay (sorted).
	QueryAllowlist []string
	// Sets holds the mode's other closed sets (e.g. kept subdomains, path
	// words, site templates), by setting name, each sorted. Adding a member
	// lets more out; removing one, less.
	Sets map[string][]string
}

// DescribeURL returns the policy's URL settings as data.
func (p *Policy) DescribeURL() URLInfo {
	return URLInfo{
		Mode:           p.url.mode.String(),
		MaxLength:      p.url.maxLen,
		QueryAllowlist: sortedKeys(p.url.query),
	}
}
