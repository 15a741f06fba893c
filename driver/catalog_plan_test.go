package driver

import (
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafarr/kafarr/internal/devstack"
	"github.com/kafarr/kafarr/internal/testenv"
)

// The catalog plans a topic's columns from its metadata and the registry
// alone: GetTableSchema and GetObjects' columns on an Avro topic whose
// subject has a schema send no ListOffsets request, while a query does.
func TestCatalogAsksNoOffsets(t *testing.T) {
	testenv.CheckLeaks(t)
	st, err := devstack.Start("127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	var listOffsets atomic.Int64
	c := st.Cluster()
	c.ControlKey(int16(kmsg.ListOffsets), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		listOffsets.Add(1)
		return nil, nil, false // observe only: kfake answers as usual
	})
	e := newCatalogEnvOn(t, st.Brokers(), st.RegistryURL(), nil)
	seedCatalog(e)

	before := listOffsets.Load()
	sc, err := e.cn.GetTableSchema(e.ctx, nil, nil, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sc.Field(0).Name, "id"; got != want || sc.NumFields() != 9 {
		t.Fatalf("GetTableSchema(orders) = %s; want the 6 value fields of ordersSchema (first %q) and _partition, _offset, _timestamp", sc, want)
	}
	got := e.getObjects(adbc.ObjectDepthColumns, nil, nil, ptr("orders"), nil, nil)
	if cols := *(*(*got[0].Schemas)[0].Tables)[0].Columns; len(cols) != sc.NumFields() {
		t.Fatalf("GetObjects lists %d columns of orders, GetTableSchema %d", len(cols), sc.NumFields())
	}
	if n := listOffsets.Load() - before; n != 0 {
		t.Fatalf("GetTableSchema and GetObjects sent %d ListOffsets requests; want 0", n)
	}

	// The counter counts: a query on the same topic asks for offsets.
	stmt, err := e.cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	if err := stmt.SetSqlQuery("SELECT * FROM orders"); err != nil {
		t.Fatal(err)
	}
	rdr, _, err := stmt.ExecuteQuery(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for rdr.Next() {
	}
	rdr.Release()
	if listOffsets.Load() == before {
		t.Fatal("a query sent no ListOffsets request: the counter does not see them")
	}

	// A missing topic is still NotFound, with the SQLSTATE of a missing
	// table.
	_, err = e.cn.GetTableSchema(e.ctx, nil, nil, "no_such_topic")
	wantStatus(t, err, adbc.StatusNotFound, "no_such_topic")
}
