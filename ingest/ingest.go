package ingest

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/internal/adbcerr"
	"github.com/kafarr/kafarr/internal/session"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
)

// Options are a statement's ADBC standard ingest options (adbc.ingest.*):
// the target topic and the mode.
type Options struct {
	// Target is adbc.ingest.target_table, the topic; "" when the
	// statement is no ingest.
	Target string
	// Mode is adbc.ingest.mode: adbc.OptionValueIngestModeCreate,
	// Append, CreateAppend or Replace.
	Mode string
}

// NewOptions returns the options of a statement no ingest option was set
// on: no target, mode create (ADBC's default).
func NewOptions() Options { return Options{Mode: adbc.OptionValueIngestModeCreate} }

// Set handles the adbc.ingest.* keys; handled is false for other keys.
func (o *Options) Set(key, val string) (handled bool, err error) {
	switch key {
	case adbc.OptionKeyIngestTargetTable:
		if val == "" {
			return true, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: "kafarr: option adbc.ingest.target_table needs a topic name"}
		}
		o.Target = val
		return true, nil
	case adbc.OptionKeyIngestMode:
		switch val {
		case adbc.OptionValueIngestModeCreate, adbc.OptionValueIngestModeAppend,
			adbc.OptionValueIngestModeCreateAppend, adbc.OptionValueIngestModeReplace:
			o.Mode = val
			return true, nil
		}
		return true, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
			"kafarr: option adbc.ingest.mode: got %q; it accepts adbc.ingest.mode.create, .append, .create_append or .replace", val)}
	case adbc.OptionValueIngestTemporary:
		switch val {
		case adbc.OptionValueDisabled:
			return true, nil
		case adbc.OptionValueEnabled:
			return true, adbc.Error{Code: adbc.StatusNotImplemented, Msg: "kafarr: Kafka has no temporary topics (adbc.ingest.temporary=true)"}
		}
		return true, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
			"kafarr: option adbc.ingest.temporary: got %q; it accepts false (Kafka has no temporary topics)", val)}
	case adbc.OptionValueIngestTargetCatalog, adbc.OptionValueIngestTargetDBSchema:
		// A cluster is one catalog with one schema; the names are
		// accepted for tools that always send them.
		return true, nil
	}
	return false, nil
}

// Get returns the value of an adbc.ingest.* key; ok is false for other
// keys, and for the target while none is set.
func (o *Options) Get(key string) (val string, ok bool) {
	switch key {
	case adbc.OptionKeyIngestTargetTable:
		return o.Target, o.Target != ""
	case adbc.OptionKeyIngestMode:
		return o.Mode, true
	case adbc.OptionValueIngestTemporary:
		return adbc.OptionValueDisabled, true
	}
	return "", false
}

// ingestSettings are the settings of one ingest call: the ingest mode,
// and the kafarr ingest options in force.
type ingestSettings struct {
	options.IngestSettings
	mode string
}

// coerceMode maps kafarr.ingest.coerce to the encoder's mode.
func (s *ingestSettings) coerceMode() avroarrow.CoerceMode {
	if s.Coerce == options.CoerceStrict {
		return avroarrow.CoerceStrict
	}
	return avroarrow.CoerceExact
}

// ingestRun is one ingest call. Everything that can be checked without
// side effects (the topic's name and kind, the mode against the topic, a
// validate-only create, the schemas against the columns, the first batch)
// is checked first; then schemas are registered, the topic is created, and
// the batches are produced.
type ingestRun struct {
	sess  *session.Session
	set   ingestSettings
	topic string
	data  array.RecordReader // the bound data
	in    *arrow.Schema      // its schema

	state  kafkaio.TopicState // the topic before this ingest
	exists bool               // the topic existed before this ingest
	fresh  bool               // this ingest creates (or recreates) the topic
	limit  recordLimit        // the largest record the topic takes
	sizer  sizer              // bounds record sizes for checkSizes
	first  checked            // the first non-empty batch, checked by plan

	val  valuePlan
	key  *keyPlan // nil without kafarr.ingest.key_subject
	meta metaPlan

	cl     *kgo.Client
	free   chan *chunk // chunks whose records may be reused
	chunks []*chunk    // all of them
	acks   acks
	sent   atomic.Int64 // records handed to the producer

	acked int64 // rows the brokers acknowledged, once all are in
}

