// Package devstack runs an in-process stand-in for a Kafka cluster and its
// Confluent-compatible schema registry: franz-go's kfake cluster (one broker)
// and srfake registry, both on loopback.
//
// It backs the demo command (cmd/kafarr-devstack) and the Go tests that need
// a broker without a JVM (testenv.DevStack). It is not a real Kafka: kfake
// implements the protocol closely enough for franz-go clients, and srfake
// accepts every schema as compatible. Tests that must hold against a real
// broker use the stack under tests/stack instead.
package devstack

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

// Default addresses of the demo stack. They differ from the real test
// stack's (19092 and 18081) so both can run side by side.
const (
	DefaultKafkaAddr    = "127.0.0.1:29092"
	DefaultRegistryAddr = "127.0.0.1:28081"
)

// shutdownTimeout bounds how long Close waits for in-flight registry
// requests before cutting their connections.
const shutdownTimeout = 5 * time.Second

// Stack is a running kfake cluster plus srfake registry. Its methods are safe
// for concurrent use; Close may be called more than once.
type Stack struct {
	cluster  *kfake.Cluster
	registry *srfake.Registry
	server   *http.Server
	served   chan struct{} // closed when server.Serve returns

	brokers     string
	registryURL string

	closeOnce sync.Once
}

// Start starts a one-broker kfake cluster listening on kafkaAddr and an
// srfake registry serving HTTP on registryAddr, and returns once both are
// listening. Addresses are host:port with a loopback host (127.0.0.0/8, ::1
// or localhost; an empty host means 127.0.0.1): the stack has no
// authentication, so it refuses to listen anywhere else. Port 0 picks a free
// port; Brokers and RegistryURL report the one chosen.
//
// The cluster refuses to auto-create topics and gives CreateTopics requests
// that leave the partition count to the broker one partition, like the real
// test broker.
func Start(kafkaAddr, registryAddr string) (*Stack, error) {
	kafkaAddr, err := loopbackAddr("kafka", kafkaAddr)
	if err != nil {
		return nil, err
	}
	registryAddr, err = loopbackAddr("registry", registryAddr)
	if err != nil {
		return nil, err
	}

	// Bind the registry first: a port clash there then costs nothing to undo.
	regLn, err := net.Listen("tcp", registryAddr)
	if err != nil {
		return nil, fmt.Errorf("devstack: registry: listen on %s: %w", registryAddr, err)
	}

	cluster, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.DefaultNumPartitions(1),
		// kfake binds 127.0.0.1:<port> itself; listening on the address
		// asked for instead keeps other loopback hosts (::1) possible.
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			return net.Listen(network, kafkaAddr)
		}),
	)
	if err != nil {
		regLn.Close()
		return nil, fmt.Errorf("devstack: kafka: listen on %s: %w", kafkaAddr, err)
	}
	addrs := cluster.ListenAddrs()
	if len(addrs) != 1 {
		cluster.Close()
		regLn.Close()
		return nil, fmt.Errorf("devstack: kafka: cluster listens on %d addresses, want 1", len(addrs))
	}

	registry := srfake.NewRegistry()
	s := &Stack{
		cluster:  cluster,
		registry: registry,
		server: &http.Server{
			Handler:           registry.Handler(),
			ReadHeaderTimeout: 10 * time.Second,
		},
		served:      make(chan struct{}),
		brokers:     addrs[0],
		registryURL: "http://" + regLn.Addr().String(),
	}
	go func() {
		defer close(s.served)
		// Serve returns http.ErrServerClosed after Shutdown; any other
		// error means the listener broke, which requests will then show.
		_ = s.server.Serve(regLn)
	}()
	return s, nil
}

// Brokers returns the cluster's bootstrap address, host:port.
func (s *Stack) Brokers() string { return s.brokers }

// RegistryURL returns the registry's base URL, e.g. "http://127.0.0.1:28081".
func (s *Stack) RegistryURL() string { return s.registryURL }

// Cluster returns the kfake cluster, for tests that inject faults through
// its control functions.
func (s *Stack) Cluster() *kfake.Cluster { return s.cluster }

// Registry returns the srfake registry, for tests that seed schemas or
// intercept requests directly.
func (s *Stack) Registry() *srfake.Registry { return s.registry }

// Close stops the registry server, waiting up to 5 s for requests in flight,
// and shuts the cluster down. Calls after the first do nothing.
func (s *Stack) Close() {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err := s.server.Shutdown(ctx); err != nil {
			s.server.Close()
		}
		<-s.served
		s.cluster.Close()
	})
}

// loopbackAddr validates a host:port and returns it with an empty host or
// "localhost" replaced by 127.0.0.1.
func loopbackAddr(what, addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("devstack: %s address %q: %w", what, addr, err)
	}
	switch host {
	case "", "localhost":
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("devstack: %s address %q: host must be a loopback address, since the stack has no authentication", what, addr)
	}
	return net.JoinHostPort(host, port), nil
}
