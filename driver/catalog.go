package driver

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"golang.org/x/sync/errgroup"
)

// A connection reaches one Kafka cluster, which kafarr shows as one catalog
// holding one database schema holding every topic. Kafka has neither level
// (topic names are flat), so the names are fixed rather than taken from the
// cluster: the cluster id is an opaque random string, and a stable name lets
// the same code and qualified names ("kafka"."default"."orders") work
// against any cluster.
const (
	// CatalogName is the name of the one catalog, "kafka". It is also the
	// value of the adbc.connection.catalog option.
	CatalogName = "kafka"
	// DBSchemaName is the name of the one database schema, "default". It
	// is also the value of the adbc.connection.db_schema option.
	DBSchemaName = "default"
)

// catalogParallelism bounds how many topics GetObjects resolves columns
// for, and GetStatistics reads, at once; each costs a few metadata, offset
// and registry requests or a fetch per partition leader.
const catalogParallelism = 8

// GetObjects lists the catalog, its database schema, the topics (table type
// "topic") and their columns, down to depth, as adbc.GetObjectsSchema.
//
// Filters follow the ADBC spec: nil matches everything; catalog and
// dbSchema "" match only objects without a catalog or schema, which kafarr
// has none of; any other value is a case-sensitive search pattern where "%"
// matches any sequence of characters and "_" exactly one (no escapes, so
// "orders_v1" also matches "orders.v1"). tableType keeps the topics when it
// is empty or names "topic" (in any case).
//
// Internal topics (__consumer_offsets, _schemas, any "__" name) are left
// out unless kafarr.catalog.include_internal=true. At depth
// adbc.ObjectDepthTables no schema registry request is made. At
// adbc.ObjectDepthColumns (= ObjectDepthAll) a topic's columns are those of
// SELECT * FROM topic under the connection's options, as GetTableSchema
// returns them, except that GetObjects never reads messages: when the value
// schema cannot be known without reading them (no schema registry
// configured, no schema registered under the value subject,
// kafarr.read.schema=first, subject strategy record, or a registered
// schema kafarr cannot map), the topic lists its metadata columns only. Column ordinal positions are 1-based positions in that
// full column list, also when columnName leaves some out.
//
// The result always holds exactly one record batch, empty when the catalog
// filter matches nothing.
func (c *Connection) GetObjects(ctx context.Context, depth adbc.ObjectDepth, catalog, dbSchema, tableName, columnName *string, tableType []string) (array.RecordReader, error) {
	if err := c.sess.CheckOpen(); err != nil {
		return nil, err
	}
	if depth < adbc.ObjectDepthAll || depth > adbc.ObjectDepthTables {
		return nil, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
			"kafarr: GetObjects: invalid depth %d; use adbc.ObjectDepthCatalogs, DBSchemas, Tables or Columns (All)", depth)}
	}
	b := newObjectsBuilder(c.sess.Alloc)
	defer b.release()
	if matchFilter(catalog, CatalogName) {
		schemaMatches := matchFilter(dbSchema, DBSchemaName)
		var tables []catalogTable
		if schemaMatches && (depth == adbc.ObjectDepthTables || depth == adbc.ObjectDepthColumns) {
			var err error
			if tables, err = c.catalogTables(ctx, tableName, columnName, tableType, depth == adbc.ObjectDepthColumns); err != nil {
				return nil, err
			}
		}
		b.appendCatalog(depth, schemaMatches, tables)
	}
	rec := b.rb.NewRecordBatch()
	defer rec.Release()
	return array.NewRecordReader(adbc.GetObjectsSchema, []arrow.RecordBatch{rec})
}

// catalogTable is one topic as GetObjects lists it.
type catalogTable struct {
	name string
	// columns are the topic's columns, positions 1-based in full; nil
	// unless columns were asked for.
	columns []arrow.Field
	// keep flags, per column, whether the column filter kept it.
	keep []bool
}