// valuePlan is how the value of each row is written.
type valuePlan struct {
	encPlan
	// cols are the columns of a bound batch that the encoder reads (in
	// is their schema): nil for all of them (valueInput).
	cols []int
	in   *arrow.Schema
	// dropSubject permits deleting subject when the registry refuses
	// the derived schema (ingest mode replace: the subject goes with the
	// replaced topic).
	dropSubject bool
	// retype: the subject holds schemas of another type than the derived
	// one (mode replace with an explicit value_format), so it is deleted
	// before registering. Apicurio does not refuse such a schema: it
	// stores it as a version of the subject's first type.
	retype bool
}

// Run produces data to the topic opts.Target, as opts.Mode and settings
// (the kafarr.ingest.* options in force) say, and returns the number of
// rows the brokers acknowledged. On error the count is the rows
// acknowledged before the failure (0 for a transactional ingest, none of
// which is then visible), and the error message says it too. Run reads
// data to its end; the caller keeps it, and releases it.
func Run(ctx context.Context, sess *session.Session, settings options.IngestSettings, opts Options, data array.RecordReader) (int64, error) {
	if data == nil {
		return -1, adbc.Error{Code: adbc.StatusInvalidState, Msg: fmt.Sprintf("kafarr: ingest into %q: no data bound (Bind or BindStream)", opts.Target)}
	}
	r := &ingestRun{sess: sess, set: ingestSettings{IngestSettings: settings, mode: opts.Mode}, topic: opts.Target, data: data, in: data.Schema()}
	defer r.first.release()
	if err := r.plan(ctx); err != nil {
		return 0, err
	}
	if err := r.apply(ctx); err != nil {
		return 0, err
	}
	return r.produceAll(ctx)
}

// plan makes every check that can refuse the ingest, and changes
// nothing: the topic's name, whether it is Kafka's own, the mode against
// the topic, whether the broker would create it, the columns against the
// schemas, and the first batch of data in full. It compiles the encoders
// and finds the largest record the topic takes.
func (r *ingestRun) plan(ctx context.Context) error {
	if err := kafkaio.CheckTopicName(r.topic); err != nil {
		return err
	}
	if err := r.planMeta(); err != nil {
		return err
	}
	st, err := r.sess.Admin.TopicState(ctx, r.topic)
	if err != nil {
		return adbcerr.Wrap(err, "ingest into %q", r.topic)
	}
	if st.Internal {
		// The broker refuses produce requests to these, but only once
		// a schema would have been registered.
		return adbcerr.New(adbc.StatusInvalidArgument,
			"ingest into %q: the topic is internal to Kafka (it holds the cluster's own state), and no client may write to it", r.topic)
	}
	r.state, r.exists = st, st.Exists
	switch r.set.mode {
	case adbc.OptionValueIngestModeAppend:
		if !r.exists {
			return adbcerr.NewState(adbc.StatusNotFound, adbcerr.TableNotFound, "ingest mode append: topic %q does not exist (use create or create_append)", r.topic)
		}
	case adbc.OptionValueIngestModeCreate:
		if r.exists {
			return adbcerr.NewState(adbc.StatusAlreadyExists, adbcerr.TableExists, "ingest mode create: topic %q already exists (use append or create_append)", r.topic)
		}
	case adbc.OptionValueIngestModeReplace:
		if !r.set.AllowDeleteTopics {
			return adbc.Error{Code: adbc.StatusUnauthorized, Msg: fmt.Sprintf(
				"kafarr: ingest mode replace deletes topic %q and its data; set kafarr.allow_delete_topics=true to permit it", r.topic)}
		}
	}
	r.fresh = !r.exists || r.set.mode == adbc.OptionValueIngestModeReplace
	switch {
	case r.exists && r.fresh && !st.Permits(kmsg.ACLOperationDelete):
		return adbcerr.New(adbc.StatusUnauthorized, "ingest mode replace: not permitted to delete topic %q (the broker's ACLs grant no DELETE on it)", r.topic)
	case r.exists && !r.fresh && !st.Permits(kmsg.ACLOperationWrite):
		return adbcerr.New(adbc.StatusUnauthorized, "ingest into %q: not permitted to write to the topic (the broker's ACLs grant no WRITE on it)", r.topic)
	}
	if err := r.planTopic(ctx); err != nil {
		return err
	}
	if err := r.planValue(ctx); err != nil {
		return err
	}
	if err := r.planKey(ctx); err != nil {
		return err
	}
	r.sizer = r.newSizer()
	return r.checkFirst()
}

