package ingest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafarr/kafarr/internal/devstack"
	"github.com/kafarr/kafarr/internal/session"
	"github.com/kafarr/kafarr/internal/testenv"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
)

// ingSession builds a Session on a devstack, as the driver's connection
// does; the session's clients and producers are closed when the test ends.
func ingSession(t *testing.T, mem memory.Allocator) (*session.Session, *devstack.Stack) {
	t.Helper()
	st := testenv.DevStack(t)
	cfg := kafkaio.Config{Brokers: []string{st.Brokers()}}
	cl, err := kafkaio.Connect(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	reg, err := kafkaio.NewRegistry(kafkaio.RegistryConfig{URL: st.RegistryURL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reg.Close)
	pool := kafkaio.NewProducerPool(cfg)
	t.Cleanup(pool.Close)
	return &session.Session{Alloc: mem, Options: options.NewStore(), Client: cl, Admin: kafkaio.NewAdmin(cl), Registry: reg, Producers: pool}, st
}

// TestIngestStall checks that an ingest whose records are never
// acknowledged gives up after stallTimeout with a Timeout error, rather
// than waiting for ever.
func TestIngestStall(t *testing.T) {
	defer func(d time.Duration) { stallTimeout = d }(stallTimeout)
	stallTimeout = time.Second
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess, st := ingSession(t, mem)
	ctx := t.Context()
	if err := sess.Admin.CreateTopic(ctx, "stalled", 1, 1, nil); err != nil {
		t.Fatal(err)
	}
	// Every produce request kills its connection: kgo retries for ever.
	st.Cluster().ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		st.Cluster().KeepControl()
		return nil, errors.New("connection cut by the test"), true
	})
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3}, nil)
	rec := b.NewRecordBatch()
	b.Release()
	defer rec.Release()

	data, err := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
	if err != nil {
		t.Fatal(err)
	}
	defer data.Release()
	opts := Options{Target: "stalled", Mode: adbc.OptionValueIngestModeAppend}
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), sess, sess.Options.Ingest(), opts, data)
		done <- err
	}()
	select {
	case err := <-done:
		var ae adbc.Error
		if !errors.As(err, &ae) || ae.Code != adbc.StatusTimeout || !strings.Contains(ae.Msg, "0 rows acknowledged") {
			t.Fatalf("stalled ingest: %v; want Timeout with 0 rows acknowledged", err)
		}
		if d := time.Since(start); d < stallTimeout {
			t.Errorf("gave up after %s, before the stall timeout of %s", d, stallTimeout)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a stalled ingest did not give up within 30 s")
	}
}

func TestIngestRecordName(t *testing.T) {
	for _, tc := range []struct{ topic, want string }{
		{"ticks", "ticks"},
		{"orders.v1", "orders.v1"},
		{"my-topic", "my_topic"},
		{"2024.data", "_2024.data"},
		{"a..b", "a._.b"},
		{"prix€", "prix_"},
	} {
		if got := recordNameFor(tc.topic); got != tc.want {
			t.Errorf("recordNameFor(%q) = %q, want %q", tc.topic, got, tc.want)
		}
	}
}

func TestIngestTimestampMillis(t *testing.T) {
	for _, tc := range []struct {
		unit arrow.TimeUnit
		v    int64
		want int64
		ok   bool
	}{
		{arrow.Second, 2, 2000, true},
		{arrow.Second, 1 << 62, 0, false},
		{arrow.Millisecond, -5, -5, true},
		{arrow.Microsecond, 1999, 1, true},
		{arrow.Microsecond, -1, -1, true},
		{arrow.Nanosecond, 1_999_999, 1, true},
		{arrow.Nanosecond, -1, -1, true},
	} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		b := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: tc.unit})
		b.Append(arrow.Timestamp(tc.v))
		a := b.NewArray()
		m := metaPlan{tsIsTimestamp: true, tsUnit: tc.unit}
		got, ok := m.millis(a, 0)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("millis(%d %s) = %d, %v; want %d, %v", tc.v, tc.unit, got, ok, tc.want, tc.ok)
		}
		a.Release()
		b.Release()
		mem.AssertSize(t, 0)
	}
}
