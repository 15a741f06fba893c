package statement_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/linkedin/goavro/v2"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/testenv"
)

// fuzzSchema has one field of most Avro kinds, so random bytes after a
// valid frame reach every decoder: varints, lengths, union branches, enum
// symbols, fixed sizes, array and map blocks, logical types.
const fuzzSchema = `{"type":"record","name":"Fuzz","namespace":"test.kafarr","fields":[
 {"name":"s","type":"string"},
 {"name":"l","type":"long"},
 {"name":"d","type":["null","double"]},
 {"name":"b","type":"bytes"},
 {"name":"e","type":{"type":"enum","name":"Color","symbols":["RED","GREEN"]}},
 {"name":"f","type":{"type":"fixed","name":"F4","size":4}},
 {"name":"a","type":{"type":"array","items":"int"}},
 {"name":"m","type":{"type":"map","values":"string"}},
 {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
 {"name":"r","type":["null",{"type":"record","name":"Inner","fields":[{"name":"x","type":"int"}]}]}]}`

// FuzzReadMessage produces random bytes as a Kafka value (framed with the
// topic's registered schema id half of the time) and reads that one message
// back under each kafarr.read.on_error mode. It checks that nothing panics,
// that every failure is InvalidData naming the offset, that the three modes
// agree (fail errs exactly when skip drops the row and null fills _error),
// and that no Arrow memory is left allocated.
//
// Run it with: go test ./statement -run '^$' -fuzz FuzzReadMessage -fuzztime 3m
func FuzzReadMessage(f *testing.F) {
	stack := testenv.DevStack(f)
	const topic = "fuzz_read"
	ctx := context.Background()
	cl, err := kgo.NewClient(kgo.SeedBrokers(stack.Brokers()), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(cl.Close)
	if resp, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, nil, topic); err != nil || resp.Err != nil {
		f.Fatalf("creating %s: %v %v", topic, err, resp.Err)
	}
	rc, err := sr.NewClient(sr.URLs(stack.RegistryURL()))
	if err != nil {
		f.Fatal(err)
	}
	ss, err := rc.CreateSchema(ctx, topic+"-value", sr.Schema{Schema: fuzzSchema, Type: sr.TypeAvro})
	if err != nil {
		f.Fatal(err)
	}
	id := int32(ss.ID)
	codec, err := goavro.NewCodec(fuzzSchema)
	if err != nil {
		f.Fatal(err)
	}
	good, err := codec.BinaryFromNative(nil, map[string]any{
		"s": "héllo", "l": int64(-42), "d": goavro.Union("double", 1.5), "b": []byte{0, 1, 2},
		"e": "GREEN", "f": []byte("abcd"), "a": []any{int32(1), int32(-2)},
		"m": map[string]any{"k": "v"}, "ts": time.UnixMilli(1_700_000_000_000),
		"dec": big.NewRat(256, 100), "r": goavro.Union("test.kafarr.Inner", map[string]any{"x": int32(7)}),
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(true, good)
	f.Add(true, good[:len(good)/2])
	f.Add(true, []byte{})
	f.Add(true, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add(false, avroarrow.AppendFrame(nil, id+1000))
	f.Add(false, []byte{0})
	f.Add(false, []byte("plain text"))
	f.Add(true, append(append([]byte{}, good...), 0))

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	testenv.CheckLeaks(f, mem) // joins the check testenv.DevStack registered
	db, err := driver.NewDriver(mem).NewDatabase(map[string]string{
		"uri": "kafka://" + stack.Brokers(), "kafarr.schema_registry.url": stack.RegistryURL(),
		"kafarr.read.timeout_ms": "20000",
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	cn, err := db.Open(ctx)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { cn.Close() })

	// The valid message must read, or every input would pass as bad.
	ok := &kgo.Record{Topic: topic, Partition: 0, Value: avroarrow.AppendFrame(nil, id)}
	ok.Value = append(ok.Value, good...)
	if err := cl.ProduceSync(ctx, ok).FirstErr(); err != nil {
		f.Fatal(err)
	}
	rows, err := fuzzQuery(ctx, cn, fmt.Sprintf(`SELECT s, l, e FROM %q WHERE _offset = %d`, topic, ok.Offset), "fail", nil)
	if err != nil || fmt.Sprint(rows) != "[[héllo -42 GREEN]]" {
		f.Fatalf("the valid message reads as %v, %v", rows, err)
	}

	f.Fuzz(func(t *testing.T, framed bool, body []byte) {
		value := body
		if framed {
			value = append(avroarrow.AppendFrame(nil, id), body...)
		}
		r := &kgo.Record{Topic: topic, Partition: 0, Value: value}
		if value == nil {
			r.Value = []byte{} // a nil value is a tombstone, not bad input
		}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
		sql := fmt.Sprintf(`SELECT * FROM %q WHERE _offset = %d`, topic, r.Offset)
		checkOnErrorModes(t, ctx, cn, mem, sql, topic, r.Offset, value, nil)
	})
}

// checkOnErrorModes reads the one message of sql (value, at offset of
// topic) under each kafarr.read.on_error mode, with statement options
// opts, and checks that they agree: fail errs (InvalidData naming the
// topic and offset) exactly when skip drops the row and null fills
// _error, else all three give the same row; and that no Arrow memory is
// left allocated.
func checkOnErrorModes(t *testing.T, ctx context.Context, cn adbc.Connection, mem *memory.CheckedAllocator, sql, topic string, offset int64, value []byte, opts map[string]string) {
	t.Helper()
	where := fmt.Sprintf("offset %d", offset)
	failRows, failErr := fuzzQuery(ctx, cn, sql, "fail", opts)
	skipRows, skipErr := fuzzQuery(ctx, cn, sql, "skip", opts)
	nullRows, nullErr := fuzzQuery(ctx, cn, sql, "null", opts)
	if n := mem.CurrentAlloc(); n != 0 {
		t.Fatalf("%s: %d bytes of Arrow memory left after the reads of %x", topic, n, value)
	}
	if skipErr != nil || nullErr != nil {
		t.Fatalf("%s value %x: on_error=skip: %v; on_error=null: %v", topic, value, skipErr, nullErr)
	}
	if len(nullRows) != 1 {
		t.Fatalf("%s value %x: on_error=null gave %d rows, want 1", topic, value, len(nullRows))
	}
	nullErrCol := nullRows[0][len(nullRows[0])-1]
	if failErr != nil {
		var ae adbc.Error
		if !errors.As(failErr, &ae) || ae.Code != adbc.StatusInvalidData || !containsAll(ae.Msg, topic, where) {
			t.Fatalf("%s value %x: on_error=fail: %v; want InvalidData naming the topic and %s", topic, value, failErr, where)
		}
		if len(failRows) != 0 || len(skipRows) != 0 || nullErrCol == nil {
			t.Fatalf("%s value %x is bad to fail, but fail delivered %v, skip %v, null's _error %v", topic, value, failRows, skipRows, nullErrCol)
		}
		return
	}
	// Rows are compared as printed: a random double may be NaN.
	if len(failRows) != 1 || fmt.Sprint(failRows) != fmt.Sprint(skipRows) || nullErrCol != nil {
		t.Fatalf("%s value %x decodes, but fail gave %v, skip %v, null's _error %v", topic, value, failRows, skipRows, nullErrCol)
	}
	if got, want := nullRows[0][:len(nullRows[0])-1], failRows[0]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s value %x: on_error=null row %v, fail row %v", topic, value, got, want)
	}
}

// fuzzQuery runs sql under on_error mode, with statement options opts,
// and drains it into rows.
func fuzzQuery(ctx context.Context, cn adbc.Connection, sql, mode string, opts map[string]string) ([][]any, error) {
	st, err := cn.NewStatement()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	for k, v := range opts {
		if err := st.SetOption(k, v); err != nil {
			return nil, err
		}
	}
	if err := st.SetOption("kafarr.read.on_error", mode); err != nil {
		return nil, err
	}
	if err := st.SetSqlQuery(sql); err != nil {
		return nil, err
	}
	rdr, _, err := st.ExecuteQuery(ctx)
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	res := drain(rdr)
	return res.rows, res.err
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
