package driver

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kafarr/kafarr/internal/devstack"
	"github.com/kafarr/kafarr/internal/testenv"
	"github.com/kafarr/kafarr/kafkaio"
)

// catalogEnv is an in-process cluster and registry with a kafarr
// connection on a checked allocator, plus direct clients to set topics up.
type catalogEnv struct {
	t                 *testing.T
	ctx               context.Context
	brokers, registry string
	mem               *memory.CheckedAllocator
	db                adbc.Database
	cn                adbc.Connection
	kcl               *kgo.Client
	admin             *kafkaio.Admin
	reg               *kafkaio.Registry
}

// newCatalogEnv starts a devstack and opens a connection with opts added
// to the broker and registry options. Everything is closed when the test
// ends; then the leak check (testenv.CheckLeaks) checks the goroutines and
// the allocator.
func newCatalogEnv(t *testing.T, opts map[string]string) *catalogEnv {
	t.Helper()
	testenv.CheckLeaks(t)
	st, err := devstack.Start("127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return newCatalogEnvOn(t, st.Brokers(), st.RegistryURL(), opts)
}

// newCatalogEnvOn is newCatalogEnv on a running cluster and registry.
func newCatalogEnvOn(t *testing.T, brokers, registry string, opts map[string]string) *catalogEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	e := &catalogEnv{t: t, ctx: ctx, brokers: brokers, registry: registry, mem: memory.NewCheckedAllocator(memory.NewGoAllocator())}
	testenv.CheckLeaks(t, e.mem) // first registered: runs after the closes below

	kcl, err := kgo.NewClient(kgo.SeedBrokers(brokers), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kcl.Close)
	e.kcl, e.admin = kcl, kafkaio.NewAdmin(kcl)
	if e.reg, err = kafkaio.NewRegistry(kafkaio.RegistryConfig{URL: registry}); err != nil {
		t.Fatal(err)
	}

	all := map[string]string{"uri": "kafka://" + brokers, "kafarr.schema_registry.url": registry}
	for k, v := range opts {
		all[k] = v
	}
	if e.db, err = NewDriver(e.mem).NewDatabase(all); err != nil {
		t.Fatal(err)
	}
	if e.cn, err = e.db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.cn.Close() })
	return e
}

// createTopic creates a topic with the given partitions and configs.
func (e *catalogEnv) createTopic(name string, partitions int32, configs map[string]*string) {
	e.t.Helper()
	if err := e.admin.CreateTopic(e.ctx, name, partitions, 1, configs); err != nil {
		e.t.Fatalf("creating topic %q: %v", name, err)
	}
}

// register registers an Avro schema under subject.
func (e *catalogEnv) register(subject, schema string) int {
	e.t.Helper()
	id, err := e.reg.Register(e.ctx, subject, schema)
	if err != nil {
		e.t.Fatalf("registering %s: %v", subject, err)
	}
	return id
}

// produce writes raw values to one partition of topic.
func (e *catalogEnv) produce(topic string, partition int32, values ...string) {
	e.t.Helper()
	recs := make([]*kgo.Record, len(values))
	for i, v := range values {
		recs[i] = &kgo.Record{Topic: topic, Partition: partition, Value: []byte(v)}
	}
	if err := e.kcl.ProduceSync(e.ctx, recs...).FirstErr(); err != nil {
		e.t.Fatalf("producing to %s/%d: %v", topic, partition, err)
	}
}

// getObjects runs GetObjects and decodes its one batch.
func (e *catalogEnv) getObjects(depth adbc.ObjectDepth, catalog, dbSchema, table, column *string, types []string) []objCatalog {
	e.t.Helper()
	rdr, err := e.cn.GetObjects(e.ctx, depth, catalog, dbSchema, table, column, types)
	if err != nil {
		e.t.Fatalf("GetObjects: %v", err)
	}
	defer rdr.Release()
	if !rdr.Schema().Equal(adbc.GetObjectsSchema) {
		e.t.Fatalf("GetObjects schema:\n%s\nwant:\n%s", rdr.Schema(), adbc.GetObjectsSchema)
	}
	if !rdr.Next() {
		e.t.Fatalf("GetObjects returned no batch (err %v)", rdr.Err())
	}
	out := decodeObjects(rdr.RecordBatch())
	if rdr.Next() {
		e.t.Fatal("GetObjects returned a second batch")
	}
	return out
}

// The decoded GetObjects hierarchy. Pointers are nullable fields: nil is
// null, so that a null list and an empty one differ.
type objCatalog struct {
	Name    *string      `json:"catalog_name"`
	Schemas *[]objSchema `json:"catalog_db_schemas"`
}

type objSchema struct {
	Name   *string     `json:"db_schema_name"`
	Tables *[]objTable `json:"db_schema_tables"`
}

type objTable struct {
	Name        string       `json:"table_name"`
	Type        string       `json:"table_type"`
	Columns     *[]objColumn `json:"table_columns"`
	Constraints *[]string    `json:"table_constraints"` // kafarr has none: names only
}

