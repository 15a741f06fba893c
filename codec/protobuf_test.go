package codec

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/protoarrow"
)

const (
	moneyProto = `syntax = "proto3"; package acme; message Money { string currency = 1; int64 units = 2; }`
	orderV1    = `syntax = "proto3"; package acme; import "acme/money.proto";
message Order { string id = 1; Money price = 2; }
message Audit { string who = 1; }`
	orderV2 = `syntax = "proto3"; package acme; import "acme/money.proto"; import "google/protobuf/timestamp.proto";
message Order { string id = 1; Money price = 2; google.protobuf.Timestamp at = 3; }`
	otherFirst = `syntax = "proto3"; package acme; message Audit { string who = 1; } message Order { string id = 1; }`
)

// protoRegistry serves the schemas of these tests: money (id 10), order v1
// as text (11), order v2 as a base64 descriptor (12), a schema whose
// first message is another type (13), one that does not compile (14).
func protoRegistry(t *testing.T) *kafkaio.Registry {
	t.Helper()
	fake := srfake.New()
	t.Cleanup(fake.Close)
	refs := []sr.SchemaReference{{Name: "acme/money.proto", Subject: "money", Version: 1}}
	fake.SeedSchema("money", 1, 10, sr.Schema{Schema: moneyProto, Type: sr.TypeProtobuf})
	fake.SeedSchema("orders-value", 1, 11, sr.Schema{Schema: orderV1, Type: sr.TypeProtobuf, References: refs})
	fake.SeedSchema("orders-value", 2, 12, sr.Schema{Schema: descriptorText(t, orderV2), Type: sr.TypeProtobuf, References: refs})
	fake.SeedSchema("other-value", 1, 13, sr.Schema{Schema: otherFirst, Type: sr.TypeProtobuf})
	fake.SeedSchema("broken-value", 1, 14, sr.Schema{Schema: `syntax = "proto3"; message {`, Type: sr.TypeProtobuf})
	fake.SeedSchema("avro-value", 1, 15, sr.Schema{Schema: `"string"`, Type: sr.TypeAvro})
	reg, err := kafkaio.NewRegistry(kafkaio.RegistryConfig{URL: fake.URL()})
	require.NoError(t, err)
	t.Cleanup(reg.Close)
	return reg
}

// descriptorText compiles text (importing money) and returns it in the
// form confluent-kafka-python registers: a base64 FileDescriptorProto.
func descriptorText(t *testing.T, text string) string {
	t.Helper()
	s, err := protoarrow.Compile(context.Background(), kafkaio.SchemaInfo{Schema: text, References: []kafkaio.SchemaReference{{Name: "acme/money.proto", Subject: "money", Version: 1}}},
		func(context.Context, kafkaio.SchemaReference) (kafkaio.SchemaInfo, error) {
			return kafkaio.SchemaInfo{Schema: moneyProto, Type: "PROTOBUF"}, nil
		})
	require.NoError(t, err)
	fdp := protodesc.ToFileDescriptorProto(s.File())
	fdp.Name = proto.String("acme/order.proto")
	b, err := proto.Marshal(fdp)
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(b)
}

func TestParseProtobuf(t *testing.T) {
	reg := protoRegistry(t)
	ctx := context.Background()
	resolve := RegistryResolve(reg)
	info := func(id int) kafkaio.SchemaInfo {
		i, err := reg.SchemaByID(ctx, id)
		require.NoError(t, err)
		return i
	}
	for _, id := range []int{11, 12} {
		_, md, err := ParseProtobuf(ctx, info(id), resolve, "")
		require.NoError(t, err)
		assert.Equal(t, "acme.Order", string(md.FullName()))
	}
	_, md, err := ParseProtobuf(ctx, info(11), resolve, "acme.Audit")
	require.NoError(t, err)
	assert.Equal(t, "acme.Audit", string(md.FullName()))

	_, _, err = ParseProtobuf(ctx, info(11), resolve, "acme.Nope")
	assert.Equal(t, adbc.StatusInvalidArgument, adbcerr.Status(err))
	assert.EqualError(t, err, `Invalid Argument: kafarr: protobuf schema id 11: message "acme.Nope" is not in the schema; its messages are: acme.Audit, acme.Order`)

	_, _, err = ParseProtobuf(ctx, info(14), resolve, "")
	assert.Equal(t, adbc.StatusInvalidData, adbcerr.Status(err))
	assert.ErrorContains(t, err, "protobuf schema id 14: ")

	_, _, err = ParseProtobuf(ctx, info(15), resolve, "")
	assert.Equal(t, adbc.StatusInvalidArgument, adbcerr.Status(err))
	assert.ErrorContains(t, err, "schema id 15 is a AVRO schema, not PROTOBUF")

	// A reference the registry does not have keeps the registry's status.
	missing := info(11)
	missing.References = []kafkaio.SchemaReference{{Name: "acme/money.proto", Subject: "gone", Version: 3}}
	_, _, err = ParseProtobuf(ctx, missing, resolve, "")
	assert.Equal(t, adbc.StatusNotFound, adbcerr.Status(err))
	assert.ErrorContains(t, err, `resolving reference "acme/money.proto" (subject "gone" version 3)`)
}

