package statement

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
)

// Session is what a statement borrows from its connection: the allocator,
// the connection's options (which the statement's own options override),
// the Kafka client and admin, and the schema registry. The connection owns
// and closes them.
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
	// Cluster is the configuration Client was made from, for clients a
	// statement needs of its own (transactional producers).
	Cluster kafkaio.Config
	// Logger is the connection's logger (also Cluster.Logger); nil when
	// logging is off.
	Logger *slog.Logger
}

// registry returns the registry or an error saying it is needed for what.
func (s *Session) registry(what string) (*kafkaio.Registry, error) {
	if s.Registry == nil {
		return nil, adbc.Error{Code: adbc.StatusInvalidState, Msg: fmt.Sprintf(
			"kafarr: %s needs a schema registry: set kafarr.schema_registry.url (or kafarr.value.format=binary|string to read raw values)", what)}
	}
	return s.Registry, nil
}

// schemaByID fetches and parses a registered schema, for decoder caches.
func (s *Session) schemaByID(ctx context.Context, id int32) (*avroarrow.Schema, error) {
	reg, err := s.registry("decoding Avro messages")
	if err != nil {
		return nil, err
	}
	info, err := reg.SchemaByID(ctx, int(id))
	if err != nil {
		return nil, err
	}
	return parseRegistered(info)
}

// parseRegistered parses a registry answer as an Avro schema.
func parseRegistered(info kafkaio.SchemaInfo) (*avroarrow.Schema, error) {
	if info.Type != "" && info.Type != "AVRO" {
		return nil, adbc.Error{Code: adbc.StatusNotImplemented, Msg: fmt.Sprintf(
			"kafarr: schema id %d is a %s schema; kafarr reads Avro (or set kafarr.value.format=binary)", info.ID, info.Type)}
	}
	s, err := avroarrow.Parse(info.Schema)
	if err != nil {
		return nil, adbc.Error{Code: adbc.StatusInvalidData, Msg: fmt.Sprintf("kafarr: schema id %d: %v", info.ID, err)}
	}
	return s, nil
}

// asADBC finds an adbc.Error in err's chain.
func asADBC(err error) (adbc.Error, bool) {
	var ae adbc.Error
	if errors.As(err, &ae) {
		return ae, true
	}
	return ae, false
}
