package statement

import (
	"context"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/kafarr/kafarr/ingest"
	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/internal/session"
	"github.com/kafarr/kafarr/internal/sqlparse"
	"github.com/kafarr/kafarr/options"
)

// Statement is kafarr's adbc.Statement: a SQL query (SELECT, DROP TABLE)
// or a bulk ingest. Its options override the connection's.
type Statement struct {
	sess *session.Session
	opts *options.Store

	sql    string
	parsed sqlparse.Stmt

	ingest ingest.Options
	bound  array.RecordReader // the data to ingest

	mu      sync.Mutex
	current *recordReader // the latest result, for progress
	closed  bool
}

var (
	_ adbc.Statement              = (*Statement)(nil)
	_ adbc.GetSetOptions          = (*Statement)(nil)
	_ adbc.StatementExecuteSchema = (*Statement)(nil)
)

// New returns a statement on a connection's session.
func New(sess *session.Session) *Statement {
	return &Statement{sess: sess, opts: sess.Options.Child(), ingest: ingest.NewOptions()}
}

// checkOpen refuses every call on a closed statement.
func (s *Statement) checkOpen() error {
	if s.closed {
		return adbcerr.New(adbc.StatusInvalidState, "statement is closed")
	}
	return nil
}

// checkRun refuses to execute a closed statement, or one whose connection
// closed.
func (s *Statement) checkRun() error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	return s.sess.CheckOpen()
}

// guard turns a panic into an Internal error, so that no bad input can
// crash a host process through the driver. (A missing topic's SQLSTATE,
// 42S02, is set where the error is raised: see adbcerr.TableNotFound.)
func guard(err *error) {
	if r := recover(); r != nil {
		*err = adbc.Error{Code: adbc.StatusInternal, Msg: fmt.Sprintf(
			"kafarr: internal error: %v (please report it with this stack: %s)", r, debug.Stack())}
	}
}

// Close releases bound data. Results already returned stay valid. A
// second Close is InvalidState, as ADBC specifies.
func (s *Statement) Close() error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	s.closed = true
	s.release()
	return nil
}

// SetSqlQuery sets the SQL to run; it is parsed at once, so syntax errors
// surface here.
func (s *Statement) SetSqlQuery(query string) (err error) {
	defer guard(&err)
	if err := s.checkOpen(); err != nil {
		return err
	}
	parsed, err := sqlparse.Parse(query)
	if err != nil {
		return err
	}
	s.sql, s.parsed = query, parsed
	s.ingest.Target = ""
	return nil
}

// Prepare checks that a query is set; kafarr plans at execute time, when
// it snapshots offsets.
func (s *Statement) Prepare(context.Context) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	if s.parsed == nil && s.ingest.Target == "" {
		return adbc.Error{Code: adbc.StatusInvalidState, Msg: "kafarr: Prepare: no SQL query set"}
	}
	return nil
}

// SetSubstraitPlan is not supported.
func (s *Statement) SetSubstraitPlan([]byte) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	return adbc.Error{Code: adbc.StatusNotImplemented, Msg: "kafarr: Substrait plans are not supported; use SQL"}
}

// GetParameterSchema is not supported: kafarr queries take no parameters.
func (s *Statement) GetParameterSchema() (*arrow.Schema, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	return nil, adbc.Error{Code: adbc.StatusNotImplemented, Msg: "kafarr: queries take no bind parameters; bound data is for ingest (adbc.ingest.target_table)"}
}

