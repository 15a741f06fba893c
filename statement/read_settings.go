package statement

import (
	"time"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
)

// readSettings are the read options in force for one query, taken from the
// statement's option store (which falls back to the connection's and the
// database's) when the query executes.
type readSettings struct {
	group      string
	timeout    time.Duration
	batchRows  int
	isolation  kafkaio.Isolation
	metaStar   []string // metadata columns of SELECT *
	follow     bool
	startLate  bool // kafarr.read.start=latest
	schema     options.ReadSchemaSpec
	onError    string
	unionMode  avroarrow.UnionMode
	format     string
	strategy   string
	subject    string
	keyFormat  string
	keySubject string
}

func loadReadSettings(o *options.Store) readSettings {
	s := readSettings{
		group:      o.Get(options.ConsumerGroup),
		timeout:    time.Duration(o.Int(options.ReadTimeoutMs, 30000)) * time.Millisecond,
		batchRows:  int(o.Int(options.ReadBatchRows, 65536)),
		follow:     o.Bool(options.ReadFollow),
		startLate:  o.Get(options.ReadStart) == "latest",
		onError:    o.Get(options.ReadOnError),
		format:     o.Get(options.ValueFormatKey),
		strategy:   o.Get(options.ValueSubjectStrategy),
		subject:    o.Get(options.ValueSubject),
		keyFormat:  o.Get(options.KeyFormatKey),
		keySubject: o.Get(options.KeySubject),
	}
	// Values were validated when set, so parse errors cannot happen here.
	s.isolation, _ = kafkaio.ParseIsolation(o.Get(options.ReadIsolation))
	s.metaStar, _ = options.ParseMetadataColumns(o.Get(options.ReadMetadataColumns))
	s.schema, _ = options.ParseReadSchema(o.Get(options.ReadSchema))
	if o.Get(options.ReadUnionMode) == "dense" {
		s.unionMode = avroarrow.UnionDense
	}
	return s
}