type objColumn struct {
	Name          string  `json:"column_name"`
	Position      *int32  `json:"ordinal_position"`
	Remarks       *string `json:"remarks"`
	DataType      *int16  `json:"xdbc_data_type"`
	TypeName      *string `json:"xdbc_type_name"`
	ColumnSize    *int32  `json:"xdbc_column_size"`
	DecimalDigits *int16  `json:"xdbc_decimal_digits"`
	Radix         *int16  `json:"xdbc_num_prec_radix"`
	Nullable      *int16  `json:"xdbc_nullable"`
	ColumnDef     *string `json:"xdbc_column_def"`
	SQLDataType   *int16  `json:"xdbc_sql_data_type"`
	DatetimeSub   *int16  `json:"xdbc_datetime_sub"`
	OctetLength   *int32  `json:"xdbc_char_octet_length"`
	IsNullable    *string `json:"xdbc_is_nullable"`
	ScopeCatalog  *string `json:"xdbc_scope_catalog"`
	ScopeSchema   *string `json:"xdbc_scope_schema"`
	ScopeTable    *string `json:"xdbc_scope_table"`
	Autoincrement *bool   `json:"xdbc_is_autoincrement"`
	Generated     *bool   `json:"xdbc_is_generatedcolumn"`
}

func ptr[T any](v T) *T { return &v }

// nullable returns a pointer to the value at i, or nil when it is null.
func nullable[T any](a interface {
	IsNull(int) bool
	Value(int) T
}, i int) *T {
	if a.IsNull(i) {
		return nil
	}
	return ptr(a.Value(i))
}

func decodeObjects(rec arrow.RecordBatch) []objCatalog {
	names := rec.Column(0).(*array.String)
	schemaLists := rec.Column(1).(*array.List)
	schemas := schemaLists.ListValues().(*array.Struct)
	schemaNames := schemas.Field(0).(*array.String)
	tableLists := schemas.Field(1).(*array.List)
	tables := tableLists.ListValues().(*array.Struct)
	colLists := tables.Field(2).(*array.List)
	cols := colLists.ListValues().(*array.Struct)
	conLists := tables.Field(3).(*array.List)
	cons := conLists.ListValues().(*array.Struct)

	var out []objCatalog
	for i := 0; i < int(rec.NumRows()); i++ {
		c := objCatalog{Name: nullable[string](names, i)}
		if !schemaLists.IsNull(i) {
			ss := []objSchema{}
			lo, hi := schemaLists.ValueOffsets(i)
			for s := int(lo); s < int(hi); s++ {
				sc := objSchema{Name: nullable[string](schemaNames, s)}
				if !tableLists.IsNull(s) {
					ts := []objTable{}
					tlo, thi := tableLists.ValueOffsets(s)
					for t := int(tlo); t < int(thi); t++ {
						ts = append(ts, decodeTable(tables, colLists, cols, conLists, cons, t))
					}
					sc.Tables = &ts
				}
				ss = append(ss, sc)
			}
			c.Schemas = &ss
		}
		out = append(out, c)
	}
	return out
}

func decodeTable(tables *array.Struct, colLists *array.List, cols *array.Struct, conLists *array.List, cons *array.Struct, t int) objTable {
	tb := objTable{
		Name: tables.Field(0).(*array.String).Value(t),
		Type: tables.Field(1).(*array.String).Value(t),
	}
	if !colLists.IsNull(t) {
		cs := []objColumn{}
		lo, hi := colLists.ValueOffsets(t)
		for k := int(lo); k < int(hi); k++ {
			cs = append(cs, objColumn{
				Name:          cols.Field(0).(*array.String).Value(k),
				Position:      nullable[int32](cols.Field(1).(*array.Int32), k),
				Remarks:       nullable[string](cols.Field(2).(*array.String), k),
				DataType:      nullable[int16](cols.Field(3).(*array.Int16), k),
				TypeName:      nullable[string](cols.Field(4).(*array.String), k),
				ColumnSize:    nullable[int32](cols.Field(5).(*array.Int32), k),
				DecimalDigits: nullable[int16](cols.Field(6).(*array.Int16), k),
				Radix:         nullable[int16](cols.Field(7).(*array.Int16), k),
				Nullable:      nullable[int16](cols.Field(8).(*array.Int16), k),
				ColumnDef:     nullable[string](cols.Field(9).(*array.String), k),
				SQLDataType:   nullable[int16](cols.Field(10).(*array.Int16), k),
				DatetimeSub:   nullable[int16](cols.Field(11).(*array.Int16), k),
				OctetLength:   nullable[int32](cols.Field(12).(*array.Int32), k),
				IsNullable:    nullable[string](cols.Field(13).(*array.String), k),
				ScopeCatalog:  nullable[string](cols.Field(14).(*array.String), k),
				ScopeSchema:   nullable[string](cols.Field(15).(*array.String), k),
				ScopeTable:    nullable[string](cols.Field(16).(*array.String), k),
				Autoincrement: nullable[bool](cols.Field(17).(*array.Boolean), k),
				Generated:     nullable[bool](cols.Field(18).(*array.Boolean), k),
			})
		}
		tb.Columns = &cs
	}
	if !conLists.IsNull(t) {
		names := []string{}
		lo, hi := conLists.ValueOffsets(t)
		for k := int(lo); k < int(hi); k++ {
			names = append(names, cons.Field(0).(*array.String).Value(k))
		}
		tb.Constraints = &names
	}
	return tb
}

