package driver

import (
	"context"
	"reflect"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/kafarr/kafarr/internal/testenv"
	"github.com/kafarr/kafarr/options"
)

// releaseReader releases what a reader-returning call returned and passes
// its error on.
func releaseReader(rdr array.RecordReader, err error) error {
	if rdr != nil {
		rdr.Release()
	}
	return err
}

// connectionCalls calls each exported method of a Connection once.
var connectionCalls = map[string]func(ctx context.Context, c *Connection) error{
	"Close": func(_ context.Context, c *Connection) error { return c.Close() },
	"NewStatement": func(_ context.Context, c *Connection) error {
		st, err := c.NewStatement()
		if st != nil {
			st.Close()
		}
		return err
	},
	"Commit":   func(ctx context.Context, c *Connection) error { return c.Commit(ctx) },
	"Rollback": func(ctx context.Context, c *Connection) error { return c.Rollback(ctx) },
	"ReadPartition": func(ctx context.Context, c *Connection) error {
		return releaseReader(c.ReadPartition(ctx, []byte(`{"v":1,"sql":"SELECT 1"}`)))
	},
	"GetTableTypes": func(ctx context.Context, c *Connection) error { return releaseReader(c.GetTableTypes(ctx)) },
	"GetTableSchema": func(ctx context.Context, c *Connection) error {
		_, err := c.GetTableSchema(ctx, nil, nil, "orders")
		return err
	},
	"GetObjects": func(ctx context.Context, c *Connection) error {
		return releaseReader(c.GetObjects(ctx, adbc.ObjectDepthAll, nil, nil, nil, nil, nil))
	},
	"GetInfo": func(ctx context.Context, c *Connection) error { return releaseReader(c.GetInfo(ctx, nil)) },
	"GetStatistics": func(ctx context.Context, c *Connection) error {
		return releaseReader(c.GetStatistics(ctx, nil, nil, nil, true))
	},
	"GetStatisticNames": func(ctx context.Context, c *Connection) error {
		return releaseReader(c.GetStatisticNames(ctx))
	},
	"SetOption": func(_ context.Context, c *Connection) error {
		return c.SetOption(options.ReadBatchRows, "10")
	},
	"SetOptionBytes": func(_ context.Context, c *Connection) error {
		return c.SetOptionBytes(options.ReadBatchRows, []byte("10"))
	},
	"SetOptionInt": func(_ context.Context, c *Connection) error {
		return c.SetOptionInt(options.ReadBatchRows, 10)
	},
	"SetOptionDouble": func(_ context.Context, c *Connection) error {
		return c.SetOptionDouble(options.ReadBatchRows, 10)
	},
	"GetOption": func(_ context.Context, c *Connection) error {
		_, err := c.GetOption(adbc.OptionKeyAutoCommit)
		return err
	},
	"GetOptionBytes": func(_ context.Context, c *Connection) error {
		_, err := c.GetOptionBytes(options.ReadBatchRows)
		return err
	},
	"GetOptionInt": func(_ context.Context, c *Connection) error {
		_, err := c.GetOptionInt(options.ReadBatchRows)
		return err
	},
	"GetOptionDouble": func(_ context.Context, c *Connection) error {
		_, err := c.GetOptionDouble(options.ReadBatchRows)
		return err
	},
}

// Every method of a closed connection is InvalidState, Close included;
// its statements can no longer execute, and still close.
func TestClosedConnection(t *testing.T) {
	if missing := testenv.UncoveredMethods(reflect.TypeOf(&Connection{}), connectionCalls); len(missing) > 0 {
		t.Fatalf("methods missing from the table: %v", missing)
	}
	e := newCatalogEnv(t, nil)
	seedCatalog(e)
	cn := e.cn.(*Connection)
	// Open, every call succeeds but Close, the transaction calls (which
	// autocommit refuses) and SetOptionBytes (options are text).
	for name, call := range connectionCalls {
		switch name {
		case "Close", "Commit", "Rollback", "SetOptionBytes":
			continue
		}
		if err := call(e.ctx, cn); err != nil {
			t.Fatalf("%s on an open connection: %v", name, err)
		}
	}
	stmt, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	if err := stmt.SetSqlQuery("SELECT * FROM orders"); err != nil {
		t.Fatal(err)
	}
	if err := cn.Close(); err != nil {
		t.Fatal(err)
	}
	for name, call := range connectionCalls {
		wantStatus(t, call(e.ctx, cn), adbc.StatusInvalidState, "kafarr: connection is closed")
		if t.Failed() {
			t.Fatalf("%s on a closed connection", name)
		}
	}
	rdr, _, err := stmt.ExecuteQuery(e.ctx)
	wantStatus(t, releaseReader(rdr, err), adbc.StatusInvalidState, "kafarr: connection is closed")
	_, err = stmt.ExecuteUpdate(e.ctx)
	wantStatus(t, err, adbc.StatusInvalidState, "kafarr: connection is closed")
	_, err = stmt.(adbc.StatementExecuteSchema).ExecuteSchema(e.ctx)
	wantStatus(t, err, adbc.StatusInvalidState, "kafarr: connection is closed")
	_, _, _, err = stmt.ExecutePartitions(e.ctx)
	wantStatus(t, err, adbc.StatusInvalidState, "kafarr: connection is closed")
	if err := stmt.Close(); err != nil {
		t.Fatalf("closing a statement of a closed connection: %v", err)
	}
}
