package kafkaio

import (
	"context"
	"errors"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafarr/kafarr/internal/adbcerr"
)

// Admin runs topic administration and offset planning against one cluster.
// It is safe for concurrent use and holds no state beyond the client.
//
// Every topic lookup issues a fresh metadata request rather than reading
// kgo's metadata cache (which may be up to 5s old): a driver creates,
// deletes and reads topics within one session, and a cached "unknown topic"
// right after a create would be wrong. The fresh answer also refreshes kgo's
// cache, which the kadm calls that follow then use.
type Admin struct {
	cl  *kgo.Client
	adm *kadm.Client
}

// NewAdmin returns an Admin using cl. Closing cl is the caller's business.
func NewAdmin(cl *kgo.Client) *Admin {
	return &Admin{cl: cl, adm: kadm.NewClient(cl)}
}

// Client returns the client a was built with.
func (a *Admin) Client() *kgo.Client { return a.cl }

// TopicInfo describes one topic as ListTopics returns it.
type TopicInfo struct {
	Name       string
	Partitions int
	// Internal is true for the broker's internal topics and for names
	// starting with "__" or equal to "_schemas" (see IsInternalTopic).
	Internal bool
}

// IsInternalTopic reports whether name is a Kafka or registry bookkeeping
// topic by naming convention: "__consumer_offsets", "__transaction_state",
// any other "__" name, and the schema registry's "_schemas".
func IsInternalTopic(name string) bool {
	return strings.HasPrefix(name, "__") || name == "_schemas"
}

// partitionMeta is what the reader needs to fetch one partition.
type partitionMeta struct {
	leader int32
	epoch  int32
	err    error
}

// topicMeta is a fresh metadata answer for one topic.
type topicMeta struct {
	id      [16]byte
	parts   map[int32]partitionMeta
	brokers map[int32]string // node id -> host:port, for messages
}

// Leaders is the leadership of one topic's partitions at one moment, as a
// Snapshot saw it. A Reader given it starts fetching at once instead of
// asking for metadata again; a leader that moved since is found by the
// fetch's error and a refresh, as during any read.
type Leaders struct {
	topic string
	meta  topicMeta
}

// leaders returns m as the Leaders of topic.
func (m topicMeta) leaders(topic string) *Leaders {
	return &Leaders{topic: topic, meta: m}
}

// sortedPartitions returns the partition numbers of m in order.
func (m topicMeta) sortedPartitions() []int32 {
	ps := make([]int32, 0, len(m.parts))
	for p := range m.parts {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// metadata issues a fresh metadata request for topics (nil: all topics).
// It never asks the broker to auto-create a topic.
func (a *Admin) metadata(ctx context.Context, topics ...string) (*kmsg.MetadataResponse, error) {
	req := kmsg.NewPtrMetadataRequest()
	req.AllowAutoTopicCreation = false
	if topics != nil {
		req.Topics = make([]kmsg.MetadataRequestTopic, 0, len(topics))
	}
	for _, t := range topics {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(t)
		req.Topics = append(req.Topics, rt)
	}
	return req.RequestWith(ctx, a.cl)
}

// topicMeta returns the partitions and leaders of topic, or a NotFound
// error naming it.
func (a *Admin) topicMeta(ctx context.Context, topic string) (topicMeta, error) {
	resp, err := a.metadata(ctx, topic)
	if err != nil {
		return topicMeta{}, adbcerr.Wrap(err, "loading metadata of topic %q", topic)
	}
	for _, t := range resp.Topics {
		if t.Topic == nil || *t.Topic != topic {
			continue
		}
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			if errors.Is(err, kerr.UnknownTopicOrPartition) {
				return topicMeta{}, topicNotFound(topic)
			}
			return topicMeta{}, adbcerr.Wrap(err, "loading metadata of topic %q", topic)
		}
		m := topicMeta{id: t.TopicID, parts: make(map[int32]partitionMeta, len(t.Partitions)), brokers: make(map[int32]string, len(resp.Brokers))}
		for _, b := range resp.Brokers {
			m.brokers[b.NodeID] = net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))
		}
		for _, p := range t.Partitions {
			m.parts[p.Partition] = partitionMeta{leader: p.Leader, epoch: p.LeaderEpoch, err: kerr.ErrorForCode(p.ErrorCode)}
		}
		return m, nil
	}
	return topicMeta{}, topicNotFound(topic)
}

// Partitions returns the partition numbers of topic in ascending order, or a
// NotFound error naming the topic.
func (a *Admin) Partitions(ctx context.Context, topic string) ([]int32, error) {
	m, err := a.topicMeta(ctx, topic)
	if err != nil {
		return nil, err
	}
	return m.sortedPartitions(), nil
}

// PartitionCount returns how many partitions topic has, or a NotFound error.
func (a *Admin) PartitionCount(ctx context.Context, topic string) (int, error) {
	m, err := a.topicMeta(ctx, topic)
	if err != nil {
		return 0, err
	}
	return len(m.parts), nil
}

