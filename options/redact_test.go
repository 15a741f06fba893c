package options

import (
	"net/url"
	"strings"
	"testing"
)

// TestRedact pins the masked forms docs/security.md documents.
func TestRedact(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// User info: the password is masked, the user name kept.
		{"kafka://u:S3cret@h:9092", "kafka://u:xxxxx@h:9092"},
		{"kafka://u:S3c%2Fr%40t@h1:9092,h2:9092", "kafka://u:xxxxx@h1:9092,h2:9092"},
		{"kafka://u@h:9092", "kafka://u@h:9092"},
		{"https://u:S3cret@reg:8081/apis/ccompat/v7", "https://u:xxxxx@reg:8081/apis/ccompat/v7"},
		// Secret parameters, with or without the kafarr. prefix; the
		// query is re-encoded with its keys sorted.
		{"kafka://h:1?password=S3cret&username=u", "kafka://h:1?password=xxxxx&username=u"},
		{"kafka://h:1?schema_registry.password=a&kafarr.schema_registry.bearer_token=b&read.timeout_ms=5",
			"kafka://h:1?kafarr.schema_registry.bearer_token=xxxxx&read.timeout_ms=5&schema_registry.password=xxxxx"},
		{"kafka://h:1?password=a&password=b", "kafka://h:1?password=xxxxx&password=xxxxx"},
		// A registry URL in the query, percent-encoded once (as it must
		// be) or twice.
		{"kafka://h:1?schema_registry.url=http%3A%2F%2Fu%3AS3cret%40r%3A8081", "kafka://h:1?schema_registry.url=http%3A%2F%2Fu%3Axxxxx%40r%3A8081"},
		{"kafka://h:1?schema_registry.url=http%253A%252F%252Fu%253AS3cret%2540r%253A8081", "kafka://h:1?schema_registry.url=http%3A%2F%2Fu%3Axxxxx%40r%3A8081"},
		{"kafka://h:1?schema_registry.url=http://u:S3cret@r:8081", "kafka://h:1?schema_registry.url=http%3A%2F%2Fu%3Axxxxx%40r%3A8081"},
		{"kafka://h:1?schema_registry.url=http%3A%2F%2Fr%3A8081", "kafka://h:1?schema_registry.url=http%3A%2F%2Fr%3A8081"},
		// Percent-encoded URLs, bare user info and lists.
		{"http%3A%2F%2Fu%3AS3cret%40r%3A8081", "http://u:xxxxx@r:8081"},
		{"http%253A%252F%252Fu%253AS3cret%2540r", "http://u:xxxxx@r"},
		{"u:S3cret@r:8081", "u:xxxxx@r:8081"},
		{"http://r1,http://u:S3cret@r2", "http://r1,http://u:xxxxx@r2"},
		{"http://r1:8081,http://u:S3cret@r2:8081", "<redacted>"},
		// What does not parse and may hide a credential goes whole.
		{"kafka://u:S3c/ret@h", "<redacted>"},
		{"kafka://u:S3c#ret@h", "<redacted>"},
		{"https://u:S3cret@h:1x", "<redacted>"},
		{"kafka://h:1?password=%zz", "kafka://h:1?<redacted>"},
		// Nothing secret: unchanged.
		{"kafka://h1:9092,h2:9092", "kafka://h1:9092,h2:9092"},
		{"http://localhost:8081", "http://localhost:8081"},
		{"latest", "latest"},
		{"", ""},
	} {
		got := Redact(c.in)
		if got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
		if again := Redact(got); again != got {
			t.Errorf("Redact(Redact(%q)) = %q, want %q (stable)", c.in, again, got)
		}
		if strings.Contains(got, "S3c") {
			t.Errorf("Redact(%q) = %q holds the secret", c.in, got)
		}
	}
}

// TestRedactSecretParams: every option defined Secret is masked as a URI
// query parameter, under its key and under its key without kafarr.
func TestRedactSecretParams(t *testing.T) {
	n := 0
	for _, d := range All() {
		if !d.Secret {
			continue
		}
		n++
		for _, p := range []string{d.Key, strings.TrimPrefix(d.Key, "kafarr.")} {
			in := "kafka://h:1?" + p + "=S3cret"
			if got, want := Redact(in), "kafka://h:1?"+p+"="+Mask; got != want {
				t.Errorf("Redact(%q) = %q, want %q", in, got, want)
			}
		}
	}
	if n != len(secretKeys) || n < 3 {
		t.Errorf("%d options are Secret, secretKeys holds %d", n, len(secretKeys))
	}
}

// TestGetOptionMasksURLs: GetOption of uri and of the registry URL never
// returns a password, wherever it was set.
func TestGetOptionMasksURLs(t *testing.T) {
	s := NewStore()
	uri := "kafka://u:S3cret@h:9092?" + url.Values{
		"schema_registry.url": {"https://ru:S3cretReg@r:8081"}, "password": {"S3cretQ"},
	}.Encode()
	if err := s.Set(URI, uri); err != nil {
		t.Fatal(err)
	}
	conn := s.Child()
	stmt := conn.Child()
	for _, st := range []*Store{s, conn, stmt} {
		got, err := st.GetOption(URI)
		if want := "kafka://u:xxxxx@h:9092?password=xxxxx&schema_registry.url=https%3A%2F%2Fru%3Axxxxx%40r%3A8081"; err != nil || got != want {
			t.Errorf("%s GetOption(uri) = %q, %v; want %q", st.Level(), got, err, want)
		}
		if got, err := st.GetOption(SchemaRegistryURL); err != nil || got != "https://ru:xxxxx@r:8081" {
			t.Errorf("%s GetOption(%s) = %q, %v", st.Level(), SchemaRegistryURL, got, err)
		}
		if _, err := st.GetOption(Password); err == nil {
			t.Errorf("%s GetOption(password) answered", st.Level())
		}
	}
	// The options themselves keep the credentials, for connecting.
	if c := s.Cluster(); c.Password.Reveal() != "S3cretQ" || c.Registry.URL.Reveal() != "https://ru:S3cretReg@r:8081" {
		t.Errorf("the settings lost the credentials: %q, %q", c.Password.Reveal(), c.Registry.URL.Reveal())
	}
}

// TestOptionErrorsMaskCredentials: a refused value that carries user
// info is not echoed with its password.
func TestOptionErrorsMaskCredentials(t *testing.T) {
	for key, val := range map[string]string{
		SchemaRegistryURL: "ru:S3cret@r:8081",
		BootstrapServers:  "u:S3cret@h:9092",
		URI:               "kafka://u:S3c/ret@h:9092",
	} {
		err := NewStore().Set(key, val)
		if err == nil {
			t.Errorf("%s=%q was accepted", key, val)
			continue
		}
		if strings.Contains(err.Error(), "S3c") {
			t.Errorf("%s=%q: the error holds the secret: %v", key, val, err)
		}
	}
}
