package options

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
)

// settingsOf returns every typed settings struct of s, for comparisons
// that cover all three.
func settingsOf(s *Store) []any { return []any{s.Read(), s.Ingest(), s.Cluster()} }

func TestEnumsRoundTrip(t *testing.T) {
	read := func(f func(ReadSettings) string) func(*Store) string {
		return func(s *Store) string { return f(s.Read()) }
	}
	ingest := func(f func(IngestSettings) string) func(*Store) string {
		return func(s *Store) string { return f(s.Ingest()) }
	}
	tests := []struct {
		key  string
		vals []string
		get  func(*Store) string
	}{
		{ReadIsolation, []string{string(ReadCommitted), string(ReadUncommitted)},
			read(func(r ReadSettings) string { return string(r.Isolation) })},
		{ReadStart, []string{string(StartEarliest), string(StartLatest)},
			read(func(r ReadSettings) string { return string(r.Start) })},
		{ReadOnError, []string{string(OnErrorFail), string(OnErrorSkip), string(OnErrorNull)},
			read(func(r ReadSettings) string { return string(r.OnError) })},
		{ReadUnionMode, []string{string(UnionStruct), string(UnionDense)},
			read(func(r ReadSettings) string { return string(r.UnionMode) })},
		{ValueFormatKey, []string{string(FormatAuto), string(FormatAvro), string(FormatProtobuf), string(FormatJSON), string(FormatString), string(FormatBinary)},
			read(func(r ReadSettings) string { return string(r.ValueFormat) })},
		{ValueSubjectStrategy, []string{string(StrategyTopic), string(StrategyRecord), string(StrategyTopicRecord)},
			read(func(r ReadSettings) string { return string(r.SubjectStrategy) })},
		{KeyFormatKey, []string{string(KeyAuto), string(KeyString), string(KeyBinary), string(KeyAvro), string(KeyProtobuf), string(KeyJSON)},
			read(func(r ReadSettings) string { return string(r.KeyFormat) })},
		{IngestCompression, []string{string(CompressionNone), string(CompressionGzip), string(CompressionSnappy), string(CompressionLZ4), string(CompressionZstd)},
			ingest(func(i IngestSettings) string { return string(i.Compression) })},
		{IngestCoerce, []string{string(CoerceExact), string(CoerceStrict)},
			ingest(func(i IngestSettings) string { return string(i.Coerce) })},
	}
	for _, tt := range tests {
		// The accepted values are exactly the constants, in this order.
		if want := "one of " + strings.Join(tt.vals, ", "); defs[tt.key].Accepts != want {
			t.Errorf("%s accepts %q, want %q", tt.key, defs[tt.key].Accepts, want)
		}
		for _, v := range tt.vals {
			s := NewStore().Child().Child()
			must(t, s.Set(tt.key, v))
			if got := tt.get(s); got != v {
				t.Errorf("%s=%s: typed value %q", tt.key, v, got)
			}
			if got := s.Get(tt.key); got != v {
				t.Errorf("%s=%s: Get = %q", tt.key, v, got)
			}
		}
		if err := NewStore().Set(tt.key, strings.ToUpper(tt.vals[0])); status(err) != adbc.StatusInvalidArgument {
			t.Errorf("%s=%s: %v, want InvalidArgument", tt.key, strings.ToUpper(tt.vals[0]), err)
		}
	}
}

