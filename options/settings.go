package options

import (
	"fmt"
	"slices"
	"time"
)

// ValueFormat is a kafarr.value.format value: how message values are
// encoded.
type ValueFormat string

const (
	// FormatAuto picks the format per query: the value subject's schema
	// type, else the schema type of the first framed message's id, else
	// plain JSON when every sampled value is a JSON object, else binary.
	FormatAuto     ValueFormat = "auto"
	FormatAvro     ValueFormat = "avro"     // Confluent wire format
	FormatProtobuf ValueFormat = "protobuf" // Confluent wire format
	// FormatJSON is JSON Schema in the Confluent wire format when the
	// subject or the first message says so, else plain JSON.
	FormatJSON   ValueFormat = "json"
	FormatString ValueFormat = "string"
	FormatBinary ValueFormat = "binary"
)

// KeyFormat is a kafarr.key.format value: how message keys are decoded.
type KeyFormat string

const (
	KeyAuto   KeyFormat = "auto"
	KeyString KeyFormat = "string"
	KeyBinary KeyFormat = "binary"
	KeyAvro   KeyFormat = "avro"
	// KeyProtobuf and KeyJSON decode keys as values are decoded; a JSON
	// key without a JSON Schema subject or framing is plain JSON.
	KeyProtobuf KeyFormat = "protobuf"
	KeyJSON     KeyFormat = "json"
)

// OnError is a kafarr.read.on_error value: what a message that cannot be
// decoded does.
type OnError string

const (
	OnErrorFail OnError = "fail"
	OnErrorSkip OnError = "skip"
	OnErrorNull OnError = "null"
)

// SubjectStrategy is a kafarr.value.subject_strategy value: how the value
// subject is named.
type SubjectStrategy string

const (
	StrategyTopic       SubjectStrategy = "topic"
	StrategyRecord      SubjectStrategy = "record"
	StrategyTopicRecord SubjectStrategy = "topic_record"
)

// UnionMode is a kafarr.read.union_mode value: how multi-branch Avro
// unions map to Arrow.
type UnionMode string

const (
	UnionStruct UnionMode = "struct"
	UnionDense  UnionMode = "dense"
)

// Isolation is a kafarr.read.isolation value.
type Isolation string

const (
	ReadCommitted   Isolation = "read_committed"
	ReadUncommitted Isolation = "read_uncommitted"
)

// StartAt is a kafarr.read.start value: where a consumer group without
// committed offsets starts.
type StartAt string

const (
	StartEarliest StartAt = "earliest"
	StartLatest   StartAt = "latest"
)

// Compression is a kafarr.ingest.compression value: the producer's codec.
type Compression string

const (
	CompressionNone   Compression = "none"
	CompressionGzip   Compression = "gzip"
	CompressionSnappy Compression = "snappy"
	CompressionLZ4    Compression = "lz4"
	CompressionZstd   Compression = "zstd"
)

// IngestFormat is a kafarr.ingest.value_format or kafarr.ingest.key_format
// value: how ingested values or keys are encoded.
type IngestFormat string

const (
	// IngestAuto follows the subject's schema type (AVRO, PROTOBUF or
	// JSON); a value schema derived without one is Avro, and a key
	// without kafarr.ingest.key_subject is written raw.
	IngestAuto     IngestFormat = "auto"
	IngestAvro     IngestFormat = "avro"
	IngestProtobuf IngestFormat = "protobuf"
	// IngestJSON is JSON Schema when a subject is registered (or named),
	// else plain JSON with no registry and no framing.
	IngestJSON IngestFormat = "json"
	// IngestString and IngestBinary are for keys only: the key column's
	// bytes as they are (an integer as its decimal text).
	IngestString IngestFormat = "string"
	IngestBinary IngestFormat = "binary"
)

// Coerce is a kafarr.ingest.coerce value: which conversions ingest makes
// to fit a column to its schema.
type Coerce string

