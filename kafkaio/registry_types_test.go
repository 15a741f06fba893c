package kafkaio

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
)

const (
	protoV1 = "syntax = \"proto3\";\npackage kafarr.test;\nimport \"google/protobuf/timestamp.proto\";\n\nmessage Tick {\n  string inst = 1;\n  google.protobuf.Timestamp at = 2;\n}\n"
	jsonV1  = `{"type":"object","title":"Tick","properties":{"inst":{"type":"string"}},"required":["inst"]}`
)

// checkRegisterType registers a Protobuf and a JSON Schema schema and
// reads their types back: ingest registers what it derives with the type.
func checkRegisterType(t *testing.T, reg *Registry, prefix string) {
	ctx := testCtx(t)
	for _, tt := range []struct{ typ, schema string }{{"PROTOBUF", protoV1}, {"JSON", jsonV1}} {
		subject := prefix + "-" + tt.typ + "-value"
		t.Cleanup(func() { _, _ = reg.DeleteSubject(context.Background(), subject, true) })
		id, err := reg.RegisterType(ctx, subject, tt.typ, tt.schema)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := reg.RegisterType(ctx, subject, tt.typ, tt.schema); err != nil || again != id {
			t.Fatalf("%s: re-register: %d, %v (want %d)", tt.typ, again, err, id)
		}
		l, err := reg.Latest(ctx, subject)
		if err != nil || l.ID != id || l.Type != tt.typ || l.Schema != tt.schema || len(l.References) != 0 {
			t.Fatalf("%s: latest: %+v, %v", tt.typ, l, err)
		}
	}
	_, err := reg.RegisterType(ctx, prefix+"-x-value", "XML", "<a/>")
	requireStatus(t, err, adbc.StatusInvalidArgument, `"XML"`, prefix+"-x-value")
}

func TestRegistryRegisterType(t *testing.T) {
	tr := newTestRegistry(t)
	checkRegisterType(t, newReg(t, RegistryConfig{URL: tr.server.URL}), "s")
}

// TestIntegrationRegisterType runs against the real registry (Apicurio's
// ccompat API in tests/stack), which takes a .proto importing a
// well-known type without a reference.
func TestIntegrationRegisterType(t *testing.T) {
	url := stackEnv(t, "KAFARR_TEST_REGISTRY")
	checkRegisterType(t, newReg(t, RegistryConfig{URL: url}), fmt.Sprintf("kafkaio-it-%d", time.Now().UnixNano()))
}
