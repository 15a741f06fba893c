package protoarrow

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/kafarr/kafarr/kafkaio"
)

// registry is a resolver over subjects, as the schema registry serves
// references.
type registry map[string]kafkaio.SchemaInfo

func (r registry) resolve(_ context.Context, ref kafkaio.SchemaReference) (kafkaio.SchemaInfo, error) {
	info, ok := r[fmt.Sprintf("%s/%d", ref.Subject, ref.Version)]
	if !ok {
		return kafkaio.SchemaInfo{}, fmt.Errorf("subject %q version %d not found", ref.Subject, ref.Version)
	}
	return info, nil
}

// serialized returns a compiled file in the form confluent-kafka-python
// registers: a base64 serialized FileDescriptorProto.
func serialized(t *testing.T, s *Schema) string {
	t.Helper()
	b, err := proto.Marshal(protodesc.ToFileDescriptorProto(s.File()))
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(b)
}

const (
	commonProto = `syntax = "proto3";
package acme.common;
import "google/protobuf/timestamp.proto";
message Money { string currency = 1; int64 units = 2; }
message Stamp { google.protobuf.Timestamp at = 1; }`
	orderProto = `syntax = "proto3";
package acme.orders;
import "acme/common.proto";
message Order { string id = 1; acme.common.Money price = 2; acme.common.Stamp stamp = 3; message Line { int32 n = 1; } repeated Line lines = 4; }
message Other { int32 x = 1; }`
)

func TestCompileForms(t *testing.T) {
	ctx := context.Background()
	reg := registry{"common/1": {ID: 10, Schema: commonProto, Type: "PROTOBUF"}}
	refs := []kafkaio.SchemaReference{{Name: "acme/common.proto", Subject: "common", Version: 1}}

	text, err := Compile(ctx, kafkaio.SchemaInfo{ID: 11, Schema: orderProto, Type: "PROTOBUF", References: refs}, reg.resolve)
	require.NoError(t, err)
	assert.Equal(t, 11, text.ID())
	assert.Equal(t, []string{"acme.orders.Order", "acme.orders.Order.Line", "acme.orders.Other"}, text.MessageNames())

	// Both files as serialized descriptors, as confluent-kafka-python
	// registers them.
	common, err := Compile(ctx, kafkaio.SchemaInfo{ID: 10, Schema: commonProto}, nil)
	require.NoError(t, err)
	regB := registry{"common/1": {ID: 10, Schema: serialized(t, common), Type: "PROTOBUF"}}
	desc, err := Compile(ctx, kafkaio.SchemaInfo{ID: 12, Schema: serialized(t, text), References: refs}, regB.resolve)
	require.NoError(t, err)

	for name, s := range map[string]*Schema{"text": text, "descriptor": desc} {
		t.Run(name, func(t *testing.T) {
			md := message(t, s, "")
			assert.Equal(t, "acme.orders.Order", string(md.FullName()))
			dec, err := NewDecoder(md, DecoderOptions{})
			require.NoError(t, err)
			rows := decodeRows(t, dec, encodeJSON(t, md, `{"id":"o1","price":{"currency":"EUR","units":"5"},"stamp":{"at":"2020-01-01T00:00:00Z"},"lines":[{"n":1}]}`))
			assert.JSONEq(t, `{"id":"o1","lines":[{"n":1}],"price":{"currency":"EUR","units":5},"stamp":{"at":"2020-01-01T00:00:00Z"}}`, rows[0])
		})
	}
}