// TopicExists reports whether topic exists. Only NotFound becomes false;
// other failures are errors.
func (a *Admin) TopicExists(ctx context.Context, topic string) (bool, error) {
	_, err := a.topicMeta(ctx, topic)
	if err == nil {
		return true, nil
	}
	if adbcerr.Status(err) == adbc.StatusNotFound {
		return false, nil
	}
	return false, err
}

// ListTopics returns the cluster's topics sorted by name. Internal topics
// (broker-flagged or by IsInternalTopic's naming rule) are left out unless
// includeInternal is set, in which case they come with Internal true.
func (a *Admin) ListTopics(ctx context.Context, includeInternal bool) ([]TopicInfo, error) {
	resp, err := a.metadata(ctx)
	if err != nil {
		return nil, adbcerr.Wrap(err, "listing topics")
	}
	out := make([]TopicInfo, 0, len(resp.Topics))
	for _, t := range resp.Topics {
		if t.Topic == nil {
			continue
		}
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			if errors.Is(err, kerr.TopicAuthorizationFailed) {
				continue // a topic we may not describe is not one we can read
			}
			return nil, adbcerr.Wrap(err, "listing topics: topic %q", *t.Topic)
		}
		info := TopicInfo{Name: *t.Topic, Partitions: len(t.Partitions), Internal: t.IsInternal || IsInternalTopic(*t.Topic)}
		if info.Internal && !includeInternal {
			continue
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(x, y TopicInfo) int { return strings.Compare(x.Name, y.Name) })
	return out, nil
}

// CreateTopic creates topic with the given partition count and replication
// factor; -1 for either takes the broker default (Kafka 2.4+). configs are
// topic configs (nil values are left unset). An existing topic is an
// AlreadyExists error naming it. CreateTopic returns once the topic's
// partitions all have a leader, so that a produce or read right after works.
func (a *Admin) CreateTopic(ctx context.Context, topic string, partitions int32, replicationFactor int16, configs map[string]*string) error {
	if topic == "" {
		return adbcerr.New(adbc.StatusInvalidArgument, "cannot create a topic with an empty name")
	}
	if partitions == 0 || partitions < -1 {
		return adbcerr.New(adbc.StatusInvalidArgument, "cannot create topic %q with %d partitions: need at least 1, or -1 for the broker default", topic, partitions)
	}
	if replicationFactor == 0 || replicationFactor < -1 {
		return adbcerr.New(adbc.StatusInvalidArgument, "cannot create topic %q with replication factor %d: need at least 1, or -1 for the broker default", topic, replicationFactor)
	}
	resp, err := a.adm.CreateTopic(ctx, partitions, replicationFactor, configs, topic)
	if err != nil {
		if errors.Is(err, kerr.TopicAlreadyExists) {
			return topicExists(topic)
		}
		msg := "creating topic %q"
		if resp.ErrMessage != "" {
			msg += " (" + strings.ReplaceAll(resp.ErrMessage, "%", "%%") + ")"
		}
		return adbcerr.Wrap(err, msg, topic)
	}
	return a.waitTopic(ctx, topic, func(m topicMeta, err error) bool {
		if err != nil {
			return false
		}
		for _, p := range m.parts {
			if p.leader < 0 || p.err != nil {
				return false
			}
		}
		return len(m.parts) > 0
	})
}

// DeleteTopic deletes topic; a missing topic is a NotFound error naming it.
// Kafka deletes asynchronously, so DeleteTopic waits until metadata no
// longer lists the topic (bounded by ctx): a create of the same name right
// after (ingest mode "replace") would otherwise fail.
func (a *Admin) DeleteTopic(ctx context.Context, topic string) error {
	if _, err := a.adm.DeleteTopic(ctx, topic); err != nil {
		if errors.Is(err, kerr.UnknownTopicOrPartition) || errors.Is(err, kerr.UnknownTopicID) {
			return topicNotFound(topic)
		}
		return adbcerr.Wrap(err, "deleting topic %q", topic)
	}
	return a.waitTopic(ctx, topic, func(_ topicMeta, err error) bool {
		return adbcerr.Status(err) == adbc.StatusNotFound
	})
}

// settleTimeout caps how long CreateTopic and DeleteTopic wait for metadata
// to reflect the change when ctx has no earlier deadline.
const settleTimeout = 30 * time.Second

// waitTopic polls topic's metadata until done accepts it, ctx ends, or
// settleTimeout passes. Giving up is a Timeout error naming the topic and
// the last metadata error seen.
func (a *Admin) waitTopic(ctx context.Context, topic string, done func(topicMeta, error) bool) error {
	ctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	backoff := 5 * time.Millisecond
	for {
		m, err := a.topicMeta(ctx, topic)
		if done(m, err) {
			return nil
		}
		select {
		case <-ctx.Done():
			// Timeout at settleTimeout or the caller's deadline;
			// Cancelled when the caller cancelled.
			code := adbcerr.Status(ctx.Err())
			if err != nil && adbcerr.Status(err) != adbc.StatusNotFound {
				return adbcerr.New(code, "waiting for topic %q metadata to settle: %v (last error: %v)", topic, ctx.Err(), err)
			}
			return adbcerr.New(code, "waiting for topic %q metadata to settle: %v", topic, ctx.Err())
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
}
