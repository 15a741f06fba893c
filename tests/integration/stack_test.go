package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kafarr/kafarr/internal/testenv"
)

// TestRealStack checks the stack started by tests/stack/stack.sh: a real
// Kafka broker and a real schema registry.
func TestRealStack(t *testing.T) {
	brokers := testenv.Brokers(t)
	registry := testenv.Registry(t)
	t.Run("produce and consume", func(t *testing.T) { checkProduceConsume(t, brokers) })
	t.Run("schema round trip", func(t *testing.T) { checkSchemaRoundTrip(t, registry) })
}

// TestDevStack runs the same checks against the in-process kfake + srfake
// stack, which the demo and the broker-less tests rely on.
func TestDevStack(t *testing.T) {
	s := testenv.DevStack(t)
	t.Run("produce and consume", func(t *testing.T) { checkProduceConsume(t, s.Brokers()) })
	t.Run("schema round trip", func(t *testing.T) { checkSchemaRoundTrip(t, s.RegistryURL()) })
}

// checkProduceConsume creates a three-partition topic, produces records to
// explicit partitions with acks=all, and reads them back by direct partition
// assignment, comparing every partition, offset, key, value and header.
func checkProduceConsume(t *testing.T, brokers string) {
	const (
		partitions   = 3
		perPartition = 40
		total        = partitions * perPartition
	)
	ctx := testContext(t)
	topic := testenv.Topic(t)
	adm := newAdmin(t, brokers)
	createTopic(t, ctx, adm, topic, partitions)

	producer := newKafkaClient(t, brokers,
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
	)
	want := make([]*kgo.Record, total)
	for i := range want {
		want[i] = &kgo.Record{
			Topic:     topic,
			Partition: int32(i % partitions),
			Key:       fmt.Appendf(nil, "key-%03d", i),
			// Varying lengths, and an empty value, so a mix-up of
			// record boundaries would show.
			Value:   bytes.Repeat([]byte{byte('a' + i%26)}, i%17),
			Headers: []kgo.RecordHeader{{Key: "seq", Value: []byte(strconv.Itoa(i))}},
		}
	}
	results := producer.ProduceSync(ctx, want...)
	if err := results.FirstErr(); err != nil {
		t.Fatalf("produce %d records to %s: %v", total, topic, err)
	}
	// ProduceSync reports in completion order; its records are ours, so
	// index them back. Records to one partition are acknowledged at
	// consecutive offsets in produce order.
	index := make(map[*kgo.Record]int, total)
	for i, r := range want {
		index[r] = i
	}
	if len(results) != total {
		t.Fatalf("produce returned %d results, want %d", len(results), total)
	}
	for _, r := range results {
		i := index[r.Record]
		if wantOff := int64(i / partitions); r.Record.Offset != wantOff || r.Record.Partition != int32(i%partitions) {
			t.Errorf("record %d acknowledged at %s/%d@%d, want %s/%d@%d",
				i, topic, r.Record.Partition, r.Record.Offset, topic, i%partitions, wantOff)
		}
	}

	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatalf("list end offsets of %s: %v", topic, err)
	}
	for p := range int32(partitions) {
		o, ok := ends.Lookup(topic, p)
		if !ok || o.Err != nil || o.Offset != perPartition {
			t.Errorf("end offset of %s/%d = %d (found %v, err %v), want %d", topic, p, o.Offset, ok, o.Err, perPartition)
		}
	}

	assign := map[int32]kgo.Offset{}
	for p := range int32(partitions) {
		assign[p] = kgo.NewOffset().AtStart()
	}
	consumer := newKafkaClient(t, brokers,
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: assign}),
	)
	got := make(map[int32][]*kgo.Record)
	n := 0
	for n < total {
		fetches := consumer.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records from %s before the deadline: %v", n, total, topic, err)
		}
		fetches.EachError(func(topic string, p int32, err error) {
			t.Fatalf("fetch %s/%d: %v", topic, p, err)
		})
		fetches.EachRecord(func(r *kgo.Record) {
			got[r.Partition] = append(got[r.Partition], r)
			n++
		})
	}
	if n != total {
		t.Fatalf("consumed %d records from %s, want exactly %d", n, topic, total)
	}

	for i, w := range want {
		p, off := w.Partition, i/partitions
		if off >= len(got[p]) {
			t.Errorf("%s/%d: no record at offset %d (got %d records)", topic, p, off, len(got[p]))
			continue
		}
		g := got[p][off]
		if g.Offset != int64(off) || g.Topic != topic ||
			!bytes.Equal(g.Key, w.Key) || !bytes.Equal(g.Value, w.Value) ||
			len(g.Headers) != 1 || g.Headers[0].Key != "seq" || !bytes.Equal(g.Headers[0].Value, w.Headers[0].Value) {
			t.Errorf("%s/%d record %d = offset %d key %q value %q headers %v; want offset %d key %q value %q seq %s",
				topic, p, off, g.Offset, g.Key, g.Value, g.Headers, off, w.Key, w.Value, w.Headers[0].Value)
		}
	}
}

