package options

import (
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Scope says at which levels an option may be set.
type Scope uint8

const (
	// ScopeDatabase options configure the cluster connection and are read
	// when a connection opens; they may be set on the database only.
	ScopeDatabase Scope = iota
	// ScopeAny options may be set on the database, the connection or the
	// statement; the narrowest level wins.
	ScopeAny
)

// Def describes one option.
type Def struct {
	// Key is the option key.
	Key string
	// Scope says where it may be set.
	Scope Scope
	// Default is the value in force when nothing sets it; empty means
	// unset.
	Default string
	// Accepts describes the valid values, for error messages and docs.
	Accepts string
	// Secret options are never returned by GetOption nor echoed.
	Secret bool
	// check validates a value; nil accepts anything.
	check func(string) error
}

// MetadataColumnNames are the metadata columns a read can return, in the
// order SELECT * lists them.
var MetadataColumnNames = []string{"_topic", "_partition", "_offset", "_timestamp", "_key", "_headers", "_schema_id"}

func oneOf(vals ...string) (string, func(string) error) {
	return "one of " + strings.Join(vals, ", "), func(v string) error {
		for _, ok := range vals {
			if v == ok {
				return nil
			}
		}
		return fmt.Errorf("got %q", v)
	}
}

func intRange(lo, hi int64) (string, func(string) error) {
	desc := fmt.Sprintf("an integer from %d to %d", lo, hi)
	if hi == math.MaxInt64 {
		desc = fmt.Sprintf("an integer >= %d", lo)
	}
	return desc, func(v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("got %q", v)
		}
		return nil
	}
}

func boolean() (string, func(string) error) {
	return "true or false", func(v string) error {
		if v != "true" && v != "false" {
			return fmt.Errorf("got %q", v)
		}
		return nil
	}
}

func nonEmpty() (string, func(string) error) {
	return "a non-empty string", func(v string) error {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("got an empty value")
		}
		return nil
	}
}

func anyString() (string, func(string) error) { return "any string", nil }

func httpURL() (string, func(string) error) {
	return "an http:// or https:// URL", func(v string) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("got %q", Redact(v))
		}
		return nil
	}
}

func brokers() (string, func(string) error) {
	return "a comma-separated list of host:port", func(v string) error {
		_, err := SplitBrokers(v)
		return err
	}
}

func metadataColumns() (string, func(string) error) {
	return "none, or a comma-separated list of " + strings.Join(MetadataColumnNames, ", "), func(v string) error {
		_, err := ParseMetadataColumns(v)
		return err
	}
}

func readSchema() (string, func(string) error) {
	return "latest, first, version:<n> or id:<n>", func(v string) error {
		_, err := ParseReadSchema(v)
		return err
	}
}

func schemaVersion() (string, func(string) error) {
	return "latest or a version number >= 1", func(v string) error {
		if v == "latest" {
			return nil
		}
		if n, err := strconv.Atoi(v); err != nil || n < 1 {
			return fmt.Errorf("got %q", v)
		}
		return nil
	}
}

func def(key string, scope Scope, dflt string, secret bool, acc func() (string, func(string) error)) Def {
	desc, check := acc()
	return Def{Key: key, Scope: scope, Default: dflt, Accepts: desc, Secret: secret, check: check}
}

