package driver

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/internal/session"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
	"github.com/kafarr/kafarr/statement"
)

// Connection is kafarr's adbc.Connection: one Kafka client and one schema
// registry client, shared by its statements, and a pool of producer clients
// for their ingests. Autocommit is always on: a Kafka read changes nothing
// and an ingest is acknowledged record by record (or, with
// kafarr.ingest.transactional, one transaction per call).
type Connection struct {
	sess *session.Session
}

var (
	_ adbc.Connection    = (*Connection)(nil)
	_ adbc.GetSetOptions = (*Connection)(nil)
)

func newConnection(alloc memory.Allocator, opts *options.Store, cfg kafkaio.Config, cl *kgo.Client, reg *kafkaio.Registry) *Connection {
	return &Connection{sess: &session.Session{
		Alloc:     alloc,
		Options:   opts,
		Client:    cl,
		Admin:     kafkaio.NewAdmin(cl),
		Registry:  reg,
		Producers: kafkaio.NewProducerPool(cfg),
		Logger:    cfg.Logger,
	}}
}

// orClosed returns err, or InvalidState once the connection is closed:
// every method of a closed connection fails so.
func (c *Connection) orClosed(err error) error {
	if cerr := c.sess.CheckOpen(); cerr != nil {
		return cerr
	}
	return err
}

// NewStatement returns a statement whose options default to the
// connection's.
func (c *Connection) NewStatement() (adbc.Statement, error) {
	if err := c.sess.CheckOpen(); err != nil {
		return nil, err
	}
	return statement.New(c.sess), nil
}

// Close closes the Kafka client, the registry client and the idle
// producers; a producer an ingest still uses is closed when the ingest
// ends. Results still being read fail, and the connection's statements
// can no longer execute. Closing a closed connection is InvalidState, as
// ADBC specifies.
func (c *Connection) Close() error {
	if !c.sess.MarkClosed() {
		return c.sess.CheckOpen()
	}
	c.sess.Producers.Close()
	c.sess.Client.Close()
	if c.sess.Registry != nil {
		c.sess.Registry.Close()
	}
	return nil
}

// Commit is refused: autocommit is always on.
func (c *Connection) Commit(context.Context) error {
	return c.orClosed(adbc.Error{Code: adbc.StatusInvalidState, Msg: "kafarr: autocommit is always on; there is no transaction to commit (use kafarr.ingest.transactional for an atomic ingest)"})
}

// Rollback is refused: autocommit is always on.
func (c *Connection) Rollback(context.Context) error {
	return c.orClosed(adbc.Error{Code: adbc.StatusInvalidState, Msg: "kafarr: autocommit is always on; there is no transaction to roll back"})
}

// ReadPartition reads one descriptor that ExecutePartitions returned, on
// this connection.
func (c *Connection) ReadPartition(ctx context.Context, descriptor []byte) (array.RecordReader, error) {
	if err := c.sess.CheckOpen(); err != nil {
		return nil, err
	}
	return statement.ReadPartition(ctx, c.sess, descriptor)
}

// GetTableTypes returns the one table type, "topic".
func (c *Connection) GetTableTypes(context.Context) (array.RecordReader, error) {
	if err := c.sess.CheckOpen(); err != nil {
		return nil, err
	}
	b := array.NewRecordBuilder(c.sess.Alloc, adbc.TableTypesSchema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).Append(TableTypeTopic)
	rec := b.NewRecordBatch()
	defer rec.Release()
	return array.NewRecordReader(adbc.TableTypesSchema, []arrow.RecordBatch{rec})
}

// TableTypeTopic is the table type of every topic.
const TableTypeTopic = "topic"

// GetTableSchema returns the schema SELECT * FROM topic would return; a
// missing topic is NotFound.
func (c *Connection) GetTableSchema(ctx context.Context, catalog, dbSchema *string, tableName string) (*arrow.Schema, error) {
	if err := c.sess.CheckOpen(); err != nil {
		return nil, err
	}
	if (catalog != nil && *catalog != "" && *catalog != CatalogName) || (dbSchema != nil && *dbSchema != "" && *dbSchema != DBSchemaName) {
		return nil, adbcerr.NewState(adbc.StatusNotFound, adbcerr.TableNotFound,
			"table %q not found: the cluster is catalog %q with the one schema %q", tableName, CatalogName, DBSchemaName)
	}
	sc, _, err := statement.TableSchema(ctx, c.sess, c.sess.Options, tableName, true)
	return sc, err
}

