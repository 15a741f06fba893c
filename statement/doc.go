// Package statement implements kafarr's adbc.Statement: planning a query,
// parsed by internal/sqlparse, into a bounded read of Kafka partitions,
// executing it as a stream of Arrow record batches, and bulk ingest (Bind +
// ExecuteUpdate), which is a produce.
package statement
