// Package statement implements kafarr's adbc.Statement: planning a query,
// parsed by internal/sqlparse, into a bounded read of Kafka partitions, and
// executing it as a stream of Arrow record batches. Bulk ingest (Bind +
// ExecuteUpdate), which is a produce, is package ingest's; the statement
// keeps the bound data and the adbc.ingest.* options and dispatches to it.
package statement
