// Package protoarrow reads Protobuf messages into Arrow columns, the
// Protobuf counterpart of package avroarrow, whose BatchBuilder and Column
// it appends to.
//
// # Schemas
//
// Compile turns a schema registry answer of type PROTOBUF into a Schema, in
// either form a registry holds: .proto text, or a base64 serialized
// FileDescriptorProto (what confluent-kafka-python's ProtobufSerializer
// registers). References are fetched through a ResolveFunc, recursively;
// cycles, chains deeper than MaxReferenceDepth and more than MaxSchemaFiles
// files are refused. The well-known types (google/protobuf/*.proto) and
// Confluent's confluent/type/decimal.proto (also as
// confluent/types/decimal.proto) and confluent/meta.proto need no
// reference, as Confluent's serializers register none for them. Compiling
// uses github.com/bufbuild/protocompile.
//
// Schema.Message picks the message a topic's values are: the first of the
// file by default, or one by full name (kafarr.value.proto.message).
// Schema.MessageAt resolves a Confluent message-index list.
//
// # Framing
//
// SplitFrame splits the Confluent wire format: magic byte 0, the 4-byte
// big-endian schema id, the message-index list (a zigzag varint count, then
// the indexes; the single byte 0x00 means [0], and the long form 0x02 0x00
// is accepted too), then the message. Counts that are negative, above
// MaxMessageIndexes or past the end are errors found without allocating.
//
// # Decoding
//
// NewDecoder compiles a reader message into a tree of per-field steps; a
// Decoder appends one row per message straight into the column buffers,
// allocating nothing per message, and rolls the row back on error. Fields
// match by number, so a writer schema older or newer than the reader reads
// as long as fields keep their types: unknown fields (every wire type,
// groups included) are skipped, absent ones take their default or null.
// Protobuf's reading rules hold: the last value of a singular scalar
// wins, a singular message met twice merges, packed and unpacked lists
// are both read, proto3 fields without presence read as their default. A
// DecoderCache checks, once per writer schema id and index list, that a
// framed message is of the reader's type (same full name).
//
// # Encoding
//
// CompileEncoder compiles the inverse of the mapping below for an Arrow
// schema and a message: Encoder.Check validates a whole batch, and
// Encoder.AppendRow appends one row's message (no framing; AppendHeader
// and MessageIndexes give the Confluent framing), allocating nothing per
// row except for the JSON-mapped types. Columns match fields by name,
// extra columns are ignored, fields without a column are not written; a
// null is "not set" where the field has presence and an error where it
// has none; narrowings follow avroarrow.CoerceMode. DeriveProto derives
// proto3 text from an Arrow schema. Every error of these is an
// *avroarrow.EncodeError, as for Avro ingest. docs/types.md, "Writing
// Protobuf", has the details.
//
// # Type mapping
//
// Top-level fields are the columns, all nullable (tombstones and
// undecodable messages give null rows); below, a field is nullable exactly
// when it has presence.
//
//	Protobuf                              Arrow
//	int32, sint32, sfixed32               int32
//	uint32, fixed32                       uint32
//	int64, sint64, sfixed64               int64
//	uint64, fixed64                       uint64
//	float, double                         float32, float64
//	bool                                  bool
//	string                                utf8 (invalid UTF-8 is a decode error)
//	bytes                                 binary
//	enum                                  dictionary<int32, utf8>: the enum's names (the first name
//	                                      of each number, in declaration order); a number the
//	                                      schema does not name reads as its decimal text, added to
//	                                      that batch's dictionary
//	message, group                        struct, null when absent
//	repeated T                            list<item: T>, never null (empty when absent), items not null
//	map<K, V>                             map<K, V>, values not null (an absent value is V's default)
//	oneof o { ... }                       o: struct of the members, each nullable, exactly one set;
//	                                      the struct is null when none is; o_case: utf8, the name
//	                                      of the member set, or null
//	proto3 optional, proto2 optional      nullable T: null when absent (proto2 [default] not applied)
//	fields without presence               T, the default when absent (never null); proto2
//	(proto3 implicit, proto2 required)    required fields absent read as their declared default
//	google.protobuf.Timestamp             timestamp[us, UTC]; nanoseconds floored to the
//	                                      microsecond; outside years 1-9999 or nanos outside
//	                                      0-999,999,999: decode error (as protojson)
//	google.protobuf.Duration              duration[us]; truncated toward zero to the microsecond;
//	                                      beyond +-315,576,000,000 s or mixed signs: decode error
//	google.protobuf.*Value (wrappers)     the wrapped scalar, nullable: null when absent, the zero
//	                                      value when present without a value
//	google.protobuf.Struct, Value,        utf8 JSON text, protojson's value (keys sorted, each once,
//	ListValue                             the last entry winning; no whitespace); an empty Value is
//	                                      null; NaN or infinite numbers are a decode error
//	google.protobuf.Any                   utf8 JSON text as protojson renders it when the type URL
//	                                      names a message of the schema or a well-known type, else
//	                                      {"@type": url, "value": base64 of the bytes}
//	confluent.type.Decimal                decimal128(p, s), decimal256 when p > 38: p and s from
//	                                      the field's (confluent.field_meta) params "precision"
//	                                      and "scale" (or "connect.decimal.precision"/"scale"),
//	                                      else 38 and 18; values rescaled from their own scale,
//	                                      a value needing rounding or more digits is a decode error
//	other well-known types                struct, like any message (Empty is struct<>)
//	recursive message                     expanded until the type occurs DecoderOptions.MaxRecursion
//	                                      times (default 3) on a path; there the field is binary,
//	                                      the message's serialized bytes (metadata kafarr.proto.raw)
//
// Field metadata keeps what Arrow loses: kafarr.proto.type (the Protobuf
// type), kafarr.proto.name (message, enum or oneof full name),
// kafarr.proto.number (field number), and on enum columns the dictionary
// (avroarrow.MetaDictionary).
//
// # Differences from protobuf runtimes
//
// A known field whose wire type is not its type's is a decode error, where
// runtimes keep it as an unknown field: a writer that changed a field's
// type incompatibly would otherwise read as defaults without a word.
// Timestamp, Duration, wrapper, Decimal, Struct, Value, ListValue and Any
// fields met twice in one message take the last occurrence instead of
// merging them, and a map entry whose key repeats within one message is
// kept as a second entry (in wire order) instead of replacing the first;
// serializers never write either, only concatenated messages hold them.
//
// # Limits
//
// Messages and groups nest at most MaxDepth (512) levels, skipped ones
// included, and JSON-mapped values likewise; lengths and counts are checked
// against the bytes left before anything is sliced or allocated. A reader
// message maps to at most MaxFields (65,536) fields, nested ones included.
package protoarrow
