package statement

import (
	"log/slog"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kgo"

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
	// Logger receives debug logs of planning decisions; nil logs nothing.
	Logger *slog.Logger
}
