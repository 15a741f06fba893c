package driver_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/devstack"
	"github.com/kafarr/kafarr/internal/testenv"
)

func TestSmoke(t *testing.T) {
	testenv.CheckLeaks(t)
	st, err := devstack.Start("127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	db, err := driver.NewDriver(mem).NewDatabase(map[string]string{
		"uri": "kafka://" + st.Brokers(), "kafarr.schema_registry.url": st.RegistryURL(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cn, err := db.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cn.Close()
	schema := arrow.NewSchema([]arrow.Field{{Name: "inst", Type: arrow.BinaryTypes.String}, {Name: "t", Type: arrow.PrimitiveTypes.Int64}, {Name: "bid", Type: arrow.PrimitiveTypes.Float32}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	for i := 0; i < 1000; i++ {
		b.Field(0).(*array.StringBuilder).Append("GBPUSD")
		b.Field(1).(*array.Int64Builder).Append(int64(i))
		b.Field(2).(*array.Float32Builder).Append(float32(i) / 2)
	}
	rec := b.NewRecordBatch()
	b.Release()
	stmt, _ := cn.NewStatement()
	stmt.SetOption(adbc.OptionKeyIngestTargetTable, "ticks")
	if err := stmt.Bind(ctx, rec); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	n, err := stmt.ExecuteUpdate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ingested %d", n)
	stmt.Close()
	stmt, _ = cn.NewStatement()
	defer stmt.Close()
	for _, q := range []string{"SELECT * FROM ticks LIMIT 5", "SELECT t, bid FROM ticks WHERE bid > 400 LIMIT 3", "SELECT * FROM ticks ORDER BY _offset DESC LIMIT 2", "SELECT 1"} {
		if err := stmt.SetSqlQuery(q); err != nil {
			t.Fatal(err)
		}
		rdr, _, err := stmt.ExecuteQuery(ctx)
		if err != nil {
			t.Fatal(q, err)
		}
		t.Log(q, rdr.Schema())
		for rdr.Next() {
			t.Log(rdr.RecordBatch())
		}
		if rdr.Err() != nil {
			t.Fatal(rdr.Err())
		}
		rdr.Release()
	}
}
