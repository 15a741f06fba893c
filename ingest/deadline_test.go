package ingest_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestIngestDeadline checks that an ingest whose context deadline passes
// reports Timeout, naming the topic, whichever step the deadline stops.
func TestIngestDeadline(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		rec := ingFromJSON(t, e.mem, ingTickSchema, ingTickRows)
		for _, mode := range []string{adbc.OptionValueIngestModeCreateAppend, adbc.OptionValueIngestModeAppend} {
			t.Run(mode, func(t *testing.T) {
				topic := e.topic(t)
				if mode == adbc.OptionValueIngestModeAppend {
					e.createTopic(t, topic, 1)
				}
				st := e.stmt(t, topic, map[string]string{adbc.OptionKeyIngestMode: mode})
				defer st.Close()
				if err := st.Bind(ingCtx(t), rec); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithDeadline(ingCtx(t), time.Now().Add(-time.Second))
				defer cancel()
				_, err := st.ExecuteUpdate(ctx)
				ingWantStatus(t, err, adbc.StatusTimeout, topic)
			})
		}
	})
}

// TestIngestDeadlineAtCommit checks the step that used to report IO: the
// deadline passes while the broker holds the EndTxn that commits a
// transactional ingest, and franz-go returns the bare context error.
func TestIngestDeadlineAtCommit(t *testing.T) {
	e := ingDevEnv(t)
	topic := e.topic(t)
	e.createTopic(t, topic, 1)
	rec := ingFromJSON(t, e.mem, ingTickSchema, ingTickRows)
	// A first ingest registers the schema and warms the producer, so
	// that the timed one spends its time at the commit.
	e.mustIngest(t, topic, rec, map[string]string{"kafarr.ingest.transactional": "true"})

	st := e.stmt(t, topic, map[string]string{"kafarr.ingest.transactional": "true", adbc.OptionKeyIngestMode: adbc.OptionValueIngestModeAppend})
	defer st.Close()
	if err := st.Bind(ingCtx(t), rec); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ingCtx(t), 3*time.Second)
	defer cancel()
	var held atomic.Int32
	e.dev.Cluster().ControlKey(int16(kmsg.EndTxn), func(req kmsg.Request) (kmsg.Response, error, bool) {
		e.dev.Cluster().KeepControl()
		if r := req.(*kmsg.EndTxnRequest); r.Commit && held.Add(1) == 1 {
			// Hold the commit until the ingest's deadline has
			// passed, then let the cluster answer it, late.
			e.dev.Cluster().SleepControl(func() {
				<-ctx.Done()
				time.Sleep(200 * time.Millisecond)
			})
		}
		return nil, nil, false
	})
	_, err := st.ExecuteUpdate(ctx)
	if held.Load() == 0 {
		t.Fatalf("the ingest sent no EndTxn to commit: %v", err)
	}
	ingWantStatus(t, err, adbc.StatusTimeout, topic, "committing the transaction")
}
