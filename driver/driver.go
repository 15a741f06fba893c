package driver

import (
	"context"

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
	alloc memory.Allocator
}

// NewDriver returns kafarr's ADBC driver. Every Arrow buffer the driver
// creates comes from alloc; nil means memory.DefaultAllocator.
func NewDriver(alloc memory.Allocator) adbc.Driver {
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	return &Driver{alloc: alloc}
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
	if err := db.SetOptions(opts); err != nil {
		return nil, err
	}
	return db, nil
}
