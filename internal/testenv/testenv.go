// Package testenv tells tests where their Kafka broker and schema registry
// are.
//
// Tests against the real stack (a JVM Kafka broker and Apicurio Registry,
// started by tests/stack/stack.sh up) ask Brokers and Registry, which read
// the addresses stack.sh writes to .build/stack/env. Without them the test is
// skipped, unless KAFARR_REQUIRE_STACK=1, which turns the skip into a
// failure: the suite run by `make test` sets it, so real-broker tests can
// never silently not run there.
//
// Tests that only need some broker use DevStack, an in-process kfake cluster
// and srfake registry, which always works.
//
// Brokers, Registry and DevStack also register CheckLeaks for their test,
// so every test that talks to a stack through them fails if it leaves a
// driver goroutine, a franz-go client or Arrow memory behind (leaks.go).
package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/kafarr/kafarr/internal/devstack"
)

// Environment variables read by this package.
const (
	// EnvBrokers holds the real broker's bootstrap address, host:port.
	EnvBrokers = "KAFARR_TEST_BROKERS"
	// EnvRegistry holds the real registry's Confluent-compatible base URL.
	EnvRegistry = "KAFARR_TEST_REGISTRY"
	// EnvRequireStack, when "1", makes a missing stack fail tests instead
	// of skipping them.
	EnvRequireStack = "KAFARR_REQUIRE_STACK"
)

// skipMsg is the skip reason when the real stack is not configured.
const skipMsg = "real stack not running; use make test"

// Brokers returns the real test broker's bootstrap address from
// KAFARR_TEST_BROKERS and registers CheckLeaks for tb. When it is unset the
// test is skipped, or fails if KAFARR_REQUIRE_STACK=1.
func Brokers(tb testing.TB) string {
	tb.Helper()
	return lookup(tb, EnvBrokers)
}

// Registry returns the real test registry's base URL from
// KAFARR_TEST_REGISTRY (for the Apicurio stack, it ends in /apis/ccompat/v7)
// and registers CheckLeaks for tb. When it is unset the test is skipped, or
// fails if KAFARR_REQUIRE_STACK=1.
func Registry(tb testing.TB) string {
	tb.Helper()
	return lookup(tb, EnvRegistry)
}

func lookup(tb testing.TB, name string) string {
	tb.Helper()
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		CheckLeaks(tb)
		return v
	}
	if os.Getenv(EnvRequireStack) == "1" {
		tb.Fatalf("%s is not set but %s=1: start the stack with tests/stack/stack.sh up and source .build/stack/env", name, EnvRequireStack)
		return ""
	}
	tb.Skip(skipMsg)
	return ""
}

// DevStack starts an in-process kfake cluster and srfake registry on free
// loopback ports and closes them when the test ends. Each call gets its own
// stack, so tests using it share no state. It registers CheckLeaks for tb
// first, so the check runs after the test's other cleanups.
func DevStack(tb testing.TB) *devstack.Stack {
	tb.Helper()
	CheckLeaks(tb)
	s, err := devstack.Start("127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("testenv: starting the in-process stack: %v", err)
		return nil
	}
	tb.Cleanup(s.Close)
	return s
}

// maxTopicLen is Kafka's limit on topic name length.
const maxTopicLen = 249

// Topic returns a topic name unique to this test and run:
// "kafarr-test-<test name>-<random hex>", with characters Kafka does not
// allow in topic names (and '.', which Kafka's metric names confuse with
// '_') replaced by '-'. The random suffix keeps names distinct across runs
// against a long-lived broker and across calls within one test. It does not
// create the topic.
func Topic(tb testing.TB) string {
	tb.Helper()
	var suffix [4]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		tb.Fatalf("testenv: random topic suffix: %v", err)
		return ""
	}
	const prefix = "kafarr-test-"
	tail := "-" + hex.EncodeToString(suffix[:])
	name := sanitizeTopic(tb.Name())
	if room := maxTopicLen - len(prefix) - len(tail); len(name) > room {
		name = name[:room]
	}
	return prefix + name + tail
}

// sanitizeTopic maps every byte outside [A-Za-z0-9_-] to '-'.
func sanitizeTopic(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
		default:
			b[i] = '-'
		}
	}
	return string(b)
}
