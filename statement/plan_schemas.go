package statement

import (
	"context"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/avroarrow"
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

// lookupValue starts the registry half of choosing the value's reader
// schema per kafarr.read.schema and the subject strategy.
func (e *execution) lookupValue(ctx context.Context) *lookup {
	p, sess := e.plan, e.sess
	return startLookup(func() lookupResult {
		if p.set.ValueFormat != options.FormatAvro {
			return lookupResult{skip: true}
		}
		reg, err := sess.NeedRegistry("reading Avro values")
		if err != nil {
			return lookupResult{err: err}
		}
		return lookupValueSchema(ctx, reg, p.q.Topic, p.set)
	})
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
				// used another naming strategy, say): read with the
				// first message's schema, resolving the rest to it.
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

// chooseValue settles the value's reader schema from the lookup's result.
// Under "first", and when the value subject has no registered schema, it
// peeks at the first framed message.
func (e *execution) chooseValue(ctx context.Context, res lookupResult) error {
	switch {
	case res.err != nil:
		return res.err
	case res.skip:
		return nil
	}
	e.plan.value.subject = res.subject
	if res.peek {
		return e.peekSchema(ctx)
	}
	return e.plan.setReader(res.info)
}

// setReader makes a registered schema the value's reader schema.
func (p *readPlan) setReader(info kafkaio.SchemaInfo) error {
	s, err := codec.ParseAvro(info)
	if err != nil {
		return err
	}
	p.value.reader, p.value.readerID = s, info.ID
	if p.value.subject == "" {
		p.value.subject = info.Subject
	}
	return nil
}

// emptyFirst picks a schema when peeking found no framed message: the
// subject's latest, if any, so that an empty topic still has its columns.
func (e *execution) emptyFirst(ctx context.Context) error {
	p := e.plan
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
	return p.setReader(info)
}

// lookupKey starts the registry lookup of the key subject, when _key is
// built and kafarr.key.format may be Avro.
func (e *execution) lookupKey(ctx context.Context) *lookup {
	p, sess := e.plan, e.sess
	return startLookup(func() lookupResult {
		if !p.wantsColumn("_key") || p.set.KeyFormat == options.KeyString || p.set.KeyFormat == options.KeyBinary {
			return lookupResult{skip: true}
		}
		subject := p.set.KeySubject
		if subject == "" {
			subject = p.q.Topic + "-key"
		}
		if sess.Registry == nil {
			if p.set.KeyFormat == options.KeyAvro {
				_, err := sess.NeedRegistry("kafarr.key.format=avro")
				return lookupResult{err: err}
			}
			return lookupResult{skip: true}
		}
		if id := p.key.pinnedID; id > 0 {
			info, err := sess.Registry.SchemaByID(ctx, id)
			return lookupResult{subject: subject, info: info, err: err}
		}
		info, err := sess.Registry.Latest(ctx, subject)
		if adbcerr.Status(err) == adbc.StatusNotFound && p.set.KeyFormat == options.KeyAuto {
			return lookupResult{skip: true}
		}
		return lookupResult{subject: subject, info: info, err: err}
	})
}

// chooseKey settles how _key is decoded, when it is built at all.
func (p *readPlan) chooseKey(res lookupResult) error {
	pinnedID := p.key.pinnedID
	p.key = readKey{format: options.KeyBinary, typ: arrow.BinaryTypes.Binary, pinnedID: pinnedID}
	if p.wantsColumn("_key") && p.set.KeyFormat == options.KeyString {
		p.key = readKey{format: options.KeyString, typ: arrow.BinaryTypes.String, pinnedID: pinnedID}
		return nil
	}
	switch {
	case res.err != nil:
		return res.err
	case res.skip:
		return nil
	}
	ks, err := codec.ParseAvro(res.info)
	if err != nil {
		return err
	}
	cache, err := avroarrow.NewDecoderCache(ks, avroarrow.DecoderOptions{MapOptions: avroarrow.MapOptions{UnionMode: unionMode(p.set.UnionMode)}})
	if err != nil {
		return adbcerr.New(adbc.StatusInvalidData, "key subject %q: %v", res.subject, err)
	}
	p.key = readKey{format: options.KeyAvro, subject: res.subject, id: res.info.ID, cache: cache, typ: keyArrowType(cache.Schema()), pinnedID: pinnedID}
	return nil
}

// keyArrowType is the type of an Avro-decoded _key: a record key is a
// struct of its fields, any other key its single column's type.
func keyArrowType(s *arrow.Schema) arrow.DataType {
	if s.NumFields() == 1 && s.Field(0).Name == avroarrow.ValueColumnName {
		return s.Field(0).Type
	}
	return arrow.StructOf(s.Fields()...)
}

// decoders returns the value and key decoders of one scan of the plan;
// the key decoder is nil unless keys are Avro.
func (p *readPlan) decoders(sess *session.Session) (value, key codec.Decoder) {
	lookup := func(ctx context.Context, id int32) (*avroarrow.Schema, error) {
		reg, err := sess.NeedRegistry("decoding Avro messages")
		if err != nil {
			return nil, err
		}
		return codec.RegistryLookup(reg)(ctx, id)
	}
	if p.set.ValueFormat == options.FormatAvro {
		value = codec.NewAvro(p.value.cache, lookup, codec.AvroOptions{What: "value", StopOnNew: p.value.stopOnNew, First: p.value.first})
	} else {
		value = codec.Raw{}
	}
	if p.key.format == options.KeyAvro && p.wantsColumn("_key") {
		key = codec.NewAvro(p.key.cache, lookup, codec.AvroOptions{What: "key"})
	}
	return value, key
}
