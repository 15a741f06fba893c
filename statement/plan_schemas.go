package statement

import (
	"cmp"
	"context"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/codec"
	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/internal/session"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
)

// lookup is a registry answer being fetched in the background.
type lookup struct {
	done chan struct{}
	res  lookupResult
}

// lookupResult is what a lookup found. subject is the subject looked up;
// skip says no lookup was needed; peek says the first message must
// decide the schema.
type lookupResult struct {
	subject string
	info    kafkaio.SchemaInfo
	skip    bool
	peek    bool
	err     error
}

// startLookup runs fn in the background; wait returns its result.
func startLookup(fn func() lookupResult) *lookup {
	l := &lookup{done: make(chan struct{})}
	go func() {
		defer close(l.done)
		defer func() {
			// A panic in a goroutine would escape guard and kill the
			// host process.
			if r := recover(); r != nil {
				l.res = lookupResult{err: adbcerr.New(adbc.StatusInternal, "internal error looking up a schema: %v", r)}
			}
		}()
		l.res = fn()
	}()
	return l
}

func (l *lookup) wait() lookupResult {
	<-l.done
	return l.res
}

// schemaLookups are the registry lookups of a plan's value and key
// schemas, running while the brokers answer: a registry round trip costs
// as much as the whole offset planning.
type schemaLookups struct {
	values, keys *lookup
	stop         context.CancelFunc
}

// startLookups starts the value and key lookups under ctx.
func (e *execution) startLookups(ctx context.Context) *schemaLookups {
	ctx, stop := context.WithCancel(ctx)
	return &schemaLookups{values: e.lookupValue(ctx), keys: e.lookupKey(ctx), stop: stop}
}

// wait returns both lookups' results.
func (l *schemaLookups) wait() (values, keys lookupResult) {
	values, keys = l.values.wait(), l.keys.wait()
	l.stop()
	return values, keys
}

// abandon stops the lookups and returns err: the brokers' error wins, and
// the lookups end without being waited out (a registry that is down would
// take its whole timeout).
func (l *schemaLookups) abandon(err error) error {
	l.stop()
	l.wait()
	return err
}

// lookupValue starts the registry half of choosing the value's format and
// reader schema, per kafarr.value.format, kafarr.read.schema and the
// subject strategy.
func (e *execution) lookupValue(ctx context.Context) *lookup {
	p, sess := e.plan, e.sess
	return startLookup(func() lookupResult {
		switch f := p.set.ValueFormat; {
		case f == options.FormatString || f == options.FormatBinary:
			return lookupResult{skip: true}
		case p.set.InlineSchema != "" || p.pin != nil && p.pin.valueCols != nil:
			return lookupResult{skip: true}
		case sess.Registry == nil:
			if f == options.FormatAvro || f == options.FormatProtobuf {
				_, err := sess.NeedRegistry("reading " + formatTitle(f) + " values")
				return lookupResult{err: err}
			}
			// auto and json: only framed messages need the registry,
			// which sampling finds out.
			return lookupResult{peek: true}
		}
		return lookupValueSchema(ctx, sess.Registry, p.q.Topic, p.set)
	})
}

// formatTitle is a format's name in messages.
func formatTitle(f options.ValueFormat) string {
	switch f {
	case options.FormatAvro:
		return "Avro"
	case options.FormatProtobuf:
		return "Protobuf"
	case options.FormatJSON:
		return "JSON"
	}
	return string(f)
}

// lookupValueSchema asks the registry for the reader schema of topic's
// values that set names.
func lookupValueSchema(ctx context.Context, reg *kafkaio.Registry, topic string, set options.ReadSettings) (res lookupResult) {
	switch spec := set.Schema; spec.Kind {
	case options.SchemaID:
		// A lookup by id knows no subject: keep the one named (a
		// partition descriptor pins both) for the result metadata.
		res.subject = set.ValueSubject
		res.info, res.err = reg.SchemaByID(ctx, spec.N)
	case options.SchemaFirst:
		res.peek = true
	default:
		if res.subject, res.err = valueSubject(ctx, reg, topic, set); res.err != nil {
			return res
		}
		if spec.Kind == options.SchemaVersion {
			res.info, res.err = reg.SchemaByVersion(ctx, res.subject, spec.N)
		} else {
			res.info, res.err = reg.Latest(ctx, res.subject)
			if adbcerr.Status(res.err) == adbc.StatusNotFound {
				// Nothing registered under the subject (the producer
				// used another naming strategy, or no registry at
				// all): the messages decide.
				res.peek, res.err = true, nil
			}
		}
	}
	return res
}