// newOrderCodec builds the value decoder of reader schema id 11's Order.
func newOrderCodec(t *testing.T, reg *kafkaio.Registry, opts ProtobufOptions) (*Protobuf, protoreflect.MessageDescriptor) {
	t.Helper()
	ctx := context.Background()
	info, err := reg.SchemaByID(ctx, 11)
	require.NoError(t, err)
	_, md, err := ParseProtobuf(ctx, info, RegistryResolve(reg), "")
	require.NoError(t, err)
	dec, err := protoarrow.NewDecoder(md, protoarrow.DecoderOptions{})
	require.NoError(t, err)
	return NewProtobuf(protoarrow.NewDecoderCache(dec), ProtobufRegistryLookup(reg), opts), md
}

// order encodes an Order of md framed with schema id and indexes.
func orderMessage(t *testing.T, md protoreflect.MessageDescriptor, id int32, indexes []int, orderID string, units int64) []byte {
	t.Helper()
	m := dynamicpb.NewMessage(md)
	m.Set(md.Fields().ByName("id"), protoreflect.ValueOfString(orderID))
	price := m.Mutable(md.Fields().ByName("price")).Message()
	price.Set(price.Descriptor().Fields().ByName("units"), protoreflect.ValueOfInt64(units))
	b, err := proto.Marshal(m)
	require.NoError(t, err)
	return append(protoarrow.AppendFrame(nil, id, indexes), b...)
}

func TestProtobufAppend(t *testing.T) {
	reg := protoRegistry(t)
	p, md := newOrderCodec(t, reg, ProtobufOptions{})
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	bb, err := avroarrow.NewBatchBuilder(mem, p.Schema())
	require.NoError(t, err)
	defer bb.Release()
	ctx := context.Background()

	tests := []struct {
		name  string
		msg   []byte
		id    int32
		cause string
	}{
		{"reader schema", orderMessage(t, md, 11, nil, "a", 1), 11, ""},
		{"long form of [0]", append([]byte{0, 0, 0, 0, 11, 2, 0}, orderMessage(t, md, 11, nil, "b", 2)[6:]...), 11, ""},
		{"newer writer as a descriptor", orderMessage(t, md, 12, []int{0}, "c", 3), 12, ""},
		{"another message of the schema", orderMessage(t, md, 11, []int{1}, "d", 4), 11, "value schema id 11: protobuf schema resolution: schema id 11 message [1] is acme.Audit, not the reader's acme.Order"},
		{"a schema whose first message is another", orderMessage(t, md, 13, nil, "e", 5), 13, "is acme.Audit, not the reader's acme.Order"},
		{"index out of range", orderMessage(t, md, 11, []int{5}, "h", 8), 11, "message index [5]: index 5 at depth 0 is out of range for 2 messages"},
		{"writer schema that does not compile", orderMessage(t, md, 14, nil, "f", 6), 14, "value schema id 14: protobuf schema id 14: "},
		{"unknown schema id", orderMessage(t, md, 99, nil, "g", 7), 99, "value schema id 99: "},
		{"not framed", []byte("{}"), -1, "magic byte 0x7b"},
		{"huge index count", []byte{0, 0, 0, 0, 11, 0xfe, 0xff, 0xff, 0xff, 0x0f}, -1, "message-index count 2147483647 is out of range"},
		{"malformed body", append(protoarrow.AppendFrame(nil, 11, nil), 0x0a, 0x09), 11, "decoding value with schema id 11: protobuf decode: id at byte 2: length 9 exceeds the 0 bytes left"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := bb.Len()
			id, cause, err := p.Append(ctx, tc.msg, bb)
			require.NoError(t, err)
			assert.Equal(t, tc.id, id)
			if tc.cause == "" {
				assert.Empty(t, cause)
				assert.Equal(t, before+1, bb.Len())
			} else {
				assert.Contains(t, cause, tc.cause)
				assert.Equal(t, before, bb.Len())
			}
		})
	}
	rec, err := bb.NewRecord()
	require.NoError(t, err)
	defer rec.Release()
	assert.Equal(t, `["a" "b" "c"]`, rec.Column(0).(*array.String).String())
}

