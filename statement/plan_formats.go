package statement

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/kafarr/kafarr/codec"
	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/jsonarrow"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
	"github.com/kafarr/kafarr/protoarrow"
)

// sample hands visit the records of the read from its start, up to limit
// of them (no bound when limit < 0), fetching batches as needed. The
// batches wait in pending for the scan, so sampling reads nothing twice;
// a second sample (keys after values) visits the same records again.
// visit returns stop to end early. A follow read samples at most the
// records its snapshot holds, so that a slow topic does not hold the
// decision for the read timeout, or when it holds none the first record
// that arrives (which a tail read waits for anyway).
func (e *execution) sample(limit int, visit func(b *kafkaio.RecordBatch, i int) (stop bool, err error)) error {
	if e.plan.set.Follow && limit >= 0 {
		limit = int(max(min(int64(limit), e.plan.snap.Total()), 1))
	}
	if limit == 0 {
		return nil
	}
	if err := e.open(); err != nil {
		return err
	}
	seen := 0
	for k := 0; ; k++ {
		if k == len(e.pending) {
			b, err := e.kr.NextBatch(e.ctx)
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			e.pending = append(e.pending, b)
		}
		b := e.pending[k]
		for i := range b.Len() {
			if limit >= 0 && seen >= limit {
				return nil
			}
			seen++
			if stop, err := visit(b, i); stop || err != nil {
				return err
			}
		}
	}
}

// framedID returns the schema id of a message in the Confluent wire
// format, and whether it looks like one.
func framedID(msg []byte) (int32, bool) {
	if len(msg) < 5 || msg[0] != 0 {
		return 0, false
	}
	return int32(binary.BigEndian.Uint32(msg[1:5])), true
}

// framedSample is what sampling one part of the first records (their
// values, or their keys) found.
type framedSample struct {
	// found says a framed part's schema id is known to the registry:
	// info is that schema, id its id, and indexes the part's Protobuf
	// message-index list when the schema is Protobuf.
	found   bool
	info    kafkaio.SchemaInfo
	id      int32
	indexes []int
	// rest are the non-null parts met before (all of them when none was
	// found), when asked for; objects counts the JSON objects among them.
	rest    [][]byte
	objects int
}

// sampleFramed samples part (a value or a key) of up to limit records
// (see sample) for the first one in the Confluent wire format whose schema
// id the registry knows; with keepRest it keeps the other non-null parts
// for JSON detection and inference. A framed part whose id the registry
// does not know is one of the rest: it fails when it is decoded.
func (e *execution) sampleFramed(ctx context.Context, limit int, part func(*kafkaio.RecordBatch, int) []byte, keepRest bool) (framedSample, error) {
	var fs framedSample
	err := e.sample(limit, func(b *kafkaio.RecordBatch, i int) (bool, error) {
		msg := part(b, i)
		if msg == nil {
			return false, nil // a tombstone or a null key says nothing
		}
		if id, framed := framedID(msg); framed && e.sess.Registry != nil {
			info, err := e.sess.Registry.SchemaByID(ctx, int(id))
			switch adbcerr.Status(err) {
			case adbc.StatusOK:
				fs.found, fs.info, fs.id = true, info, id
				if fr, err := protoarrow.SplitFrame(msg); err == nil && info.Type == "PROTOBUF" {
					fs.indexes, _ = protoarrow.DecodeIndexes(fr.Indexes, nil)
				}
				return true, nil
			case adbc.StatusNotFound:
			default:
				return true, err
			}
		}
		if keepRest {
			fs.rest = append(fs.rest, msg)
			if jsonarrow.IsObject(msg) {
				fs.objects++
			}
		}
		return false, nil
	})
	return fs, err
}

// sampleValues settles the value format and schema from the first
// messages, when the registry did not (no subject, or
// kafarr.read.schema=first): the schema of the first framed message's id
// decides; else, for auto, plain JSON when every non-null value sampled is
// a JSON object, else binary; for json, plain JSON whose schema is
// inferred. auto and json sample kafarr.json.infer_rows messages; avro and
// protobuf read until the first framed message.
func (e *execution) sampleValues(ctx context.Context) error {
	p := e.plan
	v := &p.value
	f := p.set.ValueFormat
	limit, detect := -1, f == options.FormatAuto || f == options.FormatJSON
	if detect {
		limit = p.set.InferRows
	}
	fs, err := e.sampleFramed(ctx, limit, (*kafkaio.RecordBatch).Value, detect)
	if err != nil {
		return err
	}
	if fs.found {
		// A Protobuf value reads the first message's own type, rather
		// than the schema's first, unless kafarr.value.proto.message says.
		v.first, v.firstIndexes = fs.id, fs.indexes
		return p.setRegistered(ctx, e.sess, fs.info)
	}
	others := len(fs.rest) - fs.objects
	switch {
	case f == options.FormatJSON || f == options.FormatAuto && fs.objects > 0 && others == 0:
		cols, err := jsonarrow.Infer(fs.rest, jsonarrow.InferOptions{})
		if err != nil {
			return adbcerr.New(adbc.StatusInvalidData, "topic %q: inferring the schema of plain JSON values from %d messages: %v", p.q.Topic, len(fs.rest), err)
		}
		return p.setPlainJSON(cols, true)
	case f == options.FormatAuto && others > 0:
		v.format, v.stopOnNew = options.FormatBinary, false
		return nil
	}
	// No value at all (avro, protobuf, or auto on an empty range): the
	// subject's latest schema, if any, still gives the columns.
	if err := e.emptyFirst(ctx); err != nil {
		return err
	}
	if v.format == "" {
		v.format, v.stopOnNew = f, false
		if f == options.FormatAuto {
			v.format = options.FormatBinary
		}
	}
	return nil
}