// valueSubject applies kafarr.value.subject and the subject strategy.
func valueSubject(ctx context.Context, reg *kafkaio.Registry, topic string, set options.ReadSettings) (string, error) {
	if set.ValueSubject != "" {
		return set.ValueSubject, nil
	}
	switch set.SubjectStrategy {
	case options.StrategyTopic:
		return topic + "-value", nil
	case options.StrategyTopicRecord:
		subjects, err := reg.Subjects(ctx)
		if err != nil {
			return "", err
		}
		var found []string
		for _, s := range subjects {
			if strings.HasPrefix(s, topic+"-") && len(s) > len(topic)+1 && s != topic+"-key" && s != topic+"-value" {
				found = append(found, s)
			}
		}
		if len(found) == 1 {
			return found[0], nil
		}
		return "", adbcerr.New(adbc.StatusInvalidArgument,
			"topic %q: subject strategy topic_record found %d candidate subjects %v; set kafarr.value.subject or kafarr.read.schema=first|id:<n>",
			topic, len(found), found)
	}
	return "", adbcerr.New(adbc.StatusInvalidArgument,
		"topic %q: subject strategy record names the subject after the record, which a query cannot know in advance; set kafarr.value.subject or kafarr.read.schema=first|id:<n>",
		topic)
}

// chooseValue settles the value's format and reader schema from the
// lookup's result. A string or binary format needs nothing; a schema given
// inline, or pinned by a partition descriptor, is used as it is; a
// registered schema decides by its type; otherwise the first messages
// decide (sampleValues).
func (e *execution) chooseValue(ctx context.Context, res lookupResult) error {
	p := e.plan
	v := &p.value
	switch f := p.set.ValueFormat; {
	case res.err != nil:
		return res.err
	case f == options.FormatString || f == options.FormatBinary:
		v.format, v.stopOnNew = f, false
		return nil
	case p.pin != nil && p.pin.valueCols != nil:
		return p.setPlainJSON(p.pin.valueCols, true)
	case p.set.InlineSchema != "":
		return p.setInline()
	}
	v.subject = res.subject
	if res.peek {
		return e.sampleValues(ctx)
	}
	return p.setRegistered(ctx, e.sess, res.info)
}

// schemaFormat is the value format of a registry schema type.
func schemaFormat(typ string) (options.ValueFormat, bool) {
	switch typ {
	case "", "AVRO":
		return options.FormatAvro, true
	case "PROTOBUF":
		return options.FormatProtobuf, true
	case "JSON":
		return options.FormatJSON, true
	}
	return "", false
}

// registeredFormat is the format a registered schema is read in, for the
// value or the key (what); set is kafarr.<what>.format, which may be auto
// or must name that format.
func registeredFormat(topic, what, set, subject string, info kafkaio.SchemaInfo) (options.ValueFormat, error) {
	f, ok := schemaFormat(info.Type)
	if !ok {
		return "", adbcerr.New(adbc.StatusNotImplemented, "topic %q: %s schema id %d has schema type %q, which kafarr cannot read; set kafarr.%s.format=binary", topic, what, info.ID, info.Type, what)
	}
	if set != string(options.FormatAuto) && set != string(f) {
		return "", adbcerr.New(adbc.StatusInvalidArgument,
			"topic %q: kafarr.%s.format=%s, but the %s schema (subject %q, id %d) is a %s schema; set kafarr.%s.format=%s or auto",
			topic, what, set, what, subject, info.ID, strings.ToUpper(string(f)), what, f)
	}
	return f, nil
}

