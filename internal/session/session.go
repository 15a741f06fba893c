// Package session holds what a statement borrows from its connection.
package session

import (
	"log/slog"
	"sync/atomic"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
)

// Session is what a statement borrows from its connection: the allocator,
// the connection's options (which the statement's own options override),
// the Kafka client and admin, the schema registry and the producer pool.
// The connection owns and closes them, and marks the session closed first
// (MarkClosed), so that its statements refuse to run from then on.
type Session struct {
	// Alloc allocates every Arrow buffer the statement creates.
	Alloc memory.Allocator
	// Options are the connection's options.
	Options *options.Store
	// Client is the connection's franz-go client.
	Client *kgo.Client
	// Admin wraps Client for metadata, offsets and topic administration.
	Admin *kafkaio.Admin
	// Registry is the schema registry client; nil when no
	// kafarr.schema_registry.url is set.
	Registry *kafkaio.Registry
	// Producers are the connection's producer clients, which ingests
	// borrow for the length of one call.
	Producers *kafkaio.ProducerPool
	// Logger receives debug logs of planning decisions; nil logs nothing.
	Logger *slog.Logger

	closed atomic.Bool
}

// NeedRegistry returns the registry, or an InvalidState error saying it is
// needed for what.
func (s *Session) NeedRegistry(what string) (*kafkaio.Registry, error) {
	if s.Registry == nil {
		return nil, adbcerr.New(adbc.StatusInvalidState,
			"%s needs a schema registry: set kafarr.schema_registry.url (or kafarr.value.format=binary|string to read raw values)", what)
	}
	return s.Registry, nil
}

// MarkClosed marks the session closed, as its connection closes. It
// reports false when the session already was.
func (s *Session) MarkClosed() bool { return !s.closed.Swap(true) }

// CheckOpen returns InvalidState once the connection closed.
func (s *Session) CheckOpen() error {
	if s.closed.Load() {
		return adbcerr.New(adbc.StatusInvalidState, "connection is closed")
	}
	return nil
}

// Isolation maps kafarr.read.isolation to the reader's isolation level.
func Isolation(i options.Isolation) kafkaio.Isolation {
	if i == options.ReadUncommitted {
		return kafkaio.ReadUncommitted
	}
	return kafkaio.ReadCommitted
}
