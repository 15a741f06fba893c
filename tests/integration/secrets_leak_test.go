package integration

// Secrets never leave the driver: with broker and registry credentials set
// (in options, in the URI's user info and in its query string), every error
// path reachable from outside, every GetOption at every level and the result
// schema's metadata are searched for the secret strings. In-process kfake
// (SASL PLAIN) and srfake (basic auth over https, bearer token over http)
// stand in for the cluster and registry, so this runs everywhere.

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/testenv"
	"github.com/kafarr/kafarr/options"
)

const (
	leakBrokerUser   = "leak-broker-user"
	leakBrokerPass   = "BrokerPassSentinel-4471"
	leakRegistryUser = "leak-reg-user"
	leakRegistryPass = "RegistryPassSentinel-9183"
	leakToken        = "BearerTokenSentinel-5528"
)

// leakSecrets are the strings (and their encodings) that must never show.
var leakSecrets = []string{
	leakBrokerPass, leakRegistryPass, leakToken,
	base64.StdEncoding.EncodeToString([]byte(leakRegistryUser + ":" + leakRegistryPass)),
	base64.StdEncoding.EncodeToString([]byte(leakRegistryUser + ":" + "wrong-" + leakRegistryPass)),
	"wrong-" + leakBrokerPass, "wrong-" + leakRegistryPass, "wrong-" + leakToken,
}

// leakWorld is a SASL kfake cluster plus two auth-requiring srfake
// registries: basic auth behind https, bearer token behind http.
type leakWorld struct {
	brokers   string
	basicURL  string // https
	bearerURL string // http
	caFile    string // PEM of the https registry's certificate
}

// newLeakWorld starts the world, closed when the test ends; it registers
// the test's leak check first, to run after every close.
func newLeakWorld(t *testing.T) leakWorld {
	t.Helper()
	testenv.CheckLeaks(t)
	cl, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(),
		kfake.Superuser("PLAIN", leakBrokerUser, leakBrokerPass))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)

	basic := srfake.New(srfake.WithAuth("Basic " + base64.StdEncoding.EncodeToString([]byte(leakRegistryUser+":"+leakRegistryPass))))
	t.Cleanup(basic.Close)
	tlsSrv := httptest.NewTLSServer(basic.Handler())
	t.Cleanup(tlsSrv.Close)
	caFile := filepath.Join(t.TempDir(), "registry-ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}

	bearer := srfake.New(srfake.WithAuth("Bearer " + leakToken))
	t.Cleanup(bearer.Close)
	httpSrv := httptest.NewServer(bearer.Handler())
	t.Cleanup(httpSrv.Close)

	return leakWorld{brokers: cl.ListenAddrs()[0], basicURL: tlsSrv.URL, bearerURL: httpSrv.URL, caFile: caFile}
}

// leakLog collects every string the driver handed back.
// codes holds the status of each error outside GetOption.
type leakLog struct {
	seen  []string
	codes []adbc.Status
}

func (l *leakLog) err(what string, err error) {
	if err == nil {
		return
	}
	l.seen = append(l.seen, what+": "+err.Error())
	var ae adbc.Error
	if errors.As(err, &ae) {
		l.seen = append(l.seen, what+": "+ae.Msg)
		if !strings.Contains(what, "GetOption(") {
			l.codes = append(l.codes, ae.Code)
		}
	} else {
		l.codes = append(l.codes, adbc.StatusUnknown)
	}
}

// getOptions records GetOption of every known key, uri, username and
// password on g.
func (l *leakLog) getOptions(what string, g interface {
	GetOption(string) (string, error)
}) {
	keys := []string{options.URI, options.Username, options.Password}
	for _, d := range options.All() {
		keys = append(keys, d.Key)
	}
	for _, k := range keys {
		v, err := g.GetOption(k)
		l.seen = append(l.seen, what+" "+k+"="+v)
		l.err(what+" GetOption("+k+")", err)
	}
}

