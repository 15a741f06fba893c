package codec

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/kafkaio"
)

// Lookup returns the Avro schema registered under id: the writer schema of
// a framed message.
type Lookup func(ctx context.Context, id int32) (*avroarrow.Schema, error)

// RegistryLookup looks schemas up in reg.
func RegistryLookup(reg *kafkaio.Registry) Lookup {
	return func(ctx context.Context, id int32) (*avroarrow.Schema, error) {
		info, err := reg.SchemaByID(ctx, int(id))
		if err != nil {
			return nil, err
		}
		return ParseAvro(info)
	}
}

// ParseAvro parses a registry answer as an Avro schema. A schema of another
// type is NotImplemented, an unparsable one InvalidData.
func ParseAvro(info kafkaio.SchemaInfo) (*avroarrow.Schema, error) {
	if info.Type != "" && info.Type != "AVRO" {
		return nil, adbcerr.New(adbc.StatusNotImplemented,
			"schema id %d is a %s schema; kafarr reads Avro (or set kafarr.value.format=binary)", info.ID, info.Type)
	}
	s, err := avroarrow.Parse(info.Schema)
	if err != nil {
		return nil, adbcerr.New(adbc.StatusInvalidData, "schema id %d: %v", info.ID, err)
	}
	return s, nil
}

// AvroOptions tune an Avro decoder.
type AvroOptions struct {
	// What names the decoded part in causes: "value" or "key".
	What string
	// StopOnNew makes a message written with another schema than First
	// end the read (ErrSchemaChanged): kafarr.read.schema=first.
	StopOnNew bool
	First     int32
}

// Avro decodes Confluent-framed Avro messages (a magic byte, a 4-byte
// schema id, the Avro body) against one reader schema, resolving each
// writer schema to it by Avro's schema evolution rules. Without a reader
// schema (nil cache: a topic whose schema is not known yet) it checks the
// framing and appends empty rows.
type Avro struct {
	cache  *avroarrow.DecoderCache
	lookup Lookup
	opts   AvroOptions

	lastID int32
	last   *avroarrow.Decoder
}

// NewAvro returns a decoder over cache, whose writer schemas lookup
// fetches.
func NewAvro(cache *avroarrow.DecoderCache, lookup Lookup, opts AvroOptions) *Avro {
	if opts.What == "" {
		opts.What = "value"
	}
	return &Avro{cache: cache, lookup: lookup, opts: opts}
}

// Schema returns the value columns of the reader schema.
func (a *Avro) Schema() *arrow.Schema {
	if a.cache == nil {
		return emptySchema
	}
	return a.cache.Schema()
}

// Append decodes one framed message.
func (a *Avro) Append(ctx context.Context, msg []byte, bb *avroarrow.BatchBuilder) (int32, string, error) {
	sid, body, err := avroarrow.SplitFrame(msg)
	if err != nil {
		if a.opts.What == "value" {
			return -1, err.Error(), nil
		}
		return -1, a.opts.What + ": " + err.Error(), nil
	}
	if a.cache == nil {
		bb.AppendNullRow()
		return -1, "", nil
	}
	if a.opts.StopOnNew && sid != a.opts.First {
		return sid, "", ErrSchemaChanged
	}
	dec := a.last
	if sid != a.lastID || dec == nil {
		dec, err = a.cache.Get(sid, func(id int32) (*avroarrow.Schema, error) { return a.lookup(ctx, id) })
		if err != nil {
			var re *avroarrow.ResolveError
			if errors.As(err, &re) {
				// The writer schema cannot be read as the reader: the
				// message's fault, for on_error to decide.
				return sid, fmt.Sprintf("%s schema id %d: %v", a.opts.What, sid, re), nil
			}
			switch adbcerr.Status(err) {
			case adbc.StatusIO, adbc.StatusTimeout, adbc.StatusCancelled, adbc.StatusInvalidState:
				// Not the message's fault: no on_error setting may
				// read past a registry that cannot answer.
				return sid, "", adbcerr.Wrap(err, "looking up %s schema id %d", a.opts.What, sid)
			}
			return sid, fmt.Sprintf("%s schema id %d: %s", a.opts.What, sid, reason(err)), nil
		}
		a.lastID, a.last = sid, dec
	}
	if err := dec.Decode(body, bb); err != nil {
		return sid, fmt.Sprintf("decoding %s with schema id %d: %v", a.opts.What, sid, err), nil
	}
	return sid, "", nil
}

// AppendRun decodes the run of values framed with the last schema id
// Append resolved.
func (a *Avro) AppendRun(b *kafkaio.RecordBatch, at, max int, bb *avroarrow.BatchBuilder) (int, int32) {
	dec, id := a.last, a.lastID
	if dec == nil || (a.opts.StopOnNew && id != a.opts.First) {
		return 0, id
	}
	i, end := at, at+max
	for ; i < end; i++ {
		v := b.Value(i)
		if len(v) < avroarrow.FrameHeaderSize || v[0] != 0 || int32(binary.BigEndian.Uint32(v[1:])) != id {
			break // null, unframed, or another schema: Append decides
		}
		if dec.Decode(v[avroarrow.FrameHeaderSize:], bb) != nil {
			break // nothing appended: Append redoes it and reports
		}
	}
	return i - at, id
}

// reason is err's text as the reason of a row's failure (_error, or an
// InvalidData message): an adbc.Error's message without its status and
// the "kafarr: " prefix.
func reason(err error) string {
	if ae, ok := adbcerr.As(err); ok {
		return strings.TrimPrefix(ae.Msg, adbcerr.Prefix)
	}
	return strings.TrimPrefix(err.Error(), adbcerr.Prefix)
}