const (
	// CoerceExact allows narrowing when every value converts exactly.
	CoerceExact Coerce = "exact"
	// CoerceStrict allows no narrowing.
	CoerceStrict Coerce = "strict"
)

// Secret is a credential. It formats as "***" (or "" when empty) under
// every fmt verb, so that settings holding it can be printed; Reveal
// returns the value.
type Secret string

// Reveal returns the secret itself, for handing to a client.
func (s Secret) Reveal() string { return string(s) }

// String returns "***", or "" for an empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "***"
}

// GoString is String quoted.
func (s Secret) GoString() string { return fmt.Sprintf("%q", s.String()) }

// Format prints String whatever the verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// CredentialURL is a URL that may carry a password in its user info or
// query. It formats with those masked (see Redact); Reveal returns the
// URL itself.
type CredentialURL string

// Reveal returns the URL with its credentials, for connecting.
func (u CredentialURL) Reveal() string { return string(u) }

// String returns the URL with any password masked.
func (u CredentialURL) String() string { return Redact(string(u)) }

// GoString is String quoted.
func (u CredentialURL) GoString() string { return fmt.Sprintf("%q", u.String()) }

// Format prints String whatever the verb.
func (u CredentialURL) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(u.String())) }

// ReadSettings are the read options in force, typed.
type ReadSettings struct {
	Group           string // kafarr.consumer.group; "" for stateless reads
	Timeout         time.Duration
	BatchRows       int
	Isolation       Isolation
	MetadataColumns []string // SELECT * metadata columns, from kafarr.read.metadata_columns
	Follow          bool
	Start           StartAt
	Schema          ReadSchemaSpec
	OnError         OnError
	UnionMode       UnionMode
	ValueFormat     ValueFormat
	SubjectStrategy SubjectStrategy
	ValueSubject    string // "" names it by SubjectStrategy
	// ProtoMessage is kafarr.value.proto.message: the full name of the
	// Protobuf message read; "" for the schema's first.
	ProtoMessage string
	// InlineSchema is kafarr.value.schema: a JSON Schema or Avro schema
	// for plain JSON values; "" to infer one.
	InlineSchema string
	// InferRows is kafarr.json.infer_rows: how many messages format
	// detection and JSON schema inference sample.
	InferRows  int
	KeyFormat  KeyFormat
	KeySubject string // "" for <topic>-key
	// KeyProtoMessage is kafarr.key.proto.message: the full name of the
	// Protobuf message keys are read as; "" for the schema's first.
	KeyProtoMessage string
	RegistryTimeout time.Duration // kafarr.schema_registry.timeout_ms
	// SplitMaxRows is kafarr.partitions.max_rows: the most offsets one
	// split of ExecutePartitions covers; 0 (unset) for one split per Kafka
	// partition.
	SplitMaxRows int64
	// AllowDeleteTopics is kafarr.allow_delete_topics (DROP TABLE).
	AllowDeleteTopics bool
	IncludeInternal   bool // kafarr.catalog.include_internal
}

