package statement_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
)

// TestProgressWhileReading polls a statement's progress from another
// goroutine while the read's goroutine reads, widens an ORDER BY window
// (reopening its Kafka reader) and releases the result, closing the
// reader (run it with -race: the reader pointer is shared). Progress never
// passes its total.
func TestProgressWhileReading(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(2, 3000)
		cn := e.open(nil)
		for _, c := range []struct {
			sql  string
			want int
		}{
			{"SELECT _offset FROM " + q(topic), 6000},
			// px < 50 holds for offsets 0..49 of partition 0 only: the
			// window of the last 40 offsets widens, reopening the reader.
			{"SELECT _offset FROM " + q(topic) + " WHERE px < 50 ORDER BY _offset DESC LIMIT 40", 40},
		} {
			sql := c.sql
			st, err := cn.NewStatement()
			if err != nil {
				t.Fatal(err)
			}
			if err := st.SetOption("kafarr.read.batch_rows", "500"); err != nil {
				t.Fatal(err)
			}
			if err := st.SetSqlQuery(sql); err != nil {
				t.Fatal(err)
			}
			opts := st.(adbc.GetSetOptions)
			rdr, _, err := st.ExecuteQuery(ctxOf(t))
			if err != nil {
				t.Fatal(err)
			}
			var stop atomic.Bool
			var wg sync.WaitGroup
			var bad atomic.Value
			var polls atomic.Int64
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !stop.Load() {
					done, err1 := opts.GetOptionDouble(adbc.OptionKeyProgress)
					total, err2 := opts.GetOptionDouble(adbc.OptionKeyMaxProgress)
					switch {
					case err1 != nil || err2 != nil:
						bad.Store([]any{"error", err1, err2})
						return
					case done > total:
						bad.Store([]any{"progress", done, total})
						return
					}
					polls.Add(1)
				}
			}()
			rows := 0
			for rdr.Next() {
				rows += int(rdr.RecordBatch().NumRows())
			}
			err = rdr.Err()
			done, _ := opts.GetOptionDouble(adbc.OptionKeyProgress)
			// Polled while the release closes the reader too, as a
			// progress bar's goroutine would.
			rdr.Release()
			stop.Store(true)
			wg.Wait()
			st.Close()
			if err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
			if b := bad.Load(); b != nil {
				t.Fatalf("%s: %v", sql, b)
			}
			t.Logf("%s: %d polls, done %v", sql, polls.Load(), done)
			if rows != c.want || done <= 0 {
				t.Fatalf("%s: %d rows, progress %v", sql, rows, done)
			}
		}
	})
}