// SetOption sets a connection option: autocommit (only true), or any
// kafarr read or ingest option, which then applies to the connection's
// statements.
func (c *Connection) SetOption(key, value string) error {
	if err := c.sess.CheckOpen(); err != nil {
		return err
	}
	switch key {
	case adbc.OptionKeyAutoCommit:
		if value == adbc.OptionValueEnabled {
			return nil
		}
		if value == adbc.OptionValueDisabled {
			return adbc.Error{Code: adbc.StatusNotImplemented, Msg: "kafarr: autocommit cannot be disabled: Kafka reads and ingests are not transactions of the connection"}
		}
		return adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf("kafarr: option %s: got %q; it accepts true", key, value)}
	case adbc.OptionKeyReadOnly:
		if value == adbc.OptionValueDisabled {
			return nil
		}
		return adbc.Error{Code: adbc.StatusNotImplemented, Msg: "kafarr: read-only connections are not supported"}
	case adbc.OptionKeyCurrentCatalog:
		return setFixedName(key, value, CatalogName, "catalog")
	case adbc.OptionKeyCurrentDbSchema:
		return setFixedName(key, value, DBSchemaName, "database schema")
	}
	return c.sess.Options.Set(key, value)
}

// typed returns the typed option accessors over SetOption and GetOption,
// the same for the database, the connection and the statement.
func (c *Connection) typed() options.Getters {
	return options.Getters{Get: c.GetOption, Set: c.SetOption, Own: isConnectionKey}
}

// isConnectionKey reports the standard keys a connection handles itself.
func isConnectionKey(key string) bool {
	switch key {
	case adbc.OptionKeyAutoCommit, adbc.OptionKeyReadOnly, adbc.OptionKeyCurrentCatalog, adbc.OptionKeyCurrentDbSchema:
		return true
	}
	return false
}

// SetOptionBytes is refused: kafarr options are text (options.Getters).
func (c *Connection) SetOptionBytes(key string, v []byte) error {
	return c.orClosed(c.typed().SetOptionBytes(key, v))
}

// SetOptionInt sets an option from an integer.
func (c *Connection) SetOptionInt(key string, v int64) error {
	return c.orClosed(c.typed().SetOptionInt(key, v))
}

// SetOptionDouble sets an option from an integral double.
func (c *Connection) SetOptionDouble(key string, v float64) error {
	return c.orClosed(c.typed().SetOptionDouble(key, v))
}

// GetOption returns an option in force on the connection.
func (c *Connection) GetOption(key string) (string, error) {
	if err := c.sess.CheckOpen(); err != nil {
		return "", err
	}
	switch key {
	case adbc.OptionKeyAutoCommit:
		return adbc.OptionValueEnabled, nil
	case adbc.OptionKeyReadOnly:
		return adbc.OptionValueDisabled, nil
	case adbc.OptionKeyCurrentCatalog:
		return CatalogName, nil
	case adbc.OptionKeyCurrentDbSchema:
		return DBSchemaName, nil
	}
	return c.sess.Options.GetOption(key)
}

// GetOptionBytes returns an option's text as bytes.
func (c *Connection) GetOptionBytes(key string) ([]byte, error) { return c.typed().GetOptionBytes(key) }

// GetOptionInt returns an integer option.
func (c *Connection) GetOptionInt(key string) (int64, error) { return c.typed().GetOptionInt(key) }

// GetOptionDouble returns an integer option as a double.
func (c *Connection) GetOptionDouble(key string) (float64, error) {
	return c.typed().GetOptionDouble(key)
}

// setFixedName accepts setting the current catalog or database schema to
// the one kafarr has, so that tools that always set it work, and refuses
// any other name.
func setFixedName(key, value, name, what string) error {
	if value == name {
		return nil
	}
	return adbc.Error{Code: adbc.StatusNotFound, Msg: fmt.Sprintf(
		"kafarr: option %s: no %s %q; a Kafka cluster is one catalog %q with one database schema %q", key, what, value, CatalogName, DBSchemaName)}
}

// registryClient makes the schema registry client, or nil without a URL.
// It logs through logger; nil logs nothing.
func registryClient(o *options.Store, logger *slog.Logger) (*kafkaio.Registry, error) {
	r := o.Cluster().Registry
	if r.URL == "" {
		return nil, nil
	}
	ca, skip := r.CAFile, r.InsecureSkipVerify
	return kafkaio.NewRegistry(kafkaio.RegistryConfig{
		URL:         r.URL.Reveal(),
		Username:    r.Username,
		Password:    r.Password.Reveal(),
		BearerToken: r.BearerToken.Reveal(),
		TLS:         kafkaio.TLSConfig{Enabled: ca != "" || skip, CAFile: ca, InsecureSkipVerify: skip},
		Timeout:     r.Timeout,
		Logger:      logger,
	})
}