// jsonEqual compares got and want by their JSON, which shows nulls and
// values rather than pointers, and reports both on a mismatch.
func jsonEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.MarshalIndent(got, "", "  ")
	w, _ := json.MarshalIndent(want, "", "  ")
	if string(g) == string(w) {
		return
	}
	// Show the first differing line with some context, not two pages.
	gl, wl := strings.Split(string(g), "\n"), strings.Split(string(w), "\n")
	i := 0
	for i < len(gl) && i < len(wl) && gl[i] == wl[i] {
		i++
	}
	lo := max(0, i-12)
	t.Errorf("%s differs at line %d:\ngot:\n%s\nwant:\n%s", what, i+1,
		strings.Join(gl[lo:min(len(gl), i+4)], "\n"), strings.Join(wl[lo:min(len(wl), i+4)], "\n"))
}

// wantStatus checks that err is an adbc.Error value with code whose
// message contains every one of parts.
func wantStatus(t *testing.T, err error, code adbc.Status, parts ...string) {
	t.Helper()
	var ae adbc.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an adbc.Error value", err, err)
	}
	if ae.Code != code {
		t.Errorf("status %v, want %v (%s)", ae.Code, code, ae.Msg)
	}
	for _, p := range parts {
		if !strings.Contains(ae.Msg, p) {
			t.Errorf("message %q lacks %q", ae.Msg, p)
		}
	}
}

// Column expectations for the metadata columns under the default
// kafarr.read.metadata_columns, at 1-based position pos.
func partitionColumn(pos int32) objColumn {
	return objColumn{Name: "_partition", Position: ptr(pos), Remarks: ptr("Kafka record partition"),
		DataType: ptr[int16](4), TypeName: ptr("int32"), ColumnSize: ptr[int32](10), DecimalDigits: ptr[int16](0), Radix: ptr[int16](10),
		Nullable: ptr[int16](0), SQLDataType: ptr[int16](4), IsNullable: ptr("NO"), Autoincrement: ptr(false), Generated: ptr(true)}
}

func offsetColumn(pos int32) objColumn {
	return objColumn{Name: "_offset", Position: ptr(pos), Remarks: ptr("Kafka record offset within its partition (assigned by the broker)"),
		DataType: ptr[int16](-5), TypeName: ptr("int64"), ColumnSize: ptr[int32](19), DecimalDigits: ptr[int16](0), Radix: ptr[int16](10),
		Nullable: ptr[int16](0), SQLDataType: ptr[int16](-5), IsNullable: ptr("NO"), Autoincrement: ptr(true), Generated: ptr(true)}
}

func timestampColumn(pos int32) objColumn {
	return objColumn{Name: "_timestamp", Position: ptr(pos), Remarks: ptr("Kafka record timestamp (milliseconds, UTC)"),
		DataType: ptr[int16](93), TypeName: ptr("timestamp[ms, tz=UTC]"), ColumnSize: ptr[int32](23), DecimalDigits: ptr[int16](3),
		Nullable: ptr[int16](0), SQLDataType: ptr[int16](9), DatetimeSub: ptr[int16](3), IsNullable: ptr("NO"), Autoincrement: ptr(false), Generated: ptr(true)}
}

// ordersSchema exercises the xdbc mapping: a long, a nullable string with
// a default, a decimal, an enum, a timestamp and a fixed. Value columns
// are nullable whatever the Avro schema says, as in SELECT *: a tombstone
// (null value) reads as a row of nulls.
const ordersSchema = `{"type":"record","name":"Order","namespace":"shop","fields":[
	{"name":"id","type":"long"},
	{"name":"note","type":["null","string"],"default":null},
	{"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},
	{"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","PAID"]}},
	{"name":"created","type":{"type":"long","logicalType":"timestamp-millis"}},
	{"name":"code","type":{"type":"fixed","name":"Code","size":4}}
]}`

