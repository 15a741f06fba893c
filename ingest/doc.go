// Package ingest is kafarr's bulk ingest: Arrow record batches encoded
// against the subject's Avro schema (or one derived from the columns) and
// produced to a topic with an idempotent, acks=all producer borrowed from
// the connection's pool.
//
// A statement keeps the ADBC ingest options (Options: adbc.ingest.*) and the
// bound data, and calls Run with the kafarr.ingest.* settings in force. Run
// checks everything that can refuse (topic, columns, schema compatibility)
// before anything is written, then registers the schema and creates the
// topic as the mode asks, and returns once every row is acknowledged (a
// transactional ingest commits its transaction first).
package ingest