func TestCompileErrors(t *testing.T) {
	ctx := context.Background()
	ref := func(name, subject string) kafkaio.SchemaReference {
		return kafkaio.SchemaReference{Name: name, Subject: subject, Version: 1}
	}
	cyc := registry{
		"a/1": {ID: 1, Schema: `syntax = "proto3"; import "b.proto"; message A {}`, References: []kafkaio.SchemaReference{ref("b.proto", "b")}},
		"b/1": {ID: 2, Schema: `syntax = "proto3"; import "a.proto"; message B {}`, References: []kafkaio.SchemaReference{ref("a.proto", "a")}},
	}
	down := errors.New("registry down")
	tests := []struct {
		name    string
		info    kafkaio.SchemaInfo
		resolve ResolveFunc
		want    string
	}{
		{"syntax error", kafkaio.SchemaInfo{ID: 5, Schema: `syntax = "proto3"; message {`}, nil, "protobuf schema id 5: "},
		{"empty", kafkaio.SchemaInfo{ID: 5, Schema: "  "}, nil, "protobuf schema id 5: the schema is empty"},
		{"base64 but not a descriptor", kafkaio.SchemaInfo{ID: 5, Schema: "AAAA"}, nil, "not a serialized FileDescriptorProto"},
		{"unknown import", kafkaio.SchemaInfo{ID: 5, Schema: `syntax = "proto3"; import "x.proto"; message A {}`}, nil, "x.proto"},
		{"reference without a resolver", kafkaio.SchemaInfo{ID: 5, Schema: `syntax = "proto3"; import "x.proto"; message A {}`,
			References: []kafkaio.SchemaReference{ref("x.proto", "x")}}, nil, `reference "x.proto" (subject "x" version 1) cannot be resolved here`},
		{"circular references", kafkaio.SchemaInfo{ID: 5, Schema: `syntax = "proto3"; import "a.proto"; message M {}`,
			References: []kafkaio.SchemaReference{ref("a.proto", "a")}}, cyc.resolve, "circular references: a.proto -> b.proto -> a.proto"},
		{"resolver error kept", kafkaio.SchemaInfo{ID: 5, Schema: `syntax = "proto3"; import "x.proto"; message A {}`,
			References: []kafkaio.SchemaReference{ref("x.proto", "x")}},
			func(context.Context, kafkaio.SchemaReference) (kafkaio.SchemaInfo, error) {
				return kafkaio.SchemaInfo{}, down
			}, "registry down"},
		{"reference of another type", kafkaio.SchemaInfo{ID: 5, Schema: `syntax = "proto3"; import "x.proto"; message A {}`,
			References: []kafkaio.SchemaReference{ref("x.proto", "x")}},
			registry{"x/1": {Schema: `{"type":"string"}`, Type: "AVRO"}}.resolve, "is a AVRO schema, not PROTOBUF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(ctx, tc.info, tc.resolve)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			if tc.name == "resolver error kept" {
				assert.ErrorIs(t, err, down)
			} else {
				var se *SchemaError
				assert.ErrorAs(t, err, &se)
			}
		})
	}
}

// TestCompileBundled imports the well-known types and Confluent's types
// without references, as Confluent's serializers register them.
func TestCompileBundled(t *testing.T) {
	s := compileText(t, `syntax = "proto3";
import "google/protobuf/timestamp.proto";
import "google/protobuf/any.proto";
import "google/protobuf/empty.proto";
import "google/protobuf/field_mask.proto";
import "confluent/type/decimal.proto";
import "confluent/meta.proto";
message M {
  google.protobuf.Timestamp t = 1; google.protobuf.Empty e = 2; google.protobuf.FieldMask fm = 3;
  confluent.type.Decimal d = 4 [(confluent.field_meta).params = {key: "precision", value: "50"}, (confluent.field_meta).params = {key: "scale", value: "3"}];
}`)
	dec, err := NewDecoder(message(t, s, "M"), DecoderOptions{})
	require.NoError(t, err)
	assert.Equal(t, "struct<>", dec.Schema().Field(1).Type.String())
	assert.Equal(t, "struct<paths: list<item: utf8>>", dec.Schema().Field(2).Type.String())
	assert.Equal(t, "decimal256(50, 3)", dec.Schema().Field(3).Type.String())

	// Newer Confluent clients import the decimal type from another path.
	s = compileText(t, `syntax = "proto3"; import "confluent/types/decimal.proto"; message M { confluent.type.Decimal d = 1; }`)
	dec, err = NewDecoder(message(t, s, "M"), DecoderOptions{})
	require.NoError(t, err)
	assert.Equal(t, "decimal(38, 18)", dec.Schema().Field(0).Type.String())
}