func ordersColumns() []objColumn {
	return []objColumn{
		{Name: "id", Position: ptr[int32](1), DataType: ptr[int16](-5), TypeName: ptr("int64"), ColumnSize: ptr[int32](19),
			DecimalDigits: ptr[int16](0), Radix: ptr[int16](10), Nullable: ptr[int16](1), SQLDataType: ptr[int16](-5),
			IsNullable: ptr("YES"), Autoincrement: ptr(false), Generated: ptr(false)},
		{Name: "note", Position: ptr[int32](2), DataType: ptr[int16](12), TypeName: ptr("utf8"), Nullable: ptr[int16](1),
			ColumnDef: ptr("null"), SQLDataType: ptr[int16](12), IsNullable: ptr("YES"), Autoincrement: ptr(false), Generated: ptr(false)},
		{Name: "price", Position: ptr[int32](3), Remarks: ptr("Avro bytes (logicalType decimal)"), DataType: ptr[int16](3),
			TypeName: ptr("decimal(10, 2)"), ColumnSize: ptr[int32](10), DecimalDigits: ptr[int16](2), Radix: ptr[int16](10),
			Nullable: ptr[int16](1), SQLDataType: ptr[int16](3), IsNullable: ptr("YES"), Autoincrement: ptr(false), Generated: ptr(false)},
		{Name: "status", Position: ptr[int32](4), Remarks: ptr("Avro enum shop.Status"), DataType: ptr[int16](12),
			TypeName: ptr("dictionary<values=utf8, indices=int32, ordered=false>"), Nullable: ptr[int16](1), SQLDataType: ptr[int16](12),
			IsNullable: ptr("YES"), Autoincrement: ptr(false), Generated: ptr(false)},
		{Name: "created", Position: ptr[int32](5), Remarks: ptr("Avro long (logicalType timestamp-millis)"), DataType: ptr[int16](93),
			TypeName: ptr("timestamp[ms, tz=UTC]"), ColumnSize: ptr[int32](23), DecimalDigits: ptr[int16](3), Nullable: ptr[int16](1),
			SQLDataType: ptr[int16](9), DatetimeSub: ptr[int16](3), IsNullable: ptr("YES"), Autoincrement: ptr(false), Generated: ptr(false)},
		{Name: "code", Position: ptr[int32](6), Remarks: ptr("Avro fixed shop.Code"), DataType: ptr[int16](-2),
			TypeName: ptr("fixed_size_binary[4]"), ColumnSize: ptr[int32](4), Nullable: ptr[int16](1), SQLDataType: ptr[int16](-2),
			OctetLength: ptr[int32](4), IsNullable: ptr("YES"), Autoincrement: ptr(false), Generated: ptr(false)},
		partitionColumn(7), offsetColumn(8), timestampColumn(9),
	}
}

// seedCatalog creates the topics the GetObjects tests list: orders (two
// partitions, registered schema, no messages), orders-v1 and orders.v1
// (which the pattern "orders_v1" both match; Kafka refuses orders_v1 next
// to orders.v1), raw_events (raw messages,
// no registered schema) and two internal topics.
func seedCatalog(e *catalogEnv) {
	e.createTopic("orders", 2, nil)
	e.register("orders-value", ordersSchema)
	for _, name := range []string{"orders-v1", "orders.v1"} {
		e.createTopic(name, 1, nil)
		e.register(name+"-value", `{"type":"record","name":"V1","fields":[{"name":"n","type":"int"}]}`)
	}
	e.createTopic("raw_events", 1, nil)
	e.produce("raw_events", 0, "not avro", "still not avro")
	e.createTopic("__kafarr_internal", 1, nil)
	e.createTopic("_schemas", 1, nil)
}

func v1Columns() *[]objColumn {
	return &[]objColumn{
		{Name: "n", Position: ptr[int32](1), DataType: ptr[int16](4), TypeName: ptr("int32"), ColumnSize: ptr[int32](10),
			DecimalDigits: ptr[int16](0), Radix: ptr[int16](10), Nullable: ptr[int16](1), SQLDataType: ptr[int16](4),
			IsNullable: ptr("YES"), Autoincrement: ptr(false), Generated: ptr(false)},
		partitionColumn(2), offsetColumn(3), timestampColumn(4),
	}
}

// tablesOnly builds the expected result at depth tables.
func tablesOnly(names ...string) []objCatalog {
	ts := []objTable{}
	for _, n := range names {
		ts = append(ts, objTable{Name: n, Type: "topic"})
	}
	return []objCatalog{{Name: ptr("kafka"), Schemas: &[]objSchema{{Name: ptr("default"), Tables: &ts}}}}
}

func TestGetObjectsDepths(t *testing.T) {
	e := newCatalogEnv(t, nil)
	seedCatalog(e)
	none := &[]string{}

	t.Run("catalogs", func(t *testing.T) {
		got := e.getObjects(adbc.ObjectDepthCatalogs, nil, nil, nil, nil, nil)
		jsonEqual(t, "catalogs", got, []objCatalog{{Name: ptr("kafka")}})
	})
	t.Run("db_schemas", func(t *testing.T) {
		got := e.getObjects(adbc.ObjectDepthDBSchemas, nil, nil, nil, nil, nil)
		jsonEqual(t, "db schemas", got, []objCatalog{{Name: ptr("kafka"), Schemas: &[]objSchema{{Name: ptr("default")}}}})
	})
	t.Run("tables", func(t *testing.T) {
		got := e.getObjects(adbc.ObjectDepthTables, nil, nil, nil, nil, nil)
		jsonEqual(t, "tables", got, tablesOnly("orders", "orders-v1", "orders.v1", "raw_events"))
	})
	t.Run("columns", func(t *testing.T) {
		got := e.getObjects(adbc.ObjectDepthColumns, nil, nil, nil, nil, nil)
		orders := ordersColumns()
		want := []objCatalog{{Name: ptr("kafka"), Schemas: &[]objSchema{{Name: ptr("default"), Tables: &[]objTable{
			{Name: "orders", Type: "topic", Columns: &orders, Constraints: none},
			{Name: "orders-v1", Type: "topic", Columns: v1Columns(), Constraints: none},
			{Name: "orders.v1", Type: "topic", Columns: v1Columns(), Constraints: none},
			// No registered schema: the metadata columns only.
			{Name: "raw_events", Type: "topic", Columns: &[]objColumn{partitionColumn(1), offsetColumn(2), timestampColumn(3)}, Constraints: none},
		}}}}}
		jsonEqual(t, "columns", got, want)
	})
}

