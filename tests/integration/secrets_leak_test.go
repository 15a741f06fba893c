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
	"log/slog"
	"net"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
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
	leakRegistryUser = "leak-reg-user"
	// The secrets hold characters that percent-encoding changes, so that
	// the search below tells the raw, query-escaped, path-escaped,
	// userinfo-escaped and double-escaped forms apart.
	leakBrokerPass   = "Broker/Pass@Sentinel:4471+&=%"
	leakRegistryPass = "Registry/Pass@Sentinel:9183+&=%"
	leakToken        = "Bearer/Token@Sentinel:5528+&=%"
	// leakHalf is the part of a password before an unencoded "/": a URI
	// that cannot be parsed must not echo even part of its user info.
	leakHalf = "UnencodedHalfSentinel-3391"
)

// leakSecrets are the strings that must never show, in any of the forms
// secretForms lists.
var leakSecrets = []string{
	leakBrokerPass, leakRegistryPass, leakToken, leakHalf,
	"wrong-" + leakBrokerPass, "wrong-" + leakRegistryPass, "wrong-" + leakToken,
	leakBrokerUser + ":" + leakBrokerPass, leakRegistryUser + ":" + leakRegistryPass,
	leakRegistryUser + ":" + "wrong-" + leakRegistryPass,
}

// secretForms returns s as it could appear in text: raw; percent-encoded
// for a query, a path or user info, once or twice (a URL with user info
// carried in a URI's query is encoded twice); and base64 (standard and URL
// alphabets, padded or not, as HTTP basic auth and tokens carry it).
func secretForms(s string) []string {
	once := []string{
		s, url.QueryEscape(s), url.PathEscape(s),
		strings.TrimPrefix(url.UserPassword("", s).String(), ":"),
	}
	forms := slices.Clone(once)
	for _, e := range once {
		forms = append(forms, url.QueryEscape(e), url.PathEscape(e))
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		forms = append(forms, enc.EncodeToString([]byte(s)))
	}
	return forms
}

// adbcKeys are the ADBC standard option keys: GetOption of each is
// searched at every level besides kafarr's own keys.
var adbcKeys = []string{
	adbc.OptionKeyURI, adbc.OptionKeyUsername, adbc.OptionKeyPassword,
	adbc.OptionKeyAutoCommit, adbc.OptionKeyReadOnly, adbc.OptionKeyCurrentCatalog, adbc.OptionKeyCurrentDbSchema,
	adbc.OptionKeyIsolationLevel, adbc.OptionKeyIncremental, adbc.OptionKeyProgress, adbc.OptionKeyMaxProgress,
	adbc.OptionKeyIngestTargetTable, adbc.OptionKeyIngestMode, adbc.OptionValueIngestTargetCatalog,
	adbc.OptionValueIngestTargetDBSchema, "adbc.ingest.temporary", adbc.OptionKeyTelemetryTraceParent,
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

// withUser returns rawURL with user info user:pass.
func withUser(t *testing.T, rawURL, user, pass string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, pass)
	return u.String()
}

// leakLog collects every string the driver handed back: option values,
// errors, schemas, partition descriptors and, through logger, its debug
// logs. codes holds the status of each error outside GetOption.
type leakLog struct {
	seen   []string
	codes  []adbc.Status
	sink   logSink
	logger *slog.Logger
}

