package options

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/kafarr/kafarr/internal/metacol"
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
	// parse validates a value and returns it typed (see kind); nil keeps
	// the string as is.
	parse func(string) (any, error)
	// dflt is Default parsed, or nil when Default is empty.
	dflt any
}

// MetadataColumnNames are the metadata columns a read can return, in the
// order SELECT * lists them.
var MetadataColumnNames = metacol.ListableNames

// kind is the type of an option's values: what it accepts, and how a
// value is checked and parsed once, when it is set. The typed value is a
// string (or a string-based enum type), a bool, an int64, a []string or a
// ReadSchemaSpec; settings.go reads it back.
type kind struct {
	accepts string
	parse   func(string) (any, error)
}

// oneOf accepts exactly vals; the typed value is a T.
func oneOf[T ~string](vals ...T) kind {
	names := make([]string, len(vals))
	for i, v := range vals {
		names[i] = string(v)
	}
	return kind{"one of " + strings.Join(names, ", "), func(v string) (any, error) {
		for _, ok := range vals {
			if v == string(ok) {
				return ok, nil
			}
		}
		return nil, fmt.Errorf("got %q", v)
	}}
}

// intRange accepts a decimal integer in [lo, hi]; the typed value is an
// int64.
func intRange(lo, hi int64) kind {
	desc := fmt.Sprintf("an integer from %d to %d", lo, hi)
	if hi == math.MaxInt64 {
		desc = fmt.Sprintf("an integer >= %d", lo)
	}
	return kind{desc, func(v string) (any, error) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < lo || n > hi {
			return nil, fmt.Errorf("got %q", v)
		}
		return n, nil
	}}
}

// jsonText accepts "" or one JSON document (a schema given inline); the
// typed value is the string.
var jsonText = kind{"a JSON Schema or Avro schema (JSON text)", func(v string) (any, error) {
	if v != "" && !json.Valid([]byte(v)) {
		return nil, fmt.Errorf("not valid JSON (%d bytes)", len(v))
	}
	return v, nil
}}

var boolean = kind{"true or false", func(v string) (any, error) {
	switch v {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return nil, fmt.Errorf("got %q", v)
}}

var nonEmpty = kind{"a non-empty string", func(v string) (any, error) {
	if strings.TrimSpace(v) == "" {
		return nil, fmt.Errorf("got an empty value")
	}
	return v, nil
}}

var anyString = kind{"any string", nil}

var httpURL = kind{"an http:// or https:// URL", func(v string) (any, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("got %q", Redact(v))
	}
	return v, nil
}}

// brokers: the typed value is the []string of host:port.
var brokers = kind{"a comma-separated list of host:port", func(v string) (any, error) {
	return nilOnError(SplitBrokers(v))
}}

// metadataColumns: the typed value is the []string of column names.
var metadataColumns = kind{"none, or a comma-separated list of " + strings.Join(MetadataColumnNames, ", "), func(v string) (any, error) {
	return nilOnError(ParseMetadataColumns(v))
}}

// readSchema: the typed value is a ReadSchemaSpec.
var readSchema = kind{"latest, first, version:<n> or id:<n>", func(v string) (any, error) {
	return nilOnError(ParseReadSchema(v))
}}

// schemaVersion: the typed value is an int64, 0 for latest.
var schemaVersion = kind{"latest or a version number >= 1", func(v string) (any, error) {
	if v == "latest" {
		return int64(0), nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return nil, fmt.Errorf("got %q", v)
	}
	return n, nil
}}

