// Package jsonarrow reads JSON into Arrow, and writes Arrow rows as JSON.
// It maps a JSON Schema (as the
// Confluent schema registry holds it, references included) or an Avro
// schema given for plain JSON to an Arrow schema, infers an Arrow schema
// from sample messages when no schema is given, and compiles a Decoder
// that parses one JSON document per message straight into the column
// buffers of an avroarrow.BatchBuilder, allocating nothing per message.
//
// The decoder is a hand-written scanner specialised per schema: it was
// measured against arrow-go's JSON reader, github.com/valyala/fastjson and
// github.com/bytedance/sonic (bench_test.go) and is the fastest of them
// for this job, since it builds no intermediate tree and looks each
// property up in a table compiled from the schema.
//
// Reading rules (docs/types.md, "JSON"):
//   - Properties match columns by name, in any order; unknown properties
//     are skipped (whatever additionalProperties says); a duplicated
//     property takes its last value.
//   - A missing property is null, or its Avro default when the schema
//     came from Avro; a missing property that the schema requires (JSON
//     Schema "required", or a non-nullable Avro field without a default)
//     is a DecodeError.
//   - Integer columns take numbers whose value is an integer in range (1,
//     -7, 1.0, 2e3); a fraction or an out-of-range value is an error.
//   - Strings must be valid UTF-8 and their escapes valid; a lone
//     surrogate escape (\ud800) reads as U+FFFD, as encoding/json does.
//   - Objects and arrays nest at most MaxDepth (64) levels; deeper input is
//     an error, whether read or skipped.
//   - NaN, Infinity and other non-JSON tokens are errors; a number beyond
//     float64's range is an error.
//
// The write direction (CompileEncoder, Encoder, DeriveJSONSchema) inverts
// the reading rules for ingest: each row becomes one JSON object matching a
// target schema (or plain JSON), with the name, null and narrowing rules of
// the Avro encoder and its avroarrow.EncodeError; see Encoder.
package jsonarrow