func newLeakLog() *leakLog {
	l := &leakLog{}
	l.logger = slog.New(slog.NewTextHandler(&l.sink, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return l
}

// err records a failure of the operation under test: its text, and its
// status in codes.
func (l *leakLog) err(what string, err error) {
	if err == nil {
		return
	}
	l.note(what, err)
	var ae adbc.Error
	if errors.As(err, &ae) {
		l.codes = append(l.codes, ae.Code)
	} else {
		l.codes = append(l.codes, adbc.StatusUnknown)
	}
}

// note records the text of an error that is searched but not the
// failure under test (a GetOption of an unset key, say).
func (l *leakLog) note(what string, err error) {
	if err == nil {
		return
	}
	l.seen = append(l.seen, what+": "+err.Error())
	var ae adbc.Error
	if errors.As(err, &ae) {
		l.seen = append(l.seen, what+": "+ae.Msg)
	}
}

// optionGetter is what the database, the connection and the statement
// answer: the string and the typed option getters.
type optionGetter interface {
	GetOption(string) (string, error)
	GetOptionBytes(string) ([]byte, error)
	GetOptionInt(string) (int64, error)
	GetOptionDouble(string) (float64, error)
}

// getOptions records, for every kafarr key (the defs table) and every
// ADBC standard key, what each getter of g returns, value or error.
func (l *leakLog) getOptions(what string, o any) {
	g, ok := o.(optionGetter)
	if !ok {
		l.err(what, fmt.Errorf("%T has no typed option getters", o))
		return
	}
	keys := slices.Clone(adbcKeys)
	for _, d := range options.All() {
		keys = append(keys, d.Key)
	}
	for _, k := range keys {
		v, err := g.GetOption(k)
		l.seen = append(l.seen, what+" "+k+"="+v)
		l.note(what+" GetOption("+k+")", err)
		b, err := g.GetOptionBytes(k)
		l.seen = append(l.seen, what+" "+k+" bytes="+string(b))
		l.note(what+" GetOptionBytes("+k+")", err)
		_, err = g.GetOptionInt(k)
		l.note(what+" GetOptionInt("+k+")", err)
		_, err = g.GetOptionDouble(k)
		l.note(what+" GetOptionDouble("+k+")", err)
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

// check fails for each recorded string, or line of log, holding a secret
// in any of its forms.
func (l *leakLog) check(t *testing.T) {
	t.Helper()
	seen := append(slices.Clone(l.seen), strings.Split(l.sink.String(), "\n")...)
	for _, s := range seen {
		for _, secret := range leakSecrets {
			for _, form := range secretForms(secret) {
				if strings.Contains(s, form) {
					t.Errorf("secret %q leaked (as %q) in: %s", secret, form, s)
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
	l.getOptions(what+" stmt", st)
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
	l.getOptions(what+" stmt after execute", st)
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

// leakPartitions runs sql with ExecutePartitions on cn, records the
// descriptors (opaque bytes a caller may store or ship) and the schema of
// reading each back, and returns the rows read.
func leakPartitions(ctx context.Context, l *leakLog, what string, cn adbc.Connection, sql string) int64 {
	st, err := cn.NewStatement()
	if err != nil {
		l.err(what+" NewStatement", err)
		return -1
	}
	defer st.Close()
	if err := st.SetSqlQuery(sql); err != nil {
		l.err(what+" SetSqlQuery", err)
		return -1
	}
	sc, parts, _, err := st.ExecutePartitions(ctx)
	if err != nil {
		l.err(what+" ExecutePartitions", err)
		return -1
	}
	l.schema(what+" ExecutePartitions", sc)
	var n int64
	for _, d := range parts.PartitionIDs {
		l.seen = append(l.seen, what+" descriptor: "+string(d))
		rdr, err := cn.ReadPartition(ctx, d)
		if err != nil {
			l.err(what+" ReadPartition", err)
			return -1
		}
		l.schema(what+" ReadPartition", rdr.Schema())
		for rdr.Next() {
			n += rdr.RecordBatch().NumRows()
		}
		l.err(what+" ReadPartition read", rdr.Err())
		rdr.Release()
	}
	_, err = cn.ReadPartition(ctx, []byte(`{"v":1,"sql":"SELECT * FROM","topic":"x"}`))
	l.note(what+" ReadPartition of a bad descriptor", err)
	return n
}

// leakOpen opens a database and connection through a driver logging into
// l at debug level, recording options and errors.
func leakOpen(ctx context.Context, l *leakLog, what string, mem memory.Allocator, opts map[string]string) (adbc.Database, adbc.Connection) {
	db, err := driver.NewDriver(mem, driver.WithLogger(l.logger)).NewDatabase(opts)
	if err != nil {
		l.err(what+" NewDatabase", err)
		return nil, nil
	}
	l.getOptions(what+" db", db)
	cn, err := db.Open(ctx)
	if err != nil {
		l.err(what+" Open", err)
		db.Close()
		return nil, nil
	}
	l.getOptions(what+" conn", cn)
	_, err = cn.GetTableSchema(ctx, nil, nil, "leak_absent_topic")
	l.note(what+" GetTableSchema of an absent topic", err)
	return db, cn
}

// leakGood opens a configuration that must work, ingests three rows into
// topic, reads them back by query and by partitions, and closes.
func leakGood(t *testing.T, ctx context.Context, l *leakLog, what string, mem memory.Allocator, opts map[string]string, topic string) (db adbc.Database, cn adbc.Connection) {
	t.Helper()
	db, cn = leakOpen(ctx, l, what, mem, opts)
	if cn == nil {
		t.Fatalf("%s: the configuration does not connect: %q", what, l.seen[len(l.seen)-1])
	}
	frame := secFrame(mem)
	ingRun(t, cn, topic, frame, map[string]string{})
	frame.Release()
	sql := fmt.Sprintf(`SELECT id, name, _schema_id FROM %q`, topic)
	if n := leakQuery(ctx, l, what, cn, sql); n != 3 {
		t.Fatalf("%s: read %d rows, want 3; last seen: %q", what, n, l.seen[len(l.seen)-1])
	}
	if n := leakPartitions(ctx, l, what, cn, sql); n != 3 {
		t.Fatalf("%s: read %d rows by partitions, want 3; last seen: %q", what, n, l.seen[len(l.seen)-1])
	}
	if sc, err := cn.GetTableSchema(ctx, nil, nil, topic); err != nil {
		l.err(what+" GetTableSchema", err)
	} else {
		l.schema(what+" GetTableSchema", sc)
	}
	return db, cn
}

func TestSecretsNeverLeak(t *testing.T) {
	w := newLeakWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	l := newLeakLog()
	brokerUserinfo := url.UserPassword(leakBrokerUser, leakBrokerPass).String()
	regURLWithUser := withUser(t, w.basicURL, leakRegistryUser, leakRegistryPass)

	// Good configurations, each secret riding somewhere else. The first:
	// broker password in the URI's user info, registry password in its
	// query string.
	goodURI := "kafka://" + brokerUserinfo + "@" + w.brokers + "?" + url.Values{
		"schema_registry.url": {w.basicURL}, "schema_registry.username": {leakRegistryUser},
		"schema_registry.password": {leakRegistryPass}, "schema_registry.ca_file": {w.caFile},
		"sasl.mechanism": {"PLAIN"}, "read.timeout_ms": {"5000"},
	}.Encode()
	db, cn := leakGood(t, ctx, l, "uri userinfo", mem, map[string]string{options.URI: goodURI}, "leak_topic")
	u, err := db.(adbc.GetSetOptions).GetOption(options.URI)
	want := "kafka://" + leakBrokerUser + ":xxxxx@" + w.brokers + "?read.timeout_ms=5000&sasl.mechanism=PLAIN&schema_registry.ca_file=" +
		url.QueryEscape(w.caFile) + "&schema_registry.password=xxxxx&schema_registry.url=" + url.QueryEscape(w.basicURL) +
		"&schema_registry.username=" + leakRegistryUser
	if err != nil || u != want {
		t.Errorf("GetOption(uri) = %q, %v; want %q", u, err, want)
	}
	cn.Close()
	db.Close()

	// The broker password in the query string, and the registry URL with
	// user info inside the query string (percent-encoded once, as it must
	// be).
	queryURI := "kafka://" + w.brokers + "?" + url.Values{
		"username": {leakBrokerUser}, "password": {leakBrokerPass}, "schema_registry.url": {regURLWithUser},
		"schema_registry.ca_file": {w.caFile}, "read.timeout_ms": {"5000"},
	}.Encode()
	db, cn = leakGood(t, ctx, l, "uri query", mem, map[string]string{options.URI: queryURI}, "leak_topic_query")
	u, err = db.(adbc.GetSetOptions).GetOption(options.URI)
	want = "kafka://" + w.brokers + "?password=xxxxx&read.timeout_ms=5000&schema_registry.ca_file=" + url.QueryEscape(w.caFile) +
		"&schema_registry.url=" + url.QueryEscape(withUser(t, w.basicURL, leakRegistryUser, "xxxxx")) + "&username=" + leakBrokerUser
	if err != nil || u != want {
		t.Errorf("GetOption(uri) = %q, %v; want %q", u, err, want)
	}
	for _, g := range []adbc.GetSetOptions{db.(adbc.GetSetOptions), cn.(adbc.GetSetOptions)} {
		if u, err := g.GetOption(options.SchemaRegistryURL); err != nil || u != withUser(t, w.basicURL, leakRegistryUser, "xxxxx") {
			t.Errorf("%T GetOption(%s) = %q, %v; want the URL with its password replaced by xxxxx", g, options.SchemaRegistryURL, u, err)
		}
	}
	cn.Close()
	db.Close()

	// Everything in options: the registry URL with user info, the broker
	// password; and log.level=debug, which WithLogger's logger overrides.
	db, cn = leakGood(t, ctx, l, "options", mem, map[string]string{
		options.URI: "kafka://" + w.brokers, options.Username: leakBrokerUser, options.Password: leakBrokerPass,
		options.SchemaRegistryURL: regURLWithUser, options.SchemaRegistryCAFile: w.caFile, options.LogLevel: "debug",
	}, "leak_topic_options")
	cn.Close()
	db.Close()

	// The bearer token in the query string, over http.
	db, cn = leakGood(t, ctx, l, "bearer", mem, map[string]string{
		options.URI:      "kafka://" + w.brokers + "?" + url.Values{"schema_registry.bearer_token": {leakToken}}.Encode(),
		options.Username: leakBrokerUser, options.Password: leakBrokerPass, options.SchemaRegistryURL: w.bearerURL,
	}, "leak_topic_bearer")
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
	noRegistryAuth := func(o map[string]string) {
		delete(o, "kafarr.schema_registry.username")
		delete(o, "kafarr.schema_registry.password")
	}
	// Each bad configuration must fail somewhere (NewDatabase, Open or the
	// query) with the given status; what it says is recorded and searched.
	// kfake drops the connection on a failed SASL handshake instead of
	// answering with SASL_AUTHENTICATION_FAILED, so a wrong broker password
	// is IO here; against the real broker it is Unauthenticated
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
			o[options.URI] = "kafka://" + url.UserPassword(leakBrokerUser, "wrong-"+leakBrokerPass).String() + "@" + w.brokers
		}, adbc.StatusIO},
		{"wrong broker password in the uri query", func(o map[string]string) {
			delete(o, options.Username)
			delete(o, options.Password)
			o[options.URI] = "kafka://" + w.brokers + "?" + url.Values{"username": {leakBrokerUser}, "password": {"wrong-" + leakBrokerPass}}.Encode()
		}, adbc.StatusIO},
		{"uri with an unencoded password", func(o map[string]string) {
			o[options.URI] = "kafka://" + leakBrokerUser + ":" + leakHalf + "/" + leakBrokerPass + "@" + w.brokers
		}, adbc.StatusInvalidArgument},
		{"uri with an unencoded password and a query", func(o map[string]string) {
			o[options.URI] = "kafka://" + leakBrokerUser + ":" + leakHalf + "#" + leakBrokerPass + "@" + w.brokers + "?read.timeout_ms=x"
		}, adbc.StatusInvalidArgument},
		{"bootstrap servers with user info", func(o map[string]string) {
			o[options.URI] = "kafka://" + w.brokers + "?" + url.Values{"bootstrap_servers": {brokerUserinfo + "@" + w.brokers}}.Encode()
		}, adbc.StatusInvalidArgument},
		{"wrong registry password", func(o map[string]string) { o["kafarr.schema_registry.password"] = "wrong-" + leakRegistryPass }, adbc.StatusUnauthorized},
		{"wrong registry password in the url", func(o map[string]string) {
			noRegistryAuth(o)
			o["kafarr.schema_registry.url"] = withUser(t, w.basicURL, leakRegistryUser, "wrong-"+leakRegistryPass)
		}, adbc.StatusUnauthorized},
		{"wrong registry password in the url in the uri query", func(o map[string]string) {
			noRegistryAuth(o)
			delete(o, "kafarr.schema_registry.url")
			o[options.URI] = "kafka://" + w.brokers + "?" + url.Values{
				"schema_registry.url": {withUser(t, w.basicURL, leakRegistryUser, "wrong-"+leakRegistryPass)},
			}.Encode()
		}, adbc.StatusUnauthorized},
		{"registry url double-encoded in the uri query", func(o map[string]string) {
			noRegistryAuth(o)
			delete(o, "kafarr.schema_registry.url")
			o[options.URI] = "kafka://" + w.brokers + "?" + url.Values{"schema_registry.url": {url.QueryEscape(regURLWithUser)}}.Encode()
		}, adbc.StatusInvalidArgument},
		{"registry url with user info and no scheme", func(o map[string]string) {
			noRegistryAuth(o)
			o["kafarr.schema_registry.url"] = strings.TrimPrefix(regURLWithUser, "https://")
		}, adbc.StatusInvalidArgument},
		{"registry url with user info and a bad scheme", func(o map[string]string) {
			noRegistryAuth(o)
			o["kafarr.schema_registry.url"] = "ftp" + strings.TrimPrefix(regURLWithUser, "https")
		}, adbc.StatusInvalidArgument},
		{"registry url with user info and a bad port", func(o map[string]string) {
			noRegistryAuth(o)
			o["kafarr.schema_registry.url"] = regURLWithUser + "x:y"
		}, adbc.StatusInvalidArgument},
		{"registry url list with user info", func(o map[string]string) {
			noRegistryAuth(o)
			o["kafarr.schema_registry.url"] = "http://" + closedAddr(t) + "," + regURLWithUser
		}, adbc.StatusInvalidArgument},
		{"no registry credentials", noRegistryAuth, adbc.StatusUnauthenticated},
		{"wrong bearer token", func(o map[string]string) {
			noRegistryAuth(o)
			delete(o, "kafarr.schema_registry.ca_file")
			o["kafarr.schema_registry.url"] = w.bearerURL
			o["kafarr.schema_registry.bearer_token"] = "wrong-" + leakToken
		}, adbc.StatusUnauthorized},
		{"registry unreachable", func(o map[string]string) {
			noRegistryAuth(o)
			delete(o, "kafarr.schema_registry.ca_file")
			o["kafarr.schema_registry.url"] = "http://" + closedAddr(t)
			o["kafarr.schema_registry.bearer_token"] = leakToken
		}, adbc.StatusIO},
		{"registry unreachable with user info", func(o map[string]string) {
			noRegistryAuth(o)
			delete(o, "kafarr.schema_registry.ca_file")
			o["kafarr.schema_registry.url"] = "http://" + url.UserPassword(leakRegistryUser, leakRegistryPass).String() + "@" + closedAddr(t)
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
			db, cn := leakOpen(ctx, l, c.name, mem, o)
			if cn != nil {
				n := leakQuery(ctx, l, c.name, cn, `SELECT id, name FROM "leak_topic"`)
				cn.Close()
				db.Close()
				if n >= 0 {
					t.Fatalf("%s: the query read %d rows instead of failing", c.name, n)
				}
			}
			codes := l.codes[beforeCodes:]
			if len(codes) == 0 || codes[0] != c.code {
				var said []string
				for _, s := range l.seen[before:] {
					if !strings.Contains(s, "GetOption") {
						said = append(said, s)
					}
				}
				t.Errorf("%s: statuses %v, want the first to be %v; said: %q", c.name, codes, c.code, said)
			}
		})
	}
	l.check(t)
	if !strings.Contains(l.sink.String(), `msg="opening connection"`) {
		t.Errorf("nothing was logged at debug level")
	}
	t.Logf("searched %d strings and %d bytes of log for %d secrets", len(l.seen), len(l.sink.String()), len(leakSecrets))
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
