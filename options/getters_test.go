package options

import (
	"math"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
)

func TestGetters(t *testing.T) {
	s := NewStore()
	if err := s.SetAll(map[string]string{ReadTimeoutMs: "5000", ClientID: "cid", SchemaRegistryPassword: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	g := Getters{Get: s.GetOption, Set: s.Set, Own: func(k string) bool { return k == "own.key" }}
	for _, tc := range []struct {
		name string
		err  error
		want adbc.Status
	}{
		{"bytes of text", func() error { _, err := g.GetOptionBytes(ClientID); return err }(), adbc.StatusOK},
		{"bytes of unknown", func() error { _, err := g.GetOptionBytes("x.y"); return err }(), adbc.StatusNotFound},
		{"bytes of secret", func() error { _, err := g.GetOptionBytes(SchemaRegistryPassword); return err }(), adbc.StatusNotFound},
		{"int of int", func() error { _, err := g.GetOptionInt(ReadTimeoutMs); return err }(), adbc.StatusOK},
		{"int of text", func() error { _, err := g.GetOptionInt(ClientID); return err }(), adbc.StatusNotFound},
		{"int of unset", func() error { _, err := g.GetOptionInt(ConsumerGroup); return err }(), adbc.StatusNotFound},
		{"double of int", func() error { _, err := g.GetOptionDouble(ReadTimeoutMs); return err }(), adbc.StatusOK},
		{"double of text", func() error { _, err := g.GetOptionDouble(ClientID); return err }(), adbc.StatusNotFound},
		{"set bytes unknown", g.SetOptionBytes("x.y", nil), adbc.StatusNotImplemented},
		{"set bytes own key", g.SetOptionBytes("own.key", nil), adbc.StatusInvalidArgument},
		{"set bytes option", g.SetOptionBytes(ClientID, []byte("x")), adbc.StatusInvalidArgument},
		{"set int unknown", g.SetOptionInt("x.y", 1), adbc.StatusNotImplemented},
		{"set int misspelt", g.SetOptionInt("kafarr.read.timeout", 1), adbc.StatusInvalidArgument},
		{"set int bad value", g.SetOptionInt(ReadTimeoutMs, 0), adbc.StatusInvalidArgument},
		{"set int", g.SetOptionInt(ReadTimeoutMs, 6000), adbc.StatusOK},
		{"set double unknown", g.SetOptionDouble("x.y", 1), adbc.StatusNotImplemented},
		{"set double fraction", g.SetOptionDouble(ReadTimeoutMs, 1.5), adbc.StatusInvalidArgument},
		{"set double NaN", g.SetOptionDouble(ReadTimeoutMs, math.NaN()), adbc.StatusInvalidArgument},
		{"set double Inf", g.SetOptionDouble(ReadTimeoutMs, math.Inf(1)), adbc.StatusInvalidArgument},
		{"set double huge", g.SetOptionDouble(ReadTimeoutMs, 1e30), adbc.StatusInvalidArgument},
		{"set double", g.SetOptionDouble(ReadTimeoutMs, 7000), adbc.StatusOK},
	} {
		got := adbc.StatusOK
		if tc.err != nil {
			got = status(tc.err)
		}
		if got != tc.want {
			t.Errorf("%s: status %v, want %v (%v)", tc.name, got, tc.want, tc.err)
		}
	}
	if v, err := g.GetOptionDouble(ReadTimeoutMs); err != nil || v != 7000 {
		t.Errorf("GetOptionDouble after SetOptionDouble(7000) = %v, %v", v, err)
	}
	if b, err := g.GetOptionBytes(ClientID); err != nil || string(b) != "cid" {
		t.Errorf("GetOptionBytes(%s) = %q, %v", ClientID, b, err)
	}
}
