package driver

import (
	"context"
	"log/slog"
	"sync/atomic"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/internal/session"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
)

// Database is kafarr's adbc.Database: a configured cluster and schema
// registry. Connections opened from it share its options as defaults.
type Database struct {
	alloc  memory.Allocator
	opts   *options.Store
	logger atomic.Pointer[slog.Logger] // WithLogger's or SetLogger's; see connLogger
}

var (
	_ adbc.Database      = (*Database)(nil)
	_ adbc.GetSetOptions = (*Database)(nil)
)

// SetOptions validates and sets several options.
func (d *Database) SetOptions(opts map[string]string) error { return d.opts.SetAll(opts) }

// SetOption validates and sets one option.
func (d *Database) SetOption(key, value string) error { return d.opts.Set(key, value) }

// typed returns the typed option accessors over SetOption and GetOption,
// the same for the database, the connection and the statement.
func (d *Database) typed() options.Getters {
	return options.Getters{Get: d.GetOption, Set: d.SetOption}
}

// SetOptionBytes is refused: kafarr options are text (options.Getters).
func (d *Database) SetOptionBytes(key string, v []byte) error {
	return d.typed().SetOptionBytes(key, v)
}

// SetOptionInt sets an option from an integer.
func (d *Database) SetOptionInt(key string, v int64) error { return d.typed().SetOptionInt(key, v) }

// SetOptionDouble sets an option from an integral double.
func (d *Database) SetOptionDouble(key string, v float64) error {
	return d.typed().SetOptionDouble(key, v)
}

// GetOption returns the value in force for key; secrets are never
// returned.
func (d *Database) GetOption(key string) (string, error) { return d.opts.GetOption(key) }

// GetOptionBytes returns an option's text as bytes.
func (d *Database) GetOptionBytes(key string) ([]byte, error) { return d.typed().GetOptionBytes(key) }

// GetOptionInt returns an integer option.
func (d *Database) GetOptionInt(key string) (int64, error) { return d.typed().GetOptionInt(key) }

// GetOptionDouble returns an integer option as a double.
func (d *Database) GetOptionDouble(key string) (float64, error) {
	return d.typed().GetOptionDouble(key)
}

// Open connects to the cluster: it dials the bootstrap brokers and fails
// with an error naming them when none answers. The registry is contacted
// lazily, when a query or ingest first needs a schema.
func (d *Database) Open(ctx context.Context) (adbc.Connection, error) {
	cfg, err := clusterConfig(d.opts)
	if err != nil {
		return nil, err
	}
	cfg.Logger = d.connLogger()
	logOpen(ctx, cfg.Logger, d.opts)
	ctx, cancel := context.WithTimeout(ctx, d.opts.Read().Timeout)
	defer cancel()
	cl, err := kafkaio.Connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	reg, err := registryClient(d.opts, cfg.Logger)
	if err != nil {
		cl.Close()
		return nil, err
	}
	return newConnection(d.alloc, d.opts.Child(), cfg, cl, reg), nil
}

// Close releases nothing: connections own the network resources.
func (d *Database) Close() error { return nil }

// clusterConfig builds the Kafka client configuration from the options.
func clusterConfig(o *options.Store) (kafkaio.Config, error) {
	c := o.Cluster()
	if len(c.Brokers) == 0 {
		return kafkaio.Config{}, adbc.Error{Code: adbc.StatusInvalidArgument,
			Msg: "kafarr: no brokers configured: set uri (kafka://host:port) or kafarr.bootstrap_servers"}
	}
	mech := c.SASLMechanism
	if mech == "" && c.Username != "" {
		mech = kafkaio.SASLPlain
	}
	return kafkaio.Config{
		Brokers:   c.Brokers,
		ClientID:  c.ClientID,
		Isolation: session.Isolation(o.Read().Isolation),
		SASL: kafkaio.SASLConfig{
			Mechanism: mech,
			User:      c.Username,
			Password:  c.Password.Reveal(),
		},
		TLS: kafkaio.TLSConfig{
			Enabled:            c.TLS.Enabled,
			CAFile:             c.TLS.CAFile,
			CertFile:           c.TLS.CertFile,
			KeyFile:            c.TLS.KeyFile,
			InsecureSkipVerify: c.TLS.InsecureSkipVerify,
		},
	}, nil
}
