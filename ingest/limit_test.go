package ingest_test

// Tests of record size limits: the producer follows the topic's
// max.message.bytes (or the broker's default, or
// kafarr.ingest.max_record_bytes), records up to it are written and read
// back whole, and a larger one is refused before anything is written.

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafarr/kafarr/internal/testenv"
)

// bigTopicLimit is the max.message.bytes of the topics the large-record
// tests create: 20 MiB.
const bigTopicLimit = 20 << 20

// createTopicWith creates a topic with n partitions and topic configs.
func (e *ingestEnv) createTopicWith(t *testing.T, topic string, n int32, configs map[string]string) {
	t.Helper()
	cfg := map[string]*string{}
	for k, v := range configs {
		cfg[k] = &v
	}
	resp, err := e.adm.CreateTopic(ingCtx(t), n, 1, cfg, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatal(err)
	}
}

// payloadSchema is the schema of the large-record batches: an id, a
// payload, and the partition to write the row to.
var payloadSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "payload", Type: arrow.BinaryTypes.Binary},
	{Name: "p", Type: arrow.PrimitiveTypes.Int32},
}, nil)

// payload returns n pseudo-random (incompressible) bytes, the same for the
// same seed.
func payload(seed uint64, n int) []byte {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(key).Read(b) // never fails
	return b
}

// largeStacks runs fn on the real stack when it is configured (or
// required), else on the devstack: records of many megabytes cost kfake
// (under the race detector) far more than a broker, and tell nothing more.
func largeStacks(t *testing.T, fn func(t *testing.T, e *ingestEnv)) {
	if os.Getenv(testenv.EnvBrokers) != "" || os.Getenv(testenv.EnvRequireStack) == "1" {
		fn(t, ingOpenEnv(t, testenv.Brokers(t), testenv.Registry(t), nil))
		return
	}
	fn(t, ingDevEnv(t))
}

// payloadBatch builds one row per payload: id i, payload[i], partition
// parts[i] (0 when parts is nil).
func (e *ingestEnv) payloadBatch(t *testing.T, payloads [][]byte, parts []int32) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(e.mem, payloadSchema)
	defer b.Release()
	for i, p := range payloads {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.BinaryBuilder).Append(p)
		var part int32
		if parts != nil {
			part = parts[i]
		}
		b.Field(2).(*array.Int32Builder).Append(part)
	}
	rec := b.NewRecordBatch()
	t.Cleanup(rec.Release)
	return rec
}