func TestGetObjectsFilters(t *testing.T) {
	e := newCatalogEnv(t, nil)
	seedCatalog(e)
	emptySchemas := []objCatalog{{Name: ptr("kafka"), Schemas: &[]objSchema{}}}
	for _, tc := range []struct {
		name                   string
		catalog, schema, table *string
		types                  []string
		want                   []objCatalog
	}{
		{name: "catalog exact", catalog: ptr("kafka"), want: tablesOnly("orders", "orders-v1", "orders.v1", "raw_events")},
		{name: "catalog percent", catalog: ptr("k%"), want: tablesOnly("orders", "orders-v1", "orders.v1", "raw_events")},
		{name: "catalog underscore", catalog: ptr("kafk_"), want: tablesOnly("orders", "orders-v1", "orders.v1", "raw_events")},
		{name: "catalog case-sensitive", catalog: ptr("KAFKA"), want: nil},
		{name: "catalog other", catalog: ptr("kafka_invalid"), want: nil},
		{name: "catalog empty means none", catalog: ptr(""), want: nil},
		{name: "schema exact", schema: ptr("default"), want: tablesOnly("orders", "orders-v1", "orders.v1", "raw_events")},
		{name: "schema pattern", schema: ptr("%fault"), want: tablesOnly("orders", "orders-v1", "orders.v1", "raw_events")},
		{name: "schema other", schema: ptr("public"), want: emptySchemas},
		{name: "schema empty means none", schema: ptr(""), want: emptySchemas},
		{name: "table exact", table: ptr("raw_events"), want: tablesOnly("raw_events")},
		{name: "table prefix", table: ptr("orders%"), want: tablesOnly("orders", "orders-v1", "orders.v1")},
		{name: "table underscore is a wildcard", table: ptr("orders_v1"), want: tablesOnly("orders-v1", "orders.v1")},
		{name: "table suffix", table: ptr("%_events"), want: tablesOnly("raw_events")},
		{name: "table none", table: ptr("orders" + "_invalid"), want: tablesOnly()},
		{name: "internal hidden", table: ptr("%schemas"), want: tablesOnly()},
		{name: "type topic", types: []string{"topic"}, want: tablesOnly("orders", "orders-v1", "orders.v1", "raw_events")},
		{name: "type any case", types: []string{"VIEW", "Topic"}, want: tablesOnly("orders", "orders-v1", "orders.v1", "raw_events")},
		{name: "type table", types: []string{"TABLE"}, want: tablesOnly()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := e.getObjects(adbc.ObjectDepthTables, tc.catalog, tc.schema, tc.table, nil, tc.types)
			jsonEqual(t, tc.name, got, tc.want)
		})
	}
}

func TestGetObjectsColumnFilter(t *testing.T) {
	e := newCatalogEnv(t, nil)
	seedCatalog(e)
	all := ordersColumns()
	for _, tc := range []struct {
		pattern string
		want    []objColumn
	}{
		{"%", all},
		{"_%", all}, // "_" is a wildcard: every name has a first character
		{"n_te", all[1:2]},
		{"%e%", []objColumn{all[1], all[2], all[4], all[5], all[7], all[8]}},
		{"_offset", all[7:8]},
		{"nope", []objColumn{}},
	} {
		t.Run(tc.pattern, func(t *testing.T) {
			got := e.getObjects(adbc.ObjectDepthColumns, nil, nil, ptr("orders"), ptr(tc.pattern), nil)
			want := tc.want
			jsonEqual(t, tc.pattern, got, []objCatalog{{Name: ptr("kafka"), Schemas: &[]objSchema{{Name: ptr("default"), Tables: &[]objTable{
				{Name: "orders", Type: "topic", Columns: &want, Constraints: &[]string{}},
			}}}}})
		})
	}
}

func TestGetObjectsIncludeInternal(t *testing.T) {
	e := newCatalogEnv(t, map[string]string{"kafarr.catalog.include_internal": "true"})
	seedCatalog(e)
	got := e.getObjects(adbc.ObjectDepthTables, nil, nil, nil, nil, nil)
	jsonEqual(t, "tables", got, tablesOnly("__kafarr_internal", "_schemas", "orders", "orders-v1", "orders.v1", "raw_events"))

	// The option can also be set per connection, and turned off again.
	if err := e.cn.(adbc.PostInitOptions).SetOption("kafarr.catalog.include_internal", "false"); err != nil {
		t.Fatal(err)
	}
	got = e.getObjects(adbc.ObjectDepthTables, nil, nil, ptr("%schemas"), nil, nil)
	jsonEqual(t, "tables", got, tablesOnly())
}