func (l *leakLog) schema(what string, sc *arrow.Schema) {
	if sc == nil {
		return
	}
	l.seen = append(l.seen, what+" schema: "+sc.String())
	for _, f := range sc.Fields() {
		l.seen = append(l.seen, what+" field "+f.Name+": "+f.Metadata.String())
	}
	l.seen = append(l.seen, what+" metadata: "+sc.Metadata().String())
}

// check fails for each recorded string holding a secret, in any encoding.
func (l *leakLog) check(t *testing.T) {
	t.Helper()
	for _, s := range l.seen {
		for _, secret := range leakSecrets {
			for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
				if strings.Contains(s, form) {
					t.Errorf("secret %q leaked in: %s", secret, s)
				}
			}
		}
	}
}

// leakQuery runs SQL on cn, recording the statement's options, its errors
// and the result schema, and returns the rows read (or -1 on error).
func leakQuery(ctx context.Context, l *leakLog, what string, cn adbc.Connection, sql string) int64 {
	st, err := cn.NewStatement()
	if err != nil {
		l.err(what+" NewStatement", err)
		return -1
	}
	defer st.Close()
	if g, ok := st.(interface {
		GetOption(string) (string, error)
	}); ok {
		l.getOptions(what+" stmt", g)
	} else {
		l.err(what+" stmt", errors.New("the statement has no GetOption"))
	}
	if err := st.SetSqlQuery(sql); err != nil {
		l.err(what+" SetSqlQuery", err)
		return -1
	}
	if es, ok := st.(adbc.StatementExecuteSchema); ok {
		if sc, err := es.ExecuteSchema(ctx); err != nil {
			l.err(what+" ExecuteSchema", err)
		} else {
			l.schema(what+" ExecuteSchema", sc)
		}
	}
	rdr, _, err := st.ExecuteQuery(ctx)
	if err != nil {
		l.err(what+" ExecuteQuery", err)
		return -1
	}
	defer rdr.Release()
	l.schema(what+" reader", rdr.Schema())
	var n int64
	for rdr.Next() {
		n += rdr.RecordBatch().NumRows()
	}
	if err := rdr.Err(); err != nil {
		l.err(what+" read", err)
		return -1
	}
	return n
}

// leakOpen opens a database and connection, recording options and errors.
func leakOpen(ctx context.Context, l *leakLog, what string, mem memory.Allocator, opts map[string]string) (adbc.Database, adbc.Connection) {
	db, err := driver.NewDriver(mem).NewDatabase(opts)
	if err != nil {
		l.err(what+" NewDatabase", err)
		return nil, nil
	}
	if g, ok := db.(adbc.GetSetOptions); ok {
		l.getOptions(what+" db", g)
	} else {
		l.err(what+" db", errors.New("the database has no GetOption"))
	}
	cn, err := db.Open(ctx)
	if err != nil {
		l.err(what+" Open", err)
		db.Close()
		return nil, nil
	}
	if g, ok := cn.(interface {
		GetOption(string) (string, error)
	}); ok {
		l.getOptions(what+" conn", g)
	} else {
		l.err(what+" conn", errors.New("the connection has no GetOption"))
	}
	return db, cn
}