// readPayloads reads the topic back through the driver, with statement
// options opts, and returns each row's payload by id.
func (e *ingestEnv) readPayloads(t *testing.T, topic string, opts map[string]string) map[int64][]byte {
	t.Helper()
	st, err := e.cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for k, v := range opts {
		if err := st.SetOption(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetSqlQuery(fmt.Sprintf(`SELECT id, payload FROM %q`, topic)); err != nil {
		t.Fatal(err)
	}
	rdr, _, err := st.ExecuteQuery(ingCtx(t))
	if err != nil {
		t.Fatalf("reading %s back: %v", topic, err)
	}
	defer rdr.Release()
	out := map[int64][]byte{}
	for rdr.Next() {
		rec := rdr.RecordBatch()
		ids := rec.Column(0).(*array.Int64)
		pays := rec.Column(1).(*array.Binary)
		for i := 0; i < int(rec.NumRows()); i++ {
			if _, dup := out[ids.Value(i)]; dup {
				t.Fatalf("id %d read twice", ids.Value(i))
			}
			out[ids.Value(i)] = bytes.Clone(pays.Value(i))
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatalf("reading %s back: %v", topic, err)
	}
	return out
}

// wantPayloads fails unless got holds exactly want, byte for byte.
func wantPayloads(t *testing.T, got map[int64][]byte, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read back %d rows, want %d", len(got), len(want))
	}
	for i, w := range want {
		g, ok := got[int64(i)]
		switch {
		case !ok:
			t.Errorf("row %d (%d bytes) not read back", i, len(w))
		case !bytes.Equal(g, w):
			t.Errorf("row %d: read back %d bytes, not the %d written", i, len(g), len(w))
		}
	}
}

// TestIngestLargeRecords: records of 5 MB and 15 MB go into a topic whose
// max.message.bytes is 20 MiB, in two partitions and with and without
// compression, and read back byte for byte equal, by a plain read and a
// consumer group's; small rows around them too.
func TestIngestLargeRecords(t *testing.T) {
	largeStacks(t, func(t *testing.T, e *ingestEnv) {
		topic := e.topic(t)
		e.createTopicWith(t, topic, 2, map[string]string{"max.message.bytes": strconv.Itoa(bigTopicLimit)})
		want := [][]byte{payload(1, 100), payload(2, 5_000_000), payload(3, 15_000_000), payload(4, 100)}
		rec := e.payloadBatch(t, want, []int32{0, 0, 1, 1})
		e.mustIngest(t, topic, rec, map[string]string{"kafarr.ingest.partition_column": "p"})
		wantPayloads(t, e.readPayloads(t, topic, nil), want)
		// A consumer group's read goes through kgo's consumer.
		wantPayloads(t, e.readPayloads(t, topic, map[string]string{"kafarr.consumer.group": "g-" + topic}), want)

		// Through a compressing producer too (a second topic: ids 0 and
		// 1 again would clash).
		topic2 := e.topic(t)
		e.createTopicWith(t, topic2, 1, map[string]string{"max.message.bytes": strconv.Itoa(bigTopicLimit)})
		want2 := [][]byte{payload(5, 5_000_000), payload(6, 100)}
		e.mustIngest(t, topic2, e.payloadBatch(t, want2, nil), map[string]string{"kafarr.ingest.compression": "zstd"})
		wantPayloads(t, e.readPayloads(t, topic2, nil), want2)
	})
}

// oneRecordBatch is the size the broker gives a batch of one record with
// no key and no headers, whose value is n bytes (2^20 <= n < 2^27): the
// 61-byte batch header, the record's length (4 bytes), attributes,
// timestamp and offset deltas (1 byte each), the null key (1), the value's
// length (4), the value and the header count (1).
func oneRecordBatch(value int) int { return 61 + 4 + 3 + 1 + 4 + value + 1 }

// payloadValue is the size of the value of a payloadSchema row with a
// small id, partition 0 and a payload of n bytes (2^20 <= n < 2^27) under
// the schema derived from it: the 5-byte frame, the id (1 byte), the
// payload's length (4) and bytes, and p (1).
func payloadValue(n int) int { return 5 + 1 + 4 + n + 1 }

// TestIngestRecordOverLimit: a 25 MB record into a topic allowing 20 MiB
// is refused with InvalidArgument naming the row, the size as the broker
// counts it, the limit and the topic's max.message.bytes; nothing of the
// batch is produced, and a refused first batch registers no schema. At a
// limit of 3 MiB, a record of exactly the limit goes and one a byte
// larger does not.
func TestIngestRecordOverLimit(t *testing.T) {
	largeStacks(t, func(t *testing.T, e *ingestEnv) {
		topic := e.topic(t)
		e.createTopicWith(t, topic, 1, map[string]string{"max.message.bytes": strconv.Itoa(bigTopicLimit)})
		subjectsBefore := e.subjects(t, topic)
		big := payload(7, 25_000_000)
		rec := e.payloadBatch(t, [][]byte{payload(8, 10), payload(9, 10), big}, nil)
		size := oneRecordBatch(payloadValue(len(big)))
		n, err := e.ingest(t, topic, rec, nil)
		ingWantStatus(t, err, adbc.StatusInvalidArgument, topic, "row 2",
			fmt.Sprintf("record of %d bytes", size), fmt.Sprintf("limit of %d bytes", bigTopicLimit),
			"max.message.bytes of topic", "nothing of this batch was produced")
		if n > 0 {
			t.Errorf("refused ingest returned %d rows", n)
		}
		if end := e.totalEnd(t, topic); end != 0 {
			t.Errorf("topic end offset %d after a refused ingest, want 0", end)
		}
		if got := e.subjects(t, topic); fmt.Sprint(got) != fmt.Sprint(subjectsBefore) {
			t.Errorf("subjects %v after a refused ingest, were %v", got, subjectsBefore)
		}

		const limit = 3 << 20
		topic2 := e.topic(t)
		e.createTopicWith(t, topic2, 1, map[string]string{"max.message.bytes": strconv.Itoa(limit)})
		at := payload(10, limit-oneRecordBatch(payloadValue(0)))
		e.mustIngest(t, topic2, e.payloadBatch(t, [][]byte{at}, nil), nil)
		over := payload(10, len(at)+1)
		_, err = e.ingest(t, topic2, e.payloadBatch(t, [][]byte{over}, nil), nil)
		ingWantStatus(t, err, adbc.StatusInvalidArgument, "row 0", fmt.Sprintf("record of %d bytes", limit+1), fmt.Sprintf("limit of %d bytes", limit))
		if end := e.totalEnd(t, topic2); end != 1 {
			t.Errorf("topic end offset %d, want 1", end)
		}
	})
}

// TestIngestMaxRecordBytesOption: kafarr.ingest.max_record_bytes replaces
// the topic's limit both ways: lower, it refuses records the topic would
// take, naming the option; higher than the topic takes, the broker
// refuses, and the error names the option. The pooled producers of one
// connection keep their limits apart. (Raising a limit the cluster would
// not tell: TestIngestLimitWithoutDescribeConfigs.)
func TestIngestMaxRecordBytesOption(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		topic := e.topic(t)
		e.createTopicWith(t, topic, 1, map[string]string{"max.message.bytes": strconv.Itoa(4 << 20)})
		three := [][]byte{payload(11, 3_000_000)}
		small := map[string]string{"kafarr.ingest.max_record_bytes": "2500000"}
		_, err := e.ingest(t, topic, e.payloadBatch(t, three, nil), small)
		ingWantStatus(t, err, adbc.StatusInvalidArgument, "row 0", "limit of 2500000 bytes", "kafarr.ingest.max_record_bytes")
		// The same connection, the topic's own limit: it goes.
		e.mustIngest(t, topic, e.payloadBatch(t, three, nil), nil)
		// And the small limit again: still refused.
		_, err = e.ingest(t, topic, e.payloadBatch(t, three, nil), small)
		ingWantStatus(t, err, adbc.StatusInvalidArgument, "limit of 2500000 bytes")
		if end := e.totalEnd(t, topic); end != 1 {
			t.Errorf("topic end offset %d, want 1", end)
		}
		// An option above what the topic allows: the broker refuses,
		// and the error says so.
		_, err = e.ingest(t, topic, e.payloadBatch(t, [][]byte{payload(12, 5_000_000)}, nil),
			map[string]string{"kafarr.ingest.max_record_bytes": "8000000"})
		ingWantStatus(t, err, adbc.StatusInvalidArgument, topic, "MESSAGE_TOO_LARGE", "kafarr.ingest.max_record_bytes")
	})
}

