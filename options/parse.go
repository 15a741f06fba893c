package options

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// SplitBrokers parses a comma-separated host:port list.
func SplitBrokers(v string) ([]string, error) {
	var out []string
	for _, b := range strings.Split(v, ",") {
		b = strings.TrimSpace(b)
		if b == "" {
			continue
		}
		if strings.Contains(b, "@") {
			// Not echoed: what comes before the @ is user info.
			return nil, fmt.Errorf("a broker address cannot carry user info; set username and password (or the URI's user info) instead")
		}
		host, port, err := net.SplitHostPort(b)
		if err != nil || host == "" {
			return nil, fmt.Errorf("%q is not host:port", b)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return nil, fmt.Errorf("%q has an invalid port", b)
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no broker address given")
	}
	return out, nil
}

// ParseMetadataColumns parses kafarr.read.metadata_columns: "none" or a
// comma-separated list of metadata column names, without repeats.
func ParseMetadataColumns(v string) ([]string, error) {
	v = strings.TrimSpace(v)
	if v == "none" || v == "" {
		return nil, nil
	}
	var out []string
	seen := map[string]bool{}
	for _, c := range strings.Split(v, ",") {
		c = strings.TrimSpace(c)
		if !IsMetadataColumn(c) {
			return nil, fmt.Errorf("%q is not a metadata column", c)
		}
		if seen[c] {
			return nil, fmt.Errorf("%q is listed twice", c)
		}
		seen[c] = true
		out = append(out, c)
	}
	return out, nil
}

// IsMetadataColumn reports whether name is one of MetadataColumnNames.
func IsMetadataColumn(name string) bool {
	for _, m := range MetadataColumnNames {
		if m == name {
			return true
		}
	}
	return false
}

// ReadSchemaKind says how the reader schema is chosen.
type ReadSchemaKind uint8

const (
	// SchemaLatest is the latest version of the value subject at execute
	// time.
	SchemaLatest ReadSchemaKind = iota
	// SchemaVersion is a version number of the value subject.
	SchemaVersion
	// SchemaID is a registry schema id.
	SchemaID
	// SchemaFirst is the schema of the first message read; the read stops
	// where the schema changes.
	SchemaFirst
)

// ReadSchemaSpec is a parsed kafarr.read.schema.
type ReadSchemaSpec struct {
	Kind ReadSchemaKind
	// N is the version or id for SchemaVersion and SchemaID.
	N int
}

// String returns the spec as a kafarr.read.schema value, which
// ParseReadSchema parses back.
func (r ReadSchemaSpec) String() string {
	switch r.Kind {
	case SchemaFirst:
		return "first"
	case SchemaVersion:
		return "version:" + strconv.Itoa(r.N)
	case SchemaID:
		return "id:" + strconv.Itoa(r.N)
	}
	return "latest"
}

// ParseReadSchema parses latest | first | version:<n> | id:<n>.
func ParseReadSchema(v string) (ReadSchemaSpec, error) {
	switch v {
	case "latest":
		return ReadSchemaSpec{Kind: SchemaLatest}, nil
	case "first":
		return ReadSchemaSpec{Kind: SchemaFirst}, nil
	}
	kind, num, ok := strings.Cut(v, ":")
	if ok {
		n, err := strconv.Atoi(num)
		switch {
		case err != nil || n < 0:
		case kind == "version" && n >= 1:
			return ReadSchemaSpec{Kind: SchemaVersion, N: n}, nil
		case kind == "id":
			return ReadSchemaSpec{Kind: SchemaID, N: n}, nil
		}
	}
	return ReadSchemaSpec{}, fmt.Errorf("got %q", v)
}

// ParseURI splits a kafka:// URI into options: the hosts become
// kafarr.bootstrap_servers, user info becomes username and password, and
// each query parameter p=v becomes kafarr.p=v (a parameter that already
// starts with "kafarr." or is an ADBC standard key is kept as is).
func ParseURI(uri string) (map[string]string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		if strings.Contains(uri, "@") {
			// The parser's message quotes the part it choked on, which
			// for user info is part of the password (an unencoded / ? or
			// # ends the host early).
			return nil, fmt.Errorf("%q is not a valid URI: percent-encode the user name, the password and query values", Redact(uri))
		}
		return nil, fmt.Errorf("cannot parse %q: %v", Redact(uri), stripURL(err))
	}
	if u.Scheme != "kafka" && u.Scheme != "kafarr" {
		return nil, fmt.Errorf("%q must start with kafka://", Redact(uri))
	}
	out := map[string]string{}
	if u.Host != "" {
		if _, err := SplitBrokers(u.Host); err != nil {
			return nil, fmt.Errorf("%s: %v", Redact(uri), err)
		}
		out[BootstrapServers] = u.Host
	}
	if u.User != nil {
		out[Username] = u.User.Username()
		if p, ok := u.User.Password(); ok {
			out[Password] = p
		}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("%s: bad query string", Redact(uri))
	}
	for k, vals := range q {
		out[uriParamKey(k)] = vals[len(vals)-1]
	}
	return out, nil
}

// uriParamKey is the option a URI query parameter sets: p sets kafarr.p,
// unless p already starts with "kafarr." or "adbc." or is username or
// password.
func uriParamKey(p string) string {
	if strings.HasPrefix(p, "kafarr.") || strings.HasPrefix(p, "adbc.") || p == Username || p == Password {
		return p
	}
	return "kafarr." + p
}

// stripURL keeps url.Error from echoing the (possibly secret-bearing) URL.
func stripURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