func TestSecretsNeverLeak(t *testing.T) {
	w := newLeakWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var l leakLog
	const topic = "leak_topic"

	// The good configuration, every secret riding in the URI: broker
	// password in the user info, registry password in the query string.
	goodURI := fmt.Sprintf("kafka://%s:%s@%s?schema_registry.url=%s&schema_registry.username=%s&schema_registry.password=%s&schema_registry.ca_file=%s&sasl.mechanism=PLAIN&read.timeout_ms=5000",
		leakBrokerUser, url.PathEscape(leakBrokerPass), w.brokers, url.QueryEscape(w.basicURL),
		leakRegistryUser, url.QueryEscape(leakRegistryPass), url.QueryEscape(w.caFile))
	db, cn := leakOpen(ctx, &l, "good", mem, map[string]string{options.URI: goodURI})
	if cn == nil {
		t.Fatalf("the good configuration does not connect: %q", l.seen[len(l.seen)-1])
	}
	if u, err := db.(adbc.GetSetOptions).GetOption(options.URI); err != nil || !strings.Contains(u, "xxxxx") || !strings.Contains(u, w.brokers) {
		t.Errorf("GetOption(uri) = %q, %v; want the URI with its secrets replaced by xxxxx", u, err)
	}
	frame := secFrame(mem)
	ingRun(t, cn, topic, frame, map[string]string{})
	frame.Release()
	if n := leakQuery(ctx, &l, "good", cn, `SELECT id, name, _schema_id FROM "leak_topic"`); n != 3 {
		t.Fatalf("good connection read %d rows, want 3; last seen: %q", n, l.seen[len(l.seen)-1])
	}
	cn.Close()
	db.Close()

	// The good bearer-token configuration, over http.
	db, cn = leakOpen(ctx, &l, "bearer", mem, map[string]string{
		options.URI: "kafka://" + w.brokers, options.Username: leakBrokerUser, options.Password: leakBrokerPass,
		"kafarr.schema_registry.url": w.bearerURL, "kafarr.schema_registry.bearer_token": leakToken,
	})
	if cn == nil {
		t.Fatalf("the bearer configuration does not connect: %q", l.seen[len(l.seen)-1])
	}
	frame = secFrame(mem)
	ingRun(t, cn, topic+"_bearer", frame, map[string]string{})
	frame.Release()
	if n := leakQuery(ctx, &l, "bearer", cn, `SELECT id, name FROM "leak_topic_bearer"`); n != 3 {
		t.Fatalf("bearer connection read %d rows, want 3; last seen: %q", n, l.seen[len(l.seen)-1])
	}
	cn.Close()
	db.Close()

	base := func() map[string]string {
		return map[string]string{
			options.URI: "kafka://" + w.brokers, options.Username: leakBrokerUser, options.Password: leakBrokerPass,
			"kafarr.sasl.mechanism": "PLAIN", "kafarr.read.timeout_ms": "3000",
			"kafarr.schema_registry.url": w.basicURL, "kafarr.schema_registry.username": leakRegistryUser,
			"kafarr.schema_registry.password": leakRegistryPass, "kafarr.schema_registry.ca_file": w.caFile,
		}
	}
	// Each bad configuration must fail somewhere (Open or the query) with
	// the given status; what it says is recorded and searched. kfake drops
	// the connection on a failed SASL handshake instead of answering with
	// SASL_AUTHENTICATION_FAILED, so a wrong broker password is IO here;
	// against the real broker it is Unauthenticated
	// (TestBrokerSecurityFailuresRealStack). srfake answers a missing
	// Authorization header with 401 (Unauthenticated) and a wrong one with
	// 403 (Unauthorized).
	cases := []struct {
		name   string
		change func(o map[string]string)
		code   adbc.Status
	}{
		{"wrong broker password", func(o map[string]string) { o[options.Password] = "wrong-" + leakBrokerPass }, adbc.StatusIO},
		{"wrong broker password in uri", func(o map[string]string) {
			delete(o, options.Username)
			delete(o, options.Password)
			o[options.URI] = fmt.Sprintf("kafka://%s:%s@%s", leakBrokerUser, url.PathEscape("wrong-"+leakBrokerPass), w.brokers)
		}, adbc.StatusIO},
		{"wrong registry password", func(o map[string]string) { o["kafarr.schema_registry.password"] = "wrong-" + leakRegistryPass }, adbc.StatusUnauthorized},
		{"wrong registry password in the url", func(o map[string]string) {
			delete(o, "kafarr.schema_registry.username")
			delete(o, "kafarr.schema_registry.password")
			u, err := url.Parse(w.basicURL)
			if err != nil {
				t.Fatal(err)
			}
			u.User = url.UserPassword(leakRegistryUser, "wrong-"+leakRegistryPass)
			o["kafarr.schema_registry.url"] = u.String()
		}, adbc.StatusUnauthorized},
		{"no registry credentials", func(o map[string]string) {
			delete(o, "kafarr.schema_registry.username")
			delete(o, "kafarr.schema_registry.password")
		}, adbc.StatusUnauthenticated},
		{"wrong bearer token", func(o map[string]string) {
			delete(o, "kafarr.schema_registry.username")
			delete(o, "kafarr.schema_registry.password")
			delete(o, "kafarr.schema_registry.ca_file")
			o["kafarr.schema_registry.url"] = w.bearerURL
			o["kafarr.schema_registry.bearer_token"] = "wrong-" + leakToken
		}, adbc.StatusUnauthorized},
		{"registry unreachable", func(o map[string]string) {
			delete(o, "kafarr.schema_registry.username")
			delete(o, "kafarr.schema_registry.password")
			delete(o, "kafarr.schema_registry.ca_file")
			o["kafarr.schema_registry.url"] = "http://" + closedAddr(t)
			o["kafarr.schema_registry.bearer_token"] = leakToken
		}, adbc.StatusIO},
		{"https registry without its ca", func(o map[string]string) { delete(o, "kafarr.schema_registry.ca_file") }, adbc.StatusIO},
		{"missing broker ca file", func(o map[string]string) {
			o["kafarr.tls.enabled"] = "true"
			o["kafarr.tls.ca_file"] = filepath.Join(t.TempDir(), "absent.pem")
		}, adbc.StatusInvalidArgument},
		{"missing registry ca file", func(o map[string]string) {
			o["kafarr.schema_registry.ca_file"] = filepath.Join(t.TempDir(), "absent.pem")
		}, adbc.StatusInvalidArgument},
		{"broker ca file without a certificate", func(o map[string]string) {
			garbage := filepath.Join(t.TempDir(), "garbage.pem")
			if err := os.WriteFile(garbage, []byte("not a certificate "+leakBrokerPass), 0o600); err != nil {
				t.Fatal(err)
			}
			o["kafarr.tls.enabled"] = "true"
			o["kafarr.tls.ca_file"] = garbage
		}, adbc.StatusInvalidArgument},
		{"client key that is not a key", func(o map[string]string) {
			o["kafarr.tls.enabled"] = "true"
			o["kafarr.tls.cert_file"] = w.caFile
			o["kafarr.tls.key_file"] = w.caFile
		}, adbc.StatusInvalidArgument},
		{"client cert without key", func(o map[string]string) {
			o["kafarr.tls.enabled"] = "true"
			o["kafarr.tls.cert_file"] = w.caFile
		}, adbc.StatusInvalidArgument},
		{"bad sasl mechanism", func(o map[string]string) { o["kafarr.sasl.mechanism"] = "GSSAPI" }, adbc.StatusInvalidArgument},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := base()
			c.change(o)
			before, beforeCodes := len(l.seen), len(l.codes)
			db, cn := leakOpen(ctx, &l, c.name, mem, o)
			if cn != nil {
				n := leakQuery(ctx, &l, c.name, cn, `SELECT id, name FROM "leak_topic"`)
				cn.Close()
				db.Close()
				if n >= 0 {
					t.Fatalf("%s: the query read %d rows instead of failing", c.name, n)
				}
			}
			codes := l.codes[beforeCodes:]
			if len(codes) == 0 || codes[0] != c.code {
				t.Errorf("%s: statuses %v, want the first to be %v; said: %q", c.name, codes, c.code, l.seen[before:])
			}
		})
	}
	l.check(t)
	t.Logf("searched %d strings for %d secrets", len(l.seen), len(leakSecrets))
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
