package adbcerr

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kerr"
)

// timeoutErr is a net.Error; timeout says whether it timed out.
type timeoutErr struct{ timeout bool }

func (e timeoutErr) Error() string   { return fmt.Sprintf("i/o (timeout %v)", e.timeout) }
func (e timeoutErr) Timeout() bool   { return e.timeout }
func (e timeoutErr) Temporary() bool { return false }

var _ net.Error = timeoutErr{}

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want adbc.Status
	}{
		{"nil", nil, adbc.StatusOK},
		{"adbc value", adbc.Error{Code: adbc.StatusInvalidData}, adbc.StatusInvalidData},
		{"adbc pointer", &adbc.Error{Code: adbc.StatusAlreadyExists}, adbc.StatusAlreadyExists},
		{"adbc wrapped", fmt.Errorf("broker 1: %w", adbc.Error{Code: adbc.StatusUnauthorized}), adbc.StatusUnauthorized},
		{"adbc before deadline", fmt.Errorf("%w: %w", adbc.Error{Code: adbc.StatusNotFound}, context.DeadlineExceeded), adbc.StatusNotFound},
		{"adbc unknown kept", adbc.Error{Code: adbc.StatusUnknown}, adbc.StatusUnknown},
		{"deadline", context.DeadlineExceeded, adbc.StatusTimeout},
		{"deadline wrapped", fmt.Errorf("fetching: %w", context.DeadlineExceeded), adbc.StatusTimeout},
		{"cancelled", context.Canceled, adbc.StatusCancelled},
		{"cancelled wrapped", fmt.Errorf("fetching: %w", context.Canceled), adbc.StatusCancelled},
		{"kerr unknown topic", kerr.UnknownTopicOrPartition, adbc.StatusNotFound},
		{"kerr unknown topic id", kerr.UnknownTopicID, adbc.StatusNotFound},
		{"kerr group not found", kerr.GroupIDNotFound, adbc.StatusNotFound},
		{"kerr exists", kerr.TopicAlreadyExists, adbc.StatusAlreadyExists},
		{"kerr topic auth", kerr.TopicAuthorizationFailed, adbc.StatusUnauthorized},
		{"kerr cluster auth", kerr.ClusterAuthorizationFailed, adbc.StatusUnauthorized},
		{"kerr sasl", kerr.SaslAuthenticationFailed, adbc.StatusUnauthenticated},
		{"kerr invalid config", kerr.InvalidConfig, adbc.StatusInvalidArgument},
		{"kerr too large", kerr.MessageTooLarge, adbc.StatusInvalidArgument},
		{"kerr request timed out", kerr.RequestTimedOut, adbc.StatusTimeout},
		{"kerr unsupported version", kerr.UnsupportedVersion, adbc.StatusNotImplemented},
		{"kerr fenced", kerr.ProducerFenced, adbc.StatusInvalidState},
		{"kerr coordinator", kerr.NotCoordinator, adbc.StatusInvalidState},
		{"kerr other", kerr.NotLeaderForPartition, adbc.StatusIO},
		{"kerr by code", fmt.Errorf("partition 3: %w", kerr.ErrorForCode(kerr.TopicAuthorizationFailed.Code)), adbc.StatusUnauthorized},
		{"net timeout", &net.OpError{Op: "dial", Net: "tcp", Err: timeoutErr{true}}, adbc.StatusTimeout},
		{"os deadline", fmt.Errorf("read: %w", os.ErrDeadlineExceeded), adbc.StatusTimeout},
		{"net not timeout", &net.OpError{Op: "dial", Net: "tcp", Err: timeoutErr{false}}, adbc.StatusIO},
		{"other", errors.New("connection reset by peer"), adbc.StatusIO},
	} {
		if got := Status(tc.err); got != tc.want {
			t.Errorf("%s: Status(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

func TestAs(t *testing.T) {
	want := adbc.Error{Code: adbc.StatusNotFound, Msg: "kafarr: x", SqlState: TableNotFound}
	for _, err := range []error{want, &want, fmt.Errorf("a: %w", want), fmt.Errorf("a: %w", &want)} {
		got, ok := As(err)
		if !ok || got.Code != want.Code || got.Msg != want.Msg || got.SqlState != want.SqlState {
			t.Errorf("As(%v) = %v, %v", err, got, ok)
		}
	}
	for _, err := range []error{nil, errors.New("x"), (*adbc.Error)(nil)} {
		if got, ok := As(err); ok {
			t.Errorf("As(%#v) = %v, true", err, got)
		}
	}
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		err   error
		code  adbc.Status
		state SQLState
		msg   string
	}{
		{New(adbc.StatusInvalidArgument, "bad %s %d", "x", 3), adbc.StatusInvalidArgument, SQLState{}, "kafarr: bad x 3"},
		{New(adbc.StatusIO, "kafarr: already prefixed"), adbc.StatusIO, SQLState{}, "kafarr: already prefixed"},
		{New(adbc.StatusIO, "%s", "100%"), adbc.StatusIO, SQLState{}, "kafarr: 100%"},
		{NewState(adbc.StatusNotFound, TableNotFound, "topic %q does not exist", "t"), adbc.StatusNotFound, TableNotFound, `kafarr: topic "t" does not exist`},
		{NewState(adbc.StatusNotImplemented, FeatureNotSupported, "kafarr: kafarr: twice"), adbc.StatusNotImplemented, FeatureNotSupported, "kafarr: twice"},
	} {
		ae, ok := tc.err.(adbc.Error)
		if !ok {
			t.Fatalf("%v is a %T, want an adbc.Error value", tc.err, tc.err)
		}
		if ae.Code != tc.code || ae.SqlState != tc.state || ae.Msg != tc.msg {
			t.Errorf("got %v %q %q, want %v %q %q", ae.Code, ae.SqlState[:], ae.Msg, tc.code, tc.state.String(), tc.msg)
		}
	}
}

func TestWrap(t *testing.T) {
	details := []adbc.ErrorDetail{&adbc.TextErrorDetail{Name: "k", Detail: "v"}}
	inner := adbc.Error{Code: adbc.StatusNotFound, SqlState: TableNotFound, VendorCode: 3, Details: details, Msg: `kafarr: topic "t" does not exist`}
	for _, tc := range []struct {
		name   string
		err    error
		code   adbc.Status
		state  SQLState
		vendor int32
		msg    string
	}{
		{"adbc keeps code, state, details", inner, adbc.StatusNotFound, TableNotFound, 3,
			`kafarr: ingest into "t": topic "t" does not exist`},
		{"adbc pointer", &inner, adbc.StatusNotFound, TableNotFound, 3,
			`kafarr: ingest into "t": topic "t" does not exist`},
		{"adbc wrapped by fmt", fmt.Errorf("broker 1: %w", inner), adbc.StatusNotFound, TableNotFound, 3,
			`kafarr: ingest into "t": broker 1: topic "t" does not exist`},
		{"adbc without prefix", adbc.Error{Code: adbc.StatusIO, Msg: "plain"}, adbc.StatusIO, SQLState{}, 0,
			`kafarr: ingest into "t": plain`},
		{"deadline", context.DeadlineExceeded, adbc.StatusTimeout, SQLState{}, 0,
			`kafarr: ingest into "t": context deadline exceeded`},
		{"kerr", kerr.TopicAuthorizationFailed, adbc.StatusUnauthorized, SQLState{}, 0,
			`kafarr: ingest into "t": ` + kerr.TopicAuthorizationFailed.Error()},
		{"plain prefixed", errors.New("kafarr: kafarr: gone"), adbc.StatusIO, SQLState{}, 0,
			`kafarr: ingest into "t": gone`},
	} {
		err := Wrap(tc.err, "kafarr: ingest into %q", "t")
		ae, ok := err.(adbc.Error)
		if !ok {
			t.Fatalf("%s: %v is a %T, want an adbc.Error value", tc.name, err, err)
		}
		if ae.Code != tc.code || ae.SqlState != tc.state || ae.VendorCode != tc.vendor || ae.Msg != tc.msg {
			t.Errorf("%s: got %v %q %d %q, want %v %q %d %q", tc.name, ae.Code, ae.SqlState[:], ae.VendorCode, ae.Msg, tc.code, tc.state.String(), tc.vendor, tc.msg)
		}
		if strings.Count(ae.Msg, Prefix) != 1 {
			t.Errorf("%s: prefix doubled: %q", tc.name, ae.Msg)
		}
		if tc.vendor != 0 && len(ae.Details) != 1 {
			t.Errorf("%s: details dropped: %v", tc.name, ae.Details)
		}
	}
	// Wrapping again never doubles the prefix.
	err := Wrap(Wrap(Wrap(inner, "a"), "b"), "c")
	if ae, _ := As(err); ae.Msg != `kafarr: c: b: a: topic "t" does not exist` || ae.SqlState != TableNotFound {
		t.Errorf("nested Wrap: %q %q", ae.Msg, ae.SqlState[:])
	}
	if Wrap(nil, "x") != nil {
		t.Error("Wrap(nil) is not nil")
	}
}

func TestSQLState(t *testing.T) {
	for _, tc := range []struct {
		s    SQLState
		want string
	}{
		{TableNotFound, "42S02"}, {TableExists, "42S01"}, {ColumnNotFound, "42S22"},
		{SyntaxError, "42000"}, {SyntaxErrorAt, "42601"}, {FeatureNotSupported, "0A000"},
		{NumericOutOfRange, "22003"}, {InvalidDatetimeFormat, "22007"}, {InvalidParameter, "HY024"},
		{SQLState{}, ""},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%q.String() = %q, want %q", tc.s[:], got, tc.want)
		}
	}
	// A SQLState is what adbc.Error holds.
	_ = adbc.Error{SqlState: TableNotFound}
}
