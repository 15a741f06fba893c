// Package options defines kafarr's option keys, their defaults and their
// validation, and the three-level store (database, connection, statement)
// through which a narrower level overrides a wider one.
//
// Every option is validated and parsed when it is set: an unknown key or a
// bad value is an adbc.Error with StatusInvalidArgument naming the key and
// what it accepts. Store.Read, Store.Ingest and Store.Cluster return the
// values in force as typed settings.
//
// Each option's default is written once, in the defs table (see All);
// docs/options.md lists them too, and a test keeps it in step.
package options

// Connection options. They are read when a connection opens, so they may be
// set on the database only.
const (
	// URI is the ADBC standard URI option: kafka://host1:9092,host2:9092.
	// Any kafarr.* option may ride in its query string without the
	// "kafarr." prefix, percent-encoded. User info in the URI sets the
	// broker username and password.
	URI = "uri"
	// Username and Password are the ADBC standard credential options; for
	// kafarr they are the broker's SASL credentials.
	Username = "username"
	Password = "password"

	// BootstrapServers is a comma-separated list of host:port seed brokers.
	BootstrapServers = "kafarr.bootstrap_servers"
	// ClientID is the Kafka client id.
	ClientID = "kafarr.client_id"

	// SASLMechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. Default:
	// PLAIN when a username is set, none otherwise.
	SASLMechanism = "kafarr.sasl.mechanism"
	// TLSEnabled turns on TLS to the brokers.
	TLSEnabled = "kafarr.tls.enabled"
	// TLSCAFile is a PEM file of CAs that verify the brokers.
	TLSCAFile = "kafarr.tls.ca_file"
	// TLSCertFile and TLSKeyFile are the PEM client certificate and key for
	// mutual TLS.
	TLSCertFile = "kafarr.tls.cert_file"
	TLSKeyFile  = "kafarr.tls.key_file"
	// TLSInsecureSkipVerify disables broker certificate verification.
	TLSInsecureSkipVerify = "kafarr.tls.insecure_skip_verify"

	// SchemaRegistryURL is the Confluent-compatible schema registry,
	// e.g. http://localhost:8081.
	SchemaRegistryURL = "kafarr.schema_registry.url"
	// SchemaRegistryUsername and SchemaRegistryPassword are HTTP basic
	// credentials for the registry.
	SchemaRegistryUsername = "kafarr.schema_registry.username"
	SchemaRegistryPassword = "kafarr.schema_registry.password"
	// SchemaRegistryBearerToken is sent as "Authorization: Bearer <token>".
	SchemaRegistryBearerToken = "kafarr.schema_registry.bearer_token"
	// SchemaRegistryCAFile is a PEM file of CAs that verify an https
	// registry.
	SchemaRegistryCAFile = "kafarr.schema_registry.ca_file"
	// SchemaRegistryInsecureSkipVerify disables registry certificate
	// verification.
	SchemaRegistryInsecureSkipVerify = "kafarr.schema_registry.insecure_skip_verify"
	// SchemaRegistryTimeoutMs bounds each registry request.
	SchemaRegistryTimeoutMs = "kafarr.schema_registry.timeout_ms"

	// AllowDeleteTopics permits ingest mode replace and DROP TABLE, which
	// delete topics.
	AllowDeleteTopics = "kafarr.allow_delete_topics"
	// CatalogIncludeInternal lists internal topics (__consumer_offsets,
	// _schemas, ...) in GetObjects.
	CatalogIncludeInternal = "kafarr.catalog.include_internal"

	// LogLevel turns on logging to stderr when no logger was given
	// (driver.WithLogger): off (default), error, warn, info or debug.
	LogLevel = "kafarr.log.level"
)