// planTopic finds the partition count and record size limit of the topic
// as this ingest will write it, and for a topic this ingest creates, asks
// the broker whether it would (a name colliding with another topic's,
// too many replicas, a policy or a missing permission would refuse it).
func (r *ingestRun) planTopic(ctx context.Context) error {
	adm := r.sess.Admin
	var nt kafkaio.NewTopic
	switch {
	case !r.exists:
		var err error
		nt, err = adm.ValidateCreateTopic(ctx, r.topic, r.set.Partitions, r.set.ReplicationFactor)
		if err != nil {
			return adbcerr.Wrap(err, "ingest into %q", r.topic)
		}
		r.meta.partitions = nt.Partitions
	case r.fresh:
		// replace: the broker cannot be asked whether it would create a
		// topic that exists.
		if rf := int(r.set.ReplicationFactor); rf > len(r.state.Brokers) {
			return adbcerr.New(adbc.StatusInvalidArgument,
				"ingest mode replace: kafarr.ingest.replication_factor is %d but the cluster has %d brokers; topic %q would be deleted and not created again",
				rf, len(r.state.Brokers), r.topic)
		}
		// With the broker's num.partitions, the partition column is
		// checked once the topic is created again.
		r.meta.partitions = max(r.set.Partitions, 0)
	default:
		r.meta.partitions = int32(r.state.Partitions)
	}
	return r.planLimit(ctx, nt)
}

