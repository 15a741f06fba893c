package kafkaio

import (
	"encoding/base64"
	"net/url"
	"slices"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"

	"github.com/kafarr/kafarr/internal/adbcerr"
)

// Every error leaving this package that a user can see is built by
// internal/adbcerr (New, NewState, Wrap), so that it carries an ADBC status
// and a message starting "kafarr: ".

// topicNotFound is the error for a topic that does not exist: NotFound
// with the SQLSTATE of a missing table (42S02), which DB-API and ODBC tools
// key on. A missing partition of an existing topic is not a missing table
// and gets no SQLSTATE.
func topicNotFound(topic string) error {
	return adbcerr.NewState(adbc.StatusNotFound, adbcerr.TableNotFound, "topic %q does not exist", topic)
}

// topicExists is the error for creating a topic that exists: AlreadyExists
// with the SQLSTATE of an existing table (42S01).
func topicExists(topic string) error {
	return adbcerr.NewState(adbc.StatusAlreadyExists, adbcerr.TableExists, "topic %q already exists", topic)
}

// redactor removes secrets from error text. franz-go and net/http errors do
// not normally carry passwords, but a broker or proxy can echo what it was
// sent, so every message built from a foreign error is scrubbed of the
// configured secrets before it reaches the caller.
type redactor []string

// newRedactor returns a redactor of secrets in the forms an echo could
// carry them: as is, percent-encoded (for a query, a path or user info)
// and base64 (standard and URL alphabets, padded or not). Secrets shorter
// than 4 bytes are left out: replacing them would garble messages while
// protecting nothing.
func newRedactor(secrets ...string) redactor {
	var r redactor
	for _, s := range secrets {
		if len(s) < 4 {
			continue
		}
		r = append(r, s, url.QueryEscape(s), url.PathEscape(s),
			strings.TrimPrefix(url.UserPassword("", s).String(), ":"))
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			r = append(r, enc.EncodeToString([]byte(s)))
		}
	}
	slices.Sort(r)
	r = slices.Compact(r)
	// Longest first, so that a form containing another goes whole.
	slices.SortStableFunc(r, func(a, b string) int { return len(b) - len(a) })
	return r
}

// redact replaces every occurrence of a secret in s with "***".
func (r redactor) redact(s string) string {
	for _, secret := range r {
		s = strings.ReplaceAll(s, secret, "***")
	}
	return s
}

// redactErr returns err with secrets scrubbed from its text, keeping an
// adbc.Error's status.
func (r redactor) redactErr(err error) error {
	if err == nil || len(r) == 0 {
		return err
	}
	if ae, ok := adbcerr.As(err); ok {
		ae.Msg = r.redact(ae.Msg)
		return ae
	}
	msg := err.Error()
	if red := r.redact(msg); red != msg {
		return adbcerr.New(adbcerr.Status(err), "%s", red)
	}
	return err
}