// catalogTables lists the topics that pass the filters, with their
// columns when withColumns is set. A topic deleted while its columns are
// resolved is left out.
func (c *Connection) catalogTables(ctx context.Context, tableName, columnName *string, tableType []string, withColumns bool) ([]catalogTable, error) {
	if !tableTypeMatches(tableType) || (tableName != nil && !topicPattern(*tableName)) {
		return nil, nil
	}
	topics, err := c.sess.Admin.ListTopics(ctx, c.sess.Options.Read().IncludeInternal)
	if err != nil {
		return nil, err
	}
	tables := make([]catalogTable, 0, len(topics))
	for _, t := range topics {
		if matchFilter(tableName, t.Name) {
			tables = append(tables, catalogTable{name: t.Name})
		}
	}
	if !withColumns {
		return tables, nil
	}
	exists := make([]bool, len(tables))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(catalogParallelism)
	for i := range tables {
		g.Go(func() error {
			fields, ok, err := c.topicColumns(gctx, tables[i].name)
			if err != nil {
				return err
			}
			exists[i] = ok
			tables[i].columns = fields
			tables[i].keep = make([]bool, len(fields))
			for j, f := range fields {
				tables[i].keep[j] = matchFilter(columnName, f.Name)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := tables[:0]
	for i, t := range tables {
		if exists[i] {
			out = append(out, t)
		}
	}
	return out, nil
}

// tableTypeMatches reports whether the table-type filter admits topics.
func tableTypeMatches(types []string) bool {
	if len(types) == 0 {
		return true
	}
	for _, t := range types {
		if strings.EqualFold(t, TableTypeTopic) {
			return true
		}
	}
	return false
}

// maxTopicName is the longest topic name Kafka accepts.
const maxTopicName = 249

// topicPattern reports whether some legal topic name could match pattern:
// Kafka names are at most 249 of the ASCII letters, digits, '.', '_' and
// '-'. A pattern that cannot match is answered without asking the
// cluster, which matters because pandas' read_sql asks GetObjects whether
// its SQL text is a table name before every query.
func topicPattern(pattern string) bool {
	fixed := 0
	for _, r := range pattern {
		switch {
		case r == '%':
			continue
		case r == '_' || r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			fixed++
		default:
			return false
		}
	}
	return fixed <= maxTopicName
}

// matchFilter applies an ADBC name filter: nil matches every name, any
// other value is a search pattern (see likeMatch). The empty pattern
// matches only the empty name, which no kafarr object has, so it also
// serves ADBC's "" = "objects without a catalog (schema)".
func matchFilter(filter *string, name string) bool {
	return filter == nil || likeMatch(*filter, name)
}

// likeMatch reports whether name matches an ADBC (JDBC/ODBC-style) search
// pattern: "%" matches any run of characters, "_" exactly one character,
// anything else itself, case-sensitively. ADBC defines no escape, so "%"
// and "_" are always wildcards.
func likeMatch(pattern, name string) bool {
	// Greedy matching with one backtrack point, the last "%": on a
	// mismatch, let that "%" swallow one more character and retry.
	// Runs in O(len(pattern) * len(name)) at worst.
	p, n := 0, 0
	starP, starN := -1, 0
	for n < len(name) {
		if p < len(pattern) {
			switch pc, pw := utf8.DecodeRuneInString(pattern[p:]); pc {
			case '%':
				starP, starN = p, n
				p += pw
				continue
			case '_':
				_, nw := utf8.DecodeRuneInString(name[n:])
				p, n = p+pw, n+nw
				continue
			default:
				if nc, nw := utf8.DecodeRuneInString(name[n:]); nc == pc {
					p, n = p+pw, n+nw
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, nw := utf8.DecodeRuneInString(name[starN:])
		starN += nw
		p, n = starP+1, starN
	}
	for p < len(pattern) && pattern[p] == '%' {
		p++
	}
	return p == len(pattern)
}

// objectsBuilder builds adbc.GetObjectsSchema records, holding the nested
// builders so that appending reads as the hierarchy it fills.
type objectsBuilder struct {
	rb *array.RecordBuilder

	catalogName *array.StringBuilder
	schemas     *array.ListBuilder
	schema      *array.StructBuilder
	schemaName  *array.StringBuilder
	tables      *array.ListBuilder
	table       *array.StructBuilder
	tableName   *array.StringBuilder
	tableType   *array.StringBuilder
	columns     *array.ListBuilder
	constraints *array.ListBuilder
	col         columnBuilders
}

func newObjectsBuilder(mem memory.Allocator) *objectsBuilder {
	rb := array.NewRecordBuilder(mem, adbc.GetObjectsSchema)
	b := &objectsBuilder{rb: rb}
	b.catalogName = rb.Field(0).(*array.StringBuilder)
	b.schemas = rb.Field(1).(*array.ListBuilder)
	b.schema = b.schemas.ValueBuilder().(*array.StructBuilder)
	b.schemaName = b.schema.FieldBuilder(0).(*array.StringBuilder)
	b.tables = b.schema.FieldBuilder(1).(*array.ListBuilder)
	b.table = b.tables.ValueBuilder().(*array.StructBuilder)
	b.tableName = b.table.FieldBuilder(0).(*array.StringBuilder)
	b.tableType = b.table.FieldBuilder(1).(*array.StringBuilder)
	b.columns = b.table.FieldBuilder(2).(*array.ListBuilder)
	b.constraints = b.table.FieldBuilder(3).(*array.ListBuilder)
	b.col = newColumnBuilders(b.columns.ValueBuilder().(*array.StructBuilder))
	return b
}

func (b *objectsBuilder) release() { b.rb.Release() }

// appendCatalog appends kafarr's one catalog. Below depth nothing is
// listed (a null list); a level whose filter matched nothing is an empty
// list.
func (b *objectsBuilder) appendCatalog(depth adbc.ObjectDepth, schemaMatches bool, tables []catalogTable) {
	b.catalogName.Append(CatalogName)
	if depth == adbc.ObjectDepthCatalogs {
		b.schemas.AppendNull()
		return
	}
	b.schemas.Append(true)
	if !schemaMatches {
		return
	}
	b.schema.Append(true)
	b.schemaName.Append(DBSchemaName)
	if depth == adbc.ObjectDepthDBSchemas {
		b.tables.AppendNull()
		return
	}
	b.tables.Append(true)
	for _, t := range tables {
		b.table.Append(true)
		b.tableName.Append(t.name)
		b.tableType.Append(TableTypeTopic)
		if depth == adbc.ObjectDepthTables {
			b.columns.AppendNull()
			b.constraints.AppendNull()
			continue
		}
		b.columns.Append(true)
		for i, f := range t.columns {
			if t.keep[i] {
				b.col.append(f, int32(i+1))
			}
		}
		// Kafka has no constraints: an empty list says so, where null
		// would say "not asked for".
		b.constraints.Append(true)
	}
}
