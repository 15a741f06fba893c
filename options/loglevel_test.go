package options

import (
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
)

func TestLogLevel(t *testing.T) {
	s := NewStore()
	if got := s.Get(LogLevel); got != "off" {
		t.Fatalf("default %s = %q, want off", LogLevel, got)
	}
	for _, v := range []string{"off", "error", "warn", "info", "debug"} {
		if err := s.Set(LogLevel, v); err != nil {
			t.Fatalf("%s=%s: %v", LogLevel, v, err)
		}
		if got, err := s.GetOption(LogLevel); err != nil || got != v {
			t.Fatalf("GetOption(%s) = %q, %v; want %q", LogLevel, got, err, v)
		}
	}
	for _, v := range []string{"", "DEBUG", "trace", "warning"} {
		if err := s.Set(LogLevel, v); status(err) != adbc.StatusInvalidArgument {
			t.Errorf("%s=%q: %v; want InvalidArgument", LogLevel, v, err)
		}
	}
	if err := s.Child().Set(LogLevel, "debug"); status(err) != adbc.StatusInvalidArgument {
		t.Errorf("%s on a connection: %v; want InvalidArgument (database only)", LogLevel, err)
	}
	if d, ok := defs[LogLevel]; !ok || d.Scope != ScopeDatabase || d.Secret {
		t.Errorf("defs[%s] = %+v, %v", LogLevel, d, ok)
	}
}
