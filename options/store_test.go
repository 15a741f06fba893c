package options

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
)

func status(err error) adbc.Status {
	var ae adbc.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return adbc.StatusUnknown
}

func TestSetValidation(t *testing.T) {
	tests := []struct {
		key, val string
		level    Level
		code     adbc.Status // StatusOK when accepted
		msg      string      // substring of the error
	}{
		{ReadTimeoutMs, "5000", LevelStatement, adbc.StatusOK, ""},
		{ReadTimeoutMs, "0", LevelStatement, adbc.StatusInvalidArgument, "kafarr: option kafarr.read.timeout_ms: got \"0\"; it accepts an integer from 1 to 2147483647"},
		{ReadTimeoutMs, "soon", LevelDatabase, adbc.StatusInvalidArgument, "kafarr.read.timeout_ms"},
		{ReadOnError, "skip", LevelConnection, adbc.StatusOK, ""},
		{ReadOnError, "ignore", LevelConnection, adbc.StatusInvalidArgument, "it accepts one of fail, skip, null"},
		{ReadSchema, "version:3", LevelStatement, adbc.StatusOK, ""},
		{ReadSchema, "id:0", LevelStatement, adbc.StatusOK, ""},
		{ReadSchema, "version:0", LevelStatement, adbc.StatusInvalidArgument, "latest, first, version:<n> or id:<n>"},
		{ReadMetadataColumns, "none", LevelStatement, adbc.StatusOK, ""},
		{ReadMetadataColumns, "_key, _headers", LevelStatement, adbc.StatusOK, ""},
		{ReadMetadataColumns, "_offset,_offset", LevelStatement, adbc.StatusInvalidArgument, `"_offset" is listed twice`},
		{ReadMetadataColumns, "offset", LevelStatement, adbc.StatusInvalidArgument, `"offset" is not a metadata column`},
		{BootstrapServers, "a:1,b:2", LevelDatabase, adbc.StatusOK, ""},
		{BootstrapServers, "a", LevelDatabase, adbc.StatusInvalidArgument, `"a" is not host:port`},
		{BootstrapServers, "a:1", LevelConnection, adbc.StatusInvalidArgument, "can only be set on the database, not on a connection"},
		{SchemaRegistryURL, "ftp://x", LevelDatabase, adbc.StatusInvalidArgument, "an http:// or https:// URL"},
		{SchemaRegistryPassword, "hunter2", LevelDatabase, adbc.StatusOK, ""},
		{IngestCompression, "brotli", LevelStatement, adbc.StatusInvalidArgument, "none, gzip, snappy, lz4, zstd"},
		{IngestValueSchemaVersion, "latest", LevelStatement, adbc.StatusOK, ""},
		{IngestValueSchemaVersion, "-1", LevelStatement, adbc.StatusInvalidArgument, "latest or a version number"},
		{SASLMechanism, "GSSAPI", LevelDatabase, adbc.StatusInvalidArgument, "PLAIN, SCRAM-SHA-256, SCRAM-SHA-512"},
		{"kafarr.read.timeout", "5", LevelStatement, adbc.StatusInvalidArgument, `unknown option "kafarr.read.timeout"`},
		{"something.else", "5", LevelStatement, adbc.StatusInvalidArgument, `unknown option "something.else"`},
	}
	for _, tt := range tests {
		s := NewStore()
		for s.Level() < tt.level {
			s = s.Child()
		}
		err := s.Set(tt.key, tt.val)
		if tt.code == adbc.StatusOK {
			if err != nil {
				t.Errorf("Set(%s, %s): %v", tt.key, tt.val, err)
			} else if got := s.Get(tt.key); got != tt.val {
				t.Errorf("Get(%s) = %q, want %q", tt.key, got, tt.val)
			}
			continue
		}
		if status(err) != tt.code || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Set(%s, %s) = %v (status %v), want %v containing %q", tt.key, tt.val, err, status(err), tt.code, tt.msg)
		}
	}
}

func TestLayering(t *testing.T) {
	db := NewStore()
	conn := db.Child()
	stmt := conn.Child()
	if got := stmt.Get(ReadBatchRows); got != "65536" {
		t.Fatalf("default batch rows = %q", got)
	}
	must(t, db.Set(ReadBatchRows, "100"))
	if got := stmt.Read().BatchRows; got != 100 {
		t.Fatalf("inherited from database: %d", got)
	}
	must(t, conn.Set(ReadBatchRows, "200"))
	must(t, stmt.Set(ReadBatchRows, "300"))
	if db.Get(ReadBatchRows) != "100" || conn.Get(ReadBatchRows) != "200" || stmt.Get(ReadBatchRows) != "300" {
		t.Fatalf("narrowest level must win: %s %s %s", db.Get(ReadBatchRows), conn.Get(ReadBatchRows), stmt.Get(ReadBatchRows))
	}
	if _, err := stmt.GetOption(ConsumerGroup); status(err) != adbc.StatusNotFound {
		t.Fatalf("unset option without default: %v", err)
	}
	must(t, db.Set(SchemaRegistryPassword, "s3cret"))
	if _, err := stmt.GetOption(SchemaRegistryPassword); status(err) != adbc.StatusNotFound || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("secret readable: %v", err)
	}
}

func TestURI(t *testing.T) {
	s := NewStore()
	uri := "kafka://alice:pw%21@h1:9092,h2:9093?schema_registry.url=http%3A%2F%2Fh%3A8081&read.timeout_ms=5000&schema_registry.password=topsecret"
	must(t, s.Set(URI, uri))
	want := map[string]string{
		BootstrapServers:       "h1:9092,h2:9093",
		SchemaRegistryURL:      "http://h:8081",
		ReadTimeoutMs:          "5000",
		Username:               "alice",
		Password:               "pw!",
		SchemaRegistryPassword: "topsecret",
	}
	for k, v := range want {
		if got := s.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	got, err := s.GetOption(URI)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "pw") || strings.Contains(got, "topsecret") {
		t.Fatalf("GetOption(uri) leaks a secret: %s", got)
	}
	// A bad value inside the URI is rejected like a bad option.
	err = NewStore().Set(URI, "kafka://h:1?read.on_error=explode&schema_registry.password=zzz")
	if status(err) != adbc.StatusInvalidArgument || !strings.Contains(err.Error(), "kafarr.read.on_error") || strings.Contains(err.Error(), "zzz") {
		t.Fatalf("bad URI option: %v", err)
	}
	err = NewStore().Set(URI, "http://h:1")
	if status(err) != adbc.StatusInvalidArgument || !strings.Contains(err.Error(), "must start with kafka://") {
		t.Fatalf("wrong scheme: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestRegistryURLPasswordNotReadBack(t *testing.T) {
	s := NewStore()
	must(t, s.Set(SchemaRegistryURL, "https://alice:s3cret@registry:8081"))
	got, err := s.Child().Child().GetOption(SchemaRegistryURL)
	if err != nil || strings.Contains(got, "s3cret") || !strings.Contains(got, "alice") || !strings.Contains(got, "registry:8081") {
		t.Fatalf("GetOption(registry url) = %q, %v", got, err)
	}
	if s.Get(SchemaRegistryURL) != "https://alice:s3cret@registry:8081" {
		t.Fatal("the stored URL must keep its credentials for connecting")
	}
}
