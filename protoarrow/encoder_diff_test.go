package protoarrow

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/rand"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/kafkaio"
)

// TestEncodeDifferential is the encoder's differential test: random
// messages of random schemas (TestDifferential's generators), written by
// google.golang.org/protobuf and read into Arrow by the decoder, are
// encoded back by the Encoder; proto.Unmarshal into dynamicpb must read
// every value the Arrow rows hold (the decoder's differential checker
// compares them), and the re-encoded rows must decode to the same Arrow
// data.
func TestEncodeDifferential(t *testing.T) {
	schemas, msgs := 200, 20
	if testing.Short() {
		schemas = 20
	}
	for seed := range schemas {
		r := rand.New(rand.NewSource(int64(1000 + seed)))
		g := &schemaGen{r: r, plain: seed%3 == 0}
		fdp := g.file()
		t.Run(strconv.Itoa(seed), func(t *testing.T) {
			raw, err := proto.Marshal(fdp)
			require.NoError(t, err)
			s, err := Compile(context.Background(), kafkaio.SchemaInfo{ID: 1, Schema: base64.StdEncoding.EncodeToString(raw)}, nil)
			require.NoError(t, err)
			md := s.File().Messages().Get(r.Intn(s.File().Messages().Len()))
			dec, err := NewDecoder(md, DecoderOptions{MaxRecursion: 1 + r.Intn(3)})
			if err != nil {
				dec, err = NewDecoder(md, DecoderOptions{MaxRecursion: 1})
			}
			require.NoError(t, err)
			types := &protoregistry.Types{}
			registerTypes(types, s.File(), map[string]bool{})
			gen := &msgGen{r: r, types: types, file: s.File()}

			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			decodeAll := func(bodies [][]byte) arrow.RecordBatch {
				bb, err := avroarrow.NewBatchBuilder(mem, dec.Schema())
				require.NoError(t, err)
				defer bb.Release()
				for k, b := range bodies {
					require.NoError(t, dec.Decode(b, bb), "message %d", k)
				}
				rec, err := bb.NewRecord()
				require.NoError(t, err)
				return rec
			}
			var bodies [][]byte
			for range msgs {
				m := dynamicpb.NewMessage(md)
				gen.fill(m, 0)
				b, err := proto.Marshal(m)
				require.NoError(t, err)
				bodies = append(bodies, b)
			}
			rec := decodeAll(bodies)
			defer rec.Release()

			enc, err := CompileEncoder(rec.Schema(), md, EncoderOptions{})
			require.NoError(t, err)
			require.NoError(t, enc.Check(rec))
			c := &checker{t: t, resolver: anyResolver{types}}
			var again [][]byte
			for k := range int(rec.NumRows()) {
				b, err := enc.AppendRow(nil, rec, k)
				require.NoError(t, err, "row %d", k)
				got := dynamicpb.NewMessage(md)
				require.NoError(t, proto.Unmarshal(b, got), "row %d", k)
				c.message(fmt.Sprintf("row %d", k), func(name string) arrow.Array {
					return rec.Column(rec.Schema().FieldIndices(name)[0])
				}, k, got)
				if t.Failed() {
					t.Logf("schema: %v\nmessage: %v", fdp, got)
					return
				}
				again = append(again, b)
			}
			rec2 := decodeAll(again)
			defer rec2.Release()
			require.Equal(t, recordRows(t, rec), recordRows(t, rec2))
		})
	}
}
