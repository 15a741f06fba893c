package driver

import (
	"errors"
	"fmt"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
)

// TestTypedOptionStatuses checks that the database, the connection and the
// statement answer the typed option getters and setters alike, with the
// statuses of options.Getters.
func TestTypedOptionStatuses(t *testing.T) {
	e := newCatalogEnv(t, map[string]string{
		"kafarr.read.timeout_ms":          "20000",
		"kafarr.client_id":                "typed-test",
		"kafarr.schema_registry.password": "s3cret-pass",
		"kafarr.schema_registry.username": "u",
	})
	st, err := e.cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	levels := []struct {
		name string
		o    adbc.GetSetOptions
	}{
		{"database", e.db.(adbc.GetSetOptions)},
		{"connection", e.cn.(adbc.GetSetOptions)},
		{"statement", st.(adbc.GetSetOptions)},
	}
	const (
		unknown  = "no.such.option"
		intKey   = "kafarr.read.timeout_ms"
		textKey  = "kafarr.client_id"
		secret   = "kafarr.schema_registry.password"
		unsetKey = "kafarr.consumer.group"
	)
	type call struct {
		name string
		do   func(o adbc.GetSetOptions) (any, error)
		want adbc.Status
		val  any // the value when want is OK
	}
	calls := []call{
		{"GetOption unknown", func(o adbc.GetSetOptions) (any, error) { return o.GetOption(unknown) }, adbc.StatusNotFound, nil},
		{"GetOptionBytes unknown", func(o adbc.GetSetOptions) (any, error) { return o.GetOptionBytes(unknown) }, adbc.StatusNotFound, nil},
		{"GetOptionInt unknown", func(o adbc.GetSetOptions) (any, error) { return o.GetOptionInt(unknown) }, adbc.StatusNotFound, nil},
		{"GetOptionDouble unknown", func(o adbc.GetSetOptions) (any, error) { return o.GetOptionDouble(unknown) }, adbc.StatusNotFound, nil},
		{"GetOption unset", func(o adbc.GetSetOptions) (any, error) { return o.GetOption(unsetKey) }, adbc.StatusNotFound, nil},
		{"GetOptionInt unset", func(o adbc.GetSetOptions) (any, error) { return o.GetOptionInt(unsetKey) }, adbc.StatusNotFound, nil},
		{"GetOption secret", func(o adbc.GetSetOptions) (any, error) { return o.GetOption(secret) }, adbc.StatusNotFound, nil},
		{"GetOptionBytes secret", func(o adbc.GetSetOptions) (any, error) { return o.GetOptionBytes(secret) }, adbc.StatusNotFound, nil},
		{"GetOption text", func(o adbc.GetSetOptions) (any, error) { return o.GetOption(textKey) }, adbc.StatusOK, "typed-test"},
		{"GetOptionBytes text", func(o adbc.GetSetOptions) (any, error) {
			b, err := o.GetOptionBytes(textKey)
			return string(b), err
		}, adbc.StatusOK, "typed-test"},
		{"GetOptionInt text", func(o adbc.GetSetOptions) (any, error) { return o.GetOptionInt(textKey) }, adbc.StatusNotFound, nil},
		{"GetOptionDouble text", func(o adbc.GetSetOptions) (any, error) { return o.GetOptionDouble(textKey) }, adbc.StatusNotFound, nil},
		{"GetOption int", func(o adbc.GetSetOptions) (any, error) { return o.GetOption(intKey) }, adbc.StatusOK, "20000"},
		{"GetOptionInt int", func(o adbc.GetSetOptions) (any, error) { return o.GetOptionInt(intKey) }, adbc.StatusOK, int64(20000)},
		{"GetOptionDouble int", func(o adbc.GetSetOptions) (any, error) { return o.GetOptionDouble(intKey) }, adbc.StatusOK, float64(20000)},
		{"SetOptionBytes unknown", func(o adbc.GetSetOptions) (any, error) { return nil, o.SetOptionBytes(unknown, []byte("x")) }, adbc.StatusNotImplemented, nil},
		{"SetOptionInt unknown", func(o adbc.GetSetOptions) (any, error) { return nil, o.SetOptionInt(unknown, 1) }, adbc.StatusNotImplemented, nil},
		{"SetOptionDouble unknown", func(o adbc.GetSetOptions) (any, error) { return nil, o.SetOptionDouble(unknown, 1) }, adbc.StatusNotImplemented, nil},
		{"SetOptionInt misspelt kafarr key", func(o adbc.GetSetOptions) (any, error) { return nil, o.SetOptionInt("kafarr.read.timeout", 1) }, adbc.StatusInvalidArgument, nil},
		{"SetOptionBytes text", func(o adbc.GetSetOptions) (any, error) { return nil, o.SetOptionBytes(textKey, []byte("x")) }, adbc.StatusInvalidArgument, nil},
		{"SetOptionDouble fraction", func(o adbc.GetSetOptions) (any, error) { return nil, o.SetOptionDouble(intKey, 1.5) }, adbc.StatusInvalidArgument, nil},
		{"SetOptionInt out of range", func(o adbc.GetSetOptions) (any, error) { return nil, o.SetOptionInt(intKey, -5) }, adbc.StatusInvalidArgument, nil},
		{"SetOptionInt int", func(o adbc.GetSetOptions) (any, error) { return nil, o.SetOptionInt(intKey, 25000) }, adbc.StatusOK, nil},
		{"GetOptionInt after SetOptionInt", func(o adbc.GetSetOptions) (any, error) { return o.GetOptionInt(intKey) }, adbc.StatusOK, int64(25000)},
		{"SetOptionDouble integral", func(o adbc.GetSetOptions) (any, error) { return nil, o.SetOptionDouble(intKey, 30000) }, adbc.StatusOK, nil},
		{"GetOptionDouble after SetOptionDouble", func(o adbc.GetSetOptions) (any, error) { return o.GetOptionDouble(intKey) }, adbc.StatusOK, float64(30000)},
	}
	// The answers are logged across the levels on failure, so that a
	// difference shows even where this table's expectation is wrong.
	// Every level answers one call before the next call, since a value set
	// on the database or the connection is in force below it.
	got := map[string][]string{}
	for _, c := range calls {
		for _, l := range levels {
			v, err := c.do(l.o)
			st := statusOf(err)
			got[c.name] = append(got[c.name], fmt.Sprintf("%s=%v", l.name, st))
			if st != c.want {
				t.Errorf("%s: %s: status %v, want %v (%v)", l.name, c.name, st, c.want, err)
				continue
			}
			if err == nil && c.val != nil && v != c.val {
				t.Errorf("%s: %s: got %#v, want %#v", l.name, c.name, v, c.val)
			}
			if err != nil {
				wantStatus(t, err, c.want, "kafarr: ")
			}
		}
	}
	if t.Failed() {
		for _, c := range calls {
			t.Logf("%s: %v", c.name, got[c.name])
		}
	}
}

// statusOf is the status of an error the driver returned: OK for nil,
// Unknown when it is not an adbc.Error.
func statusOf(err error) adbc.Status {
	if err == nil {
		return adbc.StatusOK
	}
	var ae adbc.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return adbc.StatusUnknown
}
