// Package adbcerr is a TEMPORARY local stand-in; replaced by the errors branch.
package adbcerr

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"
)

func Status(err error) adbc.Status {
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
	return adbc.StatusIO
}

func As(err error) (adbc.Error, bool) {
	var ae adbc.Error
	ok := errors.As(err, &ae)
	return ae, ok
}

func New(code adbc.Status, format string, args ...any) error {
	return adbc.Error{Code: code, Msg: "kafarr: " + fmt.Sprintf(format, args...)}
}

func NewState(code adbc.Status, state [5]byte, format string, args ...any) error {
	return adbc.Error{Code: code, SqlState: state, Msg: "kafarr: " + fmt.Sprintf(format, args...)}
}

func Wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	if ae, ok := As(err); ok {
		return adbc.Error{Code: ae.Code, SqlState: ae.SqlState, Details: ae.Details, Msg: "kafarr: " + what + ": " + strings.TrimPrefix(ae.Msg, "kafarr: ")}
	}
	return adbc.Error{Code: Status(err), Msg: "kafarr: " + what + ": " + strings.TrimPrefix(err.Error(), "kafarr: ")}
}

var (
	TableNotFound       = [5]byte{'4', '2', 'S', '0', '2'}
	ColumnNotFound      = [5]byte{'4', '2', 'S', '2', '2'}
	FeatureNotSupported = [5]byte{'0', 'A', '0', '0', '0'}
)
