package codec

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/internal/testenv"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/protoarrow"
)

// TestProtobufRealStack registers a Protobuf schema with a reference in
// the real registry (Apicurio's ccompat API), the referring schema as a
// base64 descriptor the way confluent-kafka-python registers it and the
// referenced one as .proto text, produces framed messages to the real
// broker and reads them back through the registry lookup.
func TestProtobufRealStack(t *testing.T) {
	brokers := testenv.Brokers(t)
	registry := testenv.Registry(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	topic := testenv.Topic(t)

	src, err := sr.NewClient(sr.URLs(registry))
	require.NoError(t, err)
	moneySubject := topic + "-money"
	money, err := src.CreateSchema(ctx, moneySubject, sr.Schema{Schema: moneyProto, Type: sr.TypeProtobuf})
	require.NoError(t, err)
	order, err := src.CreateSchema(ctx, topic+"-value", sr.Schema{Schema: descriptorText(t, orderV2), Type: sr.TypeProtobuf,
		References: []sr.SchemaReference{{Name: "acme/money.proto", Subject: moneySubject, Version: money.Version}}})
	require.NoError(t, err)
	t.Cleanup(func() {
		dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer dcancel()
		for _, s := range []string{topic + "-value", moneySubject} {
			src.DeleteSubject(dctx, s, sr.SoftDelete)
			src.DeleteSubject(dctx, s, sr.HardDelete)
		}
	})

	reg, err := kafkaio.NewRegistry(kafkaio.RegistryConfig{URL: registry})
	require.NoError(t, err)
	defer reg.Close()
	info, err := reg.SchemaByID(ctx, order.ID)
	require.NoError(t, err)
	require.Equal(t, "PROTOBUF", info.Type)
	require.Len(t, info.References, 1, "the registry keeps the reference")
	_, md, err := ParseProtobuf(ctx, info, RegistryResolve(reg), "")
	require.NoError(t, err)
	assert.Equal(t, "acme.Order", string(md.FullName()))
	dec, err := protoarrow.NewDecoder(md, protoarrow.DecoderOptions{})
	require.NoError(t, err)
	p := NewProtobuf(protoarrow.NewDecoderCache(dec), ProtobufRegistryLookup(reg), ProtobufOptions{})

	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers))
	require.NoError(t, err)
	defer cl.Close()
	require.NoError(t, kafkaio.NewAdmin(cl).CreateTopic(ctx, topic, 1, 1, nil))
	const n = 50
	for i := range n {
		v := orderMessage(t, md, int32(order.ID), nil, string(rune('a'+i%26)), int64(i))
		require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: v}).FirstErr())
	}
	r, err := kafkaio.NewPartitionReader(cl, topic, []kafkaio.PartitionRange{{Partition: 0, Start: 0, End: n}}, kafkaio.ReaderOptions{})
	require.NoError(t, err)
	defer r.Close()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	bb, err := avroarrow.NewBatchBuilder(mem, p.Schema())
	require.NoError(t, err)
	defer bb.Release()
	for bb.Len() < n {
		b, err := r.NextBatch(ctx)
		require.NoError(t, err)
		for i := 0; i < b.Len(); {
			if k, _ := p.AppendRun(b, i, b.Len()-i, bb); k > 0 {
				i += k
				continue
			}
			_, cause, err := p.Append(ctx, b.Value(i), bb)
			require.NoError(t, err)
			require.Empty(t, cause)
			i++
		}
		b.Release()
	}
	rec, err := bb.NewRecord()
	require.NoError(t, err)
	defer rec.Release()
	require.EqualValues(t, n, rec.NumRows())
	units := rec.Column(1).(*array.Struct).Field(1).(*array.Int64)
	for i := range n {
		assert.Equal(t, int64(i), units.Value(i))
	}
	assert.Equal(t, "z", rec.Column(0).(*array.String).Value(25))
}
