package integration

// Broker security against the real broker's secured listeners (started by
// tests/stack/stack.sh up, see tests/stack/secure.sh): TLS with server
// verification, mutual TLS, and SASL PLAIN / SCRAM-SHA-256 / SCRAM-SHA-512
// over TLS, each connected through the driver, written to by bulk ingest and
// read back by SELECT; and the failures (wrong password, missing client
// certificate, untrusted server) with their status and a message that names
// the broker and never the password.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/testenv"
)

// secEnv returns the secured-stack variable name, skipping the test when it
// is unset, or failing it under KAFARR_REQUIRE_STACK=1, and registers the
// test's leak check (as testenv does for the plaintext stack).
func secEnv(t *testing.T, name string) string {
	t.Helper()
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		testenv.CheckLeaks(t)
		return v
	}
	if os.Getenv(testenv.EnvRequireStack) == "1" {
		t.Fatalf("%s is not set but %s=1: start the stack with tests/stack/stack.sh up (secured listeners are on by default) and source its env file", name, testenv.EnvRequireStack)
	}
	t.Skip("secured listeners not configured; use make test")
	return ""
}

// secCase is one way to reach the broker securely.
type secCase struct {
	name string
	// brokersEnv names the variable holding the listener's address.
	brokersEnv string
	// opts returns the connection options beyond uri and registry.
	opts func(t *testing.T) map[string]string
}

func secTLS(t *testing.T) map[string]string {
	return map[string]string{"kafarr.tls.enabled": "true", "kafarr.tls.ca_file": secEnv(t, "KAFARR_TEST_TLS_CA_FILE")}
}

func secMTLS(t *testing.T) map[string]string {
	o := secTLS(t)
	o["kafarr.tls.cert_file"] = secEnv(t, "KAFARR_TEST_TLS_CERT_FILE")
	o["kafarr.tls.key_file"] = secEnv(t, "KAFARR_TEST_TLS_KEY_FILE")
	return o
}

// secSASL returns TLS plus SASL options for mechanism with the user and
// password of the variables KAFARR_TEST_SASL_<who>_USER / _PASSWORD.
func secSASL(mechanism, who string) func(t *testing.T) map[string]string {
	return func(t *testing.T) map[string]string {
		o := secTLS(t)
		o["kafarr.sasl.mechanism"] = mechanism
		o["username"] = secEnv(t, "KAFARR_TEST_SASL_"+who+"_USER")
		o["password"] = secEnv(t, "KAFARR_TEST_SASL_"+who+"_PASSWORD")
		return o
	}
}

var secCases = []secCase{
	{"tls ca file", "KAFARR_TEST_TLS_BROKERS", secTLS},
	{"mutual tls", "KAFARR_TEST_MTLS_BROKERS", secMTLS},
	{"sasl plain", "KAFARR_TEST_SASL_BROKERS", secSASL("PLAIN", "PLAIN")},
	{"sasl scram-sha-256", "KAFARR_TEST_SASL_BROKERS", secSASL("SCRAM-SHA-256", "SCRAM256")},
	{"sasl scram-sha-512", "KAFARR_TEST_SASL_BROKERS", secSASL("SCRAM-SHA-512", "SCRAM512")},
}

// secOpen opens a database and connection with opts plus uri and registry.
func secOpen(ctx context.Context, mem memory.Allocator, brokers, registry string, opts map[string]string) (adbc.Database, adbc.Connection, error) {
	all := map[string]string{"uri": "kafka://" + brokers, "kafarr.schema_registry.url": registry, "kafarr.read.timeout_ms": "20000"}
	for k, v := range opts {
		all[k] = v
	}
	db, err := driver.NewDriver(mem).NewDatabase(all)
	if err != nil {
		return nil, nil, err
	}
	cn, err := db.Open(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, cn, nil
}

// secFrame is the three-row frame every secured connection writes.
func secFrame(mem memory.Allocator) arrow.RecordBatch {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String},
	}, nil)
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{7, -1, 1 << 40}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"seven", "", "ünïcode"}, nil)
	return b.NewRecordBatch()
}

// TestBrokerSecurityRealStack connects through every secured listener,
// ingests a small frame into a fresh topic (created by the ingest over the
// secured connection) and reads it back with exact values.
func TestBrokerSecurityRealStack(t *testing.T) {
	registry := testenv.Registry(t)
	for _, c := range secCases {
		t.Run(c.name, func(t *testing.T) {
			brokers := secEnv(t, c.brokersEnv)
			opts := c.opts(t)
			ctx := testContext(t)
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			db, cn, err := secOpen(ctx, mem, brokers, registry, opts)
			if err != nil {
				t.Fatalf("open %s: %v", brokers, err)
			}
			defer db.Close()
			defer cn.Close()

			topic := testenv.Topic(t)
			rec := secFrame(mem)
			defer rec.Release()
			ingRun(t, cn, topic, rec, map[string]string{})
			defer ingestDropTopic(t, cn, topic)

			st, err := cn.NewStatement()
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if err := st.SetSqlQuery(fmt.Sprintf(`SELECT id, name, _offset FROM %q`, topic)); err != nil {
				t.Fatal(err)
			}
			rdr, n, err := st.ExecuteQuery(ctx)
			if err != nil {
				t.Fatalf("select from %s over %s: %v", topic, c.name, err)
			}
			defer rdr.Release()
			var ids, offs []int64
			var names []string
			for rdr.Next() {
				b := rdr.RecordBatch()
				id, name, off := b.Column(0).(*array.Int64), b.Column(1).(*array.String), b.Column(2).(*array.Int64)
				for i := 0; i < int(b.NumRows()); i++ {
					ids, names, offs = append(ids, id.Value(i)), append(names, name.Value(i)), append(offs, off.Value(i))
				}
			}
			if err := rdr.Err(); err != nil {
				t.Fatal(err)
			}
			if got, want := fmt.Sprint(ids, names, offs), fmt.Sprint([]int64{7, -1, 1 << 40}, []string{"seven", "", "ünïcode"}, []int64{0, 1, 2}); got != want {
				t.Fatalf("read back %s, want %s", got, want)
			}
			if n != -1 && n != 3 {
				t.Fatalf("ExecuteQuery reported %d rows, want 3 or -1 (unknown)", n)
			}
		})
	}
}

