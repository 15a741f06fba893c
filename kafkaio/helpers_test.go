package kafkaio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/internal/testenv"
)

// newCluster starts an in-process kfake cluster, closed with the test. It
// registers the test's leak check first (testenv.CheckLeaks), so that the
// check runs once the test's clients are closed.
func newCluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	testenv.CheckLeaks(t)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatalf("starting kfake cluster: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// newTestClient returns a client on c built through Config, closed with the
// test and leak-checked after. Records are partitioned by their Partition
// field.
func newTestClient(t testing.TB, c *kfake.Cluster, extra ...kgo.Opt) *kgo.Client {
	t.Helper()
	testenv.CheckLeaks(t)
	extra = append([]kgo.Opt{kgo.RecordPartitioner(kgo.ManualPartitioner())}, extra...)
	cl, err := NewClient(Config{Brokers: c.ListenAddrs()}, extra...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// value is the value every test record i of partition p carries.
func value(p int32, i int) string { return fmt.Sprintf("p%d-v%d", p, i) }

// produceValues produces n records to partition p of topic with values
// value(p, from..from+n-1), and fails the test unless all are acknowledged.
func produceValues(t testing.TB, cl *kgo.Client, topic string, p int32, from, n int) {
	t.Helper()
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: topic, Partition: p, Key: []byte(fmt.Sprintf("k%d", from+i)), Value: []byte(value(p, from+i))}
	}
	acked, err := Produce(testCtx(t), cl, recs)
	if err != nil || acked != int64(n) {
		t.Fatalf("producing %d records to %s/%d: acked %d, err %v", n, topic, p, acked, err)
	}
}

// readAll drains r, returning every record delivered.
func readAll(t testing.TB, r *Reader) ([]*kgo.Record, error) {
	t.Helper()
	var out []*kgo.Record
	for {
		recs, err := r.Next(testCtx(t))
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if len(recs) == 0 {
			t.Fatalf("Next returned no records and no error")
		}
		out = append(out, recs...)
	}
}

// byPartition groups records' values by partition, checking each
// partition's offsets strictly increase.
func byPartition(t testing.TB, recs []*kgo.Record) map[int32][]string {
	t.Helper()
	out := make(map[int32][]string)
	last := make(map[int32]int64)
	for _, r := range recs {
		if prev, ok := last[r.Partition]; ok && r.Offset <= prev {
			t.Fatalf("partition %d: offset %d delivered after %d", r.Partition, r.Offset, prev)
		}
		last[r.Partition] = r.Offset
		out[r.Partition] = append(out[r.Partition], string(r.Value))
	}
	return out
}

// wantValues returns value(p, from..to-1).
func wantValues(p int32, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, value(p, i))
	}
	return out
}

// requireStatus fails unless err is an adbc.Error with code whose message
// contains every one of parts.
func requireStatus(t testing.TB, err error, code adbc.Status, parts ...string) {
	t.Helper()
	var ae adbc.Error
	if !errors.As(err, &ae) {
		t.Fatalf("want adbc error %v, got %T %v", code, err, err)
	}
	if ae.Code != code {
		t.Fatalf("want status %v, got %v: %s", code, ae.Code, ae.Msg)
	}
	for _, p := range parts {
		if !strings.Contains(ae.Msg, p) {
			t.Fatalf("error %q does not mention %q", ae.Msg, p)
		}
	}
}
