package driver_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-adbc/go/adbc/utils"
	"github.com/apache/arrow-adbc/go/adbc/validation"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/suite"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/internal/devstack"
	"github.com/kafarr/kafarr/internal/testenv"
	"github.com/kafarr/kafarr/kafkaio"
)

// The ADBC validation suite (arrow-adbc's go/adbc/validation) runs against
// the in-process stack (kfake + srfake) always, and against the real broker
// and registry of tests/stack when KAFARR_TEST_BROKERS and
// KAFARR_TEST_REGISTRY are set (with KAFARR_REQUIRE_STACK=1 their absence
// fails the test instead of skipping it).
//
// Where a suite test presupposes something a Kafka database cannot be,
// the embedding suite type below overrides it with a method of the same
// name that checks kafarr's actual behaviour; docs/catalog.md lists every
// override and its reason.

// arrowGoVersion is the pinned arrow-go version (go.mod), which GetInfo
// reports as both the driver's and the vendor's Arrow version.
const arrowGoVersion = "v18.8.0"

// kafarrQuirks tells the validation suite what kafarr is, and creates and
// drops its sample tables: topics with a registered value schema.
type kafarrQuirks struct {
	brokers, registry string
	// vendorVersion is what GetInfo reports as the vendor version for
	// this stack.
	vendorVersion string
	mem           *memory.CheckedAllocator
}

// SetupDriver gives each suite test a driver on a checked allocator of
// its own, and registers the test's leak check: once the suite's
// TearDownTest has closed the test's connection and database, no driver
// goroutine or franz-go client may be left and the allocator must be back
// to zero.
func (q *kafarrQuirks) SetupDriver(t *testing.T) adbc.Driver {
	q.mem = memory.NewCheckedAllocator(memory.NewGoAllocator())
	testenv.CheckLeaks(t, q.mem)
	return driver.NewDriver(q.mem)
}

// TearDownDriver checks nothing itself: it runs before the suite closes
// the test's database (ConnectionTests), so the allocator is checked by
// the leak check SetupDriver registered.
func (q *kafarrQuirks) TearDownDriver(*testing.T, adbc.Driver) {}

// DatabaseOptions connect to the stack. SELECT * returns the value columns
// only (kafarr.read.metadata_columns=none), the shape the suite expects of
// a table; ingest mode replace needs kafarr.allow_delete_topics; topics
// get one partition, so that reading order is ingest order.
func (q *kafarrQuirks) DatabaseOptions() map[string]string {
	return map[string]string{
		"uri":                          "kafka://" + q.brokers,
		"kafarr.schema_registry.url":   q.registry,
		"kafarr.read.metadata_columns": "none",
		"kafarr.allow_delete_topics":   "true",
		"kafarr.read.timeout_ms":       "20000",
		"kafarr.ingest.partitions":     "1",
	}
}

func (q *kafarrQuirks) BindParameter(int) string { return "?" }

func (q *kafarrQuirks) SupportsBulkIngest(string) bool              { return true }
func (q *kafarrQuirks) SupportsConcurrentStatements() bool          { return true }
func (q *kafarrQuirks) SupportsCurrentCatalogSchema() bool          { return true }
func (q *kafarrQuirks) SupportsGetSetOptions() bool                 { return true }
func (q *kafarrQuirks) SupportsExecuteSchema() bool                 { return true }
func (q *kafarrQuirks) SupportsPartitionedData() bool               { return true }
func (q *kafarrQuirks) SupportsStatistics() bool                    { return true }
func (q *kafarrQuirks) SupportsTransactions() bool                  { return false }
func (q *kafarrQuirks) SupportsGetParameterSchema() bool            { return false }
func (q *kafarrQuirks) SupportsDynamicParameterBinding() bool       { return false }
func (q *kafarrQuirks) SupportsErrorIngestIncompatibleSchema() bool { return true }

func (q *kafarrQuirks) GetMetadata(code adbc.InfoCode) any {
	switch code {
	case adbc.InfoDriverName:
		return "ADBC Kafka Driver (kafarr) - Go"
	case adbc.InfoDriverVersion:
		return driver.Version
	case adbc.InfoDriverArrowVersion, adbc.InfoVendorArrowVersion:
		return arrowGoVersion
	case adbc.InfoDriverADBCVersion:
		return adbc.AdbcVersion1_1_0
	case adbc.InfoVendorName:
		return "Kafka"
	case adbc.InfoVendorVersion:
		return q.vendorVersion
	}
	return nil
}

