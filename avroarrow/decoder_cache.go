package avroarrow

import (
	"errors"
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
	// Resolution errors are permanent and remembered as long as the entry.
	DefaultLookupErrorTTL = 5 * time.Second
)

// DecoderCache holds the decoders of one reader schema and options, one
// per writer schema id, so each writer schema is looked up and compiled
// once. Failures are cached too, so a bad id costs one lookup rather than
// one per message. It is safe for concurrent use.
type DecoderCache struct {
	reader *Schema
	opts   DecoderOptions
	schema *arrow.Schema

	// MaxEntries bounds the cache (DefaultCacheEntries when 0) and
	// LookupErrorTTL the life of a cached lookup error
	// (DefaultLookupErrorTTL when 0). Set them before first use.
	MaxEntries     int
	LookupErrorTTL time.Duration

	mu      sync.RWMutex
	entries map[int32]cacheEntry
}

type cacheEntry struct {
	dec     *Decoder
	err     error
	expires time.Time // zero: does not expire
}

// NewDecoderCache returns an empty cache for reader and opts. It maps the
// reader schema up front, so a reader that Arrow cannot express fails
// here.
func NewDecoderCache(reader *Schema, opts DecoderOptions) (*DecoderCache, error) {
	if opts.Projection != nil && reader.Type != TypeRecord {
		return nil, &ResolveError{Msg: "a projection needs a record reader schema, not " + reader.Type.String()}
	}
	fields, err := valueFields(reader, opts.Projection, opts.MapOptions)
	if err != nil {
		return nil, err
	}
	return &DecoderCache{
		reader:  reader,
		opts:    opts,
		schema:  arrow.NewSchema(fields, nil),
		entries: map[int32]cacheEntry{},
	}, nil
}

// Schema returns the value columns' schema shared by every decoder of the
// cache.
func (c *DecoderCache) Schema() *arrow.Schema { return c.schema }

// Reader returns the cache's reader schema.
func (c *DecoderCache) Reader() *Schema { return c.reader }

// Get returns the decoder for data written with schema writerID, calling
// lookup to fetch the writer schema the first time the id is seen. Errors
// from lookup are returned as they are (and remembered for
// LookupErrorTTL); resolution errors are *ResolveError (and remembered).
func (c *DecoderCache) Get(writerID int32, lookup func(id int32) (*Schema, error)) (*Decoder, error) {
	c.mu.RLock()
	e, ok := c.entries[writerID]
	c.mu.RUnlock()
	if ok && (e.expires.IsZero() || time.Now().Before(e.expires)) {
		return e.dec, e.err
	}
	// Compile outside the lock; two goroutines meeting a new id at once
	// both compile, and the second result wins, which is harmless.
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
	return e.dec, e.err
}

func (c *DecoderCache) build(writerID int32, lookup func(id int32) (*Schema, error)) cacheEntry {
	writer, err := lookup(writerID)
	if err == nil && writer == nil {
		err = errors.New("avroarrow: schema lookup returned no schema")
	}
	if err != nil {
		ttl := c.LookupErrorTTL
		if ttl <= 0 {
			ttl = DefaultLookupErrorTTL
		}
		return cacheEntry{err: err, expires: time.Now().Add(ttl)}
	}
	dec, err := compileDecoder(writer, c.reader, c.opts, c.schema)
	return cacheEntry{dec: dec, err: err}
}
