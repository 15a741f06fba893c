package driver

import (
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/kafarr/kafarr/internal/testenv"
)

// kgoClients counts the open franz-go clients: each runs one connection
// reaper.
func kgoClients() int { return testenv.CountGoroutines("kgo.(*Client).reapConnectionsLoop(") }

// waitClients waits up to 5 s for want open franz-go clients.
func waitClients(t *testing.T, want int, when string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for kgoClients() != want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := kgoClients(); got != want {
		t.Fatalf("%s: %d franz-go clients open, want %d", when, got, want)
	}
}

// ingestInts ingests the values into topic (create_append) on cn.
func (e *catalogEnv) ingestInts(cn adbc.Connection, topic string, vals ...int64) {
	e.t.Helper()
	b := array.NewInt64Builder(e.mem)
	b.AppendValues(vals, nil)
	col := b.NewArray()
	b.Release()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil), []arrow.Array{col}, int64(len(vals)))
	col.Release()
	defer rec.Release()
	stmt, err := cn.NewStatement()
	if err != nil {
		e.t.Fatal(err)
	}
	defer stmt.Close()
	for k, v := range map[string]string{adbc.OptionKeyIngestTargetTable: topic, adbc.OptionKeyIngestMode: adbc.OptionValueIngestModeCreateAppend} {
		if err := stmt.SetOption(k, v); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := stmt.Bind(e.ctx, rec); err != nil {
		e.t.Fatal(err)
	}
	if n, err := stmt.ExecuteUpdate(e.ctx); err != nil || n != int64(len(vals)) {
		e.t.Fatalf("ingest into %s: %d rows, %v; want %d", topic, n, err, len(vals))
	}
}

// Each connection owns its producers: closing one closes its own, and the
// other keeps ingesting with its own until it closes too. The leak check
// then finds no franz-go client left.
func TestConnectionsOwnTheirProducers(t *testing.T) {
	e := newCatalogEnv(t, nil)
	other, err := e.db.Open(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	open := kgoClients() // the test's own, and each connection's
	e.ingestInts(e.cn, "first", 1, 2)
	e.ingestInts(other, "second", 3)
	// One idle producer per connection.
	waitClients(t, open+2, "after an ingest on each connection")

	if err := e.cn.Close(); err != nil {
		t.Fatal(err)
	}
	// Its client and its producer are closed: the pool went with it.
	waitClients(t, open, "after closing the first connection")
	e.ingestInts(other, "second", 4, 5)
	// The other connection reused its idle producer.
	waitClients(t, open, "after another ingest on the second connection")

	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	waitClients(t, open-2, "after closing both connections")
}