// Read options; settable on the database, the connection or the statement.
const (
	// ConsumerGroup makes reads start at the group's committed offsets and
	// commit, when the result is released, the offsets of the rows the
	// caller received. Unset, reads are stateless.
	ConsumerGroup = "kafarr.consumer.group"
	// ReadTimeoutMs bounds a query's read, in milliseconds.
	ReadTimeoutMs = "kafarr.read.timeout_ms"
	// ReadBatchRows is the number of rows per Arrow batch.
	ReadBatchRows = "kafarr.read.batch_rows"
	// ReadIsolation is read_committed (the end snapshot is the last
	// stable offset and aborted records are hidden) or read_uncommitted.
	ReadIsolation = "kafarr.read.isolation"
	// ReadMetadataColumns lists the metadata columns SELECT * adds after
	// the value columns, comma-separated, or "none".
	ReadMetadataColumns = "kafarr.read.metadata_columns"
	// ReadFollow waits for new messages past the snapshot until LIMIT or
	// the timeout.
	ReadFollow = "kafarr.read.follow"
	// ReadStart is where a consumer group without committed offsets
	// starts: earliest or latest.
	ReadStart = "kafarr.read.start"
	// ReadSchema picks the reader schema: latest, version:<n>, id:<n> or
	// first.
	ReadSchema = "kafarr.read.schema"
	// ReadOnError is what a message that cannot be decoded does: fail,
	// skip or null.
	ReadOnError = "kafarr.read.on_error"
	// ReadUnionMode maps multi-branch Avro unions to a struct of branches
	// (struct) or to an Arrow dense union (dense).
	ReadUnionMode = "kafarr.read.union_mode"

	// ValueFormatKey is auto (the default), avro, protobuf (both in the
	// Confluent wire format), json (JSON Schema framed, or plain JSON),
	// string or binary; its values are the ValueFormat constants.
	ValueFormatKey = "kafarr.value.format"
	// ValueProtoMessage is the full name of the Protobuf message values
	// are read as; unset, the schema's first message.
	ValueProtoMessage = "kafarr.value.proto.message"
	// ValueSchema is a schema for plain JSON values, given inline: a JSON
	// Schema document or an Avro schema. Unset, the schema is inferred
	// from the first kafarr.json.infer_rows messages.
	ValueSchema = "kafarr.value.schema"
	// JSONInferRows is how many messages kafarr.value.format=auto samples
	// to detect plain JSON, and how many schema inference reads; 1000 by
	// default.
	JSONInferRows = "kafarr.json.infer_rows"
	// ValueSubjectStrategy is topic (<topic>-value), record or
	// topic_record.
	ValueSubjectStrategy = "kafarr.value.subject_strategy"
	// ValueSubject names the value subject explicitly.
	ValueSubject = "kafarr.value.subject"
	// KeyFormatKey is auto, string, binary, avro, protobuf or json; its
	// values are the KeyFormat constants.
	KeyFormatKey = "kafarr.key.format"
	// KeySubject names the key subject; unset, it is <topic>-key.
	KeySubject = "kafarr.key.subject"
	// KeyProtoMessage is the full name of the Protobuf message keys are
	// read as; unset, the key schema's first message.
	KeyProtoMessage = "kafarr.key.proto.message"

	// PartitionsMaxRows makes ExecutePartitions cut each Kafka partition's
	// snapshot range into splits of at most this many offsets (Trino's
	// kafka.messages-per-split). Unset, a split is a whole partition.
	PartitionsMaxRows = "kafarr.partitions.max_rows"
)

// Ingest options; settable on the database, the connection or the
// statement.
const (
	// IngestValueSubject is the subject whose schema encodes ingested rows
	// (pykafarr's message type). Unset, it is <topic>-value.
	IngestValueSubject = "kafarr.ingest.value_subject"
	// IngestValueSchemaVersion is the version of that subject to use:
	// latest or a number.
	IngestValueSchemaVersion = "kafarr.ingest.value_schema_version"
	// IngestRecordName is the full Avro name of a schema derived from the
	// frame. Unset, it is "kafarr.<topic>" sanitised.
	IngestRecordName = "kafarr.ingest.record_name"
	// IngestAutoRegister registers a derived schema when the subject has
	// none.
	IngestAutoRegister = "kafarr.ingest.auto_register"
	// IngestCoerce is exact (narrowing allowed when every value converts
	// exactly) or strict (no narrowing).
	IngestCoerce = "kafarr.ingest.coerce"
	// IngestKeyColumn names the column that becomes the record key.
	IngestKeyColumn = "kafarr.ingest.key_column"
	// IngestValueFormat is auto (the subject's schema type; Avro when a
	// schema is derived), avro, protobuf or json; its values are the
	// IngestFormat constants.
	IngestValueFormat = "kafarr.ingest.value_format"
	// IngestKeyFormat is auto (the key subject's schema type with
	// kafarr.ingest.key_subject, else the column's raw bytes), avro,
	// protobuf, json, string or binary.
	IngestKeyFormat = "kafarr.ingest.key_format"
	// IngestProtoMessage is the full name of the message a Protobuf value
	// subject's rows are encoded as; unset, the file's first message.
	IngestProtoMessage = "kafarr.ingest.proto_message"
	// IngestKeySubject encodes the key column with this subject's Avro
	// schema; without it keys are raw string or binary.
	IngestKeySubject = "kafarr.ingest.key_subject"
	// IngestTimestampColumn names the column that becomes the record
	// timestamp.
	IngestTimestampColumn = "kafarr.ingest.timestamp_column"
	// IngestHeadersColumn names a map<utf8, binary|utf8> column that becomes
	// the record headers.
	IngestHeadersColumn = "kafarr.ingest.headers_column"
	// IngestPartitionColumn names an integer column that picks the
	// partition.
	IngestPartitionColumn = "kafarr.ingest.partition_column"
	// IngestTransactional makes one ingest call one Kafka transaction.
	IngestTransactional = "kafarr.ingest.transactional"
	// IngestCompression is none, gzip, snappy, lz4 or zstd.
	IngestCompression = "kafarr.ingest.compression"
	// IngestMaxRecordBytes is the largest record an ingest produces, in
	// bytes as the broker counts it against max.message.bytes. Unset, it
	// is the topic's max.message.bytes.
	IngestMaxRecordBytes = "kafarr.ingest.max_record_bytes"
	// IngestPartitions is the partition count of topics an ingest
	// creates. Unset, it is the broker's num.partitions.
	IngestPartitions = "kafarr.ingest.partitions"
	// IngestReplicationFactor is the replication factor of topics an
	// ingest creates. Unset, it is the broker's default.replication.factor.
	IngestReplicationFactor = "kafarr.ingest.replication_factor"
)