// denyDescribeConfigs makes the kfake cluster refuse DescribeConfigs as a
// cluster with ACLs does for a principal without DESCRIBE_CONFIGS: of
// topics when *mode is 1, of topics and brokers when it is 2.
func denyDescribeConfigs(e *ingestEnv) (mode *atomic.Int32) {
	mode = new(atomic.Int32)
	c := e.dev.Cluster()
	c.ControlKey(int16(kmsg.DescribeConfigs), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		dreq := req.(*kmsg.DescribeConfigsRequest)
		deny := false
		for _, r := range dreq.Resources {
			if m := mode.Load(); m == 1 && r.ResourceType == kmsg.ConfigResourceTypeTopic || m == 2 {
				deny = true
			}
		}
		if !deny {
			return nil, nil, false
		}
		resp := dreq.ResponseKind().(*kmsg.DescribeConfigsResponse)
		for _, r := range dreq.Resources {
			rr := kmsg.NewDescribeConfigsResponseResource()
			rr.ResourceType, rr.ResourceName = r.ResourceType, r.ResourceName
			rr.ErrorCode = kerr.TopicAuthorizationFailed.Code
			if r.ResourceType == kmsg.ConfigResourceTypeBroker {
				rr.ErrorCode = kerr.ClusterAuthorizationFailed.Code
			}
			resp.Resources = append(resp.Resources, rr)
		}
		return resp, nil, true
	})
	return mode
}

// TestIngestLimitWithoutDescribeConfigs: when the topic's configs may not
// be described, the limit is the broker's message.max.bytes, and when the
// broker's may not be either, Kafka's default 1048588; each refusal names
// that side, and kafarr.ingest.max_record_bytes lifts it (kfake).
func TestIngestLimitWithoutDescribeConfigs(t *testing.T) {
	e := ingDevEnv(t)
	topic := e.topic(t)
	e.createTopicWith(t, topic, 1, map[string]string{"max.message.bytes": strconv.Itoa(bigTopicLimit)})
	// The broker's default for topics, raised to 3000000.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v := "3000000"
	if _, err := e.adm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{{Name: "message.max.bytes", Value: &v}}); err != nil {
		t.Fatal(err)
	}

	deny := denyDescribeConfigs(e)
	deny.Store(1)
	two, four := [][]byte{payload(13, 2_000_000)}, [][]byte{payload(14, 4_000_000)}
	e.mustIngest(t, topic, e.payloadBatch(t, two, nil), nil)
	_, err := e.ingest(t, topic, e.payloadBatch(t, four, nil), nil)
	ingWantStatus(t, err, adbc.StatusInvalidArgument, "row 0", "limit of 3000000 bytes", "broker's message.max.bytes")

	deny.Store(2)
	_, err = e.ingest(t, topic, e.payloadBatch(t, two, nil), nil)
	// Below 2 MiB the producer keeps a byte for the batch's length.
	ingWantStatus(t, err, adbc.StatusInvalidArgument, "row 0", "limit of 1048587 bytes", "Kafka's default", "1048588 bytes, less 1")
	e.mustIngest(t, topic, e.payloadBatch(t, four, nil), map[string]string{"kafarr.ingest.max_record_bytes": strconv.Itoa(bigTopicLimit)})
	if end := e.totalEnd(t, topic); end != 2 {
		t.Errorf("topic end offset %d, want 2", end)
	}
}
