// Package statement implements kafarr's adbc.Statement: parsing the SQL subset
// kafarr understands, planning a query into a bounded read of Kafka
// partitions, executing it as a stream of Arrow record batches, and bulk
// ingest (Bind + ExecuteUpdate), which is a produce.
package statement
