package kafkaio

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestCheckTopicName(t *testing.T) {
	for _, ok := range []string{"a", "orders.v1", "A_b-9", strings.Repeat("x", 249), "...", "__private"} {
		if err := CheckTopicName(ok); err != nil {
			t.Errorf("CheckTopicName(%q): %v", ok, err)
		}
	}
	for name, want := range map[string]string{
		"":                       "must not be empty",
		".":                      `"." is not a valid topic name`,
		"..":                     `".." is not a valid topic name`,
		"a b":                    `"a b" is not a valid topic name`,
		"a/b":                    "only ASCII letters",
		"é":                      "only ASCII letters",
		strings.Repeat("x", 250): "250 characters long, over Kafka's limit of 249",
	} {
		requireStatus(t, CheckTopicName(name), adbc.StatusInvalidArgument, want)
	}
}

func TestTopicState(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(2), kfake.SeedTopics(3, "seeded"))
	adm := NewAdmin(newTestClient(t, c))
	ctx := testCtx(t)
	st, err := adm.TopicState(ctx, "seeded")
	if err != nil || !st.Exists || st.Internal || st.Partitions != 3 || len(st.Brokers) != 2 {
		t.Fatalf("TopicState(seeded) = %+v, %v", st, err)
	}
	st, err = adm.TopicState(ctx, "missing")
	if err != nil || st.Exists || st.Internal || len(st.Brokers) != 2 {
		t.Fatalf("TopicState(missing) = %+v, %v", st, err)
	}
	// Kafka's own topics are internal by name before they exist.
	for _, name := range []string{"__consumer_offsets", "__transaction_state", "__share_group_state", "__cluster_metadata"} {
		if st, err := adm.TopicState(ctx, name); err != nil || !st.Internal {
			t.Errorf("TopicState(%s) = %+v, %v; want internal", name, st, err)
		}
	}
}

func TestValidateCreateTopic(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "a_b"))
	adm := NewAdmin(newTestClient(t, c))
	ctx := testCtx(t)
	nt, err := adm.ValidateCreateTopic(ctx, "fresh", 4, 1)
	if err != nil || nt.Partitions != 4 {
		t.Fatalf("ValidateCreateTopic(fresh) = %+v, %v", nt, err)
	}
	if ok, _ := adm.TopicExists(ctx, "fresh"); ok {
		t.Fatal("validating a create created the topic")
	}
	_, err = adm.ValidateCreateTopic(ctx, "a_b", 1, 1)
	requireStatus(t, err, adbc.StatusAlreadyExists, `topic "a_b" already exists`)
	_, err = adm.ValidateCreateTopic(ctx, "a.b", 1, 1)
	requireStatus(t, err, adbc.StatusInvalidArgument, `topic "a.b" cannot be created`, "INVALID_TOPIC_EXCEPTION")
	_, err = adm.ValidateCreateTopic(ctx, "x", 1, 3)
	requireStatus(t, err, adbc.StatusInvalidArgument, `topic "x" cannot be created`, "INVALID_REPLICATION_FACTOR")
}

// TestMaxMessageBytes: a topic's own limit, else the broker's when the
// topic's configs may not be described, else Kafka's default.
func TestMaxMessageBytes(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(1))
	cl := newTestClient(t, c)
	adm := NewAdmin(cl)
	ctx := testCtx(t)
	v := "5000000"
	if err := adm.CreateTopic(ctx, "big", 1, 1, map[string]*string{"max.message.bytes": &v}); err != nil {
		t.Fatal(err)
	}
	if err := adm.CreateTopic(ctx, "plain", 1, 1, nil); err != nil {
		t.Fatal(err)
	}
	st, err := adm.TopicState(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	broker := st.Brokers[0]
	want := func(topic string, bytes int64, src LimitSource) {
		t.Helper()
		l, err := adm.MaxMessageBytes(ctx, topic, broker)
		if err != nil || l.Bytes != bytes || l.Source != src {
			t.Errorf("MaxMessageBytes(%s) = %+v, %v; want %d from %d", topic, l, err, bytes, src)
		}
	}
	want("big", 5000000, LimitTopic)
	want("plain", KafkaDefaultMaxMessageBytes, LimitTopic)

	var mode atomic.Int32 // 1: deny topics, 2: and brokers
	c.ControlKey(int16(kmsg.DescribeConfigs), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		dreq := req.(*kmsg.DescribeConfigsRequest)
		m := mode.Load()
		if m == 0 || m == 1 && dreq.Resources[0].ResourceType != kmsg.ConfigResourceTypeTopic {
			return nil, nil, false
		}
		resp := dreq.ResponseKind().(*kmsg.DescribeConfigsResponse)
		for _, r := range dreq.Resources {
			rr := kmsg.NewDescribeConfigsResponseResource()
			rr.ResourceType, rr.ResourceName, rr.ErrorCode = r.ResourceType, r.ResourceName, kerr.ClusterAuthorizationFailed.Code
			if r.ResourceType == kmsg.ConfigResourceTypeTopic {
				rr.ErrorCode = kerr.TopicAuthorizationFailed.Code
			}
			resp.Resources = append(resp.Resources, rr)
		}
		return resp, nil, true
	})
	mode.Store(1)
	want("big", KafkaDefaultMaxMessageBytes, LimitBroker)
	mode.Store(2)
	want("big", KafkaDefaultMaxMessageBytes, LimitKafkaDefault)
	if l, _ := adm.MaxMessageBytes(ctx, "big", broker); !errors.Is(l.Denied, kerr.TopicAuthorizationFailed) {
		t.Errorf("Denied = %v, want the topic's refusal", l.Denied)
	}
}