// nilOnError returns a nil interface with an error, so that a failed parse
// never stores a half-typed value.
func nilOnError[T any](v T, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

// def makes a Def. Its default is parsed here, once: a default its own
// kind rejects is a programming error and panics when the package loads.
func def(key string, scope Scope, dflt string, secret bool, k kind) Def {
	d := Def{Key: key, Scope: scope, Default: dflt, Accepts: k.accepts, Secret: secret, parse: k.parse}
	if secret {
		secretKeys[key] = true
	}
	if dflt != "" {
		v, err := d.parseValue(dflt)
		if err != nil {
			panic(fmt.Sprintf("options: default %q of %s: %v", dflt, key, err))
		}
		d.dflt = v
	}
	return d
}

// parseValue checks v and returns it typed.
func (d Def) parseValue(v string) (any, error) {
	if d.parse == nil {
		return v, nil
	}
	return d.parse(v)
}

// defs lists every kafarr option. The enum kinds are built from the
// constants in settings.go, so each accepted value is written once.
var defs = func() map[string]Def {
	list := []Def{
		def(URI, ScopeDatabase, "", false, kind{"a kafka://host:port[,host:port...][?option=value...] URI", nil}),
		def(Username, ScopeDatabase, "", false, anyString),
		def(Password, ScopeDatabase, "", true, anyString),
		def(BootstrapServers, ScopeDatabase, "", false, brokers),
		def(ClientID, ScopeDatabase, "kafarr", false, nonEmpty),
		def(SASLMechanism, ScopeDatabase, "", false, oneOf("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")),
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
		def(SchemaRegistryTimeoutMs, ScopeDatabase, "10000", false, intRange(1, math.MaxInt32)),
		def(LogLevel, ScopeDatabase, "off", false, oneOf("off", "error", "warn", "info", "debug")),
		def(AllowDeleteTopics, ScopeAny, "false", false, boolean),
		def(CatalogIncludeInternal, ScopeAny, "false", false, boolean),

		def(ConsumerGroup, ScopeAny, "", false, anyString),
		def(ReadTimeoutMs, ScopeAny, "30000", false, intRange(1, math.MaxInt32)),
		def(ReadBatchRows, ScopeAny, "65536", false, intRange(1, 1<<24)),
		def(ReadIsolation, ScopeAny, string(ReadCommitted), false, oneOf(ReadCommitted, ReadUncommitted)),
		def(ReadMetadataColumns, ScopeAny, "_partition,_offset,_timestamp", false, metadataColumns),
		def(ReadFollow, ScopeAny, "false", false, boolean),
		def(ReadStart, ScopeAny, string(StartEarliest), false, oneOf(StartEarliest, StartLatest)),
		def(ReadSchema, ScopeAny, "latest", false, readSchema),
		def(ReadOnError, ScopeAny, string(OnErrorFail), false, oneOf(OnErrorFail, OnErrorSkip, OnErrorNull)),
		def(ReadUnionMode, ScopeAny, string(UnionStruct), false, oneOf(UnionStruct, UnionDense)),
		def(ValueFormatKey, ScopeAny, string(FormatAuto), false, oneOf(FormatAuto, FormatAvro, FormatProtobuf, FormatJSON, FormatString, FormatBinary)),
		def(ValueProtoMessage, ScopeAny, "", false, anyString),
		def(ValueSchema, ScopeAny, "", false, jsonText),
		def(JSONInferRows, ScopeAny, "1000", false, intRange(1, 1_000_000)),
		def(ValueSubjectStrategy, ScopeAny, string(StrategyTopic), false, oneOf(StrategyTopic, StrategyRecord, StrategyTopicRecord)),
		def(ValueSubject, ScopeAny, "", false, anyString),
		def(KeyFormatKey, ScopeAny, string(KeyAuto), false, oneOf(KeyAuto, KeyString, KeyBinary, KeyAvro, KeyProtobuf, KeyJSON)),
		def(KeySubject, ScopeAny, "", false, anyString),
		def(KeyProtoMessage, ScopeAny, "", false, anyString),
		def(PartitionsMaxRows, ScopeAny, "", false, intRange(1, math.MaxInt64)),

		def(IngestValueSubject, ScopeAny, "", false, anyString),
		def(IngestValueSchemaVersion, ScopeAny, "latest", false, schemaVersion),
		def(IngestRecordName, ScopeAny, "", false, anyString),
		def(IngestAutoRegister, ScopeAny, "true", false, boolean),
		def(IngestCoerce, ScopeAny, string(CoerceExact), false, oneOf(CoerceExact, CoerceStrict)),
		def(IngestKeyColumn, ScopeAny, "", false, anyString),
		def(IngestKeySubject, ScopeAny, "", false, anyString),
		def(IngestValueFormat, ScopeAny, string(IngestAuto), false,
			oneOf(IngestAuto, IngestAvro, IngestProtobuf, IngestJSON)),
		def(IngestKeyFormat, ScopeAny, string(IngestAuto), false,
			oneOf(IngestAuto, IngestAvro, IngestProtobuf, IngestJSON, IngestString, IngestBinary)),
		def(IngestProtoMessage, ScopeAny, "", false, anyString),
		def(IngestTimestampColumn, ScopeAny, "", false, anyString),
		def(IngestHeadersColumn, ScopeAny, "", false, anyString),
		def(IngestPartitionColumn, ScopeAny, "", false, anyString),
		def(IngestTransactional, ScopeAny, "false", false, boolean),
		def(IngestCompression, ScopeAny, string(CompressionNone), false,
			oneOf(CompressionNone, CompressionGzip, CompressionSnappy, CompressionLZ4, CompressionZstd)),
		def(IngestMaxRecordBytes, ScopeAny, "", false, intRange(1024, 1<<30)),
		def(IngestPartitions, ScopeAny, "", false, intRange(1, math.MaxInt32)),
		def(IngestReplicationFactor, ScopeAny, "", false, intRange(1, math.MaxInt16)),
	}
	m := make(map[string]Def, len(list))
	for _, d := range list {
		if _, dup := m[d.Key]; dup {
			panic("options: " + d.Key + " is defined twice")
		}
		m[d.Key] = d
	}
	return m
}()

// All returns every option definition, sorted by key.
func All() []Def {
	out := make([]Def, 0, len(defs))
	for _, d := range defs {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// knownOptions lists the option families for the "unknown option"
// message, derived from defs so that it cannot go stale: the standard keys,
// then each kafarr.<group>.* with more than one key, or the key itself.
var knownOptions = func() string {
	groups := map[string][]string{}
	var std []string
	for key := range defs {
		rest, ok := strings.CutPrefix(key, "kafarr.")
		if !ok {
			std = append(std, key)
			continue
		}
		group := key
		if i := strings.IndexByte(rest, '.'); i >= 0 {
			group = "kafarr." + rest[:i] + ".*"
		}
		groups[group] = append(groups[group], key)
	}
	sort.Strings(std)
	var fams []string
	for group, keys := range groups {
		if len(keys) == 1 {
			group = keys[0]
		}
		fams = append(fams, group)
	}
	sort.Strings(fams)
	return strings.Join(append(std, fams...), ", ") + " (see docs/options.md)"
}()
