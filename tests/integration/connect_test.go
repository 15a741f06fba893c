package integration

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kafarr/kafarr/internal/testenv"
)

// testTimeout bounds each test's calls to the broker and registry, so a hung
// stack fails the test instead of stalling the suite until go test's
// global timeout.
const testTimeout = 60 * time.Second

// testContext returns a context that ends after testTimeout or when the test
// finishes, whichever is first.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// newKafkaClient returns a franz-go client seeded with brokers, closed when
// the test ends and leak-checked after (testenv.CheckLeaks).
func newKafkaClient(t *testing.T, brokers string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	testenv.CheckLeaks(t)
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers)}, opts...)...)
	if err != nil {
		t.Fatalf("kafka client for %s: %v", brokers, err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// newAdmin returns an admin client for brokers, closed when the test ends.
func newAdmin(t *testing.T, brokers string) *kadm.Client {
	t.Helper()
	return kadm.NewClient(newKafkaClient(t, brokers))
}

// createTopic creates topic with the given partition count and one replica,
// and deletes it when the test ends: the real broker outlives the test run,
// and deletion failing is itself a test failure.
func createTopic(t *testing.T, ctx context.Context, adm *kadm.Client, topic string, partitions int32) {
	t.Helper()
	resp, err := adm.CreateTopic(ctx, partitions, 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
	t.Cleanup(func() {
		// t.Context() is already done during cleanup.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		resp, err := adm.DeleteTopic(ctx, topic)
		if err == nil {
			err = resp.Err
		}
		if err != nil {
			t.Errorf("delete topic %s: %v", topic, err)
		}
	})
}

// newRegistryClient returns a schema registry client for the
// Confluent-compatible base URL.
func newRegistryClient(t *testing.T, url string) *sr.Client {
	t.Helper()
	cl, err := sr.NewClient(sr.URLs(url))
	if err != nil {
		t.Fatalf("registry client for %s: %v", url, err)
	}
	return cl
}