func TestSchemaMessage(t *testing.T) {
	ctx := context.Background()
	reg := registry{"common/1": {ID: 10, Schema: commonProto}}
	s, err := Compile(ctx, kafkaio.SchemaInfo{ID: 11, Schema: orderProto,
		References: []kafkaio.SchemaReference{{Name: "acme/common.proto", Subject: "common", Version: 1}}}, reg.resolve)
	require.NoError(t, err)
	for _, name := range []string{"acme.orders.Other", ".acme.orders.Other"} {
		md, err := s.Message(name)
		require.NoError(t, err)
		assert.Equal(t, "acme.orders.Other", string(md.FullName()))
	}
	md, err := s.Message("acme.orders.Order.Line")
	require.NoError(t, err)
	assert.Equal(t, "acme.orders.Order.Line", string(md.FullName()))
	_, err = s.Message("acme.orders.Nope")
	require.Error(t, err)
	assert.Equal(t, `protobuf schema id 11: message "acme.orders.Nope" is not in the schema; its messages are: acme.orders.Order, acme.orders.Order.Line, acme.orders.Other`, err.Error())

	for _, tc := range []struct {
		idx  []int
		want string
	}{
		{nil, "acme.orders.Order"}, {[]int{0}, "acme.orders.Order"}, {[]int{1}, "acme.orders.Other"}, {[]int{0, 0}, "acme.orders.Order.Line"},
	} {
		md, err := s.MessageAt(tc.idx)
		require.NoError(t, err)
		assert.Equal(t, tc.want, string(md.FullName()))
	}
	_, err = s.MessageAt([]int{2})
	assert.EqualError(t, err, "protobuf schema id 11: message index [2]: index 2 at depth 0 is out of range for 2 messages")
	_, err = s.MessageAt([]int{0, 1})
	assert.EqualError(t, err, "protobuf schema id 11: message index [0,1]: index 1 at depth 1 is out of range for 1 messages")

	empty := compileText(t, `syntax = "proto3"; package e; enum E { Z = 0; }`)
	_, err = empty.Message("")
	assert.EqualError(t, err, "protobuf schema id 1: the schema defines no message")
}

// TestCompileDescriptorWithoutJSONNames reads a serialized descriptor
// built in code, whose fields have no json_name (protoc always writes
// one): protocompile alone refuses it for conflicting empty JSON names.
func TestCompileDescriptorWithoutJSONNames(t *testing.T) {
	fdp := &descriptorpb.FileDescriptorProto{
		Name: proto.String("bare.proto"), Package: proto.String("acme"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Bare"),
			Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("px_bid"), Number: proto.Int32(1), Type: descriptorpb.FieldDescriptorProto_TYPE_DOUBLE.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()},
				{Name: proto.String("qty"), Number: proto.Int32(2), Type: descriptorpb.FieldDescriptorProto_TYPE_INT64.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), JsonName: proto.String("")},
			},
			NestedType: []*descriptorpb.DescriptorProto{{
				Name:  proto.String("In"),
				Field: []*descriptorpb.FieldDescriptorProto{{Name: proto.String("a_b_c"), Number: proto.Int32(1), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()}},
			}},
		}},
	}
	b, err := proto.Marshal(fdp)
	require.NoError(t, err)
	s, err := Compile(context.Background(), kafkaio.SchemaInfo{ID: 3, Type: "PROTOBUF", Schema: base64.StdEncoding.EncodeToString(b)}, nil)
	require.NoError(t, err)
	md := message(t, s, "acme.Bare")
	assert.Equal(t, "pxBid", md.Fields().ByName("px_bid").JSONName())
	assert.Equal(t, "qty", md.Fields().ByName("qty").JSONName())
	assert.Equal(t, "aBC", md.Messages().ByName("In").Fields().ByName("a_b_c").JSONName())
}
