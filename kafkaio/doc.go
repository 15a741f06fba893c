// Package kafkaio holds everything that talks to Kafka and the schema
// registry: bounded partition reads built on franz-go, producing, topic
// administration, and the schema registry client with its cache.
//
// A read goes: Config.Opts / Connect for a *kgo.Client; Admin.Snapshot for
// the PartitionRanges (end offsets snapshotted per isolation level, starts
// from the log start, latest, a timestamp or a consumer group's commits);
// NewPartitionReader to read them, NextBatch until io.EOF; Positions for
// the offsets to commit with Admin.CommitOffsets.
//
// The Reader issues its own fetch requests (kmsg.FetchRequest through
// kgo.Client.Broker) rather than using kgo's consumer: it must know each
// partition's fetch position to stop at a snapshot end whose last offsets
// hold no deliverable record (transaction markers, aborted transactions,
// compaction), and kgo only reports positions through records. Record
// batches are decoded by this package into RecordBatch, which keeps keys and
// values as spans into the fetch buffers: no per-record allocation.
//
// Every error meant for a user is an adbc.Error with a status and a message
// naming the topic, partition, offset, subject or option involved; broker
// passwords, registry passwords and tokens never appear in them.
package kafkaio
