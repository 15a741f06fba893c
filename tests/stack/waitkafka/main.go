// Command waitkafka waits until a Kafka broker answers a metadata request.
//
// kafka.sh runs it after launching the broker: an open port is not enough,
// since a KRaft broker accepts connections before it has joined the quorum
// and been unfenced. waitkafka succeeds only once a metadata response names
// at least one broker and an active controller.
//
// Usage:
//
//	waitkafka [-brokers 127.0.0.1:19092] [-timeout 60s]
//
// It exits 0 when the cluster is ready and 1 when -timeout passes first,
// printing the last error seen.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func main() {
	brokers := flag.String("brokers", "127.0.0.1:19092", "comma-separated seed brokers")
	timeout := flag.Duration("timeout", 60*time.Second, "how long to keep trying before giving up")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	desc, err := waitReady(ctx, strings.Split(*brokers, ","))
	if err != nil {
		fmt.Fprintf(os.Stderr, "waitkafka: %s not ready after %s: %v\n", *brokers, *timeout, err)
		os.Exit(1)
	}
	fmt.Printf("waitkafka: %s ready: %s\n", *brokers, desc)
}

// waitReady polls with metadata requests until one shows a usable cluster or
// ctx ends. It returns a short description of the cluster it saw.
func waitReady(ctx context.Context, seeds []string) (string, error) {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(seeds...),
		kgo.DialTimeout(time.Second),
		// Each attempt is bounded by the poll loop below, not by kgo retries.
		kgo.RequestRetries(0),
	)
	if err != nil {
		return "", err
	}
	defer cl.Close()

	var lastErr error
	for {
		desc, err := probe(ctx, cl)
		if err == nil {
			return desc, nil
		}
		// Keep the last real failure (refused, no controller) rather than
		// the deadline that cut the final attempt short.
		if lastErr == nil || ctx.Err() == nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			return "", lastErr
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// probe sends one metadata request for no topics, which still returns the
// broker list and the controller id.
func probe(ctx context.Context, cl *kgo.Client) (string, error) {
	reqCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{} // empty, not nil: nil means all topics
	resp, err := req.RequestWith(reqCtx, cl)
	if err != nil {
		return "", err
	}
	if len(resp.Brokers) == 0 {
		return "", errors.New("metadata response lists no brokers")
	}
	if resp.ControllerID < 0 {
		return "", errors.New("metadata response has no active controller")
	}
	cluster := "<none>"
	if resp.ClusterID != nil {
		cluster = *resp.ClusterID
	}
	return fmt.Sprintf("cluster %s, %d broker(s), controller %d", cluster, len(resp.Brokers), resp.ControllerID), nil
}
