package codec

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/protoarrow"
)

// ProtobufLookup returns the compiled Protobuf schema registered under id:
// the writer schema of a framed message.
type ProtobufLookup func(ctx context.Context, id int32) (*protoarrow.Schema, error)

// RegistryResolve resolves a Protobuf schema's references through reg:
// each names a subject and version.
func RegistryResolve(reg *kafkaio.Registry) protoarrow.ResolveFunc {
	return func(ctx context.Context, ref kafkaio.SchemaReference) (kafkaio.SchemaInfo, error) {
		info, err := reg.SchemaByVersion(ctx, ref.Subject, ref.Version)
		if err != nil {
			return kafkaio.SchemaInfo{}, adbcerr.Wrap(err, "resolving reference %q (subject %q version %d)", ref.Name, ref.Subject, ref.Version)
		}
		return info, nil
	}
}

// ProtobufRegistryLookup looks Protobuf schemas up in reg, with their
// references.
func ProtobufRegistryLookup(reg *kafkaio.Registry) ProtobufLookup {
	resolve := RegistryResolve(reg)
	return func(ctx context.Context, id int32) (*protoarrow.Schema, error) {
		info, err := reg.SchemaByID(ctx, int(id))
		if err != nil {
			return nil, err
		}
		s, _, err := ParseProtobuf(ctx, info, resolve, "")
		return s, err
	}
}

// ParseProtobuf compiles a registry answer as a Protobuf schema, its
// references fetched through resolve, and picks its message: the first
// one when message is empty (kafarr.value.proto.message unset), else the
// one of that full name. A schema of another type is InvalidArgument, one
// that does not compile InvalidData naming the schema id, a message that
// is not there InvalidArgument naming it and listing the schema's
// messages. Errors of resolve keep their status (a registry that cannot be
// reached is IO).
func ParseProtobuf(ctx context.Context, info kafkaio.SchemaInfo, resolve protoarrow.ResolveFunc, message string) (*protoarrow.Schema, protoreflect.MessageDescriptor, error) {
	if info.Type != "PROTOBUF" {
		typ := info.Type
		if typ == "" {
			typ = "AVRO"
		}
		return nil, nil, adbcerr.New(adbc.StatusInvalidArgument, "schema id %d is a %s schema, not PROTOBUF", info.ID, typ)
	}
	s, err := protoarrow.Compile(ctx, info, resolve)
	if err != nil {
		var se *protoarrow.SchemaError
		if errors.As(err, &se) {
			return nil, nil, adbcerr.New(adbc.StatusInvalidData, "%v", err)
		}
		return nil, nil, adbcerr.Wrap(err, "compiling protobuf schema id %d", info.ID)
	}
	md, err := s.Message(message)
	if err != nil {
		return nil, nil, adbcerr.New(adbc.StatusInvalidArgument, "%v", err)
	}
	return s, md, nil
}

// ProtobufOptions tune a Protobuf decoder.
type ProtobufOptions struct {
	// What names the decoded part in causes: "value" or "key".
	What string
	// StopOnNew makes a message written with another schema than First
	// end the read (ErrSchemaChanged): kafarr.read.schema=first.
	StopOnNew bool
	First     int32
}

// Protobuf decodes Confluent-framed Protobuf messages (a magic byte, a
// 4-byte schema id, the message-index list, the message) as one reader
// message type. A message is read when the writer schema's message that
// its index list names has the reader message's full name; fields match by
// number. Without a reader (nil cache: a topic whose schema is not known
// yet) it checks the framing and appends empty rows.
type Protobuf struct {
	cache  *protoarrow.DecoderCache
	lookup ProtobufLookup
	opts   ProtobufOptions

	lastID  int32
	lastIdx []byte // the index list of the last resolved message, as encoded
	last    *protoarrow.Decoder
}

// NewProtobuf returns a decoder over cache, whose writer schemas lookup
// fetches.
func NewProtobuf(cache *protoarrow.DecoderCache, lookup ProtobufLookup, opts ProtobufOptions) *Protobuf {
	if opts.What == "" {
		opts.What = "value"
	}
	return &Protobuf{cache: cache, lookup: lookup, opts: opts}
}

// Schema returns the value columns of the reader message.
func (p *Protobuf) Schema() *arrow.Schema {
	if p.cache == nil {
		return emptySchema
	}
	return p.cache.Schema()
}

// Append decodes one framed message.
func (p *Protobuf) Append(ctx context.Context, msg []byte, bb *avroarrow.BatchBuilder) (int32, string, error) {
	fr, err := protoarrow.SplitFrame(msg)
	if err != nil {
		if p.opts.What == "value" {
			return -1, err.Error(), nil
		}
		return -1, p.opts.What + ": " + err.Error(), nil
	}
	sid := fr.SchemaID
	if p.cache == nil {
		bb.AppendNullRow()
		return -1, "", nil
	}
	if p.opts.StopOnNew && sid != p.opts.First {
		return sid, "", ErrSchemaChanged
	}
	dec := p.last
	if sid != p.lastID || dec == nil || !bytes.Equal(fr.Indexes, p.lastIdx) {
		dec, err = p.cache.Get(sid, fr.Indexes, func(id int32) (*protoarrow.Schema, error) { return p.lookup(ctx, id) })
		if err != nil {
			var re *protoarrow.ResolveError
			if !errors.As(err, &re) {
				switch adbcerr.Status(err) {
				case adbc.StatusIO, adbc.StatusTimeout, adbc.StatusCancelled, adbc.StatusInvalidState:
					// Not the message's fault: no on_error setting may
					// read past a registry that cannot answer.
					return sid, "", adbcerr.Wrap(err, "looking up %s schema id %d", p.opts.What, sid)
				}
			}
			return sid, fmt.Sprintf("%s schema id %d: %s", p.opts.What, sid, causeText(err)), nil
		}
		p.lastID, p.last = sid, dec
		p.lastIdx = append(p.lastIdx[:0], fr.Indexes...)
	}
	if err := dec.Decode(fr.Body, bb); err != nil {
		return sid, fmt.Sprintf("decoding %s with schema id %d: %v", p.opts.What, sid, err), nil
	}
	return sid, "", nil
}

// AppendRun decodes the run of values framed with the schema id and
// message-index list Append resolved last.
func (p *Protobuf) AppendRun(b *kafkaio.RecordBatch, at, max int, bb *avroarrow.BatchBuilder) (int, int32) {
	dec, id, idx := p.last, p.lastID, p.lastIdx
	if dec == nil || (p.opts.StopOnNew && id != p.opts.First) {
		return 0, id
	}
	head := protoarrow.HeaderSize + len(idx)
	i, end := at, at+max
	for ; i < end; i++ {
		v := b.Value(i)
		// The index list is self-delimiting: equal leading bytes are the
		// same list.
		if len(v) < head || v[0] != 0 || int32(binary.BigEndian.Uint32(v[1:])) != id || !bytes.Equal(v[protoarrow.HeaderSize:head], idx) {
			break // null, unframed, or another schema or message: Append decides
		}
		if dec.Decode(v[head:], bb) != nil {
			break // nothing appended: Append redoes it and reports
		}
	}
	return i - at, id
}

// causeText is an error's message without its status and "kafarr: "
// prefix, for a cause.
func causeText(err error) string {
	msg := err.Error()
	if ae, ok := adbcerr.As(err); ok {
		msg = ae.Msg
	}
	return strings.TrimPrefix(msg, adbcerr.Prefix)
}