// Under kafarr.value.format=binary every topic has a raw _value column
// after the metadata columns, as SELECT * returns it, whatever the
// registry holds.
func TestGetObjectsRawFormat(t *testing.T) {
	e := newCatalogEnv(t, map[string]string{"kafarr.value.format": "binary"})
	seedCatalog(e)
	got := e.getObjects(adbc.ObjectDepthColumns, nil, nil, ptr("%o%"), nil, nil)
	raw := func() *[]objColumn {
		return &[]objColumn{partitionColumn(1), offsetColumn(2), timestampColumn(3), {
			Name: "_value", Position: ptr[int32](4), Remarks: ptr("Kafka record value, undecoded (kafarr.value.format)"),
			DataType: ptr[int16](-3), TypeName: ptr("binary"), Nullable: ptr[int16](1), SQLDataType: ptr[int16](-3),
			IsNullable: ptr("YES"), Autoincrement: ptr(false), Generated: ptr(true)}}
	}
	jsonEqual(t, "raw", got, []objCatalog{{Name: ptr("kafka"), Schemas: &[]objSchema{{Name: ptr("default"), Tables: &[]objTable{
		{Name: "orders", Type: "topic", Columns: raw(), Constraints: &[]string{}},
		{Name: "orders-v1", Type: "topic", Columns: raw(), Constraints: &[]string{}},
		{Name: "orders.v1", Type: "topic", Columns: raw(), Constraints: &[]string{}},
	}}}}})
}

// The catalog never reads messages: under kafarr.read.schema=first, and
// for a topic without a registered schema, only metadata columns are
// listed; kafarr.read.metadata_columns shapes them as it shapes SELECT *.
func TestGetObjectsSchemaSources(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts map[string]string
		want map[string][]string // topic -> column names
	}{
		{"first", map[string]string{"kafarr.read.schema": "first"},
			map[string][]string{"orders.v1": {"_partition", "_offset", "_timestamp"}, "raw_events": {"_partition", "_offset", "_timestamp"}}},
		{"version", map[string]string{"kafarr.read.schema": "version:1"},
			map[string][]string{"orders.v1": {"n", "_partition", "_offset", "_timestamp"}, "raw_events": {"_partition", "_offset", "_timestamp"}}},
		{"no metadata columns", map[string]string{"kafarr.read.metadata_columns": "none"},
			map[string][]string{"orders.v1": {"n"}, "raw_events": {}}},
		{"more metadata columns", map[string]string{"kafarr.read.metadata_columns": "_topic,_key,_headers,_schema_id"},
			map[string][]string{"orders.v1": {"n", "_topic", "_key", "_headers", "_schema_id"}, "raw_events": {"_topic", "_key", "_headers", "_schema_id"}}},
		{"explicit subject", map[string]string{"kafarr.value.subject": "orders-value", "kafarr.read.metadata_columns": "none"},
			map[string][]string{"orders.v1": {"id", "note", "price", "status", "created", "code"}, "raw_events": {"id", "note", "price", "status", "created", "code"}}},
		{"record strategy", map[string]string{"kafarr.value.subject_strategy": "record", "kafarr.read.metadata_columns": "_offset"},
			map[string][]string{"orders.v1": {"_offset"}, "raw_events": {"_offset"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newCatalogEnv(t, tc.opts)
			seedCatalog(e)
			for topic, want := range tc.want {
				got := e.getObjects(adbc.ObjectDepthColumns, nil, nil, ptr(topic), nil, nil)
				tables := *(*got[0].Schemas)[0].Tables
				if len(tables) != 1 || tables[0].Name != topic {
					t.Fatalf("%s: tables %+v", topic, tables)
				}
				names := []string{}
				for i, c := range *tables[0].Columns {
					names = append(names, c.Name)
					if *c.Position != int32(i+1) {
						t.Errorf("%s.%s: position %d, want %d", topic, c.Name, *c.Position, i+1)
					}
				}
				jsonEqual(t, topic, names, want)
			}
		})
	}
}

// At depth tables GetObjects makes no registry request (pandas' has_table
// asks for that depth), so it works with the registry down; deeper, the
// registry failure is reported.
func TestGetObjectsRegistryDown(t *testing.T) {
	e := newCatalogEnv(t, map[string]string{"kafarr.schema_registry.url": "http://127.0.0.1:1"})
	e.createTopic("orders", 1, nil)
	got := e.getObjects(adbc.ObjectDepthTables, nil, nil, nil, nil, nil)
	jsonEqual(t, "tables", got, tablesOnly("orders"))
	_, err := e.cn.GetObjects(e.ctx, adbc.ObjectDepthColumns, nil, nil, nil, nil, nil)
	wantStatus(t, err, adbc.StatusIO, "orders-value")
}