// Read returns the read options in force at s's level. The values were
// parsed when set (the defaults when the package loaded), so it cannot
// fail.
func (s *Store) Read() ReadSettings {
	return ReadSettings{
		Group:             typedAs[string](s, ConsumerGroup),
		Timeout:           millis(s, ReadTimeoutMs),
		BatchRows:         int(typedAs[int64](s, ReadBatchRows)),
		Isolation:         typedAs[Isolation](s, ReadIsolation),
		MetadataColumns:   slices.Clone(typedAs[[]string](s, ReadMetadataColumns)),
		Follow:            typedAs[bool](s, ReadFollow),
		Start:             typedAs[StartAt](s, ReadStart),
		Schema:            typedAs[ReadSchemaSpec](s, ReadSchema),
		OnError:           typedAs[OnError](s, ReadOnError),
		UnionMode:         typedAs[UnionMode](s, ReadUnionMode),
		ValueFormat:       typedAs[ValueFormat](s, ValueFormatKey),
		SubjectStrategy:   typedAs[SubjectStrategy](s, ValueSubjectStrategy),
		ValueSubject:      typedAs[string](s, ValueSubject),
		ProtoMessage:      typedAs[string](s, ValueProtoMessage),
		InlineSchema:      typedAs[string](s, ValueSchema),
		InferRows:         int(typedAs[int64](s, JSONInferRows)),
		KeyFormat:         typedAs[KeyFormat](s, KeyFormatKey),
		KeySubject:        typedAs[string](s, KeySubject),
		KeyProtoMessage:   typedAs[string](s, KeyProtoMessage),
		RegistryTimeout:   millis(s, SchemaRegistryTimeoutMs),
		SplitMaxRows:      max(optionalInt(s, PartitionsMaxRows), 0),
		AllowDeleteTopics: typedAs[bool](s, AllowDeleteTopics),
		IncludeInternal:   typedAs[bool](s, CatalogIncludeInternal),
	}
}

// IngestSettings are the ingest options in force, typed.
type IngestSettings struct {
	// ValueSubject is kafarr.ingest.value_subject; "" for <topic>-value.
	ValueSubject string
	// ValueSchemaVersion is kafarr.ingest.value_schema_version; 0 for
	// latest.
	ValueSchemaVersion int
	// RecordName is kafarr.ingest.record_name; "" to derive it from the
	// topic.
	RecordName   string
	AutoRegister bool
	Coerce       Coerce
	// KeyColumn, KeySubject, TimestampColumn, HeadersColumn and
	// PartitionColumn are "" when unset.
	KeyColumn  string
	KeySubject string
	// ValueFormat and KeyFormat are kafarr.ingest.value_format and
	// kafarr.ingest.key_format; IngestAuto when unset.
	ValueFormat IngestFormat
	KeyFormat   IngestFormat
	// ProtoMessage is kafarr.ingest.proto_message; "" for the first
	// message of the file.
	ProtoMessage    string
	TimestampColumn string
	HeadersColumn   string
	PartitionColumn string
	Transactional   bool
	Compression     Compression
	// MaxRecordBytes is kafarr.ingest.max_record_bytes; -1 when unset,
	// for the topic's max.message.bytes.
	MaxRecordBytes int64
	// Partitions and ReplicationFactor are those of topics an ingest
	// creates; -1 when unset, for the broker's default.
	Partitions        int32
	ReplicationFactor int16
	// AllowDeleteTopics is kafarr.allow_delete_topics (ingest mode
	// replace).
	AllowDeleteTopics bool
}

// Ingest returns the ingest options in force at s's level. The values were
// parsed when set, so it cannot fail.
func (s *Store) Ingest() IngestSettings {
	return IngestSettings{
		ValueSubject:       typedAs[string](s, IngestValueSubject),
		ValueSchemaVersion: int(typedAs[int64](s, IngestValueSchemaVersion)),
		RecordName:         typedAs[string](s, IngestRecordName),
		AutoRegister:       typedAs[bool](s, IngestAutoRegister),
		Coerce:             typedAs[Coerce](s, IngestCoerce),
		KeyColumn:          typedAs[string](s, IngestKeyColumn),
		KeySubject:         typedAs[string](s, IngestKeySubject),
		ValueFormat:        typedAs[IngestFormat](s, IngestValueFormat),
		KeyFormat:          typedAs[IngestFormat](s, IngestKeyFormat),
		ProtoMessage:       typedAs[string](s, IngestProtoMessage),
		TimestampColumn:    typedAs[string](s, IngestTimestampColumn),
		HeadersColumn:      typedAs[string](s, IngestHeadersColumn),
		PartitionColumn:    typedAs[string](s, IngestPartitionColumn),
		Transactional:      typedAs[bool](s, IngestTransactional),
		Compression:        typedAs[Compression](s, IngestCompression),
		MaxRecordBytes:     optionalInt(s, IngestMaxRecordBytes),
		Partitions:         int32(optionalInt(s, IngestPartitions)),
		ReplicationFactor:  int16(optionalInt(s, IngestReplicationFactor)),
		AllowDeleteTopics:  typedAs[bool](s, AllowDeleteTopics),
	}
}

