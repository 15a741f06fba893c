package kafkaio

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/internal/adbcerr"
)

// Test helpers: produce records and wait for every acknowledgement, the
// way kafarr's ingest does (statement/ingest_produce.go), for seeding
// topics in tests.

// Produce produces records through cl and returns once every record was
// acknowledged by all in-sync replicas (the client must keep kgo's default
// idempotent, acks=all producer; anything weaker is InvalidArgument). acked
// counts exactly the records the brokers acknowledged. If any record fails,
// the error (IO unless the cause says otherwise, e.g. NotFound for a missing
// topic, Timeout for ctx's deadline) gives the acknowledged count and the
// first failure with its topic. Records are not copied; they
// must not be touched until Produce returns. Produce must not be used on a
// transactional client outside a transaction (see ProduceTransaction).
func Produce(ctx context.Context, cl *kgo.Client, records []*kgo.Record) (acked int64, err error) {
	if err := checkDurable(cl); err != nil {
		return 0, err
	}
	if len(records) == 0 {
		return 0, nil
	}
	var (
		wg       sync.WaitGroup
		nacked   atomic.Int64
		failOnce sync.Once
		failed   *kgo.Record
		failErr  error
	)
	wg.Add(len(records))
	promise := func(r *kgo.Record, err error) {
		if err == nil {
			nacked.Add(1)
		} else {
			failOnce.Do(func() { failed, failErr = r, err })
		}
		wg.Done()
	}
	for _, r := range records {
		cl.Produce(ctx, r, promise)
	}
	wg.Wait()
	acked = nacked.Load()
	if failErr != nil {
		return acked, produceErr(failed, failErr, acked, int64(len(records)))
	}
	return acked, nil
}

// produceErr describes a failed produce: counts first, then the cause.
func produceErr(r *kgo.Record, cause error, acked, total int64) error {
	code := adbcerr.Status(cause)
	if code == adbc.StatusOK {
		code = adbc.StatusIO
	}
	// Only the topic is named: a record that failed before it was
	// partitioned still carries the caller's partition field.
	return adbc.Error{Code: code, Msg: fmt.Sprintf("producing %d records: %d acknowledged, %d not; first failure on topic %q: %v", total, acked, total-acked, r.Topic, cause)}
}

// ProduceTransaction produces records as one Kafka transaction through a
// transactional client (created with kgo.TransactionalID): begin, produce,
// wait for every acknowledgement, commit. On any failure the transaction is
// aborted and acked is 0, since read_committed readers see none of it; the
// error says how many records the brokers had acknowledged before the abort.
// A client runs one transaction at a time: callers serialize.
func ProduceTransaction(ctx context.Context, cl *kgo.Client, records []*kgo.Record) (acked int64, err error) {
	if id, _ := cl.OptValue(kgo.TransactionalID).(string); id == "" {
		return 0, adbcerr.New(adbc.StatusInvalidArgument, "a transactional produce needs a client with a transactional id")
	}
	if err := checkDurable(cl); err != nil {
		return 0, err
	}
	if err := cl.BeginTransaction(); err != nil {
		return 0, adbcerr.Wrap(err, "beginning transaction")
	}
	n, perr := Produce(ctx, cl, records)
	if perr != nil {
		abortErr := abort(ctx, cl)
		msg := fmt.Sprintf("transaction aborted, none of its %d records is visible to read_committed readers (%d had been acknowledged)", len(records), n)
		if abortErr != nil {
			msg += fmt.Sprintf("; the abort itself failed: %v", abortErr)
		}
		var ae adbc.Error
		errors.As(perr, &ae)
		return 0, adbc.Error{Code: ae.Code, Msg: msg + ": " + ae.Msg}
	}
	if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		// The outcome of a failed commit is unknown; aborting bumps the
		// producer epoch and fences whatever is left of it.
		abortErr := abort(ctx, cl)
		msg := fmt.Sprintf("committing transaction of %d records failed and it was aborted", len(records))
		if abortErr != nil {
			msg = fmt.Sprintf("committing transaction of %d records failed, and aborting it failed too (%v)", len(records), abortErr)
		}
		return 0, adbcerr.Wrap(err, "%s", msg)
	}
	return n, nil
}

// abort aborts the client's open transaction, dropping unsent records.
func abort(ctx context.Context, cl *kgo.Client) error {
	if err := cl.AbortBufferedRecords(ctx); err != nil {
		return err
	}
	return cl.EndTransaction(ctx, kgo.TryAbort)
}