func TestGetObjectsInvalidDepth(t *testing.T) {
	e := newCatalogEnv(t, nil)
	_, err := e.cn.GetObjects(e.ctx, adbc.ObjectDepth(7), nil, nil, nil, nil, nil)
	wantStatus(t, err, adbc.StatusInvalidArgument, "depth 7")
}

// GetObjects lists what GetTableSchema returns, column for column.
func TestGetObjectsMatchesTableSchema(t *testing.T) {
	e := newCatalogEnv(t, nil)
	seedCatalog(e)
	sc, err := e.cn.GetTableSchema(e.ctx, nil, nil, "orders")
	if err != nil {
		t.Fatal(err)
	}
	got := e.getObjects(adbc.ObjectDepthColumns, nil, nil, ptr("orders"), nil, nil)
	cols := *(*(*got[0].Schemas)[0].Tables)[0].Columns
	if len(cols) != sc.NumFields() {
		t.Fatalf("%d columns, GetTableSchema has %d", len(cols), sc.NumFields())
	}
	for i, f := range sc.Fields() {
		if cols[i].Name != f.Name || *cols[i].TypeName != f.Type.String() || (*cols[i].Nullable == 1) != f.Nullable {
			t.Errorf("column %d: %s %s nullable=%d; GetTableSchema: %s", i+1, cols[i].Name, *cols[i].TypeName, *cols[i].Nullable, f)
		}
	}
}

func TestCurrentCatalogOptions(t *testing.T) {
	e := newCatalogEnv(t, nil)
	opts := e.cn.(adbc.GetSetOptions)
	for key, want := range map[string]string{adbc.OptionKeyCurrentCatalog: "kafka", adbc.OptionKeyCurrentDbSchema: "default"} {
		got, err := opts.GetOption(key)
		if err != nil || got != want {
			t.Errorf("GetOption(%s) = %q, %v; want %q", key, got, err, want)
		}
		if err := opts.SetOption(key, want); err != nil {
			t.Errorf("SetOption(%s, %q): %v", key, want, err)
		}
		wantStatus(t, opts.SetOption(key, "other"), adbc.StatusNotFound, key, `"other"`)
	}
}

func TestTopicPattern(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		want    bool
	}{
		{"ticks", true},
		{"bench_tick-1.v2", true},
		{"%", true},
		{"t_c%", true},
		{"", true},
		{strings.Repeat("a", 249), true},
		{strings.Repeat("a", 250), false},
		{strings.Repeat("a", 249) + "%%", true},
		{"SELECT * FROM ticks", false},
		{"ticks;", false},
		{"tické", false},
	} {
		if got := topicPattern(tc.pattern); got != tc.want {
			t.Errorf("topicPattern(%q) = %v, want %v", tc.pattern, got, tc.want)
		}
	}
}