// ClusterSettings are the options that configure the connection to the
// cluster and its schema registry; they can be set on the database only.
// Credentials are Secret or CredentialURL, so that printing the settings
// never shows them.
type ClusterSettings struct {
	// Brokers is kafarr.bootstrap_servers split; nil when unset.
	Brokers  []string
	ClientID string
	// SASLMechanism is kafarr.sasl.mechanism; "" when unset.
	SASLMechanism string
	Username      string
	Password      Secret
	TLS           TLSSettings
	Registry      RegistrySettings
	// LogLevel is kafarr.log.level: off, error, warn, info or debug.
	LogLevel string
}

// TLSSettings are the kafarr.tls.* options.
type TLSSettings struct {
	Enabled            bool
	CAFile             string
	CertFile           string
	KeyFile            string
	InsecureSkipVerify bool
}

// RegistrySettings are the kafarr.schema_registry.* options.
type RegistrySettings struct {
	// URL is "" when no registry is configured.
	URL                CredentialURL
	Username           string
	Password           Secret
	BearerToken        Secret
	CAFile             string
	InsecureSkipVerify bool
	Timeout            time.Duration
}

// Cluster returns the cluster connection options in force at s's level.
func (s *Store) Cluster() ClusterSettings {
	return ClusterSettings{
		Brokers:       slices.Clone(typedAs[[]string](s, BootstrapServers)),
		ClientID:      typedAs[string](s, ClientID),
		SASLMechanism: typedAs[string](s, SASLMechanism),
		Username:      typedAs[string](s, Username),
		Password:      Secret(typedAs[string](s, Password)),
		LogLevel:      typedAs[string](s, LogLevel),
		TLS: TLSSettings{
			Enabled:            typedAs[bool](s, TLSEnabled),
			CAFile:             typedAs[string](s, TLSCAFile),
			CertFile:           typedAs[string](s, TLSCertFile),
			KeyFile:            typedAs[string](s, TLSKeyFile),
			InsecureSkipVerify: typedAs[bool](s, TLSInsecureSkipVerify),
		},
		Registry: RegistrySettings{
			URL:                CredentialURL(typedAs[string](s, SchemaRegistryURL)),
			Username:           typedAs[string](s, SchemaRegistryUsername),
			Password:           Secret(typedAs[string](s, SchemaRegistryPassword)),
			BearerToken:        Secret(typedAs[string](s, SchemaRegistryBearerToken)),
			CAFile:             typedAs[string](s, SchemaRegistryCAFile),
			InsecureSkipVerify: typedAs[bool](s, SchemaRegistryInsecureSkipVerify),
			Timeout:            millis(s, SchemaRegistryTimeoutMs),
		},
	}
}

// typedAs returns key's typed value in force as a T: the zero T when the
// option is unset and has no default. A value of another type is a bug in
// the defs table and panics (the defaults test catches it).
func typedAs[T any](s *Store, key string) T {
	v := s.typed(key)
	if v == nil {
		var zero T
		return zero
	}
	t, ok := v.(T)
	if !ok {
		panic(fmt.Sprintf("options: %s holds a %T, not a %T", key, v, t))
	}
	return t
}

// optionalInt returns an integer option without a default, or -1 when it
// is unset.
func optionalInt(s *Store, key string) int64 {
	if s.typed(key) == nil {
		return -1
	}
	return typedAs[int64](s, key)
}

// millis returns a milliseconds option as a duration.
func millis(s *Store, key string) time.Duration {
	return time.Duration(typedAs[int64](s, key)) * time.Millisecond
}
