package protoarrow

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/kafkaio"
)

// compileText compiles .proto text as schema id 1 without references.
func compileText(t testing.TB, text string) *Schema {
	t.Helper()
	s, err := Compile(context.Background(), kafkaio.SchemaInfo{ID: 1, Schema: text, Type: "PROTOBUF"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// message returns the named message of s ("" for the first).
func message(t testing.TB, s *Schema, name string) protoreflect.MessageDescriptor {
	t.Helper()
	md, err := s.Message(name)
	if err != nil {
		t.Fatal(err)
	}
	return md
}

// encodeJSON builds a message of type md from its protojson form and
// encodes it with the protobuf runtime.
func encodeJSON(t testing.TB, md protoreflect.MessageDescriptor, js string) []byte {
	t.Helper()
	m := dynamicpb.NewMessage(md)
	if err := (protojson.UnmarshalOptions{AllowPartial: true, Resolver: anyResolver{typesOf(md)}}).Unmarshal([]byte(js), m); err != nil {
		t.Fatalf("protojson %s: %v", js, err)
	}
	b, err := proto.MarshalOptions{AllowPartial: true, Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func typesOf(md protoreflect.MessageDescriptor) *protoregistry.Types {
	d := &Decoder{msg: md}
	return d.anyTypes()
}

// decodeRows decodes msgs with dec into one record and returns its rows
// as JSON lines; an error fails the test.
func decodeRows(t testing.TB, dec *Decoder, msgs ...[]byte) []string {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	bb, err := avroarrow.NewBatchBuilder(mem, dec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	defer bb.Release()
	for _, m := range msgs {
		if err := dec.Decode(m, bb); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := bb.NewRecord()
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	return recordRows(t, rec)
}

func recordRows(t testing.TB, rec arrow.RecordBatch) []string {
	t.Helper()
	var buf bytes.Buffer
	if err := array.RecordToJSON(rec, &buf); err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(buf.String()), "\n")
}

func metaValue(md arrow.Metadata, key string) string {
	if i := md.FindKey(key); i >= 0 {
		return md.Values()[i]
	}
	return ""
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
