// Command demo is the README's first command: it starts a local default
// stack (an in-process Kafka cluster and schema registry, no Java needed),
// writes a frame of ticks to a topic through kafarr's ADBC driver and reads
// it back with SQL.
//
//	go run ./examples/demo [-rows 100000] [-brokers host:port -registry URL]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/devstack"
)

func main() {
	rows := flag.Int("rows", 100_000, "ticks to write and read back")
	brokers := flag.String("brokers", "", "use this Kafka cluster instead of the in-process one")
	registry := flag.String("registry", "", "schema registry URL (with -brokers)")
	flag.Parse()
	if err := run(*rows, *brokers, *registry); err != nil {
		log.Fatal(err)
	}
}

func run(rows int, brokers, registry string) error {
	if brokers == "" {
		st, err := devstack.Start("127.0.0.1:0", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer st.Close()
		brokers, registry = st.Brokers(), st.RegistryURL()
		fmt.Printf("default stack: kafka=%s registry=%s (in-process)\n", brokers, registry)
	}
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	db, err := driver.NewDriver(mem).NewDatabase(map[string]string{
		"uri":                        "kafka://" + brokers,
		"kafarr.schema_registry.url": registry,
	})
	if err != nil {
		return err
	}
	defer db.Close()
	cn, err := db.Open(ctx)
	if err != nil {
		return err
	}
	defer cn.Close()

	topic := fmt.Sprintf("ticks_%d", time.Now().UnixNano())
	frame := ticks(mem, rows)
	t0 := time.Now()
	n, err := ingest(ctx, cn, topic, frame)
	frame.Release()
	if err != nil {
		return err
	}
	fmt.Printf("wrote %d ticks to topic %q in %v\n", n, topic, time.Since(t0).Round(time.Millisecond))

	t0 = time.Now()
	got, head, err := query(ctx, cn, fmt.Sprintf("SELECT * FROM %s", topic))
	if err != nil {
		return err
	}
	fmt.Printf("SELECT * FROM %s: %d rows in %v\n%s\n", topic, got, time.Since(t0).Round(time.Millisecond), head)

	q := fmt.Sprintf("SELECT inst, bid, ask, _offset FROM %s WHERE bid > 1.2505 ORDER BY _offset DESC LIMIT 3", topic)
	if _, head, err = query(ctx, cn, q); err != nil {
		return err
	}
	fmt.Printf("%s:\n%s\n", q, head)
	if got != int64(rows) {
		return fmt.Errorf("read back %d rows, wrote %d", got, rows)
	}
	if mem.CurrentAlloc() != 0 {
		fmt.Fprintf(os.Stderr, "warning: %d bytes of Arrow memory not released\n", mem.CurrentAlloc())
	}
	return nil
}

// ticks builds the pykafarr seed's tick frame.
func ticks(mem memory.Allocator, n int) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "inst", Type: arrow.BinaryTypes.String},
		{Name: "t", Type: arrow.PrimitiveTypes.Int64},
		{Name: "dt", Type: arrow.PrimitiveTypes.Int32},
		{Name: "bid", Type: arrow.PrimitiveTypes.Float32},
		{Name: "ask", Type: arrow.PrimitiveTypes.Float32},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	now := time.Now().UnixMilli()
	insts := []string{"GBPUSD", "EURUSD", "USDJPY"}
	for i := 0; i < n; i++ {
		mid := float32(125000+rand.IntN(200)-100) / 100000
		spread := float32(1+rand.IntN(9)) / 100000
		b.Field(0).(*array.StringBuilder).Append(insts[i%len(insts)])
		b.Field(1).(*array.Int64Builder).Append(now + int64(i))
		b.Field(2).(*array.Int32Builder).Append(int32(rand.IntN(150)))
		b.Field(3).(*array.Float32Builder).Append(mid - spread)
		b.Field(4).(*array.Float32Builder).Append(mid + spread)
	}
	return b.NewRecordBatch()
}

func ingest(ctx context.Context, cn adbc.Connection, topic string, frame arrow.RecordBatch) (int64, error) {
	st, err := cn.NewStatement()
	if err != nil {
		return 0, err
	}
	defer st.Close()
	if err := st.SetOption(adbc.OptionKeyIngestTargetTable, topic); err != nil {
		return 0, err
	}
	if err := st.SetOption(adbc.OptionKeyIngestMode, adbc.OptionValueIngestModeCreate); err != nil {
		return 0, err
	}
	if err := st.Bind(ctx, frame); err != nil {
		return 0, err
	}
	return st.ExecuteUpdate(ctx)
}

// query runs sql and returns the row count and the first batch's first
// rows, rendered.
func query(ctx context.Context, cn adbc.Connection, sql string) (int64, string, error) {
	st, err := cn.NewStatement()
	if err != nil {
		return 0, "", err
	}
	defer st.Close()
	if err := st.SetSqlQuery(sql); err != nil {
		return 0, "", err
	}
	rdr, _, err := st.ExecuteQuery(ctx)
	if err != nil {
		return 0, "", err
	}
	defer rdr.Release()
	var n int64
	head := ""
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if head == "" {
			head = render(rec.NewSlice(0, min(5, rec.NumRows())))
		}
		n += rec.NumRows()
	}
	return n, head, rdr.Err()
}

func render(rec arrow.RecordBatch) string {
	defer rec.Release()
	out := ""
	for i, f := range rec.Schema().Fields() {
		out += fmt.Sprintf("  %-10s %v\n", f.Name, rec.Column(i))
	}
	return out
}
