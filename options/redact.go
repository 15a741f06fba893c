package options

import (
	"net/url"
	"strings"
)

// Masking. GetOption, the option-validation messages and the debug log of
// a connection's options show URLs through Redact, so that a credential
// typed into a URL never comes back out. docs/security.md documents the
// masked forms; they are part of the driver's behaviour and stay stable.

// Mask replaces a masked password or secret query value: the same
// "xxxxx" that Go's url.URL.Redacted writes.
const Mask = "xxxxx"

// unparsable replaces a whole URL that does not parse and may hold a
// credential (it has user info, a query or percent-encoding), since what
// is secret in it cannot be told apart.
const unparsable = "<redacted>"

// maxRedactDepth bounds how many URLs nested in query values, or layers
// of percent-encoding, Redact looks through; deeper than that, a value
// that could hide a credential is replaced whole.
const maxRedactDepth = 4

// Redact returns s, a URI or URL (or a comma-separated list of URLs), with
// every credential in it masked:
//
//   - the password of user info (scheme://user:password@host, and a bare
//     user:password@host) becomes xxxxx; the user name stays;
//   - the value of a query parameter that sets a secret option (password,
//     schema_registry.password, schema_registry.bearer_token, with or
//     without the kafarr. prefix) becomes xxxxx;
//   - every other query value is redacted in turn, so that a URL carried
//     in the query (schema_registry.url=https%3A%2F%2Fuser%3Apass%40host)
//     has its password masked, and the query is re-encoded (keys sorted);
//   - a value that hides a URL with a credential under one or more layers
//     of percent-encoding is shown decoded, with the credential masked;
//   - a string that does not parse as a URL and contains @, ? or % becomes
//     <redacted>.
//
// Redact of an already redacted string returns it unchanged.
func Redact(s string) string { return redact(s, 0) }

func redact(s string, depth int) string {
	if depth > maxRedactDepth {
		if strings.ContainsAny(s, "@?%") {
			return unparsable
		}
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		if strings.ContainsAny(s, "@?%") {
			return unparsable
		}
		return s
	}
	if u.Opaque == "" && (u.Host != "" || u.User != nil) {
		// A URL with an authority: mask its password, redact its query.
		if u.User != nil {
			if _, ok := u.User.Password(); ok {
				u.User = url.UserPassword(u.User.Username(), Mask)
			}
		}
		if u.RawQuery != "" {
			u.RawQuery = redactQuery(u.RawQuery, depth)
		}
		// A list of URLs parses as one whose path holds the others.
		return maskUserinfo(u.String())
	}
	// No authority: a bare user:password@host, or a URL hidden under
	// percent-encoding (a value encoded once more than it needed to be).
	out := maskUserinfo(s)
	if dec, err := url.QueryUnescape(s); err == nil && dec != s {
		if r := redact(dec, depth+1); r != dec {
			return r
		}
	}
	if out == s && u.RawQuery != "" {
		// A path with a query (no scheme): the query may still hold
		// secret parameters.
		u.RawQuery = redactQuery(u.RawQuery, depth)
		out = u.String()
	}
	return out
}

// redactQuery masks the values of secret parameters in a raw query and
// redacts the others; it returns the query re-encoded.
func redactQuery(raw string, depth int) string {
	q, err := url.ParseQuery(raw)
	if err != nil || raw == unparsable {
		return unparsable
	}
	for k, vals := range q {
		for i, v := range vals {
			if isSecretParam(k) {
				vals[i] = Mask
			} else {
				vals[i] = redact(v, depth+1)
			}
		}
	}
	return q.Encode()
}

// secretKeys holds the key of every option defined Secret; def fills it.
// (Redact cannot read defs: the URL kind in defs calls Redact.)
var secretKeys = map[string]bool{}

// isSecretParam reports whether the URI query parameter p sets a secret
// option, or names one.
func isSecretParam(p string) bool {
	return secretKeys[uriParamKey(p)] || secretKeys[p]
}

// maskUserinfo masks the password of every user:password@ in s, a URL or
// a comma-separated list of them: in each element, the text after an
// optional scheme:// and before the first / ? or #, up to its last @, is
// user info, and what follows its first colon is the password.
func maskUserinfo(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		start := 0
		if j := strings.Index(p, "://"); j >= 0 {
			start = j + 3
		}
		auth := p[start:]
		if j := strings.IndexAny(auth, "/?#"); j >= 0 {
			auth = auth[:j]
		}
		at := strings.LastIndex(auth, "@")
		if at < 0 {
			continue
		}
		colon := strings.Index(auth[:at], ":")
		if colon < 0 || auth[colon+1:at] == Mask {
			continue
		}
		parts[i] = p[:start+colon+1] + Mask + p[start+at:]
	}
	return strings.Join(parts, ",")
}
