package kafkaio

import (
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafarr/kafarr/internal/adbcerr"
)

// The checks a writer makes before it changes anything: whether a topic
// name is one Kafka accepts, whether the topic is one of Kafka's own,
// whether a topic could be created, and how large a record it takes.

// MaxTopicNameLen is the longest topic name Kafka accepts.
const MaxTopicNameLen = 249

// CheckTopicName returns an InvalidArgument error naming topic unless
// Kafka accepts it as a topic name: 1 to 249 characters from
// [a-zA-Z0-9._-], and neither "." nor "..".
func CheckTopicName(topic string) error {
	switch {
	case topic == "":
		return adbcerr.New(adbc.StatusInvalidArgument, "a topic name must not be empty")
	case topic == "." || topic == "..":
		return adbcerr.New(adbc.StatusInvalidArgument, "%q is not a valid topic name (Kafka forbids \".\" and \"..\")", topic)
	case len(topic) > MaxTopicNameLen:
		return adbcerr.New(adbc.StatusInvalidArgument, "topic name %q is %d characters long, over Kafka's limit of %d", topic, len(topic), MaxTopicNameLen)
	}
	for _, c := range []byte(topic) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return adbcerr.New(adbc.StatusInvalidArgument,
				"%q is not a valid topic name: Kafka allows only ASCII letters, digits, '.', '_' and '-'", topic)
		}
	}
	return nil
}

// kafkaTopics are the names of Kafka's own topics, which no client may
// write to: metadata flags the existing ones as internal, but a cluster
// that never used groups, transactions or share groups has not created
// theirs yet, and the KRaft metadata log never shows in metadata.
var kafkaTopics = []string{"__consumer_offsets", "__transaction_state", "__share_group_state", "__cluster_metadata"}

// TopicState is what a writer needs to know about a topic before it
// writes: whether it exists and is Kafka's own, its partition count, and
// the brokers.
type TopicState struct {
	// Exists is false when metadata does not know the topic.
	Exists bool
	// Internal is true for Kafka's own topics (__consumer_offsets,
	// __transaction_state, ...), whether they exist yet or not.
	Internal bool
	// Partitions is the partition count of an existing topic.
	Partitions int
	// Brokers are the node ids of the cluster's brokers, ascending.
	Brokers []int32
	// ops is the bitfield of ACL operations the caller may perform on
	// an existing topic (bit kmsg.ACLOperation), or math.MinInt32 when
	// the broker does not say (before Kafka 2.3).
	ops int32
}

// Permits reports whether the caller may perform op on the topic; true
// when the broker does not say (the operation then fails by itself).
func (s TopicState) Permits(op kmsg.ACLOperation) bool {
	return !s.Exists || s.ops == math.MinInt32 || s.ops&(1<<int32(op)) != 0
}

// TopicState returns the state of topic from a fresh metadata request,
// with the caller's permissions on it. A missing topic is no error; an
// invalid name and other failures are.
func (a *Admin) TopicState(ctx context.Context, topic string) (TopicState, error) {
	st := TopicState{Internal: slices.Contains(kafkaTopics, topic), ops: math.MinInt32}
	req := kmsg.NewPtrMetadataRequest()
	req.AllowAutoTopicCreation = false
	req.IncludeTopicAuthorizedOperations = true
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, a.cl)
	if err != nil {
		return st, adbcerr.Wrap(err, "loading metadata of topic %q", topic)
	}
	for _, b := range resp.Brokers {
		st.Brokers = append(st.Brokers, b.NodeID)
	}
	slices.Sort(st.Brokers)
	for _, t := range resp.Topics {
		if t.Topic == nil || *t.Topic != topic {
			continue
		}
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			if errors.Is(err, kerr.UnknownTopicOrPartition) {
				return st, nil
			}
			return st, adbcerr.Wrap(err, "loading metadata of topic %q", topic)
		}
		st.Exists, st.Partitions, st.ops = true, len(t.Partitions), t.AuthorizedOperations
		st.Internal = st.Internal || t.IsInternal
	}
	return st, nil
}

// NewTopic is what CreateTopics answers for a topic it would create.
type NewTopic struct {
	// Partitions is the partition count the topic would get.
	Partitions int32
	// MaxMessageBytes is its max.message.bytes, or 0 when the broker
	// does not say (before Kafka 2.4, or kfake for a config not given).
	MaxMessageBytes int64
}

// ValidateCreateTopic asks the cluster whether CreateTopic(topic,
// partitions, replicationFactor, no configs) would succeed, without
// creating anything: the broker checks the name (including a collision
// with an existing topic differing only in '.' and '_'), the counts,
// its policies and the caller's authorization. A refusal is an error
// naming the topic with the broker's reason: InvalidArgument for a bad
// name or count, AlreadyExists, Unauthorized.
func (a *Admin) ValidateCreateTopic(ctx context.Context, topic string, partitions int32, replicationFactor int16) (NewTopic, error) {
	resps, err := a.adm.ValidateCreateTopics(ctx, partitions, replicationFactor, nil, topic)
	if err == nil {
		resp, ok := resps[topic]
		if !ok {
			return NewTopic{}, adbcerr.New(adbc.StatusIO, "checking that topic %q can be created: the broker did not answer for it", topic)
		}
		if err = resp.Err; err == nil {
			nt := NewTopic{Partitions: resp.NumPartitions}
			if c, ok := resp.Configs["max.message.bytes"]; ok && c.Value != nil {
				nt.MaxMessageBytes, _ = strconv.ParseInt(*c.Value, 10, 64)
			}
			return nt, nil
		}
		if errors.Is(err, kerr.TopicAlreadyExists) {
			return NewTopic{}, topicExists(topic)
		}
		if resp.ErrMessage != "" {
			return NewTopic{}, adbcerr.Wrap(err, "topic %q cannot be created (%s)", topic, strings.ReplaceAll(resp.ErrMessage, "%", "%%"))
		}
	}
	return NewTopic{}, adbcerr.Wrap(err, "topic %q cannot be created", topic)
}

