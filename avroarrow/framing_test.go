package avroarrow

import (
	"bytes"
	"testing"
)

func TestFraming(t *testing.T) {
	msg := AppendFrame([]byte("x"), 0x01020304)
	if !bytes.Equal(msg, []byte{'x', 0, 1, 2, 3, 4}) {
		t.Fatalf("AppendFrame: % x", msg)
	}
	framed := append(AppendFrame(nil, -2), 7, 8)
	id, body, err := SplitFrame(framed)
	if err != nil || id != -2 || !bytes.Equal(body, []byte{7, 8}) {
		t.Fatalf("SplitFrame: %d % x %v", id, body, err)
	}
	id, body, err = SplitFrame(AppendFrame(nil, 42))
	if err != nil || id != 42 || len(body) != 0 {
		t.Fatalf("empty body: %d % x %v", id, body, err)
	}
	for _, tt := range []struct {
		in   []byte
		want string
	}{
		{nil, "empty message is not in Confluent wire format"},
		{[]byte{0, 0, 1}, "message of 3 bytes is too short for the Confluent wire format header of 5 bytes"},
		{[]byte{'{', '"', 'a', '"', ':', '1', '}'}, "message is not in Confluent wire format (magic byte 0x7b, want 0x00)"},
		{[]byte{1, 0, 0, 0, 1}, "message is not in Confluent wire format (magic byte 0x01, want 0x00)"},
	} {
		if _, _, err := SplitFrame(tt.in); err == nil || err.Error() != tt.want {
			t.Errorf("SplitFrame(% x): got %v, want %s", tt.in, err, tt.want)
		}
	}
}
