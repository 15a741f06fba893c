package options

import (
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"

	"github.com/kafarr/kafarr/internal/adbcerr"
)

// Getters implements ADBC's typed option accessors (GetOptionBytes,
// GetOptionInt, GetOptionDouble, SetOptionBytes, SetOptionInt,
// SetOptionDouble) over an object's string GetOption and SetOption, so that
// the database, the connection and the statement answer them alike. Every
// kafarr option is text; the typed accessors convert.
//
// The statuses follow adbc.h and, where it leaves the choice to the driver,
// the C++ driver framework of arrow-adbc (c/driver/framework/base_driver.cc,
// Option::CGet and Option::As*), on which arrow-adbc's C and C++ drivers
// are built:
//
//   - a getter given a key that is unknown, unset or secret is NotFound
//     (adbc.h: "ADBC_STATUS_NOT_FOUND if the option is not recognized"; Go's
//     driverbase answers NotFound too);
//   - a getter asked for a type the value does not have is NotFound (the
//     framework's "Option value is not an integer"): GetOptionInt and
//     GetOptionDouble of a value that is not an integer. Conversions
//     the framework makes are made here: GetOptionBytes returns a string
//     value's bytes, GetOptionDouble an integer value as a double;
//   - a typed setter given a key that is not recognized is NotImplemented
//     (adbc.h: "ADBC_STATUS_NOT_IMPLEMENTED if the option is not
//     recognized"; driverbase likewise). Recognized are kafarr's options
//     (the defs table and the kafarr. namespace) and the object's own
//     keys (Own);
//   - a typed setter given a value of a type the option cannot take is
//     InvalidArgument (the framework's Option::AsString and AsInt):
//     SetOptionBytes of any option, since none is a bytestring, and
//     SetOptionDouble of a value with a fraction, since none takes one.
//     SetOptionInt, and SetOptionDouble of an integral value, set the
//     decimal text, which the option's own check then accepts or refuses
//     (InvalidArgument), so that an option set with SetOptionDouble can be
//     read back with GetOptionDouble, as adbc.h asks.
//
// GetOption of an unknown key is NotFound (Store.GetOption). SetOption of an
// unknown key is InvalidArgument naming kafarr's key prefixes (Store.Set),
// where adbc.h says NotImplemented; the typed setters pass a misspelt
// kafarr.* key on to SetOption, so that it gets the same answer.
type Getters struct {
	// Get is the object's GetOption.
	Get func(key string) (string, error)
	// Set is the object's SetOption.
	Set func(key, value string) error
	// Own reports the keys the object handles itself besides kafarr's
	// options (autocommit, ingest target, progress, ...); nil is none.
	Own func(key string) bool
}

// known reports whether key is recognized by the object.
func (g Getters) known(key string) bool {
	_, ok := defs[key]
	return ok || strings.HasPrefix(key, "kafarr.") || (g.Own != nil && g.Own(key))
}

// GetOptionBytes returns the option's text as bytes.
func (g Getters) GetOptionBytes(key string) ([]byte, error) {
	v, err := g.Get(key)
	if err != nil {
		return nil, err
	}
	return []byte(v), nil
}

// GetOptionInt returns an integer option; an option whose value is not an
// integer is NotFound.
func (g Getters) GetOptionInt(key string) (int64, error) {
	v, err := g.Get(key)
	if err != nil {
		return 0, err
	}
	n, perr := strconv.ParseInt(v, 10, 64)
	if perr != nil {
		return 0, adbcerr.New(adbc.StatusNotFound, "option %s is %q, not an integer; use GetOption", key, v)
	}
	return n, nil
}

// GetOptionDouble returns an integer option as a double; an option whose
// value is not an integer is NotFound.
func (g Getters) GetOptionDouble(key string) (float64, error) {
	n, err := g.GetOptionInt(key)
	return float64(n), err
}

// SetOptionBytes is refused: no kafarr option is a bytestring.
func (g Getters) SetOptionBytes(key string, _ []byte) error {
	if !g.known(key) {
		return notRecognized(key)
	}
	return adbcerr.New(adbc.StatusInvalidArgument, "option %s takes text, not bytes; use SetOption", key)
}

// SetOptionInt sets the option to the integer's decimal text.
func (g Getters) SetOptionInt(key string, value int64) error {
	if !g.known(key) {
		return notRecognized(key)
	}
	return g.Set(key, strconv.FormatInt(value, 10))
}

// SetOptionDouble sets the option to an integral double's decimal text; a
// fraction is refused, as no kafarr option takes one.
func (g Getters) SetOptionDouble(key string, value float64) error {
	if !g.known(key) {
		return notRecognized(key)
	}
	if value != math.Trunc(value) || math.IsInf(value, 0) || value < math.MinInt64 || value >= math.MaxInt64 {
		return adbcerr.New(adbc.StatusInvalidArgument, "option %s: got %v; kafarr options take text or integers", key, value)
	}
	return g.Set(key, strconv.FormatInt(int64(value), 10))
}

func notRecognized(key string) error {
	return adbcerr.New(adbc.StatusNotImplemented, "unknown option %q; kafarr options are %s", key, knownOptions)
}
