// Command kafarr-devstack runs the demo stack: an in-process Kafka stand-in
// (franz-go's kfake, one broker) and a Confluent-compatible schema registry
// (srfake), both on loopback and both in memory.
//
// Usage:
//
//	kafarr-devstack [-kafka 127.0.0.1:29092] [-registry 127.0.0.1:28081]
//
// Once both listen it prints one line,
//
//	kafarr-devstack: kafka=127.0.0.1:29092 registry=http://127.0.0.1:28081
//
// and runs until SIGINT or SIGTERM, then shuts down and exits 0. Port 0
// picks a free port; the ready line names the one chosen. Everything is lost
// on exit.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kafarr/kafarr/internal/devstack"
)

func main() {
	kafkaAddr := flag.String("kafka", devstack.DefaultKafkaAddr, "loopback host:port for the Kafka listener")
	registryAddr := flag.String("registry", devstack.DefaultRegistryAddr, "loopback host:port for the schema registry")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "kafarr-devstack: unexpected arguments %q\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}

	// Listen for signals before announcing readiness, so a supervisor that
	// signals right after the ready line is not lost.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	s, err := devstack.Start(*kafkaAddr, *registryAddr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kafarr-devstack: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("kafarr-devstack: kafka=%s registry=%s\n", s.Brokers(), s.RegistryURL())

	<-ctx.Done()
	s.Close()
	fmt.Println("kafarr-devstack: stopped")
}
