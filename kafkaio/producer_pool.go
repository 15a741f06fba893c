package kafkaio

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"sync"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/internal/adbcerr"
)

// maxIdleProducers is how many idle clients a pool keeps per producer
// setting; more concurrent ingests than that close their extra clients when
// they finish.
const maxIdleProducers = 2

// maxIdleTotal is how many idle clients a pool keeps in all: ingests into
// topics of many different record size limits would otherwise keep two
// clients for each. The least recently used idle client goes first.
const maxIdleTotal = 8

// MaxProduceBatchBytes is the largest record batch, as the broker counts
// it, that a producer builds: kgo sends at most 100 MiB in one produce
// request (kgo.BrokerMaxWriteBytes' default, which is also Kafka's default
// socket.request.max.bytes), and 64 KiB of that is left for the request's
// own framing, client id and topic name.
const MaxProduceBatchBytes = 100<<20 - 64<<10

// ProducerKey is the part of an ingest's settings that needs a client of
// its own: kgo fixes compression, partitioner, transactional id and the
// batch size limit when a client is made (the limit even per partition,
// when the client first produces to it).
type ProducerKey struct {
	// Compression is the record batches' codec: "none" (or ""), "gzip",
	// "snappy", "lz4" or "zstd"; Get refuses any other.
	Compression string
	// Manual makes each record pick its partition (Record.Partition).
	Manual bool
	// Transactional gives the client a transactional id of its own.
	Transactional bool
	// MaxBatchBytes is the largest record batch the client builds, as
	// the broker counts a batch against max.message.bytes (the 61-byte
	// batch header and the records, before compression), capped at
	// MaxProduceBatchBytes; 0 keeps kgo's default (1000012 bytes).
	MaxBatchBytes int32
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
	idle   []idleProducer // least recently given back first
	closed bool
}

// idleProducer is a client in the pool and the settings it was made for.
type idleProducer struct {
	key ProducerKey
	cl  *kgo.Client
}

// NewProducerPool returns an empty pool of producers on cfg's cluster.
func NewProducerPool(cfg Config) *ProducerPool {
	return &ProducerPool{cfg: cfg}
}

// Get returns an idle client for k, the one given back last, or a new
// one.
func (p *ProducerPool) Get(k ProducerKey) (*kgo.Client, error) {
	p.mu.Lock()
	for i := len(p.idle) - 1; i >= 0; i-- {
		if p.idle[i].key == k {
			cl := p.idle[i].cl
			p.idle = slices.Delete(p.idle, i, i+1)
			p.mu.Unlock()
			return cl, nil
		}
	}
	p.mu.Unlock()
	return newProducer(p.cfg, k)
}

// Put gives cl back after an ingest. A client whose ingest failed is
// closed rather than kept: its producer id may be fenced or its buffers
// half aborted, and a fresh client costs only a round trip. So is a client
// given back to a closed pool, one beyond maxIdleProducers for k, and the
// least recently used idle client when the pool holds maxIdleTotal.
func (p *ProducerPool) Put(k ProducerKey, cl *kgo.Client, healthy bool) {
	p.mu.Lock()
	same := 0
	for _, ip := range p.idle {
		if ip.key == k {
			same++
		}
	}
	if !healthy || p.closed || same >= maxIdleProducers {
		p.mu.Unlock()
		cl.Close()
		return
	}
	var evicted *kgo.Client
	if len(p.idle) >= maxIdleTotal {
		evicted = p.idle[0].cl
		p.idle = slices.Delete(p.idle, 0, 1)
	}
	p.idle = append(p.idle, idleProducer{k, cl})
	p.mu.Unlock()
	if evicted != nil {
		evicted.Close()
	}
}

// Close closes every idle client; clients in use are closed when given
// back.
func (p *ProducerPool) Close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, ip := range idle {
		ip.cl.Close()
	}
}

// RecordLimit is the largest record, as the broker counts a batch holding
// it alone, that a producer made for batches of at most limit bytes
// (ProducerKey.MaxBatchBytes) takes in every case: limit itself from 2 MiB
// up, 1 to 3 bytes less below. Until a client has its first produce
// response it does not know whether the broker takes the flexible produce
// versions, and counts a batch's length prefix as 4 bytes, while
// batchLimit makes room only for the uvarint those versions use.
func RecordLimit(limit int32) int32 { return batchLimit(limit) - 4 }

// batchLimit is the kgo.ProducerBatchMaxBytes that keeps every batch a
// client builds within limit broker-counted bytes. kgo counts a batch as the broker does plus
// the batch's length prefix in the produce request: 4 bytes, or with the
// flexible produce versions (Kafka 2.4+) a uvarint of the length, 1 to 4
// bytes. limit + uvarintLen(limit) keeps both countings within limit
// (the uvarint's length grows with the batch); a record of limit bytes
// passes with the flexible versions, one of RecordLimit(limit) bytes in
// both.
func batchLimit(limit int32) int32 {
	n := int32(1)
	for v := uint32(limit) >> 7; v != 0; v >>= 7 {
		n++
	}
	return limit + n
}

// newProducer makes a producer client: idempotent and acks=all (kgo's
// defaults, which NewProducer insists on), no lingering (an ingest hands
// over whole batches and then waits, so waiting for more records only adds
// latency), a buffer large enough for a whole Arrow batch, and batches
// within k.MaxBatchBytes.
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
	if k.MaxBatchBytes > 0 {
		// kgo refuses limits under 512 bytes; a topic limit that
		// small refuses every record anyway.
		opts = append(opts, kgo.ProducerBatchMaxBytes(max(512, batchLimit(min(k.MaxBatchBytes, MaxProduceBatchBytes)))))
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
