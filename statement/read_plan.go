package statement

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/internal/sqlparse"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
)

// readPlan is a SELECT planned against the cluster: the offsets to read,
// the schema to read them with, the columns to build and return, and the
// row filters. prepareRead makes one; newRecordReader executes it.
type readPlan struct {
	sess *Session
	sql  string
	q    *sqlparse.Query
	set  readSettings

	snap kafkaio.Snapshot
	// fullSnap is snap before ORDER BY ... LIMIT cut it to a window.
	fullSnap []kafkaio.PartitionRange

	// Value decoding, under kafarr.value.format=avro.
	subject    string
	readerID   int               // registry id of the reader schema; 0 when unknown
	reader     *avroarrow.Schema // nil under raw formats or before a peek
	stopOnNew  bool              // kafarr.read.schema=first: stop where the schema changes
	firstID    int32             // the schema id that fixed the reader under first
	valueArrow *arrow.Schema     // the decoded value columns
	projection []string          // decoded top-level value fields; nil = all
	cache      *avroarrow.DecoderCache

	// Key decoding.
	keyMode  string // binary | string | avro
	keyCache *avroarrow.DecoderCache
	keyType  arrow.DataType

	// Built columns: the value columns, then extra (metadata) columns.
	extra []arrow.Field
	built *arrow.Schema
	out   []outCol
	// outSchema is the result's schema, with the result metadata.
	outSchema *arrow.Schema

	metaTerms []sqlparse.Term // on _partition/_offset/_timestamp, checked before decoding
	rowTerms  []boundTerm     // on built columns, checked on each batch

	// Records read while peeking for the first schema, to be decoded first.
	peeked []*kgo.Record
	// peekCtx is the caller's context, for peeking: not the planning
	// deadline.
	peekCtx context.Context
	kr      *kafkaio.Reader
}

