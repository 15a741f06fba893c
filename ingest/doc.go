// Package ingest is kafarr's bulk ingest: Arrow record batches encoded
// against the subject's Avro schema (or one derived from the columns) and
// produced to a topic with an idempotent, acks=all producer borrowed from
// the connection's pool.
//
// A statement keeps the ADBC ingest options (Options: adbc.ingest.*) and the
// bound data, and calls Run with the kafarr.ingest.* settings in force. Run
// checks everything that can refuse (the topic's name and kind, the mode,
// whether the broker would create it, the columns against the schemas, and
// the first batch in full, record sizes included) before anything is
// written, then registers the schema and creates the topic as the mode
// asks, and returns once every row is acknowledged (a transactional ingest
// commits its transaction first). Records are limited to the topic's
// max.message.bytes (or kafarr.ingest.max_record_bytes), and the producer
// builds its batches within it.
package ingest