// TestBrokerSecurityFailuresRealStack checks that a connection the broker
// refuses fails at Open with the right status, names the broker, and never
// shows the password.
func TestBrokerSecurityFailuresRealStack(t *testing.T) {
	registry := testenv.Registry(t)
	const badPassword = "Wr0ng-pa55word-kafarr-sentinel"
	type failCase struct {
		name       string
		brokersEnv string
		opts       func(t *testing.T) map[string]string
		code       adbc.Status
	}
	wrongPassword := func(mech, who string) func(t *testing.T) map[string]string {
		return func(t *testing.T) map[string]string {
			o := secSASL(mech, who)(t)
			o["password"] = badPassword
			return o
		}
	}
	cases := []failCase{
		{"plain wrong password", "KAFARR_TEST_SASL_BROKERS", wrongPassword("PLAIN", "PLAIN"), adbc.StatusUnauthenticated},
		{"scram-sha-256 wrong password", "KAFARR_TEST_SASL_BROKERS", wrongPassword("SCRAM-SHA-256", "SCRAM256"), adbc.StatusUnauthenticated},
		{"scram-sha-512 wrong password", "KAFARR_TEST_SASL_BROKERS", wrongPassword("SCRAM-SHA-512", "SCRAM512"), adbc.StatusUnauthenticated},
		{"scram-sha-256 unknown user", "KAFARR_TEST_SASL_BROKERS", func(t *testing.T) map[string]string {
			o := wrongPassword("SCRAM-SHA-256", "SCRAM256")(t)
			o["username"] = "no-such-user"
			return o
		}, adbc.StatusUnauthenticated},
		// A SCRAM-SHA-512 user does not exist for SCRAM-SHA-256.
		{"scram mechanism mismatch", "KAFARR_TEST_SASL_BROKERS", func(t *testing.T) map[string]string {
			o := secSASL("SCRAM-SHA-512", "SCRAM512")(t)
			o["kafarr.sasl.mechanism"] = "SCRAM-SHA-256"
			o["password"] = badPassword
			return o
		}, adbc.StatusUnauthenticated},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			brokers := secEnv(t, c.brokersEnv)
			opts := c.opts(t)
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			db, cn, err := secOpen(testContext(t), mem, brokers, registry, opts)
			if err == nil {
				cn.Close()
				db.Close()
				t.Fatalf("open %s with %s succeeded", brokers, c.name)
			}
			var ae adbc.Error
			if !errors.As(err, &ae) {
				t.Fatalf("error is %T, not adbc.Error: %v", err, err)
			}
			if ae.Code != c.code {
				t.Errorf("status %v, want %v: %s", ae.Code, c.code, ae.Msg)
			}
			if !strings.Contains(ae.Msg, brokers) {
				t.Errorf("message does not name the broker %s: %s", brokers, ae.Msg)
			}
			if strings.Contains(ae.Msg, badPassword) || strings.Contains(err.Error(), badPassword) {
				t.Errorf("message shows the password: %s", ae.Msg)
			}
			t.Logf("%v: %s", ae.Code, ae.Msg)
		})
	}
}

// TestBrokerTLSFailuresRealStack checks TLS refusals: no client certificate
// on the listener requiring one, and a server certificate from a CA the
// client does not trust (the system pool), and plaintext spoken to a TLS
// listener. Each fails at Open with IO, naming the broker and the cause.
func TestBrokerTLSFailuresRealStack(t *testing.T) {
	registry := testenv.Registry(t)
	cases := []struct {
		name       string
		brokersEnv string
		opts       func(t *testing.T) map[string]string
		want       string
	}{
		{"mtls without client certificate", "KAFARR_TEST_MTLS_BROKERS", secTLS, "bad certificate"},
		{"untrusted server certificate", "KAFARR_TEST_TLS_BROKERS",
			func(t *testing.T) map[string]string { return map[string]string{"kafarr.tls.enabled": "true"} },
			"unknown authority"},
		{"plaintext client on a tls listener", "KAFARR_TEST_TLS_BROKERS",
			func(t *testing.T) map[string]string { return map[string]string{"kafarr.read.timeout_ms": "3000"} }, "tls"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			brokers := secEnv(t, c.brokersEnv)
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			db, cn, err := secOpen(testContext(t), mem, brokers, registry, c.opts(t))
			if err == nil {
				cn.Close()
				db.Close()
				t.Fatalf("open %s (%s) succeeded", brokers, c.name)
			}
			var ae adbc.Error
			if !errors.As(err, &ae) {
				t.Fatalf("error is %T, not adbc.Error: %v", err, err)
			}
			if ae.Code != adbc.StatusIO {
				t.Errorf("status %v, want IO: %s", ae.Code, ae.Msg)
			}
			if !strings.Contains(ae.Msg, brokers) || !strings.Contains(ae.Msg, c.want) {
				t.Errorf("message does not name the broker %s and %q: %s", brokers, c.want, ae.Msg)
			}
			t.Logf("%v: %s", ae.Code, ae.Msg)
		})
	}
}
