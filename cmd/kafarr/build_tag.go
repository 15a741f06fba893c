//go:build !duckdb_arrow

package main

// The CLI uses DuckDB's Arrow interface, which duckdb-go compiles only
// under the duckdb_arrow build tag. Build it with
//
//	go build -tags duckdb_arrow .    (or make cli, from the repository root)
//
// Without the tag this file stops the build with the name below.
var _ = build_the_kafarr_cli_with_tags_duckdb_arrow
