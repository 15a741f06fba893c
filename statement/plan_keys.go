package statement

import (
	"context"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/codec"
	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/jsonarrow"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
	"github.com/kafarr/kafarr/protoarrow"
)

// lookupKey starts the registry lookup of the key subject, when _key is
// built and kafarr.key.format may need a schema. When the subject has
// none, auto and json keys are decided by the sampled messages (a framed
// key's schema id, or plain JSON).
func (e *execution) lookupKey(ctx context.Context) *lookup {
	p, sess := e.plan, e.sess
	return startLookup(func() lookupResult {
		f := p.set.KeyFormat
		if !p.wantsColumn("_key") || f == options.KeyString || f == options.KeyBinary {
			return lookupResult{skip: true}
		}
		if p.pin != nil && p.pin.keyCols != nil {
			return lookupResult{skip: true}
		}
		subject := p.set.KeySubject
		if subject == "" {
			subject = p.q.Topic + "-key"
		}
		if sess.Registry == nil {
			switch f {
			case options.KeyAvro, options.KeyProtobuf:
				_, err := sess.NeedRegistry("kafarr.key.format=" + string(f))
				return lookupResult{err: err}
			case options.KeyJSON:
				return lookupResult{peek: true}
			}
			return lookupResult{skip: true}
		}
		if p.pin != nil && p.pin.keySchemaID > 0 {
			info, err := sess.Registry.SchemaByID(ctx, p.pin.keySchemaID)
			return lookupResult{subject: subject, info: info, err: err}
		}
		info, err := sess.Registry.Latest(ctx, subject)
		if adbcerr.Status(err) == adbc.StatusNotFound && (f == options.KeyAuto || f == options.KeyJSON) {
			return lookupResult{subject: subject, peek: true}
		}
		return lookupResult{subject: subject, info: info, err: err}
	})
}

// chooseKey settles how _key is decoded, when it is built at all.
func (e *execution) chooseKey(ctx context.Context, res lookupResult) error {
	p := e.plan
	p.key = readKey{format: options.KeyBinary, typ: arrow.BinaryTypes.Binary}
	if !p.wantsColumn("_key") {
		return nil
	}
	switch {
	case p.set.KeyFormat == options.KeyString:
		p.key = readKey{format: options.KeyString, typ: arrow.BinaryTypes.String}
		return nil
	case p.pin != nil && p.pin.keyCols != nil:
		return p.setKeyColumns(p.pin.keyCols)
	case res.err != nil:
		return res.err
	case res.skip:
		return nil
	case res.peek:
		return e.sampleKeys(ctx)
	}
	return p.setKeyRegistered(ctx, e.sess.Registry, res.subject, res.info, nil)
}

// setKeyRegistered decodes keys with a registered schema, in the format
// its type says; a kafarr.key.format naming another is an error. indexes,
// when set, is the message-index list of the Protobuf key that decided the
// schema.
func (p *readPlan) setKeyRegistered(ctx context.Context, reg *kafkaio.Registry, subject string, info kafkaio.SchemaInfo, indexes []int) error {
	vf, err := registeredFormat(p.q.Topic, "key", string(p.set.KeyFormat), subject, info)
	if err != nil {
		return err
	}
	f := options.KeyFormat(vf)
	k := readKey{format: f, subject: subject, id: info.ID}
	switch f {
	case options.KeyAvro:
		ks, err := codec.ParseAvro(info)
		if err != nil {
			return err
		}
		cache, err := avroarrow.NewDecoderCache(ks, avroarrow.DecoderOptions{MapOptions: avroarrow.MapOptions{UnionMode: unionMode(p.set.UnionMode)}})
		if err != nil {
			return adbcerr.New(adbc.StatusInvalidData, "key subject %q: %v", subject, err)
		}
		k.cache, k.cols = cache, cache.Schema()
	case options.KeyProtobuf:
		s, md, err := codec.ParseProtobuf(ctx, info, codec.RegistryResolve(reg), p.set.KeyProtoMessage)
		if err != nil {
			return adbcerr.Wrap(err, "topic %q: key schema id %d", p.q.Topic, info.ID)
		}
		if indexes != nil && p.set.KeyProtoMessage == "" {
			// The first framed key's own message type.
			if first, err := s.MessageAt(indexes); err == nil {
				md = first
			}
		}
		dec, err := protoarrow.NewDecoder(md, protoarrow.DecoderOptions{})
		if err != nil {
			return adbcerr.New(adbc.StatusNotImplemented, "topic %q: the key schema (subject %q, id %d) cannot be read as Arrow: %v", p.q.Topic, subject, info.ID, err)
		}
		k.protoCache = protoarrow.NewDecoderCache(dec)
		k.cols = k.protoCache.Schema()
	case options.KeyJSON:
		cols, err := codec.ParseJSONSchema(ctx, info, codec.RegistryResolver(reg))
		if err != nil {
			return adbcerr.Wrap(err, "topic %q: key", p.q.Topic)
		}
		if k.jsonDec, err = jsonarrow.NewDecoder(cols, jsonarrow.Options{}); err != nil {
			return adbcerr.New(adbc.StatusNotImplemented, "topic %q: the key schema (subject %q, id %d) cannot be read as Arrow: %v", p.q.Topic, subject, info.ID, err)
		}
		k.cols, k.framed = cols, true
	}
	k.typ = keyArrowType(f, k.cols)
	p.key = k
	return nil
}

// setKeyColumns decodes keys as plain JSON into cols (inferred from the
// data, or pinned by a partition descriptor).
func (p *readPlan) setKeyColumns(cols *arrow.Schema) error {
	dec, err := jsonarrow.NewDecoder(cols, jsonarrow.Options{})
	if err != nil {
		return adbcerr.New(adbc.StatusInvalidData, "topic %q: the JSON key columns cannot be decoded: %v", p.q.Topic, err)
	}
	p.key = readKey{format: options.KeyJSON, cols: cols, jsonDec: dec, typ: keyArrowType(options.KeyJSON, cols), inferred: true}
	return nil
}

// keyArrowType is the type of a decoded _key: a record (message, object)
// key is a struct of its fields; an Avro key of another type, and a JSON
// key that is not an object, the type of their single column.
func keyArrowType(f options.KeyFormat, s *arrow.Schema) arrow.DataType {
	switch f {
	case options.KeyAvro:
		if s.NumFields() == 1 && s.Field(0).Name == avroarrow.ValueColumnName {
			return s.Field(0).Type
		}
	case options.KeyJSON:
		if v, ok := s.Metadata().GetValue(jsonarrow.MetaRoot); ok && v == jsonarrow.RootValue && s.NumFields() == 1 {
			return s.Field(0).Type
		}
	}
	return arrow.StructOf(s.Fields()...)
}
