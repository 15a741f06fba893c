package ingest

import (
	"context"
	"fmt"

	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
)

// recordLimit is the largest record an ingest produces, in bytes as the
// broker counts a batch holding it alone, and what imposes it.
type recordLimit struct {
	bytes int64
	// batch is the largest record batch the producer builds (its
	// ProducerKey.MaxBatchBytes): the limit the topic or the option set;
	// bytes is up to 3 bytes less (kafkaio.RecordLimit).
	batch int64
	// side names what imposes the limit, for messages: "the
	// max.message.bytes of topic ...", "kafarr.ingest.max_record_bytes".
	side string
	// option is set when the limit is kafarr.ingest.max_record_bytes.
	option bool
}

// planLimit finds the largest record the topic takes:
//   - kafarr.ingest.max_record_bytes when set, without asking the cluster;
//   - else the max.message.bytes of an existing topic (DescribeConfigs),
//     or for a topic this ingest creates the one nt says it gets (the
//     broker's message.max.bytes);
//   - when the topic's configs may not be described, the broker's
//     message.max.bytes, and when the broker's may not either, Kafka's
//     default 1048588;
//   - at most kafkaio.MaxProduceBatchBytes, which one produce request
//     bounds;
//   - and below 2 MiB, 1 to 3 bytes less for a lone record
//     (kafkaio.RecordLimit).
func (r *ingestRun) planLimit(ctx context.Context, nt kafkaio.NewTopic) error {
	if v := r.set.MaxRecordBytes; v > 0 {
		r.limit = recordLimit{bytes: v, side: options.IngestMaxRecordBytes, option: true}
	} else {
		adm := r.sess.Admin
		broker := int32(-1)
		if len(r.state.Brokers) > 0 {
			broker = r.state.Brokers[0]
		}
		var (
			l   kafkaio.Limit
			err error
		)
		switch {
		case r.fresh && nt.MaxMessageBytes > 0:
			l = kafkaio.Limit{Bytes: nt.MaxMessageBytes, Source: kafkaio.LimitNewTopic}
		case r.fresh:
			if l, err = adm.BrokerMaxMessageBytes(ctx, broker); l.Source == kafkaio.LimitBroker {
				l.Source = kafkaio.LimitNewTopic
			}
		default:
			l, err = adm.MaxMessageBytes(ctx, r.topic, broker)
		}
		if err != nil {
			return adbcerr.Wrap(err, "ingest into %q: finding the largest record the topic takes", r.topic)
		}
		r.limit = recordLimit{bytes: l.Bytes, side: r.limitSide(l)}
	}
	if r.limit.bytes > kafkaio.MaxProduceBatchBytes {
		r.limit = recordLimit{bytes: kafkaio.MaxProduceBatchBytes, option: r.limit.option, side: fmt.Sprintf(
			"kafarr's ceiling for one record batch (a produce request carries at most 100 MiB, Kafka's default socket.request.max.bytes), below the %d bytes of %s",
			r.limit.bytes, r.limit.side)}
	}
	r.limit.batch = r.limit.bytes
	if rl := int64(kafkaio.RecordLimit(int32(r.limit.batch))); rl < r.limit.bytes {
		r.limit.bytes = rl
		r.limit.side += fmt.Sprintf(", %d bytes, less %d the producer keeps for the batch's length prefix", r.limit.batch, r.limit.batch-rl)
	}
	return nil
}

// limitSide describes where l comes from.
func (r *ingestRun) limitSide(l kafkaio.Limit) string {
	switch l.Source {
	case kafkaio.LimitTopic:
		return fmt.Sprintf("the max.message.bytes of topic %q", r.topic)
	case kafkaio.LimitNewTopic:
		return fmt.Sprintf("the max.message.bytes topic %q is created with (the broker's message.max.bytes)", r.topic)
	case kafkaio.LimitBroker:
		return fmt.Sprintf("the broker's message.max.bytes, which a topic without its own max.message.bytes takes (the configs of topic %q could not be described: %v)", r.topic, l.Denied)
	}
	if r.fresh {
		return fmt.Sprintf("Kafka's default message.max.bytes (the broker's configs could not be described: %v)", l.Denied)
	}
	return fmt.Sprintf("Kafka's default message.max.bytes (neither the configs of topic %q nor the broker's could be described: %v)", r.topic, l.Denied)
}
