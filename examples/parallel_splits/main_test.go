package main

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/internal/testenv"
)

// TestMain fails the package if a driver goroutine or a franz-go client
// outlives its tests.
func TestMain(m *testing.M) { testenv.VerifyMain(m) }

// TestParallelSplits runs the example on the in-process stack and, when
// the real stack is there, on the real broker, so that it keeps working.
func TestParallelSplits(t *testing.T) {
	for _, name := range []string{"kfake", "real"} {
		t.Run(name, func(t *testing.T) {
			c := config{rows: 40_000, partitions: 2, maxRows: 6_000, workers: 3, topic: testenv.Topic(t)}
			if name == "kfake" {
				st := testenv.DevStack(t)
				c.brokers, c.registry = st.Brokers(), st.RegistryURL()
			} else {
				c.brokers, c.registry = testenv.Brokers(t), testenv.Registry(t)
				t.Cleanup(func() { deleteTopic(t, c.brokers, c.topic) })
			}
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			testenv.CheckLeaks(t, mem)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			sum, err := run(ctx, mem, c)
			if err != nil {
				t.Fatal(err)
			}
			// 20,000 offsets per partition in splits of at most 6,000.
			if sum.rows != 40_000 || sum.splits != 8 {
				t.Fatalf("%v; want 40000 rows from 8 splits", sum)
			}
		})
	}
}

// deleteTopic removes a topic the test made on the long-lived real broker.
func deleteTopic(t *testing.T, brokers, topic string) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers))
	if err != nil {
		t.Error(err)
		return
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, _ = kadm.NewClient(cl).DeleteTopic(ctx, topic)
}
