package driver

import (
	"context"
	"log/slog"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/options"
)

// Version is kafarr's driver version, reported by GetInfo.
const Version = "0.1.0"

// DriverName is the driver name GetInfo reports.
const DriverName = "ADBC Kafka Driver (kafarr) - Go"

// Driver is kafarr's adbc.Driver. The zero value is not usable; create one
// with NewDriver.
type Driver struct {
	alloc  memory.Allocator
	logger *slog.Logger
}

// Option configures a Driver in NewDriver.
type Option func(*Driver)

// WithLogger makes every database of the driver log through l: franz-go's
// client logs and kafarr's own (connections, fetch rounds, retries, schema
// registry requests), at the levels l's handler enables. The option
// kafarr.log.level is then ignored. Secrets are never logged. A nil l is no
// logger.
func WithLogger(l *slog.Logger) Option {
	return func(d *Driver) { d.logger = l }
}

// NewDriver returns kafarr's ADBC driver. Every Arrow buffer the driver
// creates comes from alloc; nil means memory.DefaultAllocator. Without
// WithLogger, a database logs only when its kafarr.log.level option is
// not off.
func NewDriver(alloc memory.Allocator, opts ...Option) adbc.Driver {
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	d := &Driver{alloc: alloc}
	for _, o := range opts {
		if o != nil {
			o(d)
		}
	}
	return d
}

// NewDatabase returns a database configured by opts (see package options
// for the keys). Options are validated here; nothing connects until Open.
func (d *Driver) NewDatabase(opts map[string]string) (adbc.Database, error) {
	return d.NewDatabaseWithContext(context.Background(), opts)
}

// NewDatabaseWithContext is NewDatabase; the context is unused because
// creating a database does no I/O.
func (d *Driver) NewDatabaseWithContext(_ context.Context, opts map[string]string) (adbc.Database, error) {
	db := &Database{alloc: d.alloc, opts: options.NewStore()}
	db.logger.Store(d.logger)
	if err := db.SetOptions(opts); err != nil {
		return nil, err
	}
	return db, nil
}
