package kafkaio

import (
	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/internal/adbcerr"
)

// checkDurable refuses a client that would acknowledge records before every
// in-sync replica has them, or could duplicate them on retry. kgo's defaults
// (acks=all, idempotent writes) pass; NewClient keeps them.
func checkDurable(cl *kgo.Client) error {
	if acks, ok := cl.OptValue(kgo.RequiredAcks).(kgo.Acks); ok && acks != kgo.AllISRAcks() {
		return adbcerr.New(adbc.StatusInvalidArgument, "producer client must use acks=all (kgo.RequiredAcks(kgo.AllISRAcks()))")
	}
	if disabled, ok := cl.OptValue(kgo.DisableIdempotentWrite).(bool); ok && disabled {
		return adbcerr.New(adbc.StatusInvalidArgument, "producer client must use idempotent writes (drop kgo.DisableIdempotentWrite)")
	}
	return nil
}

// NewProducer returns a client for producing: NewClient's, with extra
// options, refused (InvalidArgument) unless it keeps kgo's idempotent,
// acks=all producer, so that an acknowledged record is on every in-sync
// replica and a retry never duplicates one.
func NewProducer(cfg Config, extra ...kgo.Opt) (*kgo.Client, error) {
	cl, err := NewClient(cfg, extra...)
	if err != nil {
		return nil, err
	}
	if err := checkDurable(cl); err != nil {
		cl.Close()
		return nil, err
	}
	return cl, nil
}
