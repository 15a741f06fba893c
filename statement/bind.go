package statement

import (
	"context"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/kafarr/kafarr/ingest"
)

// Bind binds one batch for ingest. The statement retains it.
func (s *Statement) Bind(_ context.Context, values arrow.RecordBatch) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	s.release()
	if values == nil {
		return nil
	}
	rdr, err := array.NewRecordReader(values.Schema(), []arrow.RecordBatch{values})
	if err != nil {
		return adbc.Error{Code: adbc.StatusInvalidArgument, Msg: "kafarr: Bind: " + err.Error()}
	}
	s.bound = rdr
	return nil
}

// BindStream binds a stream of batches for ingest. The statement retains
// it.
func (s *Statement) BindStream(_ context.Context, stream array.RecordReader) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	s.release()
	if stream != nil {
		stream.Retain()
		s.bound = stream
	}
	return nil
}

// release releases the bound data, if any.
func (s *Statement) release() {
	if s.bound != nil {
		s.bound.Release()
		s.bound = nil
	}
}

// executeIngest produces the bound data to the target topic (package
// ingest) and returns the number of rows the brokers acknowledged. The
// bound data is used up: it is released, whatever the outcome.
func (s *Statement) executeIngest(ctx context.Context) (int64, error) {
	defer s.release()
	return ingest.Run(ctx, s.sess, s.opts.Ingest(), s.ingest, s.bound)
}
