package statement

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
)

// maxIdleProducers is how many idle clients a pool keeps per producer
// setting; more concurrent ingests than that close their extra clients when
// they finish.
const maxIdleProducers = 2

// producerKey is the part of an ingest's settings that needs a client of
// its own: kgo fixes compression, partitioner and transactional id when a
// client is made.
type producerKey struct {
	codec  options.Compression // kafarr.ingest.compression
	manual bool                // kafarr.ingest.partition_column: the record picks its partition
	txn    bool                // kafarr.ingest.transactional
}

// producerPool keeps producer clients for one session, so that an ingest
// does not pay a connection setup and an InitProducerID round trip each
// time. An ingest takes a client for its whole run (so a transactional
// client runs one transaction at a time, and a failed client is never
// reused) and gives it back when done.
type producerPool struct {
	cfg kafkaio.Config

	mu     sync.Mutex
	idle   map[producerKey][]*kgo.Client
	closed bool
}

// pools maps each Session to its producer pool. A pool lives as long as
// its session's connection client: when the connection closes that client,
// the pool closes its own (see poolFor).
var pools sync.Map // *Session -> *producerPool

// poolFor returns sess's producer pool, making it on first use.
func poolFor(sess *Session) *producerPool {
	if p, ok := pools.Load(sess); ok {
		return p.(*producerPool)
	}
	p := &producerPool{cfg: sess.Cluster, idle: map[producerKey][]*kgo.Client{}}
	actual, loaded := pools.LoadOrStore(sess, p)
	if loaded {
		return actual.(*producerPool)
	}
	if sess.Client != nil {
		// kgo cancels a client's context when it is closed: the
		// connection's Close thus closes the pool too, and a session
		// whose client is already closed gets a closed pool, whose
		// clients are closed when given back.
		context.AfterFunc(sess.Client.Context(), func() {
			pools.Delete(sess)
			p.close()
		})
	}
	return p
}

// get returns an idle client for k, or a new one.
func (p *producerPool) get(k producerKey) (*kgo.Client, error) {
	p.mu.Lock()
	if idle := p.idle[k]; len(idle) > 0 {
		cl := idle[len(idle)-1]
		p.idle[k] = idle[:len(idle)-1]
		p.mu.Unlock()
		return cl, nil
	}
	p.mu.Unlock()
	return newProducer(p.cfg, k)
}

// put gives cl back after an ingest. A client whose ingest failed is
// closed rather than kept: its producer id may be fenced or its buffers
// half aborted, and a fresh client costs only a round trip.
func (p *producerPool) put(k producerKey, cl *kgo.Client, healthy bool) {
	p.mu.Lock()
	if healthy && !p.closed && len(p.idle[k]) < maxIdleProducers {
		p.idle[k] = append(p.idle[k], cl)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	cl.Close()
}

// close closes every idle client; clients in use are closed when given
// back.
func (p *producerPool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = map[producerKey][]*kgo.Client{}, true
	p.mu.Unlock()
	for _, cls := range idle {
		for _, cl := range cls {
			cl.Close()
		}
	}
}

// newProducer makes a producer client: idempotent and acks=all (kgo's
// defaults, which kafkaio.NewProducer insists on), no lingering (an ingest
// hands over whole batches and then waits, so waiting for more records
// only adds latency), and a buffer large enough for a whole Arrow batch.
func newProducer(cfg kafkaio.Config, k producerKey) (*kgo.Client, error) {
	opts := []kgo.Opt{
		kgo.ProducerLinger(0),
		kgo.MaxBufferedRecords(1 << 20),
		kgo.ProducerBatchCompression(codecFor(k.codec)),
	}
	if k.manual {
		opts = append(opts, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	}
	if k.txn {
		opts = append(opts, kgo.TransactionalID(newTransactionalID()))
	}
	return kafkaio.NewProducer(cfg, opts...)
}

// codecFor maps a kafarr.ingest.compression value to kgo's codec.
func codecFor(c options.Compression) kgo.CompressionCodec {
	switch c {
	case options.CompressionGzip:
		return kgo.GzipCompression()
	case options.CompressionSnappy:
		return kgo.SnappyCompression()
	case options.CompressionLZ4:
		return kgo.Lz4Compression()
	case options.CompressionZstd:
		return kgo.ZstdCompression()
	}
	return kgo.NoCompression()
}

// newTransactionalID returns a transactional id unique to one client. Each
// pooled transactional client keeps its id for life, so the broker holds
// one transaction state per client rather than one per ingest.
func newTransactionalID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return "kafarr-ingest-" + hex.EncodeToString(b[:])
}
