package statement_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafarr/kafarr/internal/testenv"
)

// TestReadFollow checks kafarr.read.follow: a read that waits past the
// snapshot for new messages until LIMIT or the timeout.
func TestReadFollow(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(2, nil)
		e.produce(rec(topic, 0, baseMs, nil, []byte("a")), rec(topic, 1, baseMs, nil, []byte("b")))
		cn := e.open(nil)
		opts := map[string]string{"kafarr.value.format": "string", "kafarr.read.follow": "true", "kafarr.read.timeout_ms": "1500"}

		// Nothing new arrives: the timeout ends the read normally, with
		// what it got.
		start := time.Now()
		res := e.mustQuery(cn, "SELECT _value FROM "+q(topic)+" LIMIT 10", opts)
		if took := time.Since(start); took < 1400*time.Millisecond || took > 10*time.Second {
			t.Fatalf("follow read without new messages took %s, want about the 1.5 s timeout", took)
		}
		wantSet(t, res, "a", "b")

		// Messages arriving during the wait are read, and LIMIT ends the
		// read at once.
		opts["kafarr.read.timeout_ms"] = "30000"
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(300 * time.Millisecond)
			for i := 0; i < 3; i++ {
				p := int32(i % 2)
				if err := e.cl.ProduceSync(ctxOf(t), rec(topic, p, baseMs, nil, []byte(fmt.Sprintf("new%d", i)))).FirstErr(); err != nil {
					t.Error(err)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
		start = time.Now()
		res = e.mustQuery(cn, "SELECT _value FROM "+q(topic)+" LIMIT 5", opts)
		took := time.Since(start)
		wg.Wait()
		if took > 15*time.Second {
			t.Fatalf("follow read took %s: LIMIT did not end it", took)
		}
		wantSet(t, res, "a", "b", "new0", "new1", "new2")

		// A consumer group follows from its committed offsets.
		opts["kafarr.consumer.group"] = "follow-" + topic
		opts["kafarr.read.timeout_ms"] = "1000"
		res = e.mustQuery(cn, "SELECT _value FROM "+q(topic)+" LIMIT 4", opts)
		if len(res.rows) != 4 {
			t.Fatalf("got %d rows, want 4", len(res.rows))
		}
		first := res.col("_value")
		res = e.mustQuery(cn, "SELECT _value FROM "+q(topic)+" LIMIT 4", opts)
		if len(res.rows) != 1 {
			t.Fatalf("second group follow read got %v, want the one row left", res.rows)
		}
		wantSet(t, result{rows: append(wrap(first), res.rows...)}, "a", "b", "new0", "new1", "new2")
	})
}

func wrap(vals []any) [][]any {
	out := make([][]any, len(vals))
	for i, v := range vals {
		out[i] = []any{v}
	}
	return out
}

// wantSet fails unless the first column of res holds exactly want, in any
// order, each once.
func wantSet(t *testing.T, res result, want ...string) {
	t.Helper()
	if res.err != nil {
		t.Fatal(res.err)
	}
	got := map[string]int{}
	for _, r := range res.rows {
		got[fmt.Sprint(r[0])]++
	}
	if len(res.rows) != len(want) {
		t.Fatalf("got %d rows %v, want %v", len(res.rows), res.rows, want)
	}
	for _, w := range want {
		if got[w] != 1 {
			t.Fatalf("got %v, want each of %v once", res.rows, want)
		}
	}
}

// TestReadTimeout checks that a bounded read that cannot reach the
// snapshot end in time is a Timeout error naming where it stopped, never a
// short result; and that reaching the end does not wait.
func TestReadTimeout(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(1, nil)
		n, size := 200, 64
		if !e.kfake() {
			// 48 MiB: more than one fetch can carry (4 MiB per
			// partition), and far more than 1 ms can move. A small
			// topic can arrive whole within 1 ms, and a read that
			// reached its end in time rightly succeeds.
			n, size = 1500, 32<<10
		}
		recs := make([]*kgo.Record, n)
		for i := range recs {
			recs[i] = rec(topic, 0, baseMs, nil, []byte(fmt.Sprintf("%0*d", size, i)))
		}
		e.produce(recs...)
		cn := e.open(nil)
		str := map[string]string{"kafarr.value.format": "string"}

		start := time.Now()
		res := e.mustQuery(cn, "SELECT _offset FROM "+q(topic), str)
		if len(res.rows) != n {
			t.Fatalf("got %d rows, want %d", len(res.rows), n)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Fatalf("a bounded read of %d records took %s", n, took)
		}

		if e.kfake() {
			// Hold every fetch until the case ends: the read cannot
			// progress, deterministically.
			release := make(chan struct{})
			var once sync.Once
			t.Cleanup(func() { once.Do(func() { close(release) }) })
			e.cluster.ControlKey(int16(kmsg.Fetch), func(kmsg.Request) (kmsg.Response, error, bool) {
				e.cluster.KeepControl()
				e.cluster.SleepControl(func() { <-release })
				return nil, nil, false
			})
			str["kafarr.read.timeout_ms"] = "300"
			res = e.run(cn, "SELECT _offset FROM "+q(topic), str)
			// The reader leaves a fetch already sent to finish on its
			// own: its goroutine ends once the broker answers.
			once.Do(func() { close(release) })
			testenv.WaitDriverIdle(t)
		} else {
			str["kafarr.read.timeout_ms"] = "1"
			res = e.query(cn, "SELECT _offset FROM "+q(topic), str)
		}
		wantStatus(t, res.err, adbc.StatusTimeout, topic, "partition 0", fmt.Sprintf("of end %d", n))
		if len(res.rows) >= n {
			t.Fatalf("a timed out read returned all %d rows", len(res.rows))
		}
	})
}

// TestReadCancel releases a result mid-stream: the read stops (no
// goroutine left, no buffer leaked), and a consumer group commits exactly
// the rows delivered.
func TestReadCancel(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic := e.topic(1, nil)
		recs := make([]*kgo.Record, 5000)
		for i := range recs {
			recs[i] = rec(topic, 0, baseMs, nil, []byte(fmt.Sprint(i)))
		}
		e.produce(recs...)
		cn := e.open(nil)
		group := "cancel-" + topic
		st, _ := cn.NewStatement()
		defer st.Close()
		for k, v := range map[string]string{"kafarr.value.format": "string", "kafarr.read.batch_rows": "100", "kafarr.consumer.group": group} {
			if err := st.SetOption(k, v); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.SetSqlQuery("SELECT _offset FROM " + q(topic)); err != nil {
			t.Fatal(err)
		}
		rdr, _, err := st.ExecuteQuery(ctxOf(t))
		if err != nil {
			t.Fatal(err)
		}
		var got int64
		for i := 0; i < 3 && rdr.Next(); i++ {
			got += rdr.RecordBatch().NumRows()
		}
		if got != 300 {
			t.Fatalf("read %d rows in 3 batches of 100", got)
		}
		rdr.Release()
		testenv.WaitDriverIdle(t)
		res := e.mustQuery(cn, "SELECT _offset FROM "+q(topic)+" LIMIT 2", map[string]string{"kafarr.value.format": "string", "kafarr.consumer.group": group})
		wantRows(t, res, [][]any{{int64(300)}, {int64(301)}})
		// Without a group nothing is committed anywhere: a new group
		// starts at the beginning.
		res = e.mustQuery(cn, "SELECT _offset FROM "+q(topic)+" LIMIT 1", map[string]string{"kafarr.value.format": "string", "kafarr.consumer.group": group + "-other"})
		wantRows(t, res, [][]any{{int64(0)}})
	})
}