// prepareRead plans q. It reads the topic's metadata, offsets and schemas;
// under kafarr.read.schema=first it also starts reading to learn the
// schema of the first message. With read set, the Kafka reader starts
// fetching as soon as the offsets are known, while the registry answers.
// The caller must close the plan's reader.
func prepareRead(ctx context.Context, sess *Session, store *options.Store, sql string, q *sqlparse.Query, fixed *kafkaio.Snapshot, read bool) (*readPlan, error) {
	p := &readPlan{sess: sess, sql: sql, q: q, set: loadReadSettings(store), peekCtx: ctx}
	p.stopOnNew = p.set.format == "avro" && p.set.schema.Kind == options.SchemaFirst
	// Planning (metadata, offsets, schemas) is bounded too, since franz-go
	// retries an unreachable cluster until its context ends: by the read
	// timeout, but never less than one registry request may take. Peeking
	// at the first messages is reading, bounded by the reader's own
	// timeout (and, in follow mode, ended by it without error).
	budget := max(p.set.timeout, time.Duration(store.Int(options.SchemaRegistryTimeoutMs, 10000))*time.Millisecond)
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	if err := p.checkShape(); err != nil {
		return nil, err
	}
	// The registry lookups need only the topic's name: they run while
	// the brokers answer, since a registry round trip costs as much as
	// the whole offset planning.
	lctx, stopLookups := context.WithCancel(ctx)
	defer stopLookups()
	values, keys := p.lookupValue(lctx), p.lookupKey(lctx)
	abandon := func() {
		// The brokers' error wins; the lookups end without being waited
		// for (a registry that is down would take its whole timeout).
		stopLookups()
		values.wait()
		keys.wait()
	}
	if fixed != nil {
		p.snap = *fixed
	} else if err := p.planOffsets(ctx); err != nil {
		abandon()
		return nil, err
	}
	if read && q.Limit != 0 {
		if err := p.openReader(); err != nil {
			abandon()
			return nil, err
		}
	}
	if err := p.chooseValueSchema(ctx, values.wait()); err != nil {
		keys.wait()
		p.close()
		return nil, err
	}
	if err := p.chooseKey(keys.wait()); err != nil {
		p.close()
		return nil, err
	}
	if err := p.planColumns(); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

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

// start runs fn in the background; wait returns its result.
func start(fn func() lookupResult) *lookup {
	l := &lookup{done: make(chan struct{})}
	go func() {
		defer close(l.done)
		defer func() {
			// A panic in a goroutine would escape guard and kill the
			// host process.
			if r := recover(); r != nil {
				l.res = lookupResult{err: adbc.Error{Code: adbc.StatusInternal, Msg: fmt.Sprintf("kafarr: internal error looking up a schema: %v", r)}}
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

// close stops the plan's Kafka reader, if one was opened.
func (p *readPlan) close() {
	if p.kr != nil {
		p.kr.Close()
	}
}

// checkShape rejects what the grammar allows but kafarr cannot do.
func (p *readPlan) checkShape() error {
	if o := p.q.OrderBy; o != nil {
		c := o.Column.String()
		if c != "_offset" && c != "_timestamp" && c != "_partition" {
			return adbc.Error{Code: adbc.StatusNotImplemented, Msg: fmt.Sprintf(
				"kafarr: ORDER BY %s%s is not supported: kafarr orders by _offset, _timestamp or _partition; sort by other columns in DuckDB or pandas over the Arrow result",
				c, sqlparse.At(p.sql, o.Column.Pos))}
		}
		if p.set.follow {
			return adbc.Error{Code: adbc.StatusNotImplemented, Msg: "kafarr: ORDER BY cannot be combined with kafarr.read.follow=true, which has no end to sort up to"}
		}
	}
	for _, t := range p.q.Where {
		if len(t.Column.Path) == 1 && isPushdownColumn(t.Column.Path[0]) {
			if err := checkMetaTerm(t, p.sql); err != nil {
				return err
			}
			p.metaTerms = append(p.metaTerms, t)
		}
	}
	return nil
}

func isPushdownColumn(name string) bool {
	return name == "_partition" || name == "_offset" || name == "_timestamp"
}

// planOffsets snapshots the partitions to read and narrows their ranges by
// the pushed-down predicates and ORDER BY ... LIMIT.
func (p *readPlan) planOffsets(ctx context.Context) error {
	topic := p.q.Topic
	opts := kafkaio.SnapshotOptions{Isolation: p.set.isolation, Group: p.set.group}
	if len(p.metaTerms) > 0 {
		opts.Filter = func(part int32) bool { return metaMatches(p.metaTerms, "_partition", int64(part)) }
	}
	if p.set.startLate {
		opts.Start = kafkaio.StartLatest
	}
	var err error
	if p.snap, err = p.sess.Admin.Snapshot(ctx, topic, opts); err != nil {
		return err
	}
	if len(p.snap.Ranges) == 0 {
		return nil
	}
	lo, hi := bounds(p.metaTerms, "_offset")
	tsLo, tsHi := bounds(p.metaTerms, "_timestamp")
	var tsStart, tsEnd map[int32]int64
	if tsLo > minBound {
		if tsStart, err = p.sess.Admin.OffsetsForTimestamp(ctx, topic, max(tsLo, 0)); err != nil {
			return err
		}
	}
	if tsHi < maxBound {
		if tsHi <= 0 {
			tsEnd = map[int32]int64{}
			for _, r := range p.snap.Ranges {
				tsEnd[r.Partition] = r.Start
			}
		} else if tsEnd, err = p.sess.Admin.OffsetsForTimestamp(ctx, topic, tsHi); err != nil {
			return err
		}
	}
	for i := range p.snap.Ranges {
		r := &p.snap.Ranges[i]
		r.Start = max(r.Start, lo)
		if v, ok := tsStart[r.Partition]; ok {
			r.Start = max(r.Start, v)
		}
		if !p.set.follow {
			r.End = min(r.End, hi)
			if v, ok := tsEnd[r.Partition]; ok {
				r.End = min(r.End, v)
			}
		}
		if r.Start > r.End {
			r.Start = r.End
		}
	}
	if o := p.q.OrderBy; o != nil && p.q.Limit >= 0 && len(p.rowTermsOf()) == 0 && o.Column.String() != "_partition" {
		// The latest (or earliest) n rows of the whole topic are among
		// the latest (earliest) n of each partition; readOrdered widens
		// the window when gaps leave fewer rows than that.
		p.fullSnap = slices.Clone(p.snap.Ranges)
		p.snap = windowed(p.snap, p.q.Limit, o.Desc)
	}
	return nil
}

// rowTermsOf returns the WHERE terms that are not pushed down.
func (p *readPlan) rowTermsOf() []sqlparse.Term {
	var out []sqlparse.Term
	for _, t := range p.q.Where {
		if !(len(t.Column.Path) == 1 && isPushdownColumn(t.Column.Path[0])) {
			out = append(out, t)
		}
	}
	return out
}

// windowed cuts each range to its first or last n offsets.
func windowed(s kafkaio.Snapshot, n int64, tail bool) kafkaio.Snapshot {
	out := kafkaio.Snapshot{Topic: s.Topic, Ranges: slices.Clone(s.Ranges)}
	for i := range out.Ranges {
		r := &out.Ranges[i]
		if tail {
			r.Start = max(r.Start, r.End-n)
		} else if r.End-r.Start > n {
			r.End = r.Start + n
		}
	}
	return out
}

// lookupValue starts the registry half of choosing the value's reader
// schema per kafarr.read.schema and the subject strategy.
func (p *readPlan) lookupValue(ctx context.Context) *lookup {
	return start(func() lookupResult {
		if p.set.format != "avro" {
			return lookupResult{skip: true}
		}
		reg, err := p.sess.registry("reading Avro values")
		if err != nil {
			return lookupResult{err: err}
		}
		var res lookupResult
		switch spec := p.set.schema; spec.Kind {
		case options.SchemaID:
			// A lookup by id knows no subject: keep the one named (a
			// partition descriptor pins both) for the result metadata.
			res.subject = p.set.subject
			res.info, res.err = reg.SchemaByID(ctx, spec.N)
		case options.SchemaFirst:
			res.peek = true
		default:
			if res.subject, res.err = p.valueSubject(ctx, reg); res.err != nil {
				return res
			}
			if spec.Kind == options.SchemaVersion {
				res.info, res.err = reg.SchemaByVersion(ctx, res.subject, spec.N)
			} else {
				res.info, res.err = reg.Latest(ctx, res.subject)
				if statusOf(res.err) == adbc.StatusNotFound {
					// Nothing registered under the subject (the
					// producer used another naming strategy, say):
					// read with the first message's schema,
					// resolving the rest to it.
					res.peek, res.err = true, nil
				}
			}
		}
		return res
	})
}

// chooseValueSchema settles the value's reader schema from the lookup's
// result. Under "first", and when the value subject has no registered
// schema, it peeks at the first framed message.
func (p *readPlan) chooseValueSchema(ctx context.Context, res lookupResult) error {
	switch {
	case res.err != nil:
		return res.err
	case res.skip:
		return nil
	}
	p.subject = res.subject
	if res.peek {
		return p.peekSchema(ctx)
	}
	return p.setReader(res.info)
}

func (p *readPlan) setReader(info kafkaio.SchemaInfo) error {
	s, err := parseRegistered(info)
	if err != nil {
		return err
	}
	p.reader, p.readerID = s, info.ID
	if p.subject == "" {
		p.subject = info.Subject
	}
	return nil
}

// valueSubject applies kafarr.value.subject and the subject strategy.
func (p *readPlan) valueSubject(ctx context.Context, reg *kafkaio.Registry) (string, error) {
	if p.set.subject != "" {
		return p.set.subject, nil
	}
	topic := p.q.Topic
	switch p.set.strategy {
	case "topic":
		return topic + "-value", nil
	case "topic_record":
		subjects, err := reg.Subjects(ctx)
		if err != nil {
			return "", err
		}
		var found []string
		for _, s := range subjects {
			if len(s) > len(topic)+1 && s[:len(topic)+1] == topic+"-" && s != topic+"-key" && s != topic+"-value" {
				found = append(found, s)
			}
		}
		if len(found) == 1 {
			return found[0], nil
		}
		return "", adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
			"kafarr: topic %q: subject strategy topic_record found %d candidate subjects %v; set kafarr.value.subject or kafarr.read.schema=first|id:<n>",
			topic, len(found), found)}
	}
	return "", adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
		"kafarr: topic %q: subject strategy record names the subject after the record, which a query cannot know in advance; set kafarr.value.subject or kafarr.read.schema=first|id:<n>",
		p.q.Topic)}
}

// peekSchema opens the reader and reads until the first framed value, whose
// schema becomes the reader schema. The records read are kept and decoded
// first. A topic with no framed value in range keeps no value columns
// unless the subject has a schema.
func (p *readPlan) peekSchema(ctx context.Context) error {
	if err := p.openReader(); err != nil {
		return err
	}
	for {
		recs, err := p.kr.Next(p.peekCtx)
		if err != nil {
			if err == errEOF {
				return p.emptyFirst(ctx)
			}
			return err
		}
		p.peeked = append(p.peeked, recs...)
		for _, r := range recs {
			if r.Value == nil {
				continue
			}
			id, _, err := avroarrow.SplitFrame(r.Value)
			if err != nil {
				continue
			}
			info, err := p.sess.Registry.SchemaByID(ctx, int(id))
			if err != nil {
				if statusOf(err) == adbc.StatusNotFound {
					continue // handled per on_error when the record is decoded
				}
				return err
			}
			p.firstID = id
			return p.setReader(info)
		}
	}
}

// emptyFirst picks a schema when peeking found no framed message: the
// subject's latest, if any, so that an empty topic still has its columns.
func (p *readPlan) emptyFirst(ctx context.Context) error {
	subject := p.subject
	if subject == "" {
		subject = p.set.subject
	}
	if subject == "" && p.set.strategy == "topic" {
		subject = p.q.Topic + "-value"
	}
	if subject == "" {
		return nil
	}
	info, err := p.sess.Registry.Latest(ctx, subject)
	if err != nil {
		if statusOf(err) == adbc.StatusNotFound {
			return nil
		}
		return err
	}
	p.subject = subject
	return p.setReader(info)
}

// openReader starts the bounded (or follow) read of the plan's snapshot.
func (p *readPlan) openReader() error {
	if p.kr != nil {
		return nil
	}
	var budget int64
	if p.q.Limit >= 0 && p.q.OrderBy == nil && len(p.q.Where) == 0 && p.set.onError != "skip" && !p.stopOnNew {
		// Every record read becomes a row: let the reader stop at LIMIT
		// and size its fetches for it.
		budget = p.q.Limit
	}
	if p.q.Limit == 0 {
		budget = 0
	}
	kr, err := kafkaio.NewPartitionReader(p.sess.Client, p.snap.Topic, p.snap.Ranges, kafkaio.ReaderOptions{
		Leaders:    p.snap.Leaders,
		Isolation:  p.set.isolation,
		MaxRecords: budget,
		Timeout:    p.set.timeout,
		Follow:     p.set.follow,
	})
	if err != nil {
		return err
	}
	p.kr = kr
	return nil
}

// lookupKey starts the registry lookup of the key subject, when _key is
// built and kafarr.key.format may be Avro.
func (p *readPlan) lookupKey(ctx context.Context) *lookup {
	return start(func() lookupResult {
		if !p.wantsColumn("_key") || p.set.keyFormat == "string" || p.set.keyFormat == "binary" {
			return lookupResult{skip: true}
		}
		subject := p.set.keySubject
		if subject == "" {
			subject = p.q.Topic + "-key"
		}
		if p.sess.Registry == nil {
			if p.set.keyFormat == "avro" {
				_, err := p.sess.registry("kafarr.key.format=avro")
				return lookupResult{err: err}
			}
			return lookupResult{skip: true}
		}
		info, err := p.sess.Registry.Latest(ctx, subject)
		if statusOf(err) == adbc.StatusNotFound && p.set.keyFormat == "auto" {
			return lookupResult{skip: true}
		}
		return lookupResult{subject: subject, info: info, err: err}
	})
}

// chooseKey settles how _key is decoded, when it is built at all.
func (p *readPlan) chooseKey(res lookupResult) error {
	p.keyMode, p.keyType = "binary", arrow.BinaryTypes.Binary
	if p.wantsColumn("_key") && p.set.keyFormat == "string" {
		p.keyMode, p.keyType = "string", arrow.BinaryTypes.String
		return nil
	}
	switch {
	case res.err != nil:
		return res.err
	case res.skip:
		return nil
	}
	ks, err := parseRegistered(res.info)
	if err != nil {
		return err
	}
	cache, err := avroarrow.NewDecoderCache(ks, avroarrow.DecoderOptions{MapOptions: avroarrow.MapOptions{UnionMode: p.set.unionMode}})
	if err != nil {
		return adbc.Error{Code: adbc.StatusInvalidData, Msg: fmt.Sprintf("kafarr: key subject %q: %v", res.subject, err)}
	}
	p.keyMode, p.keyCache = "avro", cache
	p.keyType = keyArrowType(cache.Schema())
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

// wantsColumn reports whether the query selects or filters on name.
func (p *readPlan) wantsColumn(name string) bool {
	if p.q.Star && slices.Contains(p.set.metaStar, name) {
		return true
	}
	for _, c := range p.q.Columns {
		if c.Path[0] == name {
			return true
		}
	}
	for _, t := range p.q.Where {
		if t.Column.Path[0] == name {
			return true
		}
	}
	return p.q.OrderBy != nil && p.q.OrderBy.Column.Path[0] == name
}

// statusOf returns the ADBC status of err, or Unknown.
func statusOf(err error) adbc.Status {
	if err == nil {
		return adbc.StatusOK
	}
	if ae, ok := asADBC(err); ok {
		return ae.Code
	}
	return adbc.StatusUnknown
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