// setRegistered makes a registered schema the value's reader schema; its
// type decides the format, unless kafarr.value.format names another, which
// is an error.
func (p *readPlan) setRegistered(ctx context.Context, sess *session.Session, info kafkaio.SchemaInfo) error {
	v := &p.value
	f, err := registeredFormat(p.q.Topic, "value", string(p.set.ValueFormat), cmp.Or(v.subject, info.Subject), info)
	if err != nil {
		return err
	}
	reg := sess.Registry
	switch f {
	case options.FormatAvro:
		s, err := codec.ParseAvro(info)
		if err != nil {
			return err
		}
		v.reader, v.text, v.recordName = s, s.String(), s.Name
	case options.FormatProtobuf:
		s, md, err := codec.ParseProtobuf(ctx, info, codec.RegistryResolve(reg), p.set.ProtoMessage)
		if err != nil {
			return adbcerr.Wrap(err, "topic %q: value schema id %d", p.q.Topic, info.ID)
		}
		if v.firstIndexes != nil && p.set.ProtoMessage == "" {
			if first, err := s.MessageAt(v.firstIndexes); err == nil {
				md = first
			}
		}
		v.proto, v.protoMsg, v.text, v.recordName = s, md, info.Schema, string(md.FullName())
	case options.FormatJSON:
		cols, err := codec.ParseJSONSchema(ctx, info, codec.RegistryResolver(reg))
		if err != nil {
			return adbcerr.Wrap(err, "topic %q", p.q.Topic)
		}
		v.jsonCols, v.framed, v.text = cols, true, info.Schema
	}
	v.format, v.readerID = f, info.ID
	v.stopOnNew = v.stopOnNew && p.set.Schema.Kind == options.SchemaFirst
	if v.subject == "" {
		v.subject = info.Subject
	}
	return nil
}

// setInline makes kafarr.value.schema the schema of plain JSON values: a
// JSON Schema document, or an Avro schema.
func (p *readPlan) setInline() error {
	if f := p.set.ValueFormat; f != options.FormatAuto && f != options.FormatJSON {
		return adbcerr.New(adbc.StatusInvalidArgument,
			"kafarr.value.schema describes plain JSON values, but kafarr.value.format=%s; set kafarr.value.format=json (or auto), or unset kafarr.value.schema", f)
	}
	cols, err := inlineColumns(p.set.InlineSchema)
	if err != nil {
		return err
	}
	if err := p.setPlainJSON(cols, false); err != nil {
		return err
	}
	p.value.text = p.set.InlineSchema
	return nil
}

// setPlainJSON reads values as plain JSON into cols; inferred says cols
// came from the data.
func (p *readPlan) setPlainJSON(cols *arrow.Schema, inferred bool) error {
	v := &p.value
	v.format, v.framed, v.jsonCols, v.inferred, v.stopOnNew = options.FormatJSON, false, cols, inferred, false
	return nil
}

// decoders returns the value and key decoders of one scan of the plan;
// the key decoder is nil unless keys are decoded by a schema.
func (p *readPlan) decoders(sess *session.Session) (value, key codec.Decoder) {
	avro := needRegistry(sess, "decoding Avro messages", codec.RegistryLookup)
	proto := needRegistry(sess, "decoding Protobuf messages", codec.ProtobufRegistryLookup)
	infos := needRegistry(sess, "decoding framed JSON messages", codec.RegistrySchemaLookup)
	switch v := &p.value; v.format {
	case options.FormatAvro:
		value = codec.NewAvro(v.cache, avro, codec.AvroOptions{What: "value", StopOnNew: v.stopOnNew, First: v.first})
	case options.FormatProtobuf:
		value = codec.NewProtobuf(v.protoCache, proto, codec.ProtobufOptions{What: "value", StopOnNew: v.stopOnNew, First: v.first})
	case options.FormatJSON:
		value = codec.NewJSON(v.jsonDec, infos, codec.JSONOptions{What: "value", Framed: v.framed, StopOnNew: v.stopOnNew, First: v.first})
	default:
		value = codec.Raw{}
	}
	if !p.wantsColumn("_key") {
		return value, nil
	}
	switch k := &p.key; k.format {
	case options.KeyAvro:
		key = codec.NewAvro(k.cache, avro, codec.AvroOptions{What: "key"})
	case options.KeyProtobuf:
		key = codec.NewProtobuf(k.protoCache, proto, codec.ProtobufOptions{What: "key"})
	case options.KeyJSON:
		key = codec.NewJSON(k.jsonDec, infos, codec.JSONOptions{What: "key", Framed: k.framed})
	}
	return value, key
}

// needRegistry returns the registry lookup of kind (codec.RegistryLookup,
// ...) over the session's registry; without one, a framed message is
// InvalidState saying what needed it (and to configure it).
func needRegistry[F ~func(context.Context, int32) (T, error), T any](sess *session.Session, what string, kind func(*kafkaio.Registry) F) F {
	if sess.Registry != nil {
		return kind(sess.Registry)
	}
	return func(context.Context, int32) (T, error) {
		var zero T
		_, err := sess.NeedRegistry(what)
		return zero, err
	}
}
