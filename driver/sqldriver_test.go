package driver_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-adbc/go/adbc/sqldriver"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/devstack"
	"github.com/kafarr/kafarr/internal/testenv"
)

// ingestTicks produces rows into topic through kafarr: inst, t, bid and a
// nullable note (null on odd t).
func ingestTicks(t *testing.T, mem memory.Allocator, opts map[string]string, topic string, n int) {
	t.Helper()
	ctx := context.Background()
	db, err := driver.NewDriver(mem).NewDatabase(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cn, err := db.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cn.Close()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "inst", Type: arrow.BinaryTypes.String},
		{Name: "t", Type: arrow.PrimitiveTypes.Int64},
		{Name: "bid", Type: arrow.PrimitiveTypes.Float32},
		{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := 0; i < n; i++ {
		b.Field(0).(*array.StringBuilder).Append("EURUSD")
		b.Field(1).(*array.Int64Builder).Append(int64(i))
		b.Field(2).(*array.Float32Builder).Append(1.5 + float32(i))
		if i%2 == 0 {
			b.Field(3).(*array.StringBuilder).Append("even")
		} else {
			b.Field(3).(*array.StringBuilder).AppendNull()
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetOption(adbc.OptionKeyIngestTargetTable, topic); err != nil {
		t.Fatal(err)
	}
	if err := st.Bind(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if got, err := st.ExecuteUpdate(ctx); err != nil || got != int64(n) {
		t.Fatalf("ingest: %d rows, %v", got, err)
	}
}

// TestDatabaseSQL uses kafarr through database/sql with arrow-adbc's
// sqldriver: queries, scanning typed and null values, Exec of DROP TABLE,
// and the refusal of transactions.
func TestDatabaseSQL(t *testing.T) {
	testenv.CheckLeaks(t)
	st, err := devstack.Start("127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	opts := map[string]string{"uri": "kafka://" + st.Brokers(), "kafarr.schema_registry.url": st.RegistryURL()}
	before := time.Now().Add(-time.Second)
	ingestTicks(t, mem, opts, "ticks", 5)
	after := time.Now().Add(time.Second)

	// sqldriver's DSN is "key=value;key=value".
	connector, err := sqldriver.Driver{Driver: driver.NewDriver(mem)}.OpenConnector(
		"uri=kafka://" + st.Brokers() + ";kafarr.schema_registry.url=" + st.RegistryURL() + ";kafarr.allow_delete_topics=true")
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	ctx := context.Background()

	t.Run("query and scan", func(t *testing.T) {
		rows, err := db.QueryContext(ctx, `SELECT inst, t, bid, note, _partition, _offset, _timestamp FROM ticks WHERE t >= 2`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"inst", "t", "bid", "note", "_partition", "_offset", "_timestamp"}; !equalStrings(cols, want) {
			t.Fatalf("columns %v, want %v", cols, want)
		}
		types, err := rows.ColumnTypes()
		if err != nil {
			t.Fatal(err)
		}
		if got := types[6].DatabaseTypeName(); got != "timestamp[ms, tz=UTC]" {
			t.Errorf("_timestamp database type %q", got)
		}
		type tick struct {
			inst      string
			t         int64
			bid       float32
			note      sql.NullString
			partition int32
			offset    int64
			ts        time.Time
		}
		var got []tick
		for rows.Next() {
			var k tick
			if err := rows.Scan(&k.inst, &k.t, &k.bid, &k.note, &k.partition, &k.offset, &k.ts); err != nil {
				t.Fatal(err)
			}
			got = append(got, k)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("%d rows, want 3: %+v", len(got), got)
		}
		for i, k := range got {
			n := int64(i + 2)
			wantNote := sql.NullString{} // NULL on odd t
			if n%2 == 0 {
				wantNote = sql.NullString{String: "even", Valid: true}
			}
			if k.inst != "EURUSD" || k.t != n || k.bid != 1.5+float32(n) || k.note != wantNote || k.partition != 0 || k.offset != n {
				t.Errorf("row %d: %+v", i, k)
			}
			if k.ts.Before(before) || k.ts.After(after) {
				t.Errorf("row %d: timestamp %v not within the ingest [%v, %v]", i, k.ts, before, after)
			}
		}
	})

	t.Run("query row", func(t *testing.T) {
		var n int64
		var s string
		if err := db.QueryRowContext(ctx, `SELECT 42, 'kafka'`).Scan(&n, &s); err != nil {
			t.Fatal(err)
		}
		if n != 42 || s != "kafka" {
			t.Errorf("got %d, %q", n, s)
		}
		var off int64
		if err := db.QueryRowContext(ctx, `SELECT _offset FROM ticks ORDER BY _offset DESC LIMIT 1`).Scan(&off); err != nil {
			t.Fatal(err)
		}
		if off != 4 {
			t.Errorf("last offset %d, want 4", off)
		}
	})

	t.Run("errors keep their ADBC status", func(t *testing.T) {
		_, err := db.QueryContext(ctx, `SELECT * FROM missing_topic`)
		var ae adbc.Error
		if !errors.As(err, &ae) || ae.Code != adbc.StatusNotFound {
			t.Errorf("query of a missing topic: %v", err)
		}
		_, err = db.BeginTx(ctx, nil)
		if !errors.As(err, &ae) || ae.Code != adbc.StatusNotImplemented {
			t.Errorf("BeginTx: %v, want NotImplemented (autocommit is always on)", err)
		}
	})

	t.Run("exec", func(t *testing.T) {
		if _, err := db.ExecContext(ctx, `DROP TABLE ticks`); err != nil {
			t.Fatal(err)
		}
		_, err := db.QueryContext(ctx, `SELECT * FROM ticks`)
		var ae adbc.Error
		if !errors.As(err, &ae) || ae.Code != adbc.StatusNotFound {
			t.Errorf("query after DROP TABLE: %v", err)
		}
		if _, err := db.ExecContext(ctx, `DROP TABLE IF EXISTS ticks`); err != nil {
			t.Errorf("DROP TABLE IF EXISTS of a missing topic: %v", err)
		}
	})
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
