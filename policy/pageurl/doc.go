// Package pageurl reduces a page URL to what the privacy policy allows it to
// say: "from which page a search was initiated" (§2 Search source page URL,
// §3). It owns the `url:` block of a policy file: its Spec (decoded by the
// policy loader), the Compile step that validates it, and the Generalizer
// that the policy engine runs on every url-typed attribute.
//
// Modes:
//
//   - generalize (the seed policy's): the site and the kind of page, nothing
//     about the user. The host is reduced to its registrable domain plus
//     subdomain labels from an allowlist (others become {sub}); hosts that are
//     or embed an IP address become {ip}; a path segment survives only as a
//     word of the policy's path vocabulary or as part of a site template
//     (AliExpress /item/{id}.html, /w/wholesale-{query}.html, ...); every
//     other segment becomes {id} (it contains a digit) or {seg} (it does not),
//     keeping an allowlisted file extension.
//   - template: the host as sent, path segments that look like identifiers
//     replaced by {id}.
//   - path: the path as sent.
//   - origin: scheme, host and port only.
//
// In every mode: only http and https; user info, fragment and query (but for
// allowlisted parameters) removed; the host lowercased; the default port
// removed; URLs over max_length, or that a browser would not send, dropped.
// The output is canonical: Generalize(Generalize(x)) == Generalize(x), and a
// generalized URL is a fixed point, which is what the egress guard checks.
//
// # Public suffix list
//
// The only external dependency is golang.org/x/net/publicsuffix, and only
// its PublicSuffix function (EffectiveTLDPlusOne is used by Compile, to check
// that a site's domains are registrable domains). The registrable domain is
// computed from the ICANN section of the list only:
//
//	suffix, icann := publicsuffix.PublicSuffix(host)
//	while !icann and suffix contains a dot:
//	    suffix, icann = publicsuffix.PublicSuffix(suffix without its first label)
//	if !icann (a top-level label the list does not know: .local, .lan, a bare name): host → {host}
//	if suffix == host (the host is itself a public suffix, such as co.uk): kept as is
//	registrable domain = the label left of suffix + "." + suffix
//
// Private-section suffixes (github.io, blogspot.com, myshopify.com,
// *.compute-1.amazonaws.com) are deliberately not used: under them the label
// left of the suffix is a tenant (a user's blog, a shop, a machine), so
// alice.github.io becomes {sub}.github.io, not alice.github.io. A browser port
// of these rules therefore needs the ICANN section of the list only.
package pageurl