// CreateSampleTable replaces table by a topic holding r, ingested through
// kafarr (which derives and registers the value schema).
func (q *kafarrQuirks) CreateSampleTable(table string, r arrow.RecordBatch) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := q.drop(ctx, table); err != nil {
		return err
	}
	db, err := driver.NewDriver(q.mem).NewDatabase(q.DatabaseOptions())
	if err != nil {
		return err
	}
	defer db.Close()
	cn, err := db.Open(ctx)
	if err != nil {
		return err
	}
	defer cn.Close()
	st, err := cn.NewStatement()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetOption(adbc.OptionKeyIngestTargetTable, table); err != nil {
		return err
	}
	if err := st.Bind(ctx, r); err != nil {
		return err
	}
	_, err = st.ExecuteUpdate(ctx)
	return err
}

// SampleTableSchemaMetadata is the field metadata kafarr reads back for a
// column of a derived schema: a nullable column became ["null", T] with
// default null, and the default is kept in the metadata.
func (q *kafarrQuirks) SampleTableSchemaMetadata(string, arrow.DataType) arrow.Metadata {
	return arrow.NewMetadata([]string{"kafarr.avro.default"}, []string{"null"})
}

// DropTable deletes the topic and its value subject, if there.
func (q *kafarrQuirks) DropTable(_ adbc.Connection, table string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return q.drop(ctx, table)
}

// drop deletes topic and, permanently, its value subject, so that a new
// table of that name starts without either.
func (q *kafarrQuirks) drop(ctx context.Context, topic string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(q.brokers))
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := kafkaio.NewAdmin(cl).DeleteTopic(ctx, topic); err != nil && adbcerr.Status(err) != adbc.StatusNotFound {
		return err
	}
	reg, err := kafkaio.NewRegistry(kafkaio.RegistryConfig{URL: q.registry})
	if err != nil {
		return err
	}
	if _, err := reg.DeleteSubject(ctx, topic+"-value", true); err != nil && adbcerr.Status(err) != adbc.StatusNotFound {
		return err
	}
	return nil
}

func (q *kafarrQuirks) Catalog() string         { return driver.CatalogName }
func (q *kafarrQuirks) DBSchema() string        { return driver.DBSchemaName }
func (q *kafarrQuirks) Alloc() memory.Allocator { return q.mem }

// kafarrDatabaseTests runs the suite's database tests unchanged.
type kafarrDatabaseTests struct{ validation.DatabaseTests }

// kafarrConnectionTests runs the suite's connection tests.
type kafarrConnectionTests struct{ validation.ConnectionTests }

// kafarrStatementTests runs the suite's statement tests, with overrides.
type kafarrStatementTests struct{ validation.StatementTests }

// validationStack is one broker + registry the suite runs against.
type validationStack struct {
	name              string
	brokers, registry string
}

