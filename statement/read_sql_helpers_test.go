package statement_test

import (
	"slices"
	"sync"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafarr/kafarr/internal/testenv"
)

// fetchLog records, on the kfake stack, the partition and fetch offset of
// every partition of every Fetch request the broker receives: what the
// driver asked for, whatever the broker answered.
type fetchLog struct {
	mu   sync.Mutex
	asks map[int32][]int64
	n    int // requests
}

// logFetches starts recording fetches; nil on the real broker, where
// requests cannot be intercepted (progress counts stand in there).
func (e *env) logFetches() *fetchLog {
	if !e.kfake() {
		return nil
	}
	l := &fetchLog{asks: map[int32][]int64{}}
	c := e.cluster
	c.ControlKey(int16(kmsg.Fetch), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		l.mu.Lock()
		defer l.mu.Unlock()
		l.n++
		for _, t := range req.(*kmsg.FetchRequest).Topics {
			for _, p := range t.Partitions {
				l.asks[p.Partition] = append(l.asks[p.Partition], p.FetchOffset)
			}
		}
		return nil, nil, false // observe only
	})
	return l
}

// take returns the fetch offsets asked per partition (sorted, distinct)
// and the number of requests since the last take, and forgets them.
func (l *fetchLog) take() (map[int32][]int64, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[int32][]int64{}
	for p, offs := range l.asks {
		s := slices.Clone(offs)
		slices.Sort(s)
		out[p] = slices.Compact(s)
	}
	n := l.n
	l.asks, l.n = map[int32][]int64{}, 0
	return out, n
}

// readCount is a statement's adbc.statement.exec.progress (records the
// reader delivered, which are only records inside the ranges it reads)
// and max_progress (the offsets its ranges span), read once the result is
// drained.
type readCount struct{ done, total int64 }

// queryCounting is query, also returning the statement's progress after
// the result was drained and before it is released.
func (e *env) queryCounting(cn adbc.Connection, sql string, opts map[string]string) (result, readCount) {
	e.t.Helper()
	st, err := cn.NewStatement()
	if err != nil {
		e.t.Fatal(err)
	}
	defer st.Close()
	for k, v := range opts {
		if err := st.SetOption(k, v); err != nil {
			e.t.Fatalf("statement option %s=%s: %v", k, v, err)
		}
	}
	if err := st.SetSqlQuery(sql); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
	rdr, _, err := st.ExecuteQuery(ctxOf(e.t))
	if err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
	res := drain(rdr)
	if res.err != nil {
		e.t.Fatalf("%s: %v", sql, res.err)
	}
	opt := st.(adbc.GetSetOptions)
	var pr readCount
	if pr.done, err = opt.GetOptionInt(adbc.OptionKeyProgress); err != nil {
		e.t.Fatal(err)
	}
	if pr.total, err = opt.GetOptionInt(adbc.OptionKeyMaxProgress); err != nil {
		e.t.Fatal(err)
	}
	rdr.Release()
	testenv.WaitDriverIdle(e.t)
	return res, pr
}

// tickTopicOneBatchEach is tickTopic producing each record in a request,
// and so a record batch, of its own: a fetch then returns whole batches
// of one record, and the offsets fetched are the offsets asked for.
func (e *env) tickTopicOneBatchEach(parts int32, perPart int) string {
	e.t.Helper()
	topic := e.topic(parts, nil)
	id := e.register(topic+"-value", tickSchema)
	for i := 0; i < perPart; i++ {
		var recs []*kgo.Record
		for p := int32(0); p < parts; p++ {
			recs = append(recs, rec(topic, p, tickMs(p, i), nil, e.frame(tickSchema, id, tickNative(p, i))))
		}
		// One record per partition per request: one batch each.
		e.produce(recs...)
	}
	return topic
}