// TestDefaultsFromDefs checks that the settings of a store where nothing
// is set are those of a store where every option is set to its default
// from the defs table, so that no default lives anywhere else.
func TestDefaultsFromDefs(t *testing.T) {
	explicit := NewStore()
	for _, d := range All() {
		if d.Default != "" {
			must(t, explicit.Set(d.Key, d.Default))
		}
	}
	empty := NewStore().Child().Child()
	for i, want := range settingsOf(explicit) {
		if got := settingsOf(empty)[i]; !reflect.DeepEqual(got, want) {
			t.Errorf("defaults:\n got %+v\nwant %+v", got, want)
		}
	}
	// Spot checks of the parsing (the defs table is the source; these
	// catch a settings field read from the wrong key).
	r, in := empty.Read(), empty.Ingest()
	if r.Timeout != 30*time.Second || r.RegistryTimeout != 10*time.Second || r.BatchRows != 65536 || r.SplitMaxRows != 0 ||
		!reflect.DeepEqual(r.MetadataColumns, []string{"_partition", "_offset", "_timestamp"}) || r.Schema != (ReadSchemaSpec{Kind: SchemaLatest}) {
		t.Errorf("read defaults: %+v", r)
	}
	if in.Partitions != -1 || in.ReplicationFactor != -1 || in.MaxRecordBytes != -1 || in.ValueSchemaVersion != 0 || !in.AutoRegister ||
		in.ValueFormat != IngestAuto || in.KeyFormat != IngestAuto || in.ProtoMessage != "" {
		t.Errorf("ingest defaults: %+v", in)
	}
	if c := empty.Cluster(); c.ClientID != "kafarr" || c.Brokers != nil || c.Registry.Timeout != 10*time.Second {
		t.Errorf("cluster defaults: %+v", c)
	}
}

// sampleValues holds a valid value other than the default for every
// option, so that TestEveryOptionReachesSettings can set each one.
var sampleValues = map[string]string{
	Username: "alice", Password: "pw", BootstrapServers: "h:1,h:2", ClientID: "me",
	SASLMechanism: "SCRAM-SHA-256", TLSEnabled: "true", TLSCAFile: "ca.pem", TLSCertFile: "c.pem",
	TLSKeyFile: "k.pem", TLSInsecureSkipVerify: "true", SchemaRegistryURL: "http://r:8081",
	SchemaRegistryUsername: "bob", SchemaRegistryPassword: "rpw", SchemaRegistryBearerToken: "tok",
	SchemaRegistryCAFile: "rca.pem", SchemaRegistryInsecureSkipVerify: "true", SchemaRegistryTimeoutMs: "7",
	AllowDeleteTopics: "true", CatalogIncludeInternal: "true",
	ConsumerGroup: "g", ReadTimeoutMs: "5", ReadBatchRows: "9", ReadIsolation: "read_uncommitted",
	ReadMetadataColumns: "_key,_topic", ReadFollow: "true", ReadStart: "latest", ReadSchema: "version:4",
	ReadOnError: "null", ReadUnionMode: "dense", ValueFormatKey: "string", ValueSubjectStrategy: "record",
	ValueSubject: "vs", ValueProtoMessage: "pkg.Tick", ValueSchema: `{"type":"object"}`, JSONInferRows: "50", KeyFormatKey: "avro", KeySubject: "ks", KeyProtoMessage: "pkg.Key", PartitionsMaxRows: "25000",
	IngestValueSubject: "ivs", IngestValueSchemaVersion: "3", IngestRecordName: "a.b", IngestAutoRegister: "false",
	IngestCoerce: "strict", IngestKeyColumn: "k", IngestKeySubject: "iks", IngestTimestampColumn: "ts",
	IngestHeadersColumn: "h", IngestPartitionColumn: "p", IngestTransactional: "true", IngestCompression: "zstd",
	IngestMaxRecordBytes: "5000000", IngestPartitions: "6", IngestReplicationFactor: "2", LogLevel: "debug",
	IngestValueFormat: "protobuf", IngestKeyFormat: "json", IngestProtoMessage: "a.B",
}