func TestProtobufAppendErrors(t *testing.T) {
	reg := protoRegistry(t)
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	// kafarr.read.schema=first: another schema id ends the read.
	p, md := newOrderCodec(t, reg, ProtobufOptions{StopOnNew: true, First: 11})
	bb, err := avroarrow.NewBatchBuilder(mem, p.Schema())
	require.NoError(t, err)
	defer bb.Release()
	_, cause, err := p.Append(ctx, orderMessage(t, md, 11, nil, "a", 1), bb)
	require.NoError(t, err)
	require.Empty(t, cause)
	_, _, err = p.Append(ctx, orderMessage(t, md, 12, nil, "b", 2), bb)
	assert.ErrorIs(t, err, ErrSchemaChanged)

	// A registry that cannot answer ends the read whatever on_error says.
	down := errors.New("connection refused")
	p = NewProtobuf(protoarrow.NewDecoderCache(p.cache.Decoder()), func(context.Context, int32) (*protoarrow.Schema, error) {
		return nil, adbcerr.Wrap(down, "registry")
	}, ProtobufOptions{What: "key"})
	_, _, err = p.Append(ctx, orderMessage(t, md, 12, nil, "b", 2), bb)
	assert.Equal(t, adbc.StatusIO, adbcerr.Status(err))
	assert.ErrorContains(t, err, "looking up key schema id 12: registry: connection refused")

	// Without a reader schema the framing is checked and rows are empty.
	raw := NewProtobuf(nil, nil, ProtobufOptions{What: "key"})
	assert.Equal(t, 0, raw.Schema().NumFields())
	_, cause, err = raw.Append(ctx, []byte{1}, bb)
	require.NoError(t, err)
	assert.Equal(t, "key: message is not in Confluent wire format (magic byte 0x01, want 0x00)", cause)
}

// TestProtobufAppendRun reads fetched record batches: runs of messages of
// the last schema id and index list go through AppendRun, anything else
// stops it for Append.
func TestProtobufAppendRun(t *testing.T) {
	reg := protoRegistry(t)
	p, md := newOrderCodec(t, reg, ProtobufOptions{})
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders"))
	require.NoError(t, err)
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	require.NoError(t, err)
	defer cl.Close()
	values := [][]byte{
		orderMessage(t, md, 11, nil, "a", 1), orderMessage(t, md, 11, nil, "b", 2), orderMessage(t, md, 11, nil, "c", 3),
		orderMessage(t, md, 11, []int{1}, "x", 0), // another message type
		orderMessage(t, md, 12, nil, "d", 4), orderMessage(t, md, 12, nil, "e", 5),
		nil, // a tombstone
		orderMessage(t, md, 12, nil, "f", 6),
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, v := range values {
		require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: "orders", Value: v}).FirstErr())
	}
	r, err := kafkaio.NewPartitionReader(cl, "orders", []kafkaio.PartitionRange{{Partition: 0, Start: 0, End: int64(len(values))}}, kafkaio.ReaderOptions{})
	require.NoError(t, err)
	defer r.Close()
	b, err := r.NextBatch(ctx)
	require.NoError(t, err)
	defer b.Release()
	require.Equal(t, len(values), b.Len())

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	bb, err := avroarrow.NewBatchBuilder(mem, p.Schema())
	require.NoError(t, err)
	defer bb.Release()
	var steps []string
	for i := 0; i < b.Len(); {
		if n, id := p.AppendRun(b, i, b.Len()-i, bb); n > 0 {
			steps = append(steps, "run", string(rune('0'+n)), string(rune('0'+id-10)))
			i += n
			continue
		}
		v := b.Value(i)
		if v == nil {
			bb.AppendNullRow()
			steps = append(steps, "null")
		} else if _, cause, err := p.Append(ctx, v, bb); err != nil || cause != "" {
			steps = append(steps, "cause")
		} else {
			steps = append(steps, "one")
		}
		i++
	}
	// The first message of each schema id goes through Append.
	assert.Equal(t, []string{"one", "run", "2", "1", "cause", "one", "run", "1", "2", "null", "run", "1", "2"}, steps)
	rec, err := bb.NewRecord()
	require.NoError(t, err)
	defer rec.Release()
	assert.Equal(t, `["a" "b" "c" "d" "e" (null) "f"]`, rec.Column(0).(*array.String).String())
}