// ExecuteQuery runs the query and returns its result stream. The row count
// is -1: a bounded read does not know it before reading.
func (s *Statement) ExecuteQuery(ctx context.Context) (rdr array.RecordReader, n int64, err error) {
	defer guard(&err)
	if err := s.checkRun(); err != nil {
		return nil, -1, err
	}
	if s.ingest.Target != "" {
		n, err := s.executeIngest(ctx)
		if err != nil {
			return nil, -1, err
		}
		empty, _ := array.NewRecordReader(arrow.NewSchema(nil, nil), nil)
		return empty, n, nil
	}
	switch q := s.parsed.(type) {
	case nil:
		return nil, -1, adbc.Error{Code: adbc.StatusInvalidState, Msg: "kafarr: no SQL query set"}
	case *sqlparse.ConstantQuery:
		rec, err := constantRecord(s.sess.Alloc, q)
		if err != nil {
			return nil, -1, err
		}
		defer rec.Release()
		rdr, err := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
		return rdr, 1, err
	case *sqlparse.DropTable:
		if err := s.dropTable(ctx, q); err != nil {
			return nil, -1, err
		}
		empty, _ := array.NewRecordReader(arrow.NewSchema(nil, nil), nil)
		return empty, 0, nil
	case *sqlparse.Query:
		e, err := startRead(ctx, s.sess, s.opts.Read(), s.sql, q, nil, execRows)
		if err != nil {
			return nil, -1, err
		}
		rr, err := newRecordReader(e, s.sess.Alloc)
		if err != nil {
			return nil, -1, err
		}
		s.mu.Lock()
		s.current = rr
		s.mu.Unlock()
		return rr, -1, nil
	}
	return nil, -1, adbc.Error{Code: adbc.StatusInternal, Msg: fmt.Sprintf("kafarr: unexpected statement %T", s.parsed)}
}

// ExecuteSchema returns the schema ExecuteQuery would return, without
// reading messages (except under kafarr.read.schema=first, which needs the
// first one).
func (s *Statement) ExecuteSchema(ctx context.Context) (sc *arrow.Schema, err error) {
	defer guard(&err)
	if err := s.checkRun(); err != nil {
		return nil, err
	}
	switch q := s.parsed.(type) {
	case *sqlparse.ConstantQuery:
		rec, err := constantRecord(s.sess.Alloc, q)
		if err != nil {
			return nil, err
		}
		defer rec.Release()
		return rec.Schema(), nil
	case *sqlparse.Query:
		e, err := startRead(ctx, s.sess, s.opts.Read(), s.sql, q, nil, execSchema)
		if err != nil {
			return nil, err
		}
		e.close()
		return e.plan.outSchema, nil
	case *sqlparse.DropTable:
		return arrow.NewSchema(nil, nil), nil
	}
	return nil, adbc.Error{Code: adbc.StatusInvalidState, Msg: "kafarr: ExecuteSchema: no query set"}
}

// ExecuteUpdate runs a bulk ingest (adbc.ingest.target_table with bound
// data) or a DROP TABLE, returning the rows produced.
func (s *Statement) ExecuteUpdate(ctx context.Context) (n int64, err error) {
	defer guard(&err)
	if err := s.checkRun(); err != nil {
		return -1, err
	}
	if s.ingest.Target != "" {
		return s.executeIngest(ctx)
	}
	switch q := s.parsed.(type) {
	case *sqlparse.DropTable:
		return 0, s.dropTable(ctx, q)
	case nil:
		return -1, adbc.Error{Code: adbc.StatusInvalidState, Msg: "kafarr: ExecuteUpdate: set adbc.ingest.target_table and bind data, or a DROP TABLE statement"}
	}
	return -1, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: "kafarr: ExecuteUpdate runs ingest and DROP TABLE; run SELECT with ExecuteQuery"}
}

// dropTable deletes a topic, when kafarr.allow_delete_topics permits it.
func (s *Statement) dropTable(ctx context.Context, q *sqlparse.DropTable) error {
	if !s.opts.Read().AllowDeleteTopics {
		return adbc.Error{Code: adbc.StatusUnauthorized, Msg: fmt.Sprintf(
			"kafarr: DROP TABLE %q deletes the Kafka topic and its data; set kafarr.allow_delete_topics=true to permit it", q.Topic)}
	}
	err := s.sess.Admin.DeleteTopic(ctx, q.Topic)
	if q.IfExists && adbcerr.Status(err) == adbc.StatusNotFound {
		return nil
	}
	return err
}

