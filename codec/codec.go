// Package codec is the seam between a read's scan and the format of the
// messages it decodes. The scan walks fetched record batches, fills the
// metadata columns and applies kafarr.read.on_error; a Decoder turns each
// message's bytes (a value, or a key) into one row of value columns and
// says why when it cannot. Avro (Confluent-framed, through the schema
// registry) and the raw formats live here; another format plugs in as one
// more Decoder without the scan knowing it.
//
// Decoders write into an avroarrow.BatchBuilder: despite its package, it is
// a format-neutral set of Arrow column builders with unchecked appends for
// hot paths.
package codec

import (
	"context"
	"errors"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/kafkaio"
)

// Decoder decodes the messages of one read into value columns. A Decoder
// keeps per-read state (the last schema id seen) and is used by one
// goroutine.
type Decoder interface {
	// Schema returns the columns Append and AppendRun fill, in order.
	Schema() *arrow.Schema
	// Append decodes one non-null message and appends exactly one row to
	// bb, or nothing when it returns a cause or an error. id is the schema
	// id the message names, -1 when the format names none. cause says why
	// the message cannot be read, for kafarr.read.on_error to decide what
	// becomes of the row. err ends the read whatever on_error says:
	// ErrSchemaChanged, or a registry that cannot be reached.
	Append(ctx context.Context, msg []byte, bb *avroarrow.BatchBuilder) (id int32, cause string, err error)
	// AppendRun appends the rows of the values of b from index at on, up
	// to max of them, and returns how many it took and the schema id they
	// share. It stops before the first value that needs Append's care
	// (null, malformed, or written with another schema than the last one
	// Append saw), so that runs of well-formed messages cost no call per
	// message. A format without a fast path returns 0.
	AppendRun(b *kafkaio.RecordBatch, at, max int, bb *avroarrow.BatchBuilder) (n int, id int32)
}

// ErrSchemaChanged is what Append returns, under kafarr.read.schema=first,
// for the first message written with another schema than the first one:
// the read ends before it.
var ErrSchemaChanged = errors.New("kafarr: the message schema changed")

// Raw is the Decoder of the raw value formats (kafarr.value.format=string
// or binary): it decodes nothing, since the scan copies the undecoded value
// into the _value column. Its rows have no value columns.
type Raw struct{}

var emptySchema = arrow.NewSchema(nil, nil)

// Schema returns a schema without columns.
func (Raw) Schema() *arrow.Schema { return emptySchema }

// Append appends an empty row.
func (Raw) Append(_ context.Context, _ []byte, bb *avroarrow.BatchBuilder) (int32, string, error) {
	bb.AppendNullRow()
	return -1, "", nil
}

// AppendRun takes no runs: a raw read spends its time copying values.
func (Raw) AppendRun(*kafkaio.RecordBatch, int, int, *avroarrow.BatchBuilder) (int, int32) {
	return 0, -1
}
