package protoarrow

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// Defaults of a DecoderCache.
const (
	// DefaultCacheEntries bounds the writer schema ids a DecoderCache
	// remembers; past it an arbitrary entry is dropped.
	DefaultCacheEntries = 1024
	// DefaultLookupErrorTTL is how long a failed schema lookup (a registry
	// that is down, say) is remembered before the id is looked up again.
	DefaultLookupErrorTTL = 5 * time.Second
)

// ResolveError reports a framed message whose writer message cannot be
// read as the reader message: the message-index list names another
// message type, or no message at all.
type ResolveError struct {
	// Msg says why.
	Msg string
}

func (e *ResolveError) Error() string { return "protobuf schema resolution: " + e.Msg }

// DecoderCache holds what each writer schema id resolves to for one reader
// message: Protobuf decoding needs only the reader's types (fields match by
// number), so every writer whose framed message type has the reader's full
// name shares the reader's Decoder, and any other is a ResolveError. Each
// writer schema is looked up and compiled once, failures included (lookup
// failures for LookupErrorTTL). It is safe for concurrent use.
type DecoderCache struct {
	dec *Decoder

	// MaxEntries bounds the cache (DefaultCacheEntries when 0) and
	// LookupErrorTTL the life of a cached lookup error
	// (DefaultLookupErrorTTL when 0). Set them before first use.
	MaxEntries     int
	LookupErrorTTL time.Duration

	mu      sync.RWMutex
	entries map[int32]*writerEntry
}

// writerEntry is one writer schema id: its schema, or why it has none, and
// the outcome of each message-index list met with it.
type writerEntry struct {
	schema  *Schema
	err     error
	expires time.Time // zero: does not expire

	mu   sync.Mutex
	msgs map[string]error // by Frame.Indexes; nil error: the reader's message
}

// NewDecoderCache returns an empty cache for the reader decoder dec.
func NewDecoderCache(dec *Decoder) *DecoderCache {
	return &DecoderCache{dec: dec, entries: map[int32]*writerEntry{}}
}

// Decoder returns the reader decoder.
func (c *DecoderCache) Decoder() *Decoder { return c.dec }

// Schema returns the value columns' schema.
func (c *DecoderCache) Schema() *arrow.Schema { return c.dec.schema }

// Get returns the decoder for a message framed with writer schema
// writerID and message-index list indexes (Frame.Indexes), calling lookup
// the first time the id is seen. Errors of lookup are returned as they
// are (and remembered for LookupErrorTTL); a writer message that is not
// the reader's is a *ResolveError (remembered).
func (c *DecoderCache) Get(writerID int32, indexes []byte, lookup func(id int32) (*Schema, error)) (*Decoder, error) {
	c.mu.RLock()
	e, ok := c.entries[writerID]
	c.mu.RUnlock()
	if !ok || (!e.expires.IsZero() && time.Now().After(e.expires)) {
		e = c.build(writerID, lookup)
		c.mu.Lock()
		limit := c.MaxEntries
		if limit <= 0 {
			limit = DefaultCacheEntries
		}
		if _, present := c.entries[writerID]; !present && len(c.entries) >= limit {
			for id := range c.entries {
				delete(c.entries, id)
				break
			}
		}
		c.entries[writerID] = e
		c.mu.Unlock()
	}
	if e.err != nil {
		return nil, e.err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	err, ok := e.msgs[string(indexes)]
	if !ok {
		err = c.match(e.schema, writerID, indexes)
		if len(e.msgs) < DefaultCacheEntries {
			e.msgs[string(indexes)] = err
		}
	}
	if err != nil {
		return nil, err
	}
	return c.dec, nil
}

func (c *DecoderCache) build(writerID int32, lookup func(id int32) (*Schema, error)) *writerEntry {
	s, err := lookup(writerID)
	if err == nil && s == nil {
		err = errors.New("protoarrow: schema lookup returned no schema")
	}
	if err != nil {
		ttl := c.LookupErrorTTL
		if ttl <= 0 {
			ttl = DefaultLookupErrorTTL
		}
		return &writerEntry{err: err, expires: time.Now().Add(ttl)}
	}
	return &writerEntry{schema: s, msgs: map[string]error{}}
}

// match checks that the message indexes name in writer is the reader's.
func (c *DecoderCache) match(writer *Schema, writerID int32, indexes []byte) error {
	idx, err := DecodeIndexes(indexes, nil)
	if err != nil {
		return &ResolveError{Msg: err.Error()}
	}
	md, err := writer.MessageAt(idx)
	if err != nil {
		return &ResolveError{Msg: err.Error()}
	}
	if md.FullName() != c.dec.msg.FullName() {
		return &ResolveError{Msg: fmt.Sprintf("schema id %d message %s is %s, not the reader's %s", writerID, formatIndexes(idx), md.FullName(), c.dec.msg.FullName())}
	}
	return nil
}
