// Package adbcerr is kafarr's one error path: every error a caller of the
// driver can see is an adbc.Error built here, with a status, a message
// starting "kafarr: " and, where a tool can act on it, a SQLSTATE.
//
//   - New and NewState build an error from scratch;
//   - Wrap says what was being done when err happened, keeping err's status,
//     SQLSTATE and details when it is an adbc.Error, or deriving the status
//     from err (Status) when it is not;
//   - Status is the ADBC status of any error: a context deadline is Timeout,
//     a Kafka protocol error maps by meaning, anything unknown is IO.
//
// The package depends on arrow-adbc and franz-go's kerr only, so that every
// kafarr package can use it.
package adbcerr

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Prefix starts every kafarr error message.
const Prefix = "kafarr: "

// Status returns the ADBC status a caller should see for err:
//
//   - OK for nil;
//   - the Code of an adbc.Error (value or pointer) anywhere in err's chain;
//   - Timeout for context.DeadlineExceeded, Cancelled for context.Canceled;
//   - for a Kafka protocol error (*kerr.Error), the status of its meaning
//     (unknown topic is NotFound, authorization failures Unauthorized, ...);
//   - Timeout for a net.Error that timed out;
//   - IO for anything else: every other failure is a failed exchange with a
//     broker or the schema registry.
func Status(err error) adbc.Status {
	if err == nil {
		return adbc.StatusOK
	}
	if ae, ok := As(err); ok {
		return ae.Code
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return adbc.StatusTimeout
	case errors.Is(err, context.Canceled):
		return adbc.StatusCancelled
	}
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return statusOfKerr(ke)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return adbc.StatusTimeout
	}
	return adbc.StatusIO
}

// As finds an adbc.Error in err's chain, given as a value or a pointer.
func As(err error) (adbc.Error, bool) {
	var ae adbc.Error
	if errors.As(err, &ae) {
		return ae, true
	}
	var pe *adbc.Error
	if errors.As(err, &pe) && pe != nil {
		return *pe, true
	}
	return adbc.Error{}, false
}

// New returns an adbc.Error with code whose message is "kafarr: " and the
// formatted text.
func New(code adbc.Status, format string, args ...any) error {
	return adbc.Error{Code: code, Msg: Prefix + trimPrefix(fmt.Sprintf(format, args...))}
}

// NewState is New with a SQLSTATE.
func NewState(code adbc.Status, state [5]byte, format string, args ...any) error {
	return adbc.Error{Code: code, SqlState: state, Msg: Prefix + trimPrefix(fmt.Sprintf(format, args...))}
}

// Wrap says what was being done when err happened: the message is
// "kafarr: <what>: <err's message>", err's own "kafarr: " dropped so that
// the prefix appears once. An adbc.Error in err's chain gives the status,
// SQLSTATE, vendor code and details; otherwise the status is Status(err).
// A nil err stays nil.
func Wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := trimPrefix(fmt.Sprintf(format, args...))
	if ae, ok := As(err); ok {
		inner := trimPrefix(ae.Msg)
		if !isADBC(err) {
			// err wraps the adbc.Error: its own text says more, with
			// the adbc.Error's text (status and all) in it replaced by
			// the bare message.
			inner = trimPrefix(strings.Replace(err.Error(), ae.Error(), inner, 1))
		}
		ae.Msg = Prefix + what + ": " + inner
		return ae
	}
	return adbc.Error{Code: Status(err), Msg: Prefix + what + ": " + trimPrefix(err.Error())}
}

// isADBC reports whether err itself (not something it wraps) is an
// adbc.Error.
func isADBC(err error) bool {
	switch err.(type) {
	case adbc.Error, *adbc.Error:
		return true
	}
	return false
}

// trimPrefix drops every leading "kafarr: " from s.
func trimPrefix(s string) string {
	for strings.HasPrefix(s, Prefix) {
		s = s[len(Prefix):]
	}
	return s
}

// statusOfKerr maps a Kafka protocol error code to an ADBC status.
func statusOfKerr(ke *kerr.Error) adbc.Status {
	switch ke {
	case kerr.UnknownTopicOrPartition, kerr.UnknownTopicID, kerr.GroupIDNotFound,
		kerr.TransactionalIDNotFound:
		return adbc.StatusNotFound
	case kerr.TopicAlreadyExists:
		return adbc.StatusAlreadyExists
	case kerr.TopicAuthorizationFailed, kerr.GroupAuthorizationFailed,
		kerr.ClusterAuthorizationFailed, kerr.TransactionalIDAuthorizationFailed,
		kerr.DelegationTokenAuthorizationFailed:
		return adbc.StatusUnauthorized
	case kerr.SaslAuthenticationFailed, kerr.IllegalSaslState, kerr.UnsupportedSaslMechanism:
		return adbc.StatusUnauthenticated
	case kerr.InvalidTopicException, kerr.InvalidPartitions, kerr.InvalidReplicationFactor,
		kerr.InvalidReplicaAssignment, kerr.InvalidConfig, kerr.PolicyViolation,
		kerr.InvalidRequest, kerr.InvalidTimestamp, kerr.RecordListTooLarge,
		kerr.MessageTooLarge, kerr.InvalidRecord, kerr.InvalidRequiredAcks,
		kerr.InvalidCommitOffsetSize, kerr.InvalidGroupID:
		return adbc.StatusInvalidArgument
	case kerr.RequestTimedOut:
		return adbc.StatusTimeout
	case kerr.TopicDeletionDisabled, kerr.UnsupportedVersion, kerr.UnsupportedForMessageFormat:
		return adbc.StatusNotImplemented
	case kerr.CorruptMessage, kerr.InvalidProducerEpoch, kerr.ProducerFenced,
		kerr.InvalidTxnState, kerr.InvalidProducerIDMapping, kerr.OutOfOrderSequenceNumber,
		kerr.UnknownProducerID, kerr.FencedInstanceID, kerr.IllegalGeneration,
		kerr.UnknownMemberID, kerr.RebalanceInProgress, kerr.CoordinatorNotAvailable,
		kerr.NotCoordinator:
		return adbc.StatusInvalidState
	}
	return adbc.StatusIO
}
