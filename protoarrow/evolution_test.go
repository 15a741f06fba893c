package protoarrow

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodeWriterVersions reads data written with a newer and an older
// version of the reader message: fields match by number, fields the
// reader lacks are skipped, fields the writer lacked take their default.
func TestDecodeWriterVersions(t *testing.T) {
	reader := message(t, compileText(t, `syntax = "proto3"; package v;
message Tick { string inst = 1; int64 t = 2; optional double px = 4; repeated int32 tags = 5; Venue venue = 6; }
message Venue { string name = 1; }`), "v.Tick")
	newer := message(t, compileText(t, `syntax = "proto3"; package v;
message Tick { string inst = 1; int64 t = 2; int32 dropped_later = 3; optional double px = 4; repeated int32 tags = 5;
  Venue venue = 6; map<string, string> attrs = 7; Extra extra = 8; sfixed64 f = 9; float g = 10; }
message Venue { string name = 1; int32 level = 2; }
message Extra { repeated Extra more = 1; bytes b = 2; }`), "v.Tick")
	older := message(t, compileText(t, `syntax = "proto3"; package v; message Tick { string inst = 1; }`), "v.Tick")
	dec, err := NewDecoder(reader, DecoderOptions{})
	require.NoError(t, err)
	rows := decodeRows(t, dec,
		encodeJSON(t, newer, `{"inst":"A","t":"5","droppedLater":3,"px":1.5,"tags":[1,2],"venue":{"name":"X","level":2},"attrs":{"k":"v"},"extra":{"more":[{"b":"AA=="}]},"f":"-1","g":2}`),
		encodeJSON(t, older, `{"inst":"B"}`),
	)
	assert.Equal(t, []string{
		`{"inst":"A","px":1.5,"t":5,"tags":[1,2],"venue":{"name":"X"}}`,
		`{"inst":"B","px":null,"t":0,"tags":[],"venue":null}`,
	}, rows)
}

// TestDecodeCompatibleTypeChanges reads fields whose type changed within
// one wire type, as protobuf allows: the reader's type decides.
func TestDecodeCompatibleTypeChanges(t *testing.T) {
	reader := message(t, compileText(t, `syntax = "proto3"; message M { int32 a = 1; int64 b = 2; bool c = 3; uint32 d = 4; bytes e = 5; }`), "M")
	dec, err := NewDecoder(reader, DecoderOptions{})
	require.NoError(t, err)
	in := cat(
		varintField(1, uint64(1<<32+7)), // an int64 written, read as int32: truncated like protobuf
		varintField(2, uint64(^uint64(0))),
		varintField(3, 2),
		varintField(4, uint64(^uint64(0))),
		lenField(5, []byte("text")),
	)
	assert.Equal(t, []string{`{"a":7,"b":-1,"c":true,"d":4294967295,"e":"dGV4dA=="}`}, decodeRows(t, dec, in))
}

// TestDecodeProto2 covers proto2: explicit presence (null when absent,
// declared defaults not applied), required fields, groups, closed enums.
func TestDecodeProto2(t *testing.T) {
	s := compileText(t, `syntax = "proto2"; package p2;
enum Color { RED = 1; GREEN = 2; }
message M {
  optional int32 a = 1 [default = 7];
  required string req = 2;
  optional Color c = 3;
  optional group G = 4 { optional int32 x = 5; repeated string y = 6; }
  repeated group R = 7 { optional int32 z = 8; }
  repeated int32 p = 9 [packed = true];
  required int64 d = 10 [default = -3];
}`)
	md := message(t, s, "p2.M")
	dec, err := NewDecoder(md, DecoderOptions{})
	require.NoError(t, err)
	var got []string
	for _, f := range dec.Schema().Fields() {
		got = append(got, f.Name+": "+f.Type.String())
	}
	assert.Equal(t, []string{"a: int32", "req: utf8", "c: dictionary<values=utf8, indices=int32, ordered=false>",
		"g: struct<x: int32 nullable, y: list<item: utf8>>", "r: list<item: struct<z: int32 nullable>>", "p: list<item: int32>", "d: int64"}, got)
	rows := decodeRows(t, dec,
		encodeJSON(t, md, `{"req":"x","c":"GREEN","g":{"x":1,"y":["a"]},"r":[{"z":2},{}],"p":[1,2]}`),
		cat(groupField(4), groupField(7, varintField(8, 3)), varintField(3, 9)),
	)
	assert.Equal(t, []string{
		`{"a":null,"c":"GREEN","d":-3,"g":{"x":1,"y":["a"]},"p":[1,2],"r":[{"z":2},{"z":null}],"req":"x"}`,
		`{"a":null,"c":"9","d":-3,"g":{"x":null,"y":[]},"p":[],"r":[{"z":3}],"req":""}`,
	}, rows)
}

// TestDecodeRecursion cuts recursive messages at MaxRecursion: the field
// that would nest the type deeper holds its serialized message.
func TestDecodeRecursion(t *testing.T) {
	s := compileText(t, `syntax = "proto3"; message Node { int32 v = 1; Node next = 2; repeated Node kids = 3; }`)
	md := message(t, s, "Node")
	dec, err := NewDecoder(md, DecoderOptions{MaxRecursion: 2})
	require.NoError(t, err)
	next := dec.Schema().Field(1)
	assert.Equal(t, "struct<v: int32, next: binary nullable, kids: list<item: binary>>", next.Type.String())
	assert.Equal(t, "true", metaValue(next.Type.(*arrow.StructType).Field(1).Metadata, MetaProtoRaw))
	leaf := encodeJSON(t, md, `{"v":3}`)
	kid := encodeJSON(t, md, `{"v":4}`)
	in := encodeJSON(t, md, `{"v":1,"next":{"v":2,"next":{"v":3},"kids":[{"v":4}]}}`)
	assert.Equal(t, []string{`{"kids":[],"next":{"kids":["` + b64(kid) + `"],"next":"` + b64(leaf) + `","v":2},"v":1}`},
		decodeRows(t, dec, in))

	// A cut field met twice keeps both occurrences, whose concatenation is
	// their merge; null when absent.
	in = cat(lenField(2, cat(lenField(2, leaf), lenField(2, kid))), varintField(1, 1))
	assert.Equal(t, []string{`{"kids":[],"next":{"kids":[],"next":"` + b64(cat(leaf, kid)) + `","v":0},"v":1}`, `{"kids":[],"next":null,"v":0}`},
		decodeRows(t, dec, in, nil))

	// The default: three levels of Node.
	dec, err = NewDecoder(md, DecoderOptions{})
	require.NoError(t, err)
	assert.Equal(t, "struct<v: int32, next: struct<v: int32, next: binary nullable, kids: list<item: binary>> nullable, kids: list<item: struct<v: int32, next: binary nullable, kids: list<item: binary>>>>",
		dec.Schema().Field(1).Type.String())
}

// TestDecodeRecursionBound refuses a reader whose recursive types would
// expand past MaxFields columns.
func TestDecodeRecursionBound(t *testing.T) {
	s := compileText(t, `syntax = "proto3"; message N { N a = 1; N b = 2; N c = 3; N d = 4; N e = 5; N f = 6; N g = 7; N h = 8; }`)
	_, err := NewDecoder(message(t, s, "N"), DecoderOptions{MaxRecursion: 8})
	require.ErrorContains(t, err, "more than 65536 fields")
	_, err = NewDecoder(message(t, s, "N"), DecoderOptions{MaxRecursion: 3})
	require.NoError(t, err)
}
