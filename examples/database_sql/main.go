// Command database_sql uses kafarr through Go's database/sql, by way of
// arrow-adbc's sqldriver: it registers the driver, writes a few orders to a
// topic (through ADBC bulk ingest, which database/sql has no verb for),
// then queries them with db.Query and rows.Scan.
//
//	go run ./examples/database_sql [-brokers host:port -registry URL]
//
// Without -brokers it starts an in-process stack (kfake + srfake) first.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-adbc/go/adbc/sqldriver"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/devstack"
)

func main() {
	brokers := flag.String("brokers", "", "use this Kafka cluster instead of the in-process one")
	registry := flag.String("registry", "", "schema registry URL (with -brokers)")
	flag.Parse()
	if err := run(*brokers, *registry); err != nil {
		log.Fatal(err)
	}
}

func run(brokers, registry string) error {
	if brokers == "" {
		st, err := devstack.Start("127.0.0.1:0", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer st.Close()
		brokers, registry = st.Brokers(), st.RegistryURL()
		fmt.Printf("in-process stack: kafka=%s registry=%s\n", brokers, registry)
	}
	ctx := context.Background()
	topic := fmt.Sprintf("orders_%d", time.Now().UnixNano())
	if err := writeOrders(ctx, brokers, registry, topic); err != nil {
		return err
	}

	// database/sql: register kafarr's ADBC driver under a name, and open
	// it with sqldriver's "key=value;key=value" DSN of ADBC options.
	sql.Register("kafarr", sqldriver.Driver{Driver: driver.NewDriver(memory.DefaultAllocator)})
	db, err := sql.Open("kafarr", "uri=kafka://"+brokers+";kafarr.schema_registry.url="+registry)
	if err != nil {
		return err
	}
	defer db.Close()

	rows, err := db.QueryContext(ctx, fmt.Sprintf(
		"SELECT id, customer, amount, note, _offset, _timestamp FROM %s WHERE amount > 10 LIMIT 10", topic))
	if err != nil {
		return err
	}
	defer rows.Close()
	fmt.Printf("orders over 10 in %s:\n", topic)
	for rows.Next() {
		var (
			id       int64
			customer string
			amount   float64
			note     sql.NullString
			offset   int64
			ts       time.Time
		)
		if err := rows.Scan(&id, &customer, &amount, &note, &offset, &ts); err != nil {
			return err
		}
		fmt.Printf("  id=%d customer=%s amount=%.2f note=%s offset=%d at %s\n",
			id, customer, amount, orNull(note), offset, ts.Format(time.RFC3339))
	}
	if err := rows.Err(); err != nil {
		return err
	}

	// A constant query needs no topic.
	var answer int64
	if err := db.QueryRowContext(ctx, "SELECT 42").Scan(&answer); err != nil {
		return err
	}
	fmt.Println("SELECT 42 ->", answer)

	// Kafka has no transactions across statements: autocommit is always
	// on, and database/sql's BeginTx says so.
	if _, err := db.BeginTx(ctx, nil); err != nil {
		fmt.Println("BeginTx ->", err)
	}
	return nil
}

func orNull(s sql.NullString) string {
	if !s.Valid {
		return "NULL"
	}
	return s.String
}

// writeOrders ingests a small frame into topic with kafarr's ADBC API.
func writeOrders(ctx context.Context, brokers, registry, topic string) error {
	adb, err := driver.NewDriver(memory.DefaultAllocator).NewDatabase(map[string]string{
		"uri": "kafka://" + brokers, "kafarr.schema_registry.url": registry,
	})
	if err != nil {
		return err
	}
	defer adb.Close()
	cn, err := adb.Open(ctx)
	if err != nil {
		return err
	}
	defer cn.Close()

	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "customer", Type: arrow.BinaryTypes.String},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
		{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i, customer := range strings.Fields("ada brian chen dora emil") {
		b.Field(0).(*array.Int64Builder).Append(int64(i + 1))
		b.Field(1).(*array.StringBuilder).Append(customer)
		b.Field(2).(*array.Float64Builder).Append(float64(i*7) + 0.5)
		if i%2 == 0 {
			b.Field(3).(*array.StringBuilder).Append("gift wrap")
		} else {
			b.Field(3).(*array.StringBuilder).AppendNull()
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()

	st, err := cn.NewStatement()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetOption(adbc.OptionKeyIngestTargetTable, topic); err != nil {
		return err
	}
	if err := st.Bind(ctx, rec); err != nil {
		return err
	}
	n, err := st.ExecuteUpdate(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("wrote %d orders to %s\n", n, topic)
	return nil
}
