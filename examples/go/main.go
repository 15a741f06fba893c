// Command go shows kafarr's ADBC driver from Go beyond the demo: statement
// options, the schema of a topic, reading one topic in parallel through
// ExecutePartitions/ReadPartition, and pykafarr's consumer-group loop.
//
//	go run ./examples/go [-rows 90000] [-brokers host:port -registry URL]
//
// Without -brokers it starts the in-process default stack (kfake + srfake).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"sync"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/devstack"
)

const topic = "orders"

func main() {
	rows := flag.Int("rows", 90_000, "orders to write")
	brokers := flag.String("brokers", "", "use this Kafka cluster instead of the in-process one")
	registry := flag.String("registry", "", "schema registry URL (with -brokers)")
	flag.Parse()
	if err := run(context.Background(), *rows, *brokers, *registry); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, rows int, brokers, registry string) error {
	if brokers == "" {
		st, err := devstack.Start("127.0.0.1:0", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer st.Close()
		brokers, registry = st.Brokers(), st.RegistryURL()
	}
	mem := memory.NewGoAllocator()
	db, err := driver.NewDriver(mem).NewDatabase(map[string]string{
		adbc.OptionKeyURI:            "kafka://" + brokers,
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

	if err := ingest(ctx, mem, cn, rows); err != nil {
		return err
	}
	schema, err := cn.GetTableSchema(ctx, nil, nil, topic)
	if err != nil {
		return err
	}
	fmt.Printf("schema of %s:\n%s\n", topic, schema)

	if err := parallelRead(ctx, db, cn); err != nil {
		return err
	}
	return groupLoop(ctx, cn)
}

// ingest writes rows orders {id, qty, part} into a new 3-partition topic;
// part picks each row's partition.
func ingest(ctx context.Context, mem memory.Allocator, cn adbc.Connection, rows int) error {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int32},
		{Name: "part", Type: arrow.PrimitiveTypes.Int32},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := 0; i < rows; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.Int32Builder).Append(int32(i%100 + 1))
		b.Field(2).(*array.Int32Builder).Append(int32(i % 3))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()

	st, err := cn.NewStatement()
	if err != nil {
		return err
	}
	defer st.Close()
	for k, v := range map[string]string{
		adbc.OptionKeyIngestTargetTable:  topic,
		adbc.OptionKeyIngestMode:         adbc.OptionValueIngestModeCreate,
		"kafarr.ingest.partitions":       "3",
		"kafarr.ingest.partition_column": "part",
	} {
		if err := st.SetOption(k, v); err != nil {
			return err
		}
	}
	if err := st.Bind(ctx, rec); err != nil {
		return err
	}
	n, err := st.ExecuteUpdate(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("ingested %d orders into %s\n", n, topic)
	return nil
}

// parallelRead runs one query as partitions and reads each on its own
// connection in its own goroutine, as separate workers would.
func parallelRead(ctx context.Context, db adbc.Database, cn adbc.Connection) error {
	st, err := cn.NewStatement()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetSqlQuery("SELECT id, qty, _partition FROM " + topic + " WHERE qty > 50"); err != nil {
		return err
	}
	_, parts, _, err := st.ExecutePartitions(ctx)
	if err != nil {
		return err
	}
	counts := make([]int64, parts.NumPartitions)
	errs := make([]error, parts.NumPartitions)
	var wg sync.WaitGroup
	for i, desc := range parts.PartitionIDs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i], errs[i] = readPartition(ctx, db, desc)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	var total int64
	for i, n := range counts {
		fmt.Printf("partition descriptor %d: %d rows with qty > 50\n", i, n)
		total += n
	}
	fmt.Printf("%d rows from %d partitions in parallel\n", total, parts.NumPartitions)
	return nil
}

func readPartition(ctx context.Context, db adbc.Database, desc []byte) (int64, error) {
	cn, err := db.Open(ctx)
	if err != nil {
		return 0, err
	}
	defer cn.Close()
	rdr, err := cn.ReadPartition(ctx, desc)
	if err != nil {
		return 0, err
	}
	defer rdr.Release()
	var n int64
	for rdr.Next() {
		n += rdr.RecordBatch().NumRows()
	}
	return n, rdr.Err()
}

// groupLoop is pykafarr's listener loop: the same bounded query under a
// consumer group walks the topic, each result committing exactly the rows
// it returned when released.
func groupLoop(ctx context.Context, cn adbc.Connection) error {
	st, err := cn.NewStatement()
	if err != nil {
		return err
	}
	defer st.Close()
	for k, v := range map[string]string{
		"kafarr.consumer.group": "example-group",
		"kafarr.read.schema":    "first",
	} {
		if err := st.SetOption(k, v); err != nil {
			return err
		}
	}
	if err := st.SetSqlQuery("SELECT * FROM " + topic + " LIMIT 25000"); err != nil {
		return err
	}
	var total int64
	for {
		rdr, _, err := st.ExecuteQuery(ctx)
		if err != nil {
			return err
		}
		var n int64
		for rdr.Next() {
			n += rdr.RecordBatch().NumRows()
		}
		err = rdr.Err()
		name, _ := rdr.Schema().Metadata().GetValue("kafarr.value.record_name")
		rdr.Release() // commits the group's offsets for these rows
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		total += n
		fmt.Printf("poll: %d %s messages\n", n, name)
	}
	fmt.Printf("group read %d messages, no gaps, no duplicates\n", total)
	return nil
}
