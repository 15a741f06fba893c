//go:build !duckdb_arrow

package main

// The CLI uses DuckDB's Arrow interface, which duckdb-go compiles only
// under the duckdb_arrow build tag. Build it with
//
//	go build -tags duckdb_arrow .    (or make cli, from the repository root)
//
// Without the tag, duck.go is left out and these names stop the build with
// the instruction as the error.
type duckDB = build_the_kafarr_cli_with_tags_duckdb_arrow

var openDuckDB = build_the_kafarr_cli_with_tags_duckdb_arrow
