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
	"github.com/kafarr/kafarr/jsonarrow"
	"github.com/kafarr/kafarr/kafkaio"
)

// SchemaLookup returns the registry's answer for a schema id, whatever
// its type.
type SchemaLookup func(ctx context.Context, id int32) (kafkaio.SchemaInfo, error)

// RegistrySchemaLookup looks schema ids up in reg.
func RegistrySchemaLookup(reg *kafkaio.Registry) SchemaLookup {
	return func(ctx context.Context, id int32) (kafkaio.SchemaInfo, error) {
		return reg.SchemaByID(ctx, int(id))
	}
}

// RegistryResolver resolves schema references through reg, by subject
// and version.
func RegistryResolver(reg *kafkaio.Registry) jsonarrow.Resolver {
	return func(ctx context.Context, ref kafkaio.SchemaReference) (kafkaio.SchemaInfo, error) {
		return reg.SchemaByVersion(ctx, ref.Subject, ref.Version)
	}
}

// ParseJSONSchema maps a registry answer holding a JSON Schema to the
// value columns (jsonarrow.FromJSONSchema), resolving its references
// through resolve. A schema of another type, or one that cannot be parsed
// or mapped, is InvalidData naming the id; a reference the registry cannot
// serve keeps the registry error's status.
func ParseJSONSchema(ctx context.Context, info kafkaio.SchemaInfo, resolve jsonarrow.Resolver) (*arrow.Schema, error) {
	if info.Type != "JSON" {
		typ := info.Type
		if typ == "" {
			typ = "AVRO"
		}
		return nil, adbcerr.New(adbc.StatusInvalidData, "schema id %d has schema type %s, not JSON", info.ID, typ)
	}
	s, err := jsonarrow.FromJSONSchema(ctx, info.Schema, info.References, resolve)
	if err != nil {
		var se *jsonarrow.SchemaError
		if errors.As(err, &se) {
			return nil, adbcerr.New(adbc.StatusInvalidData, "schema id %d: %v", info.ID, err)
		}
		return nil, adbcerr.Wrap(err, "schema id %d", info.ID)
	}
	return s, nil
}

// JSONOptions tune a JSON decoder.
type JSONOptions struct {
	// What names the decoded part in causes: "value" or "key".
	What string
	// Framed reads the Confluent JSON Schema wire format (a magic byte
	// 0, a 4-byte big-endian schema id, UTF-8 JSON); else messages are
	// plain JSON.
	Framed bool
	// StopOnNew makes a framed message written with another schema than
	// First end the read (ErrSchemaChanged): kafarr.read.schema=first.
	StopOnNew bool
	First     int32
}

// maxCheckedIDs bounds the writer schema ids one JSON decoder remembers.
const maxCheckedIDs = 1024

// JSON decodes JSON messages, Confluent-framed or plain, into the columns
// of one reader schema. The property names of each message pick the
// columns, so a framed message written with another schema id than the
// reader's decodes the same way (added properties skipped, removed ones
// null); the writer schema id is only looked up once, to check that the
// registry knows it as a JSON Schema. Without a decoder (nil: a topic
// whose schema is not known yet) it checks the framing and appends empty
// rows.
type JSON struct {
	dec    *jsonarrow.Decoder
	lookup SchemaLookup
	opts   JSONOptions

	lastID int32
	lastOK bool             // lastID was looked up and is a JSON Schema
	causes map[int32]string // writer ids looked up: "" when usable, else why not
}

// NewJSON returns a decoder of messages into dec's columns; lookup checks
// the writer schema ids of framed messages (it may be nil for plain JSON).
func NewJSON(dec *jsonarrow.Decoder, lookup SchemaLookup, opts JSONOptions) *JSON {
	if opts.What == "" {
		opts.What = "value"
	}
	return &JSON{dec: dec, lookup: lookup, opts: opts, lastID: -1, causes: map[int32]string{}}
}

// Schema returns the value columns.
func (j *JSON) Schema() *arrow.Schema {
	if j.dec == nil {
		return emptySchema
	}
	return j.dec.Schema()
}

