package kafkaio

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/internal/testenv"
)

const testPassword = "pa55-w0rd-s3cret"

func TestConfigOpts(t *testing.T) {
	pki := newTestPKI(t)
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := Config{Brokers: []string{"127.0.0.1:9092"}}
	with := func(f func(*Config)) Config { c := base; f(&c); return c }
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // empty: valid
	}{
		{"plain", base, ""},
		{"no brokers", Config{}, "no Kafka bootstrap brokers"},
		{"blank brokers", Config{Brokers: []string{" ", ""}}, "no Kafka bootstrap brokers"},
		{"read committed", with(func(c *Config) { c.Isolation = ReadCommitted }), ""},
		{"bad isolation", with(func(c *Config) { c.Isolation = 3 }), "isolation"},
		{"negative dial timeout", with(func(c *Config) { c.DialTimeout = -time.Second }), "dial timeout"},
		{"sasl plain", with(func(c *Config) { c.SASL = SASLConfig{"PLAIN", "u", testPassword} }), ""},
		{"sasl scram 256 lower case", with(func(c *Config) { c.SASL = SASLConfig{"scram-sha-256", "u", testPassword} }), ""},
		{"sasl scram 512", with(func(c *Config) { c.SASL = SASLConfig{"SCRAM-SHA-512", "u", testPassword} }), ""},
		{"sasl unknown", with(func(c *Config) { c.SASL = SASLConfig{"GSSAPI", "u", testPassword} }), `invalid SASL mechanism "GSSAPI"`},
		{"sasl without user", with(func(c *Config) { c.SASL = SASLConfig{Mechanism: "PLAIN", Password: testPassword} }), "needs a username"},
		{"password without mechanism", with(func(c *Config) { c.SASL = SASLConfig{User: "u", Password: testPassword} }), "no SASL mechanism"},
		{"tls", with(func(c *Config) { c.TLS = TLSConfig{Enabled: true} }), ""},
		{"tls with ca and client cert", with(func(c *Config) {
			c.TLS = TLSConfig{Enabled: true, CAFile: pki.caFile, CertFile: pki.certFile, KeyFile: pki.keyFile}
		}), ""},
		{"tls files without enabled", with(func(c *Config) { c.TLS = TLSConfig{CAFile: pki.caFile} }), "TLS is not enabled"},
		{"tls missing ca", with(func(c *Config) { c.TLS = TLSConfig{Enabled: true, CAFile: "/nonexistent/ca.pem"} }), `"/nonexistent/ca.pem"`},
		{"tls ca not pem", with(func(c *Config) { c.TLS = TLSConfig{Enabled: true, CAFile: notPEM} }), "holds no PEM certificate"},
		{"tls cert without key", with(func(c *Config) { c.TLS = TLSConfig{Enabled: true, CertFile: pki.certFile} }), "both cert_file and key_file"},
		{"tls key mismatch", with(func(c *Config) { c.TLS = TLSConfig{Enabled: true, CertFile: pki.certFile, KeyFile: pki.caFile} }), "loading TLS client certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testenv.CheckLeaks(t)
			opts, err := tt.cfg.Opts()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Opts: %v", err)
				}
				if len(opts) < 5 {
					t.Fatalf("only %d options", len(opts))
				}
				cl, err := kgo.NewClient(opts...)
				if err != nil {
					t.Fatalf("kgo rejects the options: %v", err)
				}
				defer cl.Close()
				if got := cl.OptValue(kgo.FetchMaxBytes); got != int32(DefaultFetchMaxBytes) {
					t.Fatalf("FetchMaxBytes %v", got)
				}
				if got := cl.OptValue(kgo.FetchIsolationLevel); got != int8(tt.cfg.Isolation) {
					t.Fatalf("isolation %v, want %d", got, tt.cfg.Isolation)
				}
				if got := cl.OptValue(kgo.ClientID); got != DefaultClientID {
					t.Fatalf("client id %v", got)
				}
				return
			}
			requireStatus(t, err, adbc.StatusInvalidArgument, tt.wantErr)
			if strings.Contains(err.Error(), testPassword) {
				t.Fatalf("error leaks the password: %v", err)
			}
		})
	}
}