// KafkaDefaultMaxMessageBytes is Kafka's default message.max.bytes, the
// largest record batch a broker accepts unless configured otherwise:
// 1 MiB plus the 12 bytes of a batch's offset and length.
const KafkaDefaultMaxMessageBytes = 1048588

// LimitSource says where a record size limit comes from.
type LimitSource uint8

const (
	// LimitTopic is the topic's max.message.bytes.
	LimitTopic LimitSource = iota
	// LimitNewTopic is the max.message.bytes a topic created without
	// configs gets: the broker's message.max.bytes.
	LimitNewTopic
	// LimitBroker is the broker's message.max.bytes, used when the
	// topic's configs may not be described.
	LimitBroker
	// LimitKafkaDefault is KafkaDefaultMaxMessageBytes, used when neither
	// the topic's nor the broker's configs may be described.
	LimitKafkaDefault
)

// Limit is the largest record batch, as the broker counts it, that a
// topic accepts, and where that figure comes from.
type Limit struct {
	Bytes  int64
	Source LimitSource
	// Denied is the DescribeConfigs refusal that made the source
	// LimitBroker or LimitKafkaDefault.
	Denied error
}

// MaxMessageBytes returns the max.message.bytes of topic. When the
// caller may not describe the topic's configs, it is the
// message.max.bytes of broker (the default of every topic without its
// own), and when it may not describe the broker's either, Kafka's
// default. Other failures are errors.
func (a *Admin) MaxMessageBytes(ctx context.Context, topic string, broker int32) (Limit, error) {
	v, err := a.describeConfig(ctx, kmsg.ConfigResourceTypeTopic, topic, "max.message.bytes")
	if err == nil {
		return Limit{Bytes: v, Source: LimitTopic}, nil
	}
	if !denied(err) {
		return Limit{}, adbcerr.Wrap(err, "describing the configs of topic %q", topic)
	}
	l, berr := a.BrokerMaxMessageBytes(ctx, broker)
	l.Denied = err
	return l, berr
}

// BrokerMaxMessageBytes returns the message.max.bytes of broker, the
// max.message.bytes of topics created without one, or Kafka's default
// when the caller may not describe the broker's configs.
func (a *Admin) BrokerMaxMessageBytes(ctx context.Context, broker int32) (Limit, error) {
	v, err := a.describeConfig(ctx, kmsg.ConfigResourceTypeBroker, strconv.Itoa(int(broker)), "message.max.bytes")
	switch {
	case err == nil:
		return Limit{Bytes: v, Source: LimitBroker}, nil
	case denied(err):
		return Limit{Bytes: KafkaDefaultMaxMessageBytes, Source: LimitKafkaDefault, Denied: err}, nil
	}
	return Limit{}, adbcerr.Wrap(err, "describing the configs of broker %d", broker)
}

// describeConfig returns the integer config name of one resource, asking
// for that config alone. kgo sends a broker's DescribeConfigs to that
// broker, as Kafka requires.
func (a *Admin) describeConfig(ctx context.Context, typ kmsg.ConfigResourceType, resource, name string) (int64, error) {
	req := kmsg.NewPtrDescribeConfigsRequest()
	rr := kmsg.NewDescribeConfigsRequestResource()
	rr.ResourceType, rr.ResourceName, rr.ConfigNames = typ, resource, []string{name}
	req.Resources = append(req.Resources, rr)
	resp, err := req.RequestWith(ctx, a.cl)
	if err != nil {
		return 0, err
	}
	for _, r := range resp.Resources {
		if r.ResourceType != typ || r.ResourceName != resource {
			continue
		}
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			return 0, err
		}
		for _, c := range r.Configs {
			if c.Name != name || c.Value == nil {
				continue
			}
			v, perr := strconv.ParseInt(*c.Value, 10, 64)
			if perr != nil || v < 0 {
				return 0, adbcerr.New(adbc.StatusIO, "config %s of %s %q is %q, not a byte count", name, typ, resource, *c.Value)
			}
			return v, nil
		}
		return 0, adbcerr.New(adbc.StatusIO, "the broker did not return config %s of %s %q", name, typ, resource)
	}
	return 0, adbcerr.New(adbc.StatusIO, "the broker did not answer DescribeConfigs for %s %q", typ, resource)
}

// denied reports whether a DescribeConfigs failure is a refusal to
// describe (an authorization error, or a broker without the request),
// after which a writer falls back to a default rather than failing.
func denied(err error) bool {
	return errors.Is(err, kerr.TopicAuthorizationFailed) || errors.Is(err, kerr.ClusterAuthorizationFailed) ||
		errors.Is(err, kerr.UnsupportedVersion)
}