// TestEveryOptionReachesSettings sets each option (but uri, which expands
// into others) to a value other than its default and checks that the
// typed settings change: no option is left out of Read, Ingest or
// Cluster.
func TestEveryOptionReachesSettings(t *testing.T) {
	base := settingsOf(NewStore())
	for _, d := range All() {
		if d.Key == URI {
			continue
		}
		v, ok := sampleValues[d.Key]
		if !ok {
			t.Errorf("no sample value for %s", d.Key)
			continue
		}
		s := NewStore()
		must(t, s.Set(d.Key, v))
		if reflect.DeepEqual(settingsOf(s), base) {
			t.Errorf("%s=%s changes no typed setting", d.Key, v)
		}
	}
	s := NewStore()
	for k, v := range sampleValues {
		must(t, s.Set(k, v))
	}
	r, in := s.Read(), s.Ingest()
	if r.Timeout != 5*time.Millisecond || r.RegistryTimeout != 7*time.Millisecond || r.Schema != (ReadSchemaSpec{Kind: SchemaVersion, N: 4}) ||
		!reflect.DeepEqual(r.MetadataColumns, []string{"_key", "_topic"}) {
		t.Errorf("read: %+v", r)
	}
	if in.ValueSchemaVersion != 3 || in.Partitions != 6 || in.ReplicationFactor != 2 || in.MaxRecordBytes != 5000000 ||
		in.ValueFormat != IngestProtobuf || in.KeyFormat != IngestJSON || in.ProtoMessage != "a.B" {
		t.Errorf("ingest: %+v", in)
	}
}

func TestTypedLayering(t *testing.T) {
	db := NewStore()
	conn := db.Child()
	stmt := conn.Child()
	must(t, db.Set(ReadOnError, "skip"))
	must(t, db.Set(ReadBatchRows, "100"))
	must(t, db.Set(IngestCompression, "gzip"))
	if r := stmt.Read(); r.OnError != OnErrorSkip || r.BatchRows != 100 || stmt.Ingest().Compression != CompressionGzip {
		t.Fatalf("inherited from the database: %+v", r)
	}
	must(t, conn.Set(ReadOnError, "null"))
	must(t, conn.Set(IngestCompression, "lz4"))
	must(t, stmt.Set(ReadOnError, "fail"))
	must(t, stmt.Set(ReadBatchRows, "300"))
	for _, tt := range []struct {
		s     *Store
		on    OnError
		rows  int
		codec Compression
	}{
		{db, OnErrorSkip, 100, CompressionGzip},
		{conn, OnErrorNull, 100, CompressionLZ4},
		{stmt, OnErrorFail, 300, CompressionLZ4},
	} {
		r, in := tt.s.Read(), tt.s.Ingest()
		if r.OnError != tt.on || r.BatchRows != tt.rows || in.Compression != tt.codec {
			t.Errorf("%s: on_error %s, batch_rows %d, compression %s; want %s, %d, %s",
				tt.s.Level(), r.OnError, r.BatchRows, in.Compression, tt.on, tt.rows, tt.codec)
		}
	}
}

func TestBadSetKeepsTypedValue(t *testing.T) {
	tests := []struct {
		key, good, bad string
		level          Level
	}{
		{ReadTimeoutMs, "5000", "0", LevelStatement},
		{ReadOnError, "skip", "explode", LevelConnection},
		{ReadSchema, "version:3", "version:0", LevelStatement},
		{ReadMetadataColumns, "_key", "_key,_key", LevelStatement},
		{ReadFollow, "true", "yes", LevelStatement},
		{IngestValueSchemaVersion, "4", "-1", LevelStatement},
		{IngestPartitions, "3", "0", LevelStatement},
		{IngestValueFormat, "json", "string", LevelStatement},
		{IngestKeyFormat, "string", "csv", LevelStatement},
		{PartitionsMaxRows, "25000", "0", LevelConnection},
		{BootstrapServers, "a:1", "a", LevelDatabase},
	}
	for _, tt := range tests {
		s := NewStore()
		for s.Level() < tt.level {
			s = s.Child()
		}
		must(t, s.Set(tt.key, tt.good))
		before := settingsOf(s)
		if err := s.Set(tt.key, tt.bad); status(err) != adbc.StatusInvalidArgument {
			t.Errorf("Set(%s, %s) = %v, want InvalidArgument", tt.key, tt.bad, err)
		}
		if !reflect.DeepEqual(settingsOf(s), before) || s.Get(tt.key) != tt.good {
			t.Errorf("%s: a rejected %q changed the value in force (Get %q)", tt.key, tt.bad, s.Get(tt.key))
		}
	}
	// A URI with one bad option sets none of those it carries.
	s := NewStore()
	must(t, s.Set(ReadOnError, "skip"))
	before := settingsOf(s)
	if err := s.Set(URI, "kafka://h:1?read.on_error=explode&read.batch_rows=5"); status(err) != adbc.StatusInvalidArgument {
		t.Fatalf("bad URI: %v", err)
	}
	if !reflect.DeepEqual(settingsOf(s), before) {
		t.Errorf("a rejected URI changed the settings: %+v", s.Read())
	}
}