// checkSchemaRoundTrip registers two versions of an Avro schema and reads
// them back by id, by version and as latest, then deletes the subject.
func checkSchemaRoundTrip(t *testing.T, url string) {
	ctx := testContext(t)
	cl := newRegistryClient(t, url)
	subject := testenv.Topic(t) + "-value"

	const v1 = `{"type":"record","name":"Tick","namespace":"kafarr.test","fields":[` +
		`{"name":"symbol","type":"string"},{"name":"price","type":"double"}]}`
	const v2 = `{"type":"record","name":"Tick","namespace":"kafarr.test","fields":[` +
		`{"name":"symbol","type":"string"},{"name":"price","type":"double"},` +
		`{"name":"size","type":["null","long"],"default":null}]}`

	ss1, err := cl.CreateSchema(ctx, subject, sr.Schema{Schema: v1, Type: sr.TypeAvro})
	if err != nil {
		t.Fatalf("register v1 under %s: %v", subject, err)
	}
	// Hard-delete what the test registered, even when it fails midway.
	registered := []int{1}
	t.Cleanup(func() { deleteSubject(t, cl, subject, registered) })
	if ss1.Subject != subject || ss1.Version != 1 || ss1.ID <= 0 {
		t.Fatalf("register v1 = subject %q version %d id %d; want %q version 1 and a positive id", ss1.Subject, ss1.Version, ss1.ID, subject)
	}

	byID, err := cl.SchemaByID(ctx, ss1.ID)
	if err != nil {
		t.Fatalf("schema by id %d: %v", ss1.ID, err)
	}
	if byID.Schema != v1 || byID.Type != sr.TypeAvro {
		t.Errorf("schema by id %d = %v %q, want AVRO %q", ss1.ID, byID.Type, byID.Schema, v1)
	}

	// Registering the same schema again is a no-op returning the same ids.
	again, err := cl.CreateSchema(ctx, subject, sr.Schema{Schema: v1, Type: sr.TypeAvro})
	if err != nil {
		t.Fatalf("re-register v1: %v", err)
	}
	if again.ID != ss1.ID || again.Version != 1 {
		t.Errorf("re-register v1 = id %d version %d, want id %d version 1", again.ID, again.Version, ss1.ID)
	}

	ss2, err := cl.CreateSchema(ctx, subject, sr.Schema{Schema: v2, Type: sr.TypeAvro})
	if err != nil {
		t.Fatalf("register v2 under %s: %v", subject, err)
	}
	registered = append(registered, 2)
	if ss2.Version != 2 || ss2.ID == ss1.ID {
		t.Errorf("register v2 = version %d id %d, want version 2 and an id other than %d", ss2.Version, ss2.ID, ss1.ID)
	}

	latest, err := cl.SchemaByVersion(ctx, subject, -1)
	if err != nil {
		t.Fatalf("latest of %s: %v", subject, err)
	}
	if latest.Version != 2 || latest.ID != ss2.ID || latest.Schema.Schema != v2 {
		t.Errorf("latest of %s = version %d id %d %q; want version 2 id %d %q", subject, latest.Version, latest.ID, latest.Schema.Schema, ss2.ID, v2)
	}
	first, err := cl.SchemaByVersion(ctx, subject, 1)
	if err != nil {
		t.Fatalf("version 1 of %s: %v", subject, err)
	}
	if first.ID != ss1.ID || first.Schema.Schema != v1 {
		t.Errorf("version 1 of %s = id %d %q; want id %d %q", subject, first.ID, first.Schema.Schema, ss1.ID, v1)
	}

	missing := max(ss1.ID, ss2.ID) + 1_000_000
	_, err = cl.SchemaByID(ctx, missing)
	var re *sr.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusNotFound || re.ErrorCode != 40403 {
		t.Errorf("schema by unknown id %d: err = %v, want HTTP 404 with error_code 40403", missing, err)
	}
}

// deleteSubject soft- then hard-deletes subject (the registry requires a
// soft delete before a hard one); each must report exactly the versions the
// test registered.
func deleteSubject(t *testing.T, cl *sr.Client, subject string, want []int) {
	t.Helper()
	// t.Context() is already done during cleanup.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, how := range []sr.DeleteHow{sr.SoftDelete, sr.HardDelete} {
		versions, err := cl.DeleteSubject(ctx, subject, how)
		if err != nil {
			t.Errorf("delete subject %s (hard=%v): %v", subject, how, err)
			return
		}
		slices.Sort(versions)
		if !slices.Equal(versions, want) {
			t.Errorf("delete subject %s (hard=%v) removed versions %v, want %v", subject, how, versions, want)
		}
	}
}
