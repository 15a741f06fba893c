package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafarr/kafarr/internal/testenv"
)

// TestMain fails the package if a franz-go client of waitReady outlives
// its tests.
func TestMain(m *testing.M) { testenv.VerifyMain(m) }

func TestWaitReady(t *testing.T) {
	testenv.CheckLeaks(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.ClusterID("wait-test"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	desc, err := waitReady(ctx, c.ListenAddrs())
	if err != nil {
		t.Fatalf("waitReady on a running cluster: %v", err)
	}
	if want := "cluster wait-test, 1 broker(s), controller "; !strings.HasPrefix(desc, want) {
		t.Errorf("description = %q, want prefix %q", desc, want)
	}
}

func TestWaitReadyGivesUp(t *testing.T) {
	testenv.CheckLeaks(t)
	// A port that was free a moment ago: nothing answers there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	_, err = waitReady(ctx, []string{addr})
	if err == nil {
		t.Fatalf("waitReady on %s succeeded with nothing listening", addr)
	}
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error = %v, want the dial failure", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("waitReady took %v after a 700ms deadline", took)
	}
}