// emptyFirst picks a schema when sampling found no framed message: the
// subject's latest, if any, so that an empty topic still has its columns.
func (e *execution) emptyFirst(ctx context.Context) error {
	p := e.plan
	if e.sess.Registry == nil {
		return nil
	}
	subject := p.value.subject
	if subject == "" {
		subject = p.set.ValueSubject
	}
	if subject == "" && p.set.SubjectStrategy == options.StrategyTopic {
		subject = p.q.Topic + "-value"
	}
	if subject == "" {
		return nil
	}
	info, err := e.sess.Registry.Latest(ctx, subject)
	if err != nil {
		if adbcerr.Status(err) == adbc.StatusNotFound {
			return nil
		}
		return err
	}
	p.value.subject = subject
	return p.setRegistered(ctx, e.sess, info)
}

// sampleKeys settles an auto or json key format when the key subject has
// no schema: the schema of the first framed key's id decides; else auto
// keys are binary, and json keys plain JSON whose schema is inferred (a
// single JSON text column when no key is an object).
func (e *execution) sampleKeys(ctx context.Context) error {
	p := e.plan
	asJSON := p.set.KeyFormat == options.KeyJSON
	fs, err := e.sampleFramed(ctx, p.set.InferRows, (*kafkaio.RecordBatch).Key, asJSON)
	switch {
	case err != nil:
		return err
	case fs.found:
		return p.setKeyRegistered(ctx, e.sess.Registry, "", fs.info, fs.indexes)
	case !asJSON:
		return nil
	case fs.objects == 0:
		return p.setKeyColumns(jsonTextRoot())
	}
	cols, err := jsonarrow.Infer(fs.rest, jsonarrow.InferOptions{})
	if err != nil {
		return adbcerr.New(adbc.StatusInvalidData, "topic %q: inferring the schema of plain JSON keys from %d messages: %v", p.q.Topic, len(fs.rest), err)
	}
	return p.setKeyColumns(cols)
}

// jsonTextRoot is the columns of plain JSON that is not an object: the
// whole message's JSON text in one utf8 column.
func jsonTextRoot() *arrow.Schema {
	md := arrow.NewMetadata([]string{jsonarrow.MetaRoot}, []string{jsonarrow.RootValue})
	return arrow.NewSchema([]arrow.Field{{
		Name: "value", Type: arrow.BinaryTypes.String, Nullable: true,
		Metadata: arrow.NewMetadata([]string{jsonarrow.MetaType}, []string{jsonarrow.TypeJSONText}),
	}}, &md)
}

// inlineColumns maps kafarr.value.schema to value columns: an Avro schema
// (a JSON object whose type is record, or any other Avro schema text
// that parses as one) or else a JSON Schema document.
func inlineColumns(text string) (*arrow.Schema, error) {
	var head struct {
		Type any `json:"type"`
	}
	_ = json.Unmarshal([]byte(text), &head)
	if t, _ := head.Type.(string); t == "record" || t == "enum" || t == "fixed" {
		s, err := codec.ParseAvro(kafkaio.SchemaInfo{Schema: text})
		if err != nil {
			return nil, adbcerr.New(adbc.StatusInvalidArgument, "kafarr.value.schema: not a valid Avro schema: %v", err)
		}
		cols, err := jsonarrow.FromAvro(s)
		if err != nil {
			return nil, adbcerr.New(adbc.StatusInvalidArgument, "kafarr.value.schema: the Avro schema cannot be read as JSON columns: %v", err)
		}
		return cols, nil
	}
	cols, err := jsonarrow.FromJSONSchema(context.Background(), text, nil, nil)
	if err != nil {
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "kafarr.value.schema: not a usable JSON Schema: %v", err)
	}
	return cols, nil
}

// encodeColumns serializes inferred columns for a partition descriptor,
// as an Arrow IPC stream with no batches (field metadata included).
func encodeColumns(s *arrow.Schema) ([]byte, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(s))
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeColumns reads what encodeColumns wrote.
func decodeColumns(b []byte) (*arrow.Schema, error) {
	r, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer r.Release()
	return r.Schema(), nil
}
