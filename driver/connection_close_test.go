package driver_test

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/testenv"
)

// registryConns counts the open HTTP client connections (each keep-alive
// connection runs one read loop).
func registryConns() int { return testenv.CountGoroutines("net/http.(*persistConn).readLoop(") }

// Closing a connection closes its registry client's keep-alive
// connections too; they would otherwise linger for the transport's idle
// timeout, 90 s.
func TestConnectionCloseReleasesRegistryConnections(t *testing.T) {
	st := testenv.DevStack(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	testenv.CheckLeaks(t, mem)
	ctx := context.Background()
	db, err := driver.NewDriver(mem).NewDatabase(map[string]string{
		"uri": "kafka://" + st.Brokers(), "kafarr.schema_registry.url": st.RegistryURL(),
	})
	if err != nil {
		t.Fatal(err)
	}
	before := registryConns()
	for i := range 3 {
		cn, err := db.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// An ingest registers the frame's schema: a registry request.
		schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)
		b := array.NewRecordBuilder(mem, schema)
		b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2}, nil)
		rec := b.NewRecordBatch()
		b.Release()
		stmt, _ := cn.NewStatement()
		if err := stmt.SetOption(adbc.OptionKeyIngestTargetTable, testenv.Topic(t)); err != nil {
			t.Fatal(err)
		}
		if err := stmt.Bind(ctx, rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		if n, err := stmt.ExecuteUpdate(ctx); err != nil || n != 2 {
			t.Fatalf("connection %d: ingest: %d rows, %v", i, n, err)
		}
		stmt.Close()
		if registryConns() <= before {
			t.Fatalf("connection %d: no registry connection open after an ingest", i)
		}
		if err := cn.Close(); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for registryConns() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d registry connections open after closing every connection, %d before", registryConns(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
