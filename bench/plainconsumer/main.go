// Command plainconsumer is the benchmark harness's baseline: a plain
// franz-go consumer that reads the first n records of partition 0 of a
// topic and decodes nothing. Each repetition uses a new client, so the
// connection setup is counted as it is for the other tools. It prints one
// JSON object: {"seconds": [...], "records": n}.
//
//	plainconsumer -brokers 127.0.0.1:9092 -topic t -n 100000 -reps 5
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func main() {
	brokers := flag.String("brokers", "127.0.0.1:9092", "seed broker")
	topic := flag.String("topic", "", "topic to read (partition 0)")
	n := flag.Int64("n", 100_000, "records to read")
	reps := flag.Int("reps", 5, "repetitions")
	timeout := flag.Duration("timeout", 5*time.Minute, "time allowed per repetition")
	flag.Parse()
	if *topic == "" {
		fmt.Fprintln(os.Stderr, "plainconsumer: -topic is required")
		os.Exit(2)
	}
	var secs []float64
	for range *reps {
		s, err := readOnce(*brokers, *topic, *n, *timeout)
		if err != nil {
			fmt.Fprintf(os.Stderr, "plainconsumer: topic %q: %v\n", *topic, err)
			os.Exit(1)
		}
		secs = append(secs, s)
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"seconds": secs, "records": *n})
}

// readOnce reads n records with a new client and returns the seconds it
// took, client creation included.
func readOnce(brokers, topic string, n int64, timeout time.Duration) (float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(brokers),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}),
		kgo.FetchMaxBytes(64<<20),
		kgo.FetchMaxPartitionBytes(32<<20),
	)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	var got int64
	for got < n {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			return 0, fmt.Errorf("after %d records: %w", got, err)
		}
		fs.EachError(func(_ string, _ int32, e error) { err = e })
		if err != nil {
			return 0, fmt.Errorf("after %d records: %w", got, err)
		}
		got += int64(fs.NumRecords())
	}
	return time.Since(start).Seconds(), nil
}
