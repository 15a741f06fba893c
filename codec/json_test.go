package codec

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/jsonarrow"
	"github.com/kafarr/kafarr/kafkaio"
)

const tickJSONSchema = `{"type":"object","properties":{"inst":{"type":"string"},"t":{"type":"integer"},
	"dt":{"type":"integer"},"bid":{"type":"number"},"ask":{"type":"number"}},"required":["inst"]}`

func tickDecoder(t *testing.T) *jsonarrow.Decoder {
	t.Helper()
	s, err := ParseJSONSchema(t.Context(), kafkaio.SchemaInfo{ID: 1, Type: "JSON", Schema: tickJSONSchema}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := jsonarrow.NewDecoder(s, jsonarrow.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func frame(id int32, body string) []byte { return append(avroarrow.AppendFrame(nil, id), body...) }

// scanRows decodes msgs as a read with on_error=null would: each message
// through Append (nil ones are tombstones), a failed one as a null row,
// and returns the bid column and the causes ("" for decoded rows).
func scanRows(t *testing.T, dec Decoder, msgs [][]byte) ([]any, []string) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	bb, err := avroarrow.NewBatchBuilder(mem, dec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	defer bb.Release()
	var causes []string
	for _, m := range msgs {
		if m == nil {
			bb.AppendNullRow()
			causes = append(causes, "")
			continue
		}
		_, cause, err := dec.Append(t.Context(), m, bb)
		if err != nil {
			t.Fatalf("Append(%q): %v", m, err)
		}
		if cause != "" {
			bb.AppendNullRow()
		}
		causes = append(causes, cause)
	}
	return bidColumn(t, bb), causes
}

func bidColumn(t *testing.T, bb *avroarrow.BatchBuilder) []any {
	t.Helper()
	rec, err := bb.NewRecord()
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	if err := array.ValidateRecordFull(rec); err != nil {
		t.Fatal(err)
	}
	bids := rec.Column(3).(*array.Float64)
	out := make([]any, bids.Len())
	for i := range out {
		if bids.IsValid(i) {
			out[i] = bids.Value(i)
		}
	}
	return out
}

func TestJSONPlain(t *testing.T) {
	dec := NewJSON(tickDecoder(t), nil, JSONOptions{})
	bids, causes := scanRows(t, dec, [][]byte{
		[]byte(`{"inst":"EUR/USD","t":1700000000123,"dt":17,"bid":1.0712,"ask":1.0714}`),
		nil,
		[]byte(`{"inst":"EUR/USD","bid":"1.0712"}`),
		[]byte(`{"inst":"EUR/USD","bid":1.07`),
		frame(1, `{"inst":"X"}`),
		[]byte(``),
		[]byte(`{"inst":"GBP/USD","bid":1.25,"extra":[1]}`),
	})
	if want := []any{1.0712, nil, nil, nil, nil, nil, 1.25}; !reflect.DeepEqual(bids, want) {
		t.Errorf("bids %v, want %v", bids, want)
	}
	want := []string{"", "",
		`value does not match the schema: property "bid": expected number, got string at byte 24`,
		`value is not valid JSON: unexpected end of data, expected ',' or '}' at byte 28`,
		`value starts with byte 0x00, as Confluent-framed messages do: it is not plain JSON`,
		`value is not valid JSON: unexpected end of data, expected a value at byte 0`,
		""}
	if !reflect.DeepEqual(causes, want) {
		t.Errorf("causes:\n%q\nwant\n%q", causes, want)
	}
}

// registry answers the schema lookups of framed tests and counts them.
type registry struct {
	infos   map[int32]kafkaio.SchemaInfo
	errs    map[int32]error
	lookups map[int32]int
}

func (r *registry) lookup(_ context.Context, id int32) (kafkaio.SchemaInfo, error) {
	r.lookups[id]++
	if err, ok := r.errs[id]; ok {
		return kafkaio.SchemaInfo{}, err
	}
	return r.infos[id], nil
}

func newRegistry() *registry {
	return &registry{
		infos: map[int32]kafkaio.SchemaInfo{
			1: {ID: 1, Type: "JSON", Schema: tickJSONSchema},
			2: {ID: 2, Type: "JSON", Schema: `{"type":"object","properties":{"inst":{"type":"string"},"bid":{"type":"number"},"venue":{"type":"string"}}}`},
			3: {ID: 3, Type: "AVRO", Schema: `"string"`},
		},
		errs: map[int32]error{
			4: adbcerr.New(adbc.StatusNotFound, "schema id 4 not found in schema registry http://r"),
			5: adbcerr.New(adbc.StatusIO, "schema registry http://r is unreachable"),
		},
		lookups: map[int32]int{},
	}
}

// TestJSONFramed reads Confluent JSON Schema frames: writer schema ids
// other than the reader's decode by property name; ids that are not JSON
// Schemas or unknown are causes, looked up once per read; a registry that
// cannot answer ends the read.
func TestJSONFramed(t *testing.T) {
	reg := newRegistry()
	dec := NewJSON(tickDecoder(t), reg.lookup, JSONOptions{Framed: true})
	bids, causes := scanRows(t, dec, [][]byte{
		frame(1, `{"inst":"EUR/USD","bid":1.5}`),
		frame(2, `{"inst":"EUR/USD","bid":2.5,"venue":"LSE"}`),
		frame(2, `{"bid":3.5}`),
		frame(3, `"x"`),
		frame(3, `"y"`),
		frame(4, `{}`),
		frame(4, `{}`),
		[]byte(`{"inst":"x"}`),
		{0, 0, 1},
		frame(1, `{"inst":"EUR/USD","bid":true}`),
		frame(1, `{"inst":"EUR/USD","bid":4.5}`),
	})
	if want := []any{1.5, 2.5, nil, nil, nil, nil, nil, nil, nil, nil, 4.5}; !reflect.DeepEqual(bids, want) {
		t.Errorf("bids %v, want %v", bids, want)
	}
	want := []string{"", "",
		`value (schema id 2) does not match the schema: property "inst": required property is missing at byte 10`,
		`value schema id 3 has schema type AVRO, not JSON`,
		`value schema id 3 has schema type AVRO, not JSON`,
		`value schema id 4: schema id 4 not found in schema registry http://r`,
		`value schema id 4: schema id 4 not found in schema registry http://r`,
		`value: message is not in Confluent wire format (magic byte 0x7b, want 0x00)`,
		`value: message of 3 bytes is too short for the Confluent wire format header of 5 bytes`,
		`value (schema id 1) does not match the schema: property "bid": expected number, got boolean at byte 24`,
		""}
	if !reflect.DeepEqual(causes, want) {
		t.Errorf("causes:\n%q\nwant\n%q", causes, want)
	}
	if want := map[int32]int{1: 1, 2: 1, 3: 1, 4: 1}; !reflect.DeepEqual(reg.lookups, want) {
		t.Errorf("lookups %v, want %v", reg.lookups, want)
	}

	bb, err := avroarrow.NewBatchBuilder(memory.NewGoAllocator(), dec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	defer bb.Release()
	_, _, err = dec.Append(t.Context(), frame(5, `{}`), bb)
	if adbcerr.Status(err) != adbc.StatusIO || !strings.HasSuffix(err.Error(), "kafarr: looking up value schema id 5: schema registry http://r is unreachable") || bb.Len() != 0 {
		t.Errorf("registry down: got %v (status %v), %d rows", err, adbcerr.Status(err), bb.Len())
	}

	first := NewJSON(tickDecoder(t), reg.lookup, JSONOptions{What: "key", Framed: true, StopOnNew: true, First: 1})
	if _, cause, err := first.Append(t.Context(), frame(1, `{"inst":"a"}`), bb); err != nil || cause != "" {
		t.Fatalf("first schema: %q, %v", cause, err)
	}
	if id, _, err := first.Append(t.Context(), frame(2, `{"inst":"a"}`), bb); !errors.Is(err, ErrSchemaChanged) || id != 2 {
		t.Errorf("another schema under StopOnNew: id %d, %v", id, err)
	}
	if _, cause, _ := first.Append(t.Context(), []byte(`x`), bb); cause != "key: message is not in Confluent wire format (magic byte 0x78, want 0x00)" {
		t.Errorf("key cause %q", cause)
	}
}

// TestJSONAppendRun reads fetched batches as the scan does: runs through
// AppendRun, the messages it stops at through Append.
func TestJSONAppendRun(t *testing.T) {
	c, err := kfake.NewCluster(kfake.SeedTopics(1, "plain", "framed"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kafkaio.NewClient(kafkaio.Config{Brokers: c.ListenAddrs()})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	tick := func(bid string) string { return `{"inst":"EUR/USD","t":1,"dt":2,"bid":` + bid + `,"ask":1}` }
	for _, tc := range []struct {
		topic  string
		opts   JSONOptions
		msgs   [][]byte
		runs   []int // the rows each AppendRun call took, in order
		bids   []any
		causes []string
	}{
		{"plain", JSONOptions{}, [][]byte{[]byte(tick("1")), []byte(tick("2")), nil, []byte(tick("3")), []byte(tick(`"x"`)), []byte(tick("4"))},
			[]int{2, 1, 1}, []any{1.0, 2.0, nil, 3.0, nil, 4.0},
			[]string{"", "", "", "", `value does not match the schema: property "bid": expected number, got string at byte 37`, ""}},
		{"framed", JSONOptions{Framed: true}, [][]byte{frame(1, tick("1")), frame(1, tick("2")), frame(2, tick("3")), frame(2, tick("4")), frame(1, tick("5"))},
			[]int{0, 1, 1}, []any{1.0, 2.0, 3.0, 4.0, 5.0}, []string{"", "", "", "", ""}},
	} {
		t.Run(tc.topic, func(t *testing.T) {
			if err := cl.ProduceSync(t.Context(), records(tc.topic, tc.msgs)...).FirstErr(); err != nil {
				t.Fatal(err)
			}
			r, err := kafkaio.NewPartitionReader(cl, tc.topic, []kafkaio.PartitionRange{{Partition: 0, Start: 0, End: int64(len(tc.msgs))}},
				kafkaio.ReaderOptions{Timeout: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			dec := NewJSON(tickDecoder(t), newRegistry().lookup, tc.opts)
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			bb, err := avroarrow.NewBatchBuilder(mem, dec.Schema())
			if err != nil {
				t.Fatal(err)
			}
			defer bb.Release()
			var runs []int
			var causes []string
			for bb.Len() < len(tc.msgs) {
				b, err := r.NextBatch(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				for i := 0; i < b.Len(); i++ {
					n, _ := dec.AppendRun(b, i, b.Len()-i, bb)
					runs = append(runs, n)
					for range n {
						causes = append(causes, "")
					}
					if i += n; i == b.Len() {
						break
					}
					cause := ""
					if v := b.Value(i); v == nil {
						bb.AppendNullRow()
					} else if _, cause, err = dec.Append(t.Context(), v, bb); err != nil {
						t.Fatal(err)
					} else if cause != "" {
						bb.AppendNullRow()
					}
					causes = append(causes, cause)
				}
			}
			if !reflect.DeepEqual(runs, tc.runs) {
				t.Errorf("runs %v, want %v", runs, tc.runs)
			}
			if !reflect.DeepEqual(causes, tc.causes) {
				t.Errorf("causes %q, want %q", causes, tc.causes)
			}
			if bids := bidColumn(t, bb); !reflect.DeepEqual(bids, tc.bids) {
				t.Errorf("bids %v, want %v", bids, tc.bids)
			}
		})
	}
}

func records(topic string, msgs [][]byte) []*kgo.Record {
	out := make([]*kgo.Record, len(msgs))
	for i, m := range msgs {
		out[i] = &kgo.Record{Topic: topic, Value: m}
	}
	return out
}

func TestParseJSONSchema(t *testing.T) {
	if _, err := ParseJSONSchema(t.Context(), kafkaio.SchemaInfo{ID: 7, Type: "PROTOBUF", Schema: "syntax"}, nil); adbcerr.Status(err) != adbc.StatusInvalidData ||
		!strings.HasSuffix(err.Error(), "kafarr: schema id 7 has schema type PROTOBUF, not JSON") {
		t.Errorf("protobuf: %v", err)
	}
	if _, err := ParseJSONSchema(t.Context(), kafkaio.SchemaInfo{ID: 8, Type: "JSON", Schema: `{"type":"object","properties":{"a":{"type":"int"}}}`}, nil); adbcerr.Status(err) != adbc.StatusInvalidData ||
		!strings.HasSuffix(err.Error(), `kafarr: schema id 8: json schema: at #/properties/a/type: unknown type "int"`) {
		t.Errorf("bad schema: %v", err)
	}
	down := func(context.Context, kafkaio.SchemaReference) (kafkaio.SchemaInfo, error) {
		return kafkaio.SchemaInfo{}, adbcerr.New(adbc.StatusIO, "schema registry http://r is unreachable")
	}
	_, err := ParseJSONSchema(t.Context(), kafkaio.SchemaInfo{ID: 9, Type: "JSON", Schema: `{"type":"object","properties":{"a":{"$ref":"a.json"}}}`,
		References: []kafkaio.SchemaReference{{Name: "a.json", Subject: "a", Version: 1}}}, down)
	if adbcerr.Status(err) != adbc.StatusIO || !strings.Contains(err.Error(), `schema id 9: json schema: resolving reference "a.json" (subject "a" version 1)`) {
		t.Errorf("registry down: %v (status %v)", err, adbcerr.Status(err))
	}
	s, err := ParseJSONSchema(t.Context(), kafkaio.SchemaInfo{ID: 1, Type: "JSON", Schema: tickJSONSchema}, nil)
	if err != nil || s.NumFields() != 5 || s.Field(0).Type.ID() != arrow.STRING {
		t.Errorf("tick: %v, %v", s, err)
	}
}
