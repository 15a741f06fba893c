// Command parallel_splits reads one topic with more workers than it has
// partitions: ExecutePartitions with kafarr.partitions.max_rows cuts each
// Kafka partition's snapshot into offset ranges, and a pool of goroutines,
// each with a connection of its own, reads them with ReadPartition. It then
// checks that every (partition, offset) was read exactly once and that the
// total matches a plain read of the same snapshot.
//
//	go run ./examples/parallel_splits [-rows 200000] [-partitions 2] [-max-rows 25000] [-workers 4]
//	                                  [-brokers host:port -registry URL]
//
// Without -brokers it starts the in-process default stack (kfake + srfake).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"strconv"
	"sync"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/devstack"
)

// config is what the example reads and how.
type config struct {
	brokers, registry string
	topic             string
	rows              int   // ticks to write
	partitions        int   // of the topic
	maxRows           int64 // kafarr.partitions.max_rows
	workers           int   // goroutines, one connection each
}

func main() {
	c := config{topic: "ticks_splits"}
	flag.IntVar(&c.rows, "rows", 200_000, "ticks to write")
	flag.IntVar(&c.partitions, "partitions", 2, "partitions of the topic")
	flag.Int64Var(&c.maxRows, "max-rows", 25_000, "kafarr.partitions.max_rows: offsets per split at most")
	flag.IntVar(&c.workers, "workers", 4, "goroutines reading splits, each on its own connection")
	flag.StringVar(&c.brokers, "brokers", "", "use this Kafka cluster instead of the in-process one")
	flag.StringVar(&c.registry, "registry", "", "schema registry URL (with -brokers)")
	flag.Parse()
	if c.brokers == "" {
		st, err := devstack.Start("127.0.0.1:0", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		defer st.Close()
		c.brokers, c.registry = st.Brokers(), st.RegistryURL()
	}
	sum, err := run(context.Background(), memory.NewGoAllocator(), c)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum)
}

// summary is what run found.
type summary struct {
	splits, rows int
	elapsed      time.Duration
	workers      int
}

func (s summary) String() string {
	return fmt.Sprintf("%d rows from %d splits on %d goroutines in %v: every (partition, offset) exactly once",
		s.rows, s.splits, s.workers, s.elapsed.Round(time.Millisecond))
}

// run writes c.rows ticks to a new topic, reads it through splits and
// checks the result against a plain read.
func run(ctx context.Context, mem memory.Allocator, c config) (summary, error) {
	db, err := driver.NewDriver(mem).NewDatabase(map[string]string{
		adbc.OptionKeyURI:            "kafka://" + c.brokers,
		"kafarr.schema_registry.url": c.registry,
	})
	if err != nil {
		return summary{}, err
	}
	defer db.Close()
	cn, err := db.Open(ctx)
	if err != nil {
		return summary{}, err
	}
	defer cn.Close()
	if err := ingest(ctx, mem, cn, c); err != nil {
		return summary{}, err
	}

	// Plan once: one snapshot of the end offsets for every split.
	const sql = "SELECT bid, _partition, _offset FROM "
	st, err := cn.NewStatement()
	if err != nil {
		return summary{}, err
	}
	defer st.Close()
	if err := st.SetOption("kafarr.partitions.max_rows", strconv.FormatInt(c.maxRows, 10)); err != nil {
		return summary{}, err
	}
	if err := st.SetSqlQuery(sql + c.topic); err != nil {
		return summary{}, err
	}
	_, parts, _, err := st.ExecutePartitions(ctx)
	if err != nil {
		return summary{}, err
	}
	fmt.Printf("%d splits of at most %d offsets over %d partitions\n", parts.NumPartitions, c.maxRows, c.partitions)

	start := time.Now()
	got, err := readSplits(ctx, db, parts.PartitionIDs, c.workers)
	if err != nil {
		return summary{}, err
	}
	elapsed := time.Since(start)

	want, err := readAll(ctx, cn, sql+c.topic)
	if err != nil {
		return summary{}, err
	}
	if err := compare(got, want); err != nil {
		return summary{}, err
	}
	return summary{splits: len(parts.PartitionIDs), rows: len(want), elapsed: elapsed, workers: c.workers}, nil
}

