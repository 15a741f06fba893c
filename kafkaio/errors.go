package kafkaio

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kerr"
)

// errorf returns an adbc.Error with the given status and a formatted
// message. Every error leaving this package that a user can see goes through
// errorf or wrapErr so that it carries an ADBC status.
func errorf(code adbc.Status, format string, args ...any) error {
	return adbc.Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// wrapErr turns err into an adbc.Error whose message is what, a colon, and
// err's text. If err already is an adbc.Error its status is kept; otherwise
// the status comes from StatusOf. A nil err stays nil.
func wrapErr(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	var ae adbc.Error
	if errors.As(err, &ae) {
		return adbc.Error{Code: ae.Code, Msg: what + ": " + ae.Msg, Details: ae.Details}
	}
	return adbc.Error{Code: StatusOf(err), Msg: what + ": " + err.Error()}
}

// StatusOf maps an error from franz-go, the network or a context to the ADBC
// status a caller should see. Kafka protocol errors map by meaning (unknown
// topic is NotFound, authorization failures are Unauthorized, ...); network
// errors are IO; a context deadline is Timeout and a cancellation Cancelled;
// anything else is IO, since every other failure here is a failed exchange
// with a broker or registry.
func StatusOf(err error) adbc.Status {
	var ae adbc.Error
	switch {
	case err == nil:
		return adbc.StatusOK
	case errors.As(err, &ae):
		return ae.Code
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

// redactor removes secrets from error text. franz-go and net/http errors do
// not normally carry passwords, but a broker or proxy can echo what it was
// sent, so every message built from a foreign error is scrubbed of the
// configured secrets before it reaches the caller.
type redactor []string

// redact replaces every occurrence of a secret in s with "***". Secrets
// shorter than 4 bytes are left alone: replacing them would garble messages
// while protecting nothing.
func (r redactor) redact(s string) string {
	for _, secret := range r {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return s
}

// redactErr returns err with secrets scrubbed from its text, keeping an
// adbc.Error's status.
func (r redactor) redactErr(err error) error {
	if err == nil || len(r) == 0 {
		return err
	}
	var ae adbc.Error
	if errors.As(err, &ae) {
		ae.Msg = r.redact(ae.Msg)
		return ae
	}
	msg := err.Error()
	if red := r.redact(msg); red != msg {
		return adbc.Error{Code: StatusOf(err), Msg: red}
	}
	return err
}