// SetOption sets a statement option: ingest keys (adbc.ingest.*) or any
// kafarr read or ingest option.
func (s *Statement) SetOption(key, val string) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	if handled, err := s.ingest.Set(key, val); handled {
		return err
	}
	switch key {
	case adbc.OptionKeyIncremental:
		if val == adbc.OptionValueDisabled {
			return nil
		}
		return adbc.Error{Code: adbc.StatusNotImplemented, Msg: "kafarr: incremental execution is not supported; use ExecutePartitions for parallel reads"}
	case adbc.OptionKeyProgress, adbc.OptionKeyMaxProgress:
		return adbc.Error{Code: adbc.StatusInvalidArgument, Msg: "kafarr: option " + key + " is read-only"}
	}
	return s.opts.Set(key, val)
}

// typed returns the typed option accessors over SetOption and GetOption,
// the same for the database, the connection and the statement.
func (s *Statement) typed() options.Getters {
	return options.Getters{Get: s.GetOption, Set: s.SetOption, Own: isStatementKey}
}

// isStatementKey reports the standard keys a statement handles itself.
func isStatementKey(key string) bool {
	switch key {
	case adbc.OptionKeyIngestTargetTable, adbc.OptionKeyIngestMode, adbc.OptionValueIngestTemporary,
		adbc.OptionValueIngestTargetCatalog, adbc.OptionValueIngestTargetDBSchema,
		adbc.OptionKeyIncremental, adbc.OptionKeyProgress, adbc.OptionKeyMaxProgress:
		return true
	}
	return false
}

// SetOptionBytes is refused: kafarr options are text (options.Getters).
func (s *Statement) SetOptionBytes(key string, v []byte) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	return s.typed().SetOptionBytes(key, v)
}

// SetOptionInt sets an option from an integer.
func (s *Statement) SetOptionInt(key string, v int64) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	return s.typed().SetOptionInt(key, v)
}

// SetOptionDouble sets an option from an integral double.
func (s *Statement) SetOptionDouble(key string, v float64) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	return s.typed().SetOptionDouble(key, v)
}

// GetOption returns an option in force for the statement.
func (s *Statement) GetOption(key string) (string, error) {
	if err := s.checkOpen(); err != nil {
		return "", err
	}
	if v, ok := s.ingest.Get(key); ok {
		return v, nil
	}
	switch key {
	case adbc.OptionKeyProgress, adbc.OptionKeyMaxProgress:
		done, total := s.progress()
		if key == adbc.OptionKeyProgress {
			return strconv.FormatInt(done, 10), nil
		}
		return strconv.FormatInt(total, 10), nil
	case adbc.OptionKeyIncremental:
		return adbc.OptionValueDisabled, nil
	}
	return s.opts.GetOption(key)
}

// GetOptionBytes returns an option's text as bytes.
func (s *Statement) GetOptionBytes(key string) ([]byte, error) {
	return s.typed().GetOptionBytes(key)
}

// GetOptionInt returns an integer option, progress included.
func (s *Statement) GetOptionInt(key string) (int64, error) {
	if err := s.checkOpen(); err != nil {
		return 0, err
	}
	switch key {
	case adbc.OptionKeyProgress, adbc.OptionKeyMaxProgress:
		done, total := s.progress()
		if key == adbc.OptionKeyProgress {
			return done, nil
		}
		return total, nil
	}
	return s.typed().GetOptionInt(key)
}

// GetOptionDouble returns progress (messages read) and max progress (the
// messages the offset snapshot implies), as ADBC defines them, and integer
// options.
func (s *Statement) GetOptionDouble(key string) (float64, error) {
	if err := s.checkOpen(); err != nil {
		return 0, err
	}
	switch key {
	case adbc.OptionKeyProgress, adbc.OptionKeyMaxProgress:
		v, err := s.GetOptionInt(key)
		return float64(v), err
	}
	return s.typed().GetOptionDouble(key)
}

func (s *Statement) progress() (done, total int64) {
	s.mu.Lock()
	cur := s.current
	s.mu.Unlock()
	if cur == nil {
		return 0, 0
	}
	return cur.progress()
}
