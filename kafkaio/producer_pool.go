package kafkaio

import (
	"crypto/rand"
	"encoding/hex"
	"sync"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/internal/adbcerr"
)

// maxIdleProducers is how many idle clients a pool keeps per producer
// setting; more concurrent ingests than that close their extra clients when
// they finish.
const maxIdleProducers = 2

// ProducerKey is the part of an ingest's settings that needs a client of
// its own: kgo fixes compression, partitioner and transactional id when a
// client is made.
type ProducerKey struct {
	// Compression is the record batches' codec: "none" (or ""), "gzip",
	// "snappy", "lz4" or "zstd"; Get refuses any other.
	Compression string
	// Manual makes each record pick its partition (Record.Partition).
	Manual bool
	// Transactional gives the client a transactional id of its own.
	Transactional bool
}

// ProducerPool keeps producer clients for one connection, so that an
// ingest does not pay a connection setup and an InitProducerID round trip
// each time. An ingest takes a client for its whole run (so a
// transactional client runs one transaction at a time, and a failed
// client is never reused) and gives it back when done. The connection
// closes the pool when it closes.
type ProducerPool struct {
	cfg Config

	mu     sync.Mutex
	idle   map[ProducerKey][]*kgo.Client
	closed bool
}

// NewProducerPool returns an empty pool of producers on cfg's cluster.
func NewProducerPool(cfg Config) *ProducerPool {
	return &ProducerPool{cfg: cfg, idle: map[ProducerKey][]*kgo.Client{}}
}

// Get returns an idle client for k, or a new one.
func (p *ProducerPool) Get(k ProducerKey) (*kgo.Client, error) {
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

// Put gives cl back after an ingest. A client whose ingest failed is
// closed rather than kept: its producer id may be fenced or its buffers
// half aborted, and a fresh client costs only a round trip. So is a client
// given back to a closed pool.
func (p *ProducerPool) Put(k ProducerKey, cl *kgo.Client, healthy bool) {
	p.mu.Lock()
	if healthy && !p.closed && len(p.idle[k]) < maxIdleProducers {
		p.idle[k] = append(p.idle[k], cl)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	cl.Close()
}

// Close closes every idle client; clients in use are closed when given
// back.
func (p *ProducerPool) Close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = map[ProducerKey][]*kgo.Client{}, true
	p.mu.Unlock()
	for _, cls := range idle {
		for _, cl := range cls {
			cl.Close()
		}
	}
}

// newProducer makes a producer client: idempotent and acks=all (kgo's
// defaults, which NewProducer insists on), no lingering (an ingest hands
// over whole batches and then waits, so waiting for more records only adds
// latency), and a buffer large enough for a whole Arrow batch.
func newProducer(cfg Config, k ProducerKey) (*kgo.Client, error) {
	codec, ok := codecFor(k.Compression)
	if !ok {
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "producer compression %q: want none, gzip, snappy, lz4 or zstd", k.Compression)
	}
	opts := []kgo.Opt{
		kgo.ProducerLinger(0),
		kgo.MaxBufferedRecords(1 << 20),
		kgo.ProducerBatchCompression(codec),
	}
	if k.Manual {
		opts = append(opts, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	}
	if k.Transactional {
		opts = append(opts, kgo.TransactionalID(newTransactionalID()))
	}
	return NewProducer(cfg, opts...)
}

// codecFor maps a compression name to kgo's codec.
func codecFor(name string) (kgo.CompressionCodec, bool) {
	switch name {
	case "", "none":
		return kgo.NoCompression(), true
	case "gzip":
		return kgo.GzipCompression(), true
	case "snappy":
		return kgo.SnappyCompression(), true
	case "lz4":
		return kgo.Lz4Compression(), true
	case "zstd":
		return kgo.ZstdCompression(), true
	}
	return kgo.CompressionCodec{}, false
}

// newTransactionalID returns a transactional id unique to one client. Each
// pooled transactional client keeps its id for life, so the broker holds
// one transaction state per client rather than one per ingest.
func newTransactionalID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return "kafarr-ingest-" + hex.EncodeToString(b[:])
}
