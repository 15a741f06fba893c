// Package driver is kafarr's ADBC driver: the adbc.Driver, adbc.Database and
// adbc.Connection objects. It owns connection options (the bootstrap servers,
// the schema registry, security, and the read and ingest defaults that
// connections and statements inherit), the catalog (topics as tables) and
// partitioned reads.
//
// NewDriver(alloc) is the entry point for Go users (NewDriver(alloc,
// WithLogger(l)) logs through a log/slog logger); the C shared library in
// pkg/cshared wraps the same driver.
package driver