// defs lists every kafarr option.
var defs = func() map[string]Def {
	list := []Def{
		def(URI, ScopeDatabase, "", false, func() (string, func(string) error) {
			return "a kafka://host:port[,host:port...][?option=value...] URI", nil
		}),
		def(Username, ScopeDatabase, "", false, anyString),
		def(Password, ScopeDatabase, "", true, anyString),
		def(BootstrapServers, ScopeDatabase, "", false, brokers),
		def(ClientID, ScopeDatabase, "kafarr", false, nonEmpty),
		def(SASLMechanism, ScopeDatabase, "", false, func() (string, func(string) error) {
			return oneOf("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
		}),
		def(TLSEnabled, ScopeDatabase, "false", false, boolean),
		def(TLSCAFile, ScopeDatabase, "", false, nonEmpty),
		def(TLSCertFile, ScopeDatabase, "", false, nonEmpty),
		def(TLSKeyFile, ScopeDatabase, "", false, nonEmpty),
		def(TLSInsecureSkipVerify, ScopeDatabase, "false", false, boolean),
		def(SchemaRegistryURL, ScopeDatabase, "", false, httpURL),
		def(SchemaRegistryUsername, ScopeDatabase, "", false, anyString),
		def(SchemaRegistryPassword, ScopeDatabase, "", true, anyString),
		def(SchemaRegistryBearerToken, ScopeDatabase, "", true, anyString),
		def(SchemaRegistryCAFile, ScopeDatabase, "", false, nonEmpty),
		def(SchemaRegistryInsecureSkipVerify, ScopeDatabase, "false", false, boolean),
		def(SchemaRegistryTimeoutMs, ScopeDatabase, "10000", false, func() (string, func(string) error) {
			return intRange(1, math.MaxInt32)
		}),
		def(LogLevel, ScopeDatabase, "off", false, func() (string, func(string) error) {
			return oneOf("off", "error", "warn", "info", "debug")
		}),
		def(AllowDeleteTopics, ScopeAny, "false", false, boolean),
		def(CatalogIncludeInternal, ScopeAny, "false", false, boolean),

		def(ConsumerGroup, ScopeAny, "", false, anyString),
		def(ReadTimeoutMs, ScopeAny, "30000", false, func() (string, func(string) error) {
			return intRange(1, math.MaxInt32)
		}),
		def(ReadBatchRows, ScopeAny, "65536", false, func() (string, func(string) error) {
			return intRange(1, 1<<24)
		}),
		def(ReadIsolation, ScopeAny, "read_committed", false, func() (string, func(string) error) {
			return oneOf("read_committed", "read_uncommitted")
		}),
		def(ReadMetadataColumns, ScopeAny, "_partition,_offset,_timestamp", false, metadataColumns),
		def(ReadFollow, ScopeAny, "false", false, boolean),
		def(ReadStart, ScopeAny, "earliest", false, func() (string, func(string) error) {
			return oneOf("earliest", "latest")
		}),
		def(ReadSchema, ScopeAny, "latest", false, readSchema),
		def(ReadOnError, ScopeAny, "fail", false, func() (string, func(string) error) {
			return oneOf("fail", "skip", "null")
		}),
		def(ReadUnionMode, ScopeAny, "struct", false, func() (string, func(string) error) {
			return oneOf("struct", "dense")
		}),
		def(ValueFormat, ScopeAny, "avro", false, func() (string, func(string) error) {
			return oneOf("avro", "string", "binary")
		}),
		def(ValueSubjectStrategy, ScopeAny, "topic", false, func() (string, func(string) error) {
			return oneOf("topic", "record", "topic_record")
		}),
		def(ValueSubject, ScopeAny, "", false, anyString),
		def(KeyFormat, ScopeAny, "auto", false, func() (string, func(string) error) {
			return oneOf("auto", "string", "binary", "avro")
		}),
		def(KeySubject, ScopeAny, "", false, anyString),

		def(IngestValueSubject, ScopeAny, "", false, anyString),
		def(IngestValueSchemaVersion, ScopeAny, "latest", false, schemaVersion),
		def(IngestRecordName, ScopeAny, "", false, anyString),
		def(IngestAutoRegister, ScopeAny, "true", false, boolean),
		def(IngestCoerce, ScopeAny, "exact", false, func() (string, func(string) error) {
			return oneOf("exact", "strict")
		}),
		def(IngestKeyColumn, ScopeAny, "", false, anyString),
		def(IngestKeySubject, ScopeAny, "", false, anyString),
		def(IngestTimestampColumn, ScopeAny, "", false, anyString),
		def(IngestHeadersColumn, ScopeAny, "", false, anyString),
		def(IngestPartitionColumn, ScopeAny, "", false, anyString),
		def(IngestTransactional, ScopeAny, "false", false, boolean),
		def(IngestCompression, ScopeAny, "none", false, func() (string, func(string) error) {
			return oneOf("none", "gzip", "snappy", "lz4", "zstd")
		}),
		def(IngestPartitions, ScopeAny, "", false, func() (string, func(string) error) {
			return intRange(1, math.MaxInt32)
		}),
		def(IngestReplicationFactor, ScopeAny, "", false, func() (string, func(string) error) {
			return intRange(1, math.MaxInt16)
		}),
	}
	m := make(map[string]Def, len(list))
	for _, d := range list {
		m[d.Key] = d
	}
	return m
}()

// Lookup returns the definition of key.
func Lookup(key string) (Def, bool) {
	d, ok := defs[key]
	return d, ok
}

// All returns every option definition, sorted by key.
func All() []Def {
	out := make([]Def, 0, len(defs))
	for _, d := range defs {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// knownKeys lists the kafarr.* keys for the "unknown option" message.
func knownPrefixes() string {
	return "kafarr.bootstrap_servers, kafarr.schema_registry.*, kafarr.read.*, kafarr.value.*, kafarr.key.*, kafarr.ingest.*, kafarr.consumer.group, kafarr.tls.*, kafarr.sasl.mechanism, kafarr.log.level (see docs/options.md)"
}
