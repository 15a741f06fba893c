// Package avroarrow converts between Avro and Arrow. It maps Avro schemas to
// Arrow schemas and back, compiles a decoder per (writer, reader) schema pair
// that reads Avro binary straight into Arrow builders, encodes Arrow record
// batches to Avro binary, and handles the Confluent wire format (magic byte 0
// followed by a 4-byte big-endian schema id).
package avroarrow