// validationStacks returns the in-process stack and, when configured, the
// real one.
func validationStacks(t *testing.T) []validationStack {
	dev, err := devstack.Start("127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dev.Close)
	stacks := []validationStack{{name: "devstack", brokers: dev.Brokers(), registry: dev.RegistryURL()}}
	brokers, registry := os.Getenv("KAFARR_TEST_BROKERS"), os.Getenv("KAFARR_TEST_REGISTRY")
	switch {
	case brokers != "" && registry != "":
		stacks = append(stacks, validationStack{name: "real", brokers: brokers, registry: registry})
	case os.Getenv("KAFARR_REQUIRE_STACK") == "1":
		t.Fatal("KAFARR_TEST_BROKERS and KAFARR_TEST_REGISTRY must be set when KAFARR_REQUIRE_STACK=1: run tests/stack/stack.sh up and source .build/stack/env")
	default:
		t.Log("KAFARR_TEST_BROKERS/KAFARR_TEST_REGISTRY unset: the validation suite runs against the in-process stack only")
	}
	return stacks
}

// vendorVersion asks the broker for its API versions, as GetInfo does, to
// learn what GetInfo must report.
func vendorVersion(t *testing.T, brokers string) string {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	vs, err := kadm.NewClient(cl).ApiVersions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs.Sorted() {
		if v.Err == nil {
			return "Apache Kafka " + strings.TrimPrefix(v.VersionGuess(), "v") + " (guessed from API versions)"
		}
	}
	t.Fatal("no broker answered ApiVersions")
	return ""
}

func TestValidation(t *testing.T) {
	testenv.CheckLeaks(t)
	for _, st := range validationStacks(t) {
		t.Run(st.name, func(t *testing.T) {
			q := &kafarrQuirks{brokers: st.brokers, registry: st.registry, vendorVersion: vendorVersion(t, st.brokers)}
			t.Cleanup(func() {
				// Leave a shared cluster as found: the suite's tables
				// outlive its tests.
				for _, table := range []string{"bulk_ingest", "sample_test"} {
					if err := q.DropTable(nil, table); err != nil {
						t.Errorf("dropping %s: %v", table, err)
					}
				}
			})
			t.Run("Database", func(t *testing.T) {
				suite.Run(t, &kafarrDatabaseTests{validation.DatabaseTests{Quirks: q}})
			})
			t.Run("Connection", func(t *testing.T) {
				suite.Run(t, &kafarrConnectionTests{validation.ConnectionTests{Quirks: q}})
			})
			t.Run("Statement", func(t *testing.T) {
				suite.Run(t, &kafarrStatementTests{validation.StatementTests{Quirks: q}})
			})
		})
	}
}

// TestSQLPrepareGetParameterSchema overrides the suite's test, which needs
// "SELECT ?, ?" to be accepted. kafarr's SQL has no bind parameters (bound
// data is what an ingest produces), so the query is refused when set, as
// NotImplemented with SQLSTATE 0A000, and GetParameterSchema is
// NotImplemented.
func (s *kafarrStatementTests) TestSQLPrepareGetParameterSchema() {
	stmt, err := s.Cnxn.NewStatement()
	s.Require().NoError(err)
	defer validation.CheckedClose(s.T(), stmt)

	var ae adbc.Error
	err = stmt.SetSqlQuery("SELECT " + s.Quirks.BindParameter(0) + ", " + s.Quirks.BindParameter(1))
	s.Require().ErrorAs(err, &ae)
	s.Equal(adbc.StatusNotImplemented, ae.Code)
	s.Equal([5]byte{'0', 'A', '0', '0', '0'}, ae.SqlState)
	s.Contains(ae.Msg, "query parameter (?) is not supported")

	_, err = stmt.GetParameterSchema()
	s.Require().ErrorAs(err, &ae)
	s.Equal(adbc.StatusNotImplemented, ae.Code)
}

// int64sBatch builds a one-column batch of nullable int64s ("int64s").
func (s *kafarrStatementTests) int64sBatch(vals []int64, valid []bool) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{{Name: "int64s", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	b := array.NewRecordBuilder(s.Quirks.Alloc(), schema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues(vals, valid)
	return b.NewRecordBatch()
}

// readInt64s runs query and returns its one column of int64s, checking that
// the schema is exactly the int64s column.
func (s *kafarrStatementTests) readInt64s(stmt adbc.Statement, query string) arrow.Array {
	s.Require().NoError(stmt.SetSqlQuery(query))
	rdr, n, err := stmt.ExecuteQuery(context.Background())
	s.Require().NoError(err)
	defer rdr.Release()
	s.EqualValues(-1, n, "a bounded read does not know its row count in advance")
	want := arrow.NewSchema([]arrow.Field{{Name: "int64s", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	s.Truef(want.Equal(utils.RemoveSchemaMetadata(rdr.Schema())), "got schema %s", rdr.Schema())
	var chunks []arrow.Array
	for rdr.Next() {
		col := rdr.RecordBatch().Column(0)
		col.Retain()
		chunks = append(chunks, col)
	}
	s.Require().NoError(rdr.Err())
	defer func() {
		for _, c := range chunks {
			c.Release()
		}
	}()
	out, err := array.Concatenate(chunks, s.Quirks.Alloc())
	s.Require().NoError(err)
	return out
}

// TestSqlIngestInts overrides the suite's test, whose check query orders
// by a value column (ORDER BY "int64s" DESC NULLS LAST). kafarr orders
// only by _offset, _timestamp or _partition and says so (NotImplemented);
// in a one-partition topic SELECT * already returns rows in ingest order,
// so the check reads them that way.
func (s *kafarrStatementTests) TestSqlIngestInts() {
	ctx := context.Background()
	s.Require().NoError(s.Quirks.DropTable(s.Cnxn, "bulk_ingest"))
	batch := s.int64sBatch([]int64{42, -42, 0}, []bool{true, true, false})
	defer batch.Release()

	stmt, err := s.Cnxn.NewStatement()
	s.Require().NoError(err)
	defer validation.CheckedClose(s.T(), stmt)
	s.Require().NoError(stmt.SetOption(adbc.OptionKeyIngestTargetTable, "bulk_ingest"))
	s.Require().NoError(stmt.Bind(ctx, batch))
	affected, err := stmt.ExecuteUpdate(ctx)
	s.Require().NoError(err)
	s.EqualValues(3, affected)

	var ae adbc.Error
	s.Require().ErrorAs(stmt.SetSqlQuery(`SELECT * FROM "bulk_ingest" ORDER BY "int64s" DESC NULLS LAST`), &ae)
	s.Equal(adbc.StatusNotImplemented, ae.Code)

	got := s.readInt64s(stmt, `SELECT * FROM "bulk_ingest"`)
	defer got.Release()
	s.Truef(array.Equal(batch.Column(0), got), "got %s, want %s", got, batch.Column(0))
}

// TestSqlIngestAppend overrides the suite's test for the same reason as
// TestSqlIngestInts: the check reads in offset order instead of ordering
// by the value column.
func (s *kafarrStatementTests) TestSqlIngestAppend() {
	ctx := context.Background()
	s.Require().NoError(s.Quirks.DropTable(s.Cnxn, "bulk_ingest"))
	first := s.int64sBatch([]int64{42}, []bool{true})
	defer first.Release()
	second := s.int64sBatch([]int64{-42, 0}, []bool{true, false})
	defer second.Release()

	stmt, err := s.Cnxn.NewStatement()
	s.Require().NoError(err)
	defer validation.CheckedClose(s.T(), stmt)
	s.Require().NoError(stmt.SetOption(adbc.OptionKeyIngestTargetTable, "bulk_ingest"))
	s.Require().NoError(stmt.Bind(ctx, first))
	affected, err := stmt.ExecuteUpdate(ctx)
	s.Require().NoError(err)
	s.EqualValues(1, affected)

	s.Require().NoError(stmt.SetOption(adbc.OptionKeyIngestTargetTable, "bulk_ingest"))
	s.Require().NoError(stmt.SetOption(adbc.OptionKeyIngestMode, adbc.OptionValueIngestModeAppend))
	s.Require().NoError(stmt.Bind(ctx, second))
	affected, err = stmt.ExecuteUpdate(ctx)
	s.Require().NoError(err)
	s.EqualValues(2, affected)

	want, err := array.Concatenate([]arrow.Array{first.Column(0), second.Column(0)}, s.Quirks.Alloc())
	s.Require().NoError(err)
	defer want.Release()
	got := s.readInt64s(stmt, `SELECT * FROM "bulk_ingest"`)
	defer got.Release()
	s.Truef(array.Equal(want, got), "got %s, want %s", got, want)
}

// TestSqlIngestErrors overrides the suite's test in its last part, where
// kafarr differs by design (docs/catalog.md, docs/ingest.md): creating an existing topic is
// AlreadyExists (the suite expects Internal), and an append with an extra
// column succeeds, since extra columns are ignored. The incompatible append
// kafarr refuses is a column of the wrong type; that is checked instead.
// The first two parts are the suite's own.
func (s *kafarrStatementTests) TestSqlIngestErrors() {
	ctx := context.Background()
	s.Require().NoError(s.Quirks.DropTable(s.Cnxn, "bulk_ingest"))
	stmt, err := s.Cnxn.NewStatement()
	s.Require().NoError(err)
	defer validation.CheckedClose(s.T(), stmt)

	s.Run("ingest without bind", func() {
		var e adbc.Error
		s.Require().NoError(stmt.SetOption(adbc.OptionKeyIngestTargetTable, "bulk_ingest"))
		_, _, err := stmt.ExecuteQuery(ctx)
		s.ErrorAs(err, &e)
		s.Equal(adbc.StatusInvalidState, e.Code)
	})

	s.Run("append to nonexistent table", func() {
		s.Require().NoError(s.Quirks.DropTable(s.Cnxn, "bulk_ingest"))
		batch := s.int64sBatch([]int64{42, -42, 0}, []bool{true, true, false})
		defer batch.Release()
		s.Require().NoError(stmt.SetOption(adbc.OptionKeyIngestTargetTable, "bulk_ingest"))
		s.Require().NoError(stmt.SetOption(adbc.OptionKeyIngestMode, adbc.OptionValueIngestModeAppend))
		s.Require().NoError(stmt.Bind(ctx, batch))
		var e adbc.Error
		_, _, err := stmt.ExecuteQuery(ctx)
		s.ErrorAs(err, &e)
		s.Equal(adbc.StatusNotFound, e.Code)
		// SQLSTATE 42S02 == table or view not found
		s.Equal([5]byte{'4', '2', 'S', '0', '2'}, e.SqlState)
	})

	s.Run("create existing and incompatible schema", func() {
		s.Require().NoError(s.Quirks.DropTable(s.Cnxn, "bulk_ingest"))
		batch := s.int64sBatch([]int64{42, -42, 0}, []bool{true, true, false})
		defer batch.Release()
		s.Require().NoError(stmt.SetOption(adbc.OptionKeyIngestTargetTable, "bulk_ingest"))
		s.Require().NoError(stmt.SetOption(adbc.OptionKeyIngestMode, adbc.OptionValueIngestModeCreate))
		s.Require().NoError(stmt.Bind(ctx, batch))
		_, err := stmt.ExecuteUpdate(ctx)
		s.Require().NoError(err)

		var e adbc.Error
		s.Require().NoError(stmt.Bind(ctx, batch))
		_, err = stmt.ExecuteUpdate(ctx)
		s.Require().ErrorAs(err, &e)
		s.Equal(adbc.StatusAlreadyExists, e.Code)
		s.Contains(e.Msg, `"bulk_ingest"`)

		// An extra column is ignored: the row is appended.
		extra := arrow.NewSchema([]arrow.Field{
			{Name: "int64s", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
			{Name: "coltwo", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		}, nil)
		eb := array.NewRecordBuilder(s.Quirks.Alloc(), extra)
		defer eb.Release()
		eb.Field(0).AppendNull()
		eb.Field(1).AppendNull()
		extraBatch := eb.NewRecordBatch()
		defer extraBatch.Release()
		s.Require().NoError(stmt.SetOption(adbc.OptionKeyIngestTargetTable, "bulk_ingest"))
		s.Require().NoError(stmt.SetOption(adbc.OptionKeyIngestMode, adbc.OptionValueIngestModeAppend))
		s.Require().NoError(stmt.Bind(ctx, extraBatch))
		n, err := stmt.ExecuteUpdate(ctx)
		s.Require().NoError(err)
		s.EqualValues(1, n)

		// A column whose type cannot become the field's is refused,
		// naming the column, and nothing is produced.
		wrong := arrow.NewSchema([]arrow.Field{{Name: "int64s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
		wb := array.NewRecordBuilder(s.Quirks.Alloc(), wrong)
		defer wb.Release()
		wb.Field(0).(*array.StringBuilder).Append("forty-two")
		wrongBatch := wb.NewRecordBatch()
		defer wrongBatch.Release()
		s.Require().NoError(stmt.SetOption(adbc.OptionKeyIngestTargetTable, "bulk_ingest"))
		s.Require().NoError(stmt.SetOption(adbc.OptionKeyIngestMode, adbc.OptionValueIngestModeAppend))
		s.Require().NoError(stmt.Bind(ctx, wrongBatch))
		_, err = stmt.ExecuteUpdate(ctx)
		s.Require().ErrorAs(err, &e)
		s.NotEqual(adbc.StatusOK, e.Code)
		s.Contains(e.Msg, "int64s")

		got := s.readInt64s(stmt, `SELECT * FROM "bulk_ingest"`)
		defer got.Release()
		want := s.int64sBatch([]int64{42, -42, 0, 0}, []bool{true, true, false, false})
		defer want.Release()
		s.Truef(array.Equal(want.Column(0), got), "got %s, want %s", got, want.Column(0))
	})
}