// Append decodes one message.
func (j *JSON) Append(ctx context.Context, msg []byte, bb *avroarrow.BatchBuilder) (int32, string, error) {
	if !j.opts.Framed {
		if j.dec == nil {
			bb.AppendNullRow()
			return -1, "", nil
		}
		if len(msg) > 0 && msg[0] == 0 {
			return -1, j.opts.What + " starts with byte 0x00, as Confluent-framed messages do: it is not plain JSON", nil
		}
		return -1, j.decode(msg, -1, bb), nil
	}
	sid, body, err := avroarrow.SplitFrame(msg)
	if err != nil {
		return -1, j.opts.What + ": " + err.Error(), nil
	}
	if j.dec == nil {
		bb.AppendNullRow()
		return -1, "", nil
	}
	if j.opts.StopOnNew && sid != j.opts.First {
		return sid, "", ErrSchemaChanged
	}
	if sid != j.lastID || !j.lastOK {
		cause, err := j.check(ctx, sid)
		if err != nil || cause != "" {
			return sid, cause, err
		}
		j.lastID, j.lastOK = sid, true
	}
	return sid, j.decode(body, sid, bb), nil
}

// check looks writer schema id up once per read.
func (j *JSON) check(ctx context.Context, id int32) (string, error) {
	if cause, ok := j.causes[id]; ok {
		return cause, nil
	}
	if j.lookup == nil {
		return "", adbcerr.New(adbc.StatusInternal, "kafarr: no schema lookup for framed JSON")
	}
	info, err := j.lookup(ctx, id)
	var cause string
	switch {
	case err != nil:
		switch adbcerr.Status(err) {
		case adbc.StatusIO, adbc.StatusTimeout, adbc.StatusCancelled, adbc.StatusInvalidState, adbc.StatusUnauthenticated, adbc.StatusUnauthorized:
			// Not the message's fault: no on_error setting may read
			// past a registry that cannot answer.
			return "", adbcerr.Wrap(err, "looking up %s schema id %d", j.opts.What, id)
		}
		msg := err.Error()
		if ae, ok := adbcerr.As(err); ok {
			msg = ae.Msg
		}
		cause = fmt.Sprintf("%s schema id %d: %s", j.opts.What, id, strings.TrimPrefix(msg, "kafarr: "))
	case info.Type != "JSON":
		typ := info.Type
		if typ == "" {
			typ = "AVRO"
		}
		cause = fmt.Sprintf("%s schema id %d has schema type %s, not JSON", j.opts.What, id, typ)
	}
	if len(j.causes) >= maxCheckedIDs {
		clear(j.causes)
	}
	j.causes[id] = cause
	return cause, nil
}

// decode decodes a JSON text and returns the cause of a failure.
func (j *JSON) decode(body []byte, id int32, bb *avroarrow.BatchBuilder) string {
	err := j.dec.Decode(body, bb)
	if err == nil {
		return ""
	}
	what := j.opts.What
	if id >= 0 {
		what = fmt.Sprintf("%s (schema id %d)", what, id)
	}
	var de *jsonarrow.DecodeError
	switch {
	case !errors.As(err, &de):
		return what + ": " + err.Error()
	case de.Syntax:
		return what + " is not valid JSON: " + de.Error()
	default:
		return what + " does not match the schema: " + de.Error()
	}
}

// AppendRun decodes the run of messages that need no care: non-empty
// plain JSON, or values framed with the last schema id Append checked.
func (j *JSON) AppendRun(b *kafkaio.RecordBatch, at, max int, bb *avroarrow.BatchBuilder) (int, int32) {
	dec := j.dec
	if dec == nil {
		return 0, -1
	}
	i, end := at, at+max
	if !j.opts.Framed {
		for ; i < end; i++ {
			v := b.Value(i)
			if len(v) == 0 || dec.Decode(v, bb) != nil {
				break // null, empty or bad: Append decides and reports
			}
		}
		return i - at, -1
	}
	id := j.lastID
	if !j.lastOK || (j.opts.StopOnNew && id != j.opts.First) {
		return 0, id
	}
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