// planValue finds the value schema and compiles the encoder:
//   - kafarr.ingest.value_subject names a subject that must exist (with
//     kafarr.ingest.value_format=json, one that does not yet gets a JSON
//     Schema derived from the columns);
//   - else, except in mode replace, <topic>-value is used when registered
//     and the data fits it;
//   - else (mode replace, no such subject, or a topic this ingest creates
//     whose old subject does not fit the data) a schema is derived from
//     the columns, to be registered under <topic>-value unless
//     kafarr.ingest.auto_register=false; with value_format=json and no
//     subject at all, the values are plain JSON and no registry is used.
//
// The subject's schema type decides the format; an explicit
// kafarr.ingest.value_format must agree with it. A derived schema is of
// the explicit format, else of the old subject's type, else Avro.
func (r *ingestRun) planValue(ctx context.Context) error {
	want := r.set.ValueFormat
	explicit := r.set.ValueSubject != ""
	r.val.subject = r.set.ValueSubject
	if !explicit {
		r.val.subject = r.topic + "-value"
	}
	if want == options.IngestJSON && !explicit && r.set.ValueSchemaVersion == 0 && r.sess.Registry == nil {
		// Plain JSON needs no registry: without one there can be no
		// subject.
		return r.planPlainValue(ctx)
	}
	reg, err := r.sess.NeedRegistry(fmt.Sprintf("ingest with %s values (kafarr.ingest.value_format=%s)", valueWhat(want), want))
	if err != nil {
		return err
	}
	replace := !explicit && r.set.mode == adbc.OptionValueIngestModeReplace && r.set.ValueSchemaVersion == 0 && r.set.AutoRegister
	// In mode replace, which recreates the table, the data, not the
	// replaced topic's schema, defines it: the old subject only tells the
	// format (auto), whether JSON is registered (json), and whether the
	// subject holds another type (retype).
	info, err := lookupSubject(ctx, reg, r.val.subject, r.set.ValueSchemaVersion)
	derived := wireAvro
	if f, ok := wantedFormat(want); ok {
		derived = f
	}
	switch {
	case err == nil:
		f, ok := wireFormatOf(info.Type)
		if !ok {
			return adbcerr.New(adbc.StatusNotImplemented, "ingest into %q: subject %q holds a schema of type %q, which kafarr cannot encode", r.topic, r.val.subject, info.Type)
		}
		if !fits(want, f) {
			if !replace {
				return r.contradiction(options.IngestValueFormat, want, r.val.subject, info)
			}
			r.val.retype = true
		} else if want == options.IngestAuto {
			derived = f
		}
		if replace {
			r.val.dropSubject = true
			break
		}
		if info.Subject == "" {
			info.Subject = r.val.subject
		}
		input := func(has func(string) bool) *arrow.Schema {
			r.val.in = r.valueInput(f, has)
			return r.val.in
		}
		p, cerr, err := r.compileFor(ctx, reg, f, info, input, r.set.ProtoMessage)
		if err != nil {
			return adbcerr.Wrap(err, "ingest into %q: subject %q", r.topic, r.val.subject)
		}
		if cerr == nil {
			p.subject = r.val.subject
			r.val.encPlan = p
			return nil
		}
		if explicit || r.set.ValueSchemaVersion != 0 || !r.fresh || !r.set.AutoRegister {
			return r.encodeErr(cerr, "the data does not fit schema id %d (subject %q version %d)", info.ID, r.val.subject, info.Version)
		}
		// The topic is new: its subject belongs to an earlier topic
		// of the same name, and the data defines the new one's
		// schema.
	case adbcerr.Status(err) == adbc.StatusNotFound && r.set.ValueSchemaVersion == 0 && (!explicit || want == options.IngestJSON):
		if replace && want != options.IngestJSON {
			r.val.dropSubject = true
		}
		if want == options.IngestJSON && !explicit {
			// No subject: plain JSON.
			return r.planPlainValue(ctx)
		}
		if !r.set.AutoRegister {
			return adbc.Error{Code: adbc.StatusNotFound, Msg: fmt.Sprintf(
				"kafarr: ingest into %q: subject %q has no schema and kafarr.ingest.auto_register=false", r.topic, r.val.subject)}
		}
	default:
		return adbcerr.Wrap(err, "ingest into %q: value subject %q", r.topic, r.val.subject)
	}
	r.val.in = r.valueInput(derived, nil)
	p, err := r.derivePlan(ctx, derived, r.valueColumns(), r.val.in, r.recordName(), r.val.subject, "the columns")
	if err != nil {
		return err
	}
	r.val.encPlan = p
	return nil
}

// planPlainValue plans plain JSON values: the value columns as one JSON
// object, unframed.
func (r *ingestRun) planPlainValue(ctx context.Context) error {
	r.val.in = r.valueInput(wireJSON, nil)
	p, err := r.derivePlan(ctx, wireJSON, r.valueColumns(), r.val.in, "", "", "the columns")
	if err != nil {
		return err
	}
	r.val.encPlan, r.val.dropSubject = p, false
	return nil
}

// wantedFormat is the wire format an explicit kafarr.ingest.*_format asks
// a derived schema to have; false for auto (and the raw key formats).
func wantedFormat(want options.IngestFormat) (wireFormat, bool) {
	switch want {
	case options.IngestAvro:
		return wireAvro, true
	case options.IngestProtobuf:
		return wireProtobuf, true
	case options.IngestJSON:
		return wireJSONSchema, true
	}
	return 0, false
}

// valueWhat names the values a format writes, for messages.
func valueWhat(want options.IngestFormat) string {
	switch want {
	case options.IngestProtobuf:
		return "Protobuf"
	case options.IngestJSON:
		return "JSON Schema"
	}
	return "Avro"
}

// lookupSubject returns version (0: the latest) of subject.
func lookupSubject(ctx context.Context, reg *kafkaio.Registry, subject string, version int) (kafkaio.SchemaInfo, error) {
	if version > 0 {
		return reg.SchemaByVersion(ctx, subject, version)
	}
	return reg.Latest(ctx, subject)
}

// encodeErr reports an encoder error as InvalidArgument naming the
// topic.
func (r *ingestRun) encodeErr(err error, format string, args ...any) error {
	return adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf("kafarr: ingest into %q: %s: %v", r.topic, fmt.Sprintf(format, args...), err)}
}