func TestSettingsDoNotPrintSecrets(t *testing.T) {
	s := NewStore()
	must(t, s.Set(URI, "kafka://alice:brokerpw@h:1"))
	must(t, s.Set(SchemaRegistryURL, "https://bob:urlpw@registry:8081"))
	must(t, s.Set(SchemaRegistryPassword, "registrypw"))
	must(t, s.Set(SchemaRegistryBearerToken, "tokenpw"))
	c := s.Cluster()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		for _, v := range []any{c, &c, c.Password, c.Registry, &c.Registry} {
			out := fmt.Sprintf(verb, v)
			for _, secret := range []string{"brokerpw", "urlpw", "registrypw", "tokenpw"} {
				if strings.Contains(out, secret) {
					t.Errorf("Sprintf(%s) shows %s: %s", verb, secret, out)
				}
			}
		}
	}
	if out := fmt.Sprintf("%+v", c); !strings.Contains(out, "alice") || !strings.Contains(out, "registry:8081") || !strings.Contains(out, "***") {
		t.Errorf("%%+v should still show what is not secret: %s", out)
	}
	if c.Password.Reveal() != "brokerpw" || c.Registry.Password.Reveal() != "registrypw" ||
		c.Registry.BearerToken.Reveal() != "tokenpw" || c.Registry.URL.Reveal() != "https://bob:urlpw@registry:8081" {
		t.Errorf("Reveal must return the credentials for connecting: %+v", c)
	}
	if Secret("").String() != "" {
		t.Error("an empty secret prints as empty")
	}
}

func TestReadSchemaSpecString(t *testing.T) {
	for _, v := range []string{"latest", "first", "version:1", "version:12", "id:0", "id:345"} {
		spec, err := ParseReadSchema(v)
		if err != nil || spec.String() != v {
			t.Errorf("ParseReadSchema(%q) = %+v, %v; String %q", v, spec, err, spec.String())
		}
	}
}

func TestKnownOptionsListsEveryFamily(t *testing.T) {
	for _, d := range All() {
		family := d.Key
		if rest, ok := strings.CutPrefix(d.Key, "kafarr."); ok {
			if i := strings.IndexByte(rest, '.'); i >= 0 {
				family = "kafarr." + rest[:i] + ".*"
			}
		}
		if !strings.Contains(knownOptions, d.Key) && !strings.Contains(knownOptions, family) {
			t.Errorf("the unknown-option message omits %s: %s", d.Key, knownOptions)
		}
	}
	err := NewStore().Set("kafarr.nope", "1")
	for _, want := range []string{"kafarr.client_id", "kafarr.allow_delete_topics", "kafarr.catalog.include_internal", "kafarr.read.*", "kafarr.ingest.*", "uri"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("unknown option error %v does not list %s", err, want)
		}
	}
}

func TestBadDefaultPanics(t *testing.T) {
	for _, k := range []kind{boolean, intRange(1, 10), oneOf(OnErrorFail, OnErrorSkip), readSchema} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("a default %s rejects did not panic", k.accepts)
				}
			}()
			def("kafarr.test", ScopeAny, "bogus", false, k)
		}()
	}
}