// pandas' read_sql asks whether its SQL text names a table: no table,
// whatever the cluster holds.
func TestGetObjectsSQLTextAsTableName(t *testing.T) {
	e := newCatalogEnv(t, nil)
	seedCatalog(e)
	sql := "SELECT * FROM orders"
	rdr, err := e.cn.GetObjects(context.Background(), adbc.ObjectDepthTables, nil, nil, &sql, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if !rdr.Next() {
		t.Fatal("no record batch")
	}
	rec := rdr.RecordBatch()
	if rec.NumRows() != 1 {
		t.Fatalf("%d catalogs, want 1", rec.NumRows())
	}
	schemas := rec.Column(1).(*array.List)
	schema := schemas.ListValues().(*array.Struct)
	tables := schema.Field(1).(*array.List)
	if n := tables.ListValues().Len(); n != 0 {
		t.Fatalf("%d tables match %q, want 0", n, sql)
	}
}

func TestLikeMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"", "", true},
		{"", "a", false},
		{"%", "", true},
		{"%", "orders", true},
		{"orders", "orders", true},
		{"orders", "Orders", false},
		{"orders", "orders2", false},
		{"order", "orders", false},
		{"o%s", "orders", true},
		{"o%s", "ordersx", false},
		{"%s%s", "ss", true},
		{"%s%s", "s", false},
		{"_", "a", true},
		{"_", "", false},
		{"_", "ab", false},
		{"__", "é1", true}, // characters, not bytes
		{"a_c", "a.c", true},
		{"a%b%c", "aXbYbZc", true},
		{"a%b%c", "aXcYb", false},
		{"%%%", "x", true},
		{"%a_", "bbab", true},
		{"%a_", "bbba", false},
	} {
		if got := likeMatch(tc.pattern, tc.name); got != tc.want {
			t.Errorf("likeMatch(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

// Without kafarr.schema_registry.url Avro values cannot be described, so
// every topic lists its metadata columns only (a SELECT would say it needs
// the registry).
func TestGetObjectsWithoutRegistry(t *testing.T) {
	e := newCatalogEnv(t, nil)
	seedCatalog(e)
	db, err := NewDriver(e.mem).NewDatabase(map[string]string{"uri": "kafka://" + e.brokers})
	if err != nil {
		t.Fatal(err)
	}
	cn, err := db.Open(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cn.Close()
	bare := *e
	bare.cn = cn
	got := bare.getObjects(adbc.ObjectDepthColumns, nil, nil, ptr("orders"), nil, nil)
	jsonEqual(t, "orders", got, []objCatalog{{Name: ptr("kafka"), Schemas: &[]objSchema{{Name: ptr("default"), Tables: &[]objTable{
		{Name: "orders", Type: "topic", Columns: &[]objColumn{partitionColumn(1), offsetColumn(2), timestampColumn(3)}, Constraints: &[]string{}},
	}}}}})
}

// A registered schema kafarr cannot read (here a JSON schema) does not
// fail the listing: the topic lists its metadata columns, while
// GetTableSchema reports why.
func TestGetObjectsUnreadableSchema(t *testing.T) {
	e := newCatalogEnv(t, nil)
	e.createTopic("json_events", 1, nil)
	cl, err := sr.NewClient(sr.URLs(e.registry))
	if err != nil {
		t.Fatal(err)
	}
	// A JSON Schema whose $ref points nowhere cannot be mapped: only the
	// schema-independent columns are listed, and GetTableSchema says why.
	if _, err := cl.RegisterSchema(e.ctx, "json_events-value", sr.Schema{Schema: `{"$ref":"#/$defs/missing"}`, Type: sr.TypeJSON}, -1, -1); err != nil {
		t.Fatal(err)
	}
	got := e.getObjects(adbc.ObjectDepthColumns, nil, nil, nil, nil, nil)
	jsonEqual(t, "json_events", got, []objCatalog{{Name: ptr("kafka"), Schemas: &[]objSchema{{Name: ptr("default"), Tables: &[]objTable{
		{Name: "json_events", Type: "topic", Columns: &[]objColumn{partitionColumn(1), offsetColumn(2), timestampColumn(3)}, Constraints: &[]string{}},
	}}}}})
	_, err = e.cn.GetTableSchema(e.ctx, nil, nil, "json_events")
	wantStatus(t, err, adbc.StatusInvalidData, "json_events", "missing")
}

// TestGetTableSchemaFormats describes Protobuf and JSON Schema topics
// from their registered schemas, as SELECT * reads them.
func TestGetTableSchemaFormats(t *testing.T) {
	e := newCatalogEnv(t, nil)
	e.createTopic("pb_quotes", 1, nil)
	e.createTopic("js_quotes", 1, nil)
	cl, err := sr.NewClient(sr.URLs(e.registry))
	if err != nil {
		t.Fatal(err)
	}
	pb := "syntax = \"proto3\";\npackage acme.v1;\nmessage Quote {\n  string sym = 1;\n  double px = 2;\n  optional int64 qty = 3;\n  repeated string tags = 4;\n}\n"
	if _, err := cl.RegisterSchema(e.ctx, "pb_quotes-value", sr.Schema{Schema: pb, Type: sr.TypeProtobuf}, -1, -1); err != nil {
		t.Fatal(err)
	}
	js := `{"type":"object","properties":{"sym":{"type":"string"},"px":{"type":"number"},"qty":{"type":"integer"}},"required":["sym"]}`
	if _, err := cl.RegisterSchema(e.ctx, "js_quotes-value", sr.Schema{Schema: js, Type: sr.TypeJSON}, -1, -1); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		topic, format, record string
		want                  []arrow.DataType
		names                 []string
	}{
		{"pb_quotes", "protobuf", "acme.v1.Quote",
			[]arrow.DataType{arrow.BinaryTypes.String, arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Int64, arrow.ListOf(arrow.BinaryTypes.String)},
			[]string{"sym", "px", "qty", "tags"}},
		{"js_quotes", "json", "",
			[]arrow.DataType{arrow.BinaryTypes.String, arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Int64},
			[]string{"sym", "px", "qty"}},
	} {
		sc, err := e.cn.GetTableSchema(e.ctx, nil, nil, tt.topic)
		if err != nil {
			t.Fatalf("%s: %v", tt.topic, err)
		}
		for i, name := range tt.names {
			f := sc.Field(i)
			if f.Name != name || !arrow.TypeEqual(f.Type, tt.want[i], arrow.CheckMetadata()) && f.Type.ID() != tt.want[i].ID() {
				t.Errorf("%s column %d: %s %s, want %s %s", tt.topic, i, f.Name, f.Type, name, tt.want[i])
			}
		}
		if got := sc.Field(len(tt.names)).Name; got != "_partition" {
			t.Errorf("%s: column %d is %s, want _partition", tt.topic, len(tt.names), got)
		}
		md := sc.Metadata()
		if v, _ := md.GetValue("kafarr.value.format"); v != tt.format {
			t.Errorf("%s: kafarr.value.format %q, want %q", tt.topic, v, tt.format)
		}
		if v, _ := md.GetValue("kafarr.value.record_name"); v != tt.record {
			t.Errorf("%s: kafarr.value.record_name %q, want %q", tt.topic, v, tt.record)
		}
	}
}