// ingest writes the ticks {bid, part}: tick i goes to partition i %
// partitions with bid i.
func ingest(ctx context.Context, mem memory.Allocator, cn adbc.Connection, c config) error {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "bid", Type: arrow.PrimitiveTypes.Float64},
		{Name: "part", Type: arrow.PrimitiveTypes.Int32},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := 0; i < c.rows; i++ {
		b.Field(0).(*array.Float64Builder).Append(float64(i))
		b.Field(1).(*array.Int32Builder).Append(int32(i % c.partitions))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	st, err := cn.NewStatement()
	if err != nil {
		return err
	}
	defer st.Close()
	for k, v := range map[string]string{
		adbc.OptionKeyIngestTargetTable:  c.topic,
		adbc.OptionKeyIngestMode:         adbc.OptionValueIngestModeCreate,
		"kafarr.ingest.partitions":       strconv.Itoa(c.partitions),
		"kafarr.ingest.partition_column": "part",
	} {
		if err := st.SetOption(k, v); err != nil {
			return err
		}
	}
	if err := st.Bind(ctx, rec); err != nil {
		return err
	}
	_, err = st.ExecuteUpdate(ctx)
	return err
}

// position is one record's place in the topic.
type position struct {
	partition int32
	offset    int64
}

// readSplits reads the descriptors on workers goroutines. Each opens one
// connection and reads split after split on it, as a distributed engine's
// worker process would; connections are not shared between goroutines.
func readSplits(ctx context.Context, db adbc.Database, descs [][]byte, workers int) (map[position]float64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	todo := make(chan []byte)
	go func() {
		defer close(todo)
		for _, d := range descs {
			select {
			case todo <- d:
			case <-ctx.Done():
				return
			}
		}
	}()
	var (
		mu   sync.Mutex
		got  = map[position]float64{}
		errs = make([]error, workers)
		dup  error
		wg   sync.WaitGroup
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cn, err := db.Open(ctx)
			if err != nil {
				errs[w] = err
				cancel()
				return
			}
			defer cn.Close()
			for d := range todo {
				err := readSplit(ctx, cn, d, func(p position, bid float64) {
					mu.Lock()
					defer mu.Unlock()
					if _, seen := got[p]; seen && dup == nil {
						dup = fmt.Errorf("partition %d offset %d read twice", p.partition, p.offset)
					}
					got[p] = bid
				})
				if err != nil {
					errs[w] = err
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	return got, errors.Join(append(errs, dup)...)
}

// readSplit reads one descriptor on cn, handing each row to add.
func readSplit(ctx context.Context, cn adbc.Connection, desc []byte, add func(position, float64)) error {
	rdr, err := cn.ReadPartition(ctx, desc)
	if err != nil {
		return err
	}
	defer rdr.Release()
	return eachRow(rdr, add)
}

// readAll runs sql as one plain query.
func readAll(ctx context.Context, cn adbc.Connection, sql string) (map[position]float64, error) {
	st, err := cn.NewStatement()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if err := st.SetSqlQuery(sql); err != nil {
		return nil, err
	}
	rdr, _, err := st.ExecuteQuery(ctx)
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	out := map[position]float64{}
	err = eachRow(rdr, func(p position, bid float64) { out[p] = bid })
	return out, err
}

// eachRow calls add for each row of (bid, _partition, _offset) batches.
func eachRow(rdr array.RecordReader, add func(position, float64)) error {
	for rdr.Next() {
		b := rdr.RecordBatch()
		bid := b.Column(0).(*array.Float64)
		part := b.Column(1).(*array.Int32)
		off := b.Column(2).(*array.Int64)
		for i := range int(b.NumRows()) {
			add(position{part.Value(i), off.Value(i)}, bid.Value(i))
		}
	}
	return rdr.Err()
}

// compare checks that the splits read exactly the plain read's rows.
func compare(got, want map[position]float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("the splits read %d rows, the plain read %d", len(got), len(want))
	}
	for p, bid := range want {
		if g, ok := got[p]; !ok || g != bid {
			return fmt.Errorf("partition %d offset %d: splits read bid %v (found %v), the plain read %v", p.partition, p.offset, g, ok, bid)
		}
	}
	return nil
}