func TestConnect(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(1, "t"))
	ctx := testCtx(t)
	cl, err := Connect(ctx, Config{Brokers: c.ListenAddrs(), ClientID: "me"})
	if err != nil {
		t.Fatal(err)
	}
	if got := cl.OptValue(kgo.ClientID); got != "me" {
		t.Fatalf("client id %v", got)
	}
	cl.Close()

	// A port nobody listens on: the error names the address and cause.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	ctx2, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_, err = Connect(ctx2, Config{Brokers: []string{dead}, DialTimeout: time.Second})
	var ae adbc.Error
	if err == nil || !strings.Contains(err.Error(), "cannot connect to Kafka broker(s) "+dead) {
		t.Fatalf("connect to a dead port: %v", err)
	}
	if !errorsAs(err, &ae) || (ae.Code != adbc.StatusIO && ae.Code != adbc.StatusTimeout) {
		t.Fatalf("status of %v", err)
	}
}

func errorsAs(err error, ae *adbc.Error) bool {
	e, ok := err.(adbc.Error)
	if ok {
		*ae = e
	}
	return ok
}

func TestConnectSASL(t *testing.T) {
	for _, mech := range []string{SASLPlain, SASLScramSHA256, SASLScramSHA512} {
		t.Run(mech, func(t *testing.T) {
			c := newCluster(t, kfake.EnableSASL(), kfake.Superuser(mech, "alice", testPassword), kfake.SeedTopics(1, "t"))
			ctx := testCtx(t)
			cl, err := Connect(ctx, Config{Brokers: c.ListenAddrs(), SASL: SASLConfig{mech, "alice", testPassword}})
			if err != nil {
				t.Fatalf("good credentials: %v", err)
			}
			if _, err := NewAdmin(cl).Partitions(ctx, "t"); err != nil {
				t.Fatalf("authenticated metadata: %v", err)
			}
			cl.Close()

			ctx2, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			_, err = Connect(ctx2, Config{Brokers: c.ListenAddrs(), SASL: SASLConfig{mech, "alice", "wrong-" + testPassword}})
			if err == nil {
				t.Fatal("wrong password accepted")
			}
			if strings.Contains(err.Error(), testPassword) {
				t.Fatalf("error leaks the password: %v", err)
			}
			if !strings.Contains(err.Error(), c.ListenAddrs()[0]) && !strings.Contains(err.Error(), "cannot connect") {
				t.Fatalf("error does not name the brokers: %v", err)
			}
		})
	}
}

func TestConnectTLS(t *testing.T) {
	pki := newTestPKI(t)
	c := newCluster(t, kfake.TLS(pki.serverConfig()), kfake.SeedTopics(1, "t"))
	ctx := testCtx(t)
	tests := []struct {
		name string
		tls  TLSConfig
		ok   bool
	}{
		{"trusted CA", TLSConfig{Enabled: true, CAFile: pki.caFile}, true},
		{"insecure skip verify", TLSConfig{Enabled: true, InsecureSkipVerify: true}, true},
		{"system roots reject the test CA", TLSConfig{Enabled: true}, false},
		{"plaintext to a TLS listener", TLSConfig{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			cl, err := Connect(ctx, Config{Brokers: c.ListenAddrs(), TLS: tt.tls, DialTimeout: time.Second})
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				defer cl.Close()
				produceValues(t, cl, "t", 0, 0, 3)
				return
			}
			if err == nil {
				cl.Close()
				t.Fatal("connected")
			}
			if !strings.Contains(err.Error(), "cannot connect to Kafka broker(s)") {
				t.Fatalf("error: %v", err)
			}
		})
	}
}
