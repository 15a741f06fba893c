package statement_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/internal/session"
	"github.com/kafarr/kafarr/internal/testenv"
	"github.com/kafarr/kafarr/options"
	"github.com/kafarr/kafarr/statement"
)

// statementCalls calls each exported method of a Statement once; the
// tests check that the table has every one.
var statementCalls = map[string]func(ctx context.Context, st *statement.Statement) error{
	"Close":       func(_ context.Context, st *statement.Statement) error { return st.Close() },
	"SetSqlQuery": func(_ context.Context, st *statement.Statement) error { return st.SetSqlQuery("SELECT 1") },
	"Prepare":     func(ctx context.Context, st *statement.Statement) error { return st.Prepare(ctx) },
	"SetSubstraitPlan": func(_ context.Context, st *statement.Statement) error {
		return st.SetSubstraitPlan([]byte{1})
	},
	"GetParameterSchema": func(_ context.Context, st *statement.Statement) error {
		_, err := st.GetParameterSchema()
		return err
	},
	"Bind": func(ctx context.Context, st *statement.Statement) error { return st.Bind(ctx, nil) },
	"BindStream": func(ctx context.Context, st *statement.Statement) error {
		return st.BindStream(ctx, nil)
	},
	"ExecuteQuery": func(ctx context.Context, st *statement.Statement) error {
		rdr, _, err := st.ExecuteQuery(ctx)
		if rdr != nil {
			rdr.Release()
		}
		return err
	},
	"ExecuteUpdate": func(ctx context.Context, st *statement.Statement) error {
		_, err := st.ExecuteUpdate(ctx)
		return err
	},
	"ExecuteSchema": func(ctx context.Context, st *statement.Statement) error {
		_, err := st.ExecuteSchema(ctx)
		return err
	},
	"ExecutePartitions": func(ctx context.Context, st *statement.Statement) error {
		_, _, _, err := st.ExecutePartitions(ctx)
		return err
	},
	"SetOption": func(_ context.Context, st *statement.Statement) error {
		return st.SetOption(options.ReadBatchRows, "10")
	},
	"SetOptionBytes": func(_ context.Context, st *statement.Statement) error {
		return st.SetOptionBytes(options.ReadBatchRows, []byte("10"))
	},
	"SetOptionInt": func(_ context.Context, st *statement.Statement) error {
		return st.SetOptionInt(options.ReadBatchRows, 10)
	},
	"SetOptionDouble": func(_ context.Context, st *statement.Statement) error {
		return st.SetOptionDouble(options.ReadBatchRows, 10)
	},
	"GetOption": func(_ context.Context, st *statement.Statement) error {
		_, err := st.GetOption(adbc.OptionKeyIngestMode)
		return err
	},
	"GetOptionBytes": func(_ context.Context, st *statement.Statement) error {
		_, err := st.GetOptionBytes(options.ReadBatchRows)
		return err
	},
	"GetOptionInt": func(_ context.Context, st *statement.Statement) error {
		_, err := st.GetOptionInt(options.ReadBatchRows)
		return err
	},
	"GetOptionDouble": func(_ context.Context, st *statement.Statement) error {
		_, err := st.GetOptionDouble(adbc.OptionKeyProgress)
		return err
	},
}

// newSession is a session with no cluster behind it: enough for calls
// that are refused before any I/O.
func newSession(mem memory.Allocator) *session.Session {
	return &session.Session{Alloc: mem, Options: options.NewStore()}
}

// Every method of a closed statement is InvalidState, Close included, and
// Close released the bound data.
func TestClosedStatement(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	testenv.CheckLeaks(t, mem)
	if missing := testenv.UncoveredMethods(reflect.TypeOf(&statement.Statement{}), statementCalls); len(missing) > 0 {
		t.Fatalf("methods missing from the table: %v", missing)
	}
	ctx := t.Context()
	for name, call := range statementCalls {
		t.Run(name, func(t *testing.T) {
			st := statement.New(newSession(mem))
			b := array.NewInt64Builder(mem)
			b.AppendValues([]int64{1, 2}, nil)
			col := b.NewArray()
			b.Release()
			rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil), []arrow.Array{col}, 2)
			col.Release()
			if err := st.Bind(ctx, rec); err != nil {
				t.Fatal(err)
			}
			rec.Release()
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			wantStatus(t, call(ctx, st), adbc.StatusInvalidState, "kafarr: statement is closed")
		})
	}
}

// A statement whose connection closed cannot execute; it still closes.
func TestStatementOfClosedConnection(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	testenv.CheckLeaks(t, mem)
	ctx := t.Context()
	sess := newSession(mem)
	st := statement.New(sess)
	if err := st.SetSqlQuery("SELECT 1"); err != nil {
		t.Fatal(err)
	}
	// Open: the constant query runs without a cluster.
	if err := statementCalls["ExecuteQuery"](ctx, st); err != nil {
		t.Fatal(err)
	}
	if !sess.MarkClosed() || sess.MarkClosed() {
		t.Fatal("MarkClosed does not report the first close only")
	}
	for _, name := range []string{"ExecuteQuery", "ExecuteUpdate", "ExecuteSchema", "ExecutePartitions"} {
		wantStatus(t, statementCalls[name](ctx, st), adbc.StatusInvalidState, "kafarr: connection is closed")
	}
	if err := st.Close(); err != nil {
		t.Fatalf("closing a statement of a closed connection: %v", err)
	}
}