// valueColumns is the bound schema without the key, timestamp, headers and
// partition columns, which become record metadata rather than value fields.
func (r *ingestRun) valueColumns() *arrow.Schema {
	var fields []arrow.Field
	for _, f := range r.in.Fields() {
		if !r.meta.designates(f.Name) {
			fields = append(fields, f)
		}
	}
	md := r.in.Metadata()
	return arrow.NewSchema(fields, &md)
}

// recordName is the full name of a derived value record.
func (r *ingestRun) recordName() string {
	if r.set.RecordName != "" {
		return r.set.RecordName
	}
	return recordNameFor(r.topic)
}

// recordNameFor turns a topic name into a valid Avro full name: each
// dot-separated part keeps letters, digits and '_', other characters
// become '_', and a part starting with a digit gets a leading '_'.
func recordNameFor(topic string) string {
	parts := strings.Split(topic, ".")
	for i, part := range parts {
		var b strings.Builder
		for k, c := range part {
			switch {
			case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			case c >= '0' && c <= '9':
				if k == 0 {
					b.WriteByte('_')
				}
			default:
				c = '_'
			}
			b.WriteRune(c)
		}
		if b.Len() == 0 {
			b.WriteString("_")
		}
		parts[i] = b.String()
	}
	return strings.Join(parts, ".")
}

// apply makes the planned changes: registers derived schemas, then
// deletes (replace) and creates the topic. Registering first means a topic
// is never left behind by an ingest whose schema the registry refused;
// everything else that could refuse the ingest was checked by plan.
func (r *ingestRun) apply(ctx context.Context) error {
	reg := r.sess.Registry
	if r.val.register {
		typ := r.val.format.schemaType()
		if r.val.retype {
			// The subject goes with the replaced topic, and holds
			// another type of schema.
			if _, err := reg.DeleteSubject(ctx, r.val.subject, true); err != nil && adbcerr.Status(err) != adbc.StatusNotFound {
				return adbcerr.Wrap(err, "ingest mode replace: deleting subject %q, which holds schemas of another type than the %s schema derived from the columns", r.val.subject, typ)
			}
		}
		id, err := reg.RegisterType(ctx, r.val.subject, typ, r.val.text)
		if err != nil && r.val.dropSubject {
			// The registry refused the new schema, presumably as
			// incompatible with the replaced topic's: that subject
			// goes with its topic, permanently so that registering
			// starts afresh.
			if _, derr := reg.DeleteSubject(ctx, r.val.subject, true); derr == nil || adbcerr.Status(derr) == adbc.StatusNotFound {
				id, err = reg.RegisterType(ctx, r.val.subject, typ, r.val.text)
			}
		}
		if err != nil {
			return adbcerr.Wrap(err, "ingest into %q: registering the %s schema derived from the columns under %q", r.topic, typ, r.val.subject)
		}
		r.val.id = int32(id)
	}
	r.val.frame()
	if r.key != nil {
		if r.key.register {
			id, err := reg.RegisterType(ctx, r.key.subject, r.key.format.schemaType(), r.key.text)
			if err != nil {
				return adbcerr.Wrap(err, "ingest into %q: registering the key schema derived from column %q under %q", r.topic, r.set.KeyColumn, r.key.subject)
			}
			r.key.id = int32(id)
		}
		r.key.frame()
	}
	adm := r.sess.Admin
	if r.exists && r.set.mode == adbc.OptionValueIngestModeReplace {
		if err := adm.DeleteTopic(ctx, r.topic); err != nil && adbcerr.Status(err) != adbc.StatusNotFound {
			return adbcerr.Wrap(err, "ingest mode replace")
		}
	}
	if r.fresh {
		if err := adm.CreateTopic(ctx, r.topic, r.set.Partitions, r.set.ReplicationFactor, nil); err != nil {
			if adbcerr.Status(err) == adbc.StatusAlreadyExists && r.set.mode == adbc.OptionValueIngestModeCreateAppend {
				// Created by someone else since plan looked: its
				// partitions are checked again before producing.
				r.meta.partitions = 0
				return nil
			}
			return adbcerr.Wrap(err, "ingest into %q", r.topic)
		}
	}
	return nil
}
