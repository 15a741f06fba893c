package kafkaio

import (
	"context"
	"encoding/base64"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

const (
	schemaV1 = `{"type":"record","name":"Tick","namespace":"kafarr.test","fields":[{"name":"inst","type":"string"}]}`
	schemaV2 = `{"type":"record","name":"Tick","namespace":"kafarr.test","fields":[{"name":"inst","type":"string"},{"name":"bid","type":"float","default":0}]}`
)

// testRegistry is an srfake registry behind a switchable, counting front:
// it can answer 503 to everything ("down") and counts requests by path.
type testRegistry struct {
	fake   *srfake.Registry
	server *httptest.Server
	down   atomic.Bool
	delay  atomic.Int64 // ns to sleep before answering

	mu   sync.Mutex
	hits map[string]int
}

func newTestRegistry(t *testing.T, opts ...srfake.Option) *testRegistry {
	t.Helper()
	tr := &testRegistry{fake: srfake.New(opts...), hits: map[string]int{}}
	tr.server = httptest.NewServer(http.HandlerFunc(tr.serve))
	t.Cleanup(tr.server.Close)
	return tr
}

func (tr *testRegistry) serve(w http.ResponseWriter, r *http.Request) {
	tr.mu.Lock()
	tr.hits[r.Method+" "+r.URL.Path]++
	tr.mu.Unlock()
	if d := tr.delay.Load(); d > 0 {
		time.Sleep(time.Duration(d))
	}
	if tr.down.Load() {
		http.Error(w, "<html>502 bad gateway</html>", http.StatusBadGateway)
		return
	}
	tr.fake.Handler().ServeHTTP(w, r)
}

func (tr *testRegistry) count(key string) int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.hits[key]
}

func newReg(t *testing.T, cfg RegistryConfig) *Registry {
	t.Helper()
	r, err := NewRegistry(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRegistryLookupsAndCache(t *testing.T) {
	tr := newTestRegistry(t)
	reg := newReg(t, RegistryConfig{URL: tr.server.URL})
	ctx := testCtx(t)

	id1, err := reg.Register(ctx, "ticks-value", schemaV1)
	if err != nil {
		t.Fatal(err)
	}
	again, err := reg.Register(ctx, "ticks-value", schemaV1)
	if err != nil || again != id1 {
		t.Fatalf("re-registering returned %d, %v; want the existing id %d", again, err, id1)
	}

	latest, err := reg.Latest(ctx, "ticks-value")
	if err != nil {
		t.Fatal(err)
	}
	if latest.ID != id1 || latest.Version != 1 || latest.Subject != "ticks-value" || latest.Schema != schemaV1 || latest.Type != "AVRO" {
		t.Fatalf("latest %+v", latest)
	}

	// Latest never goes stale: a new version is seen at once.
	id2, err := reg.Register(ctx, "ticks-value", schemaV2)
	if err != nil || id2 == id1 {
		t.Fatalf("second version id %d, %v", id2, err)
	}
	latest, err = reg.Latest(ctx, "ticks-value")
	if err != nil || latest.ID != id2 || latest.Version != 2 || latest.Schema != schemaV2 {
		t.Fatalf("latest after v2: %+v, %v", latest, err)
	}
	if n := tr.count("GET /subjects/ticks-value/versions/latest"); n != 2 {
		t.Fatalf("latest asked the registry %d times, want 2", n)
	}

	// By version and by id: asked once, then served from the cache.
	for range 3 {
		v1, err := reg.SchemaByVersion(ctx, "ticks-value", 1)
		if err != nil || v1.ID != id1 || v1.Schema != schemaV1 || v1.Version != 1 {
			t.Fatalf("version 1: %+v, %v", v1, err)
		}
	}
	// Version 1 was learned through the first Latest call.
	if n := tr.count("GET /subjects/ticks-value/versions/1"); n != 0 {
		t.Fatalf("version 1 fetched %d times though cached", n)
	}
	for range 3 {
		s, err := reg.SchemaByID(ctx, id1)
		if err != nil || s.Schema != schemaV1 || s.ID != id1 {
			t.Fatalf("id %d: %+v, %v", id1, s, err)
		}
	}
	// id1 was already learned through the version lookup.
	if n := tr.count("GET /schemas/ids/" + itoa(id1)); n != 0 {
		t.Fatalf("id %d fetched %d times though cached", id1, n)
	}

	// An id seen only through framing is fetched once, even when many
	// decoders ask at the same moment.
	id3, err := reg.Register(ctx, "other-value", `{"type":"string"}`)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if s, err := reg.SchemaByVersion(ctx, "other-value", 1); err != nil || s.ID != id3 {
			t.Fatalf("other-value version 1: %+v, %v", s, err)
		}
	}
	if n := tr.count("GET /subjects/other-value/versions/1"); n != 1 {
		t.Fatalf("other-value version 1 fetched %d times, want 1", n)
	}
	reg = newReg(t, RegistryConfig{URL: tr.server.URL}) // a cold cache
	tr.delay.Store(int64(50 * time.Millisecond))
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s, err := reg.SchemaByID(ctx, id3); err != nil || s.Schema != `{"type":"string"}` {
				t.Errorf("concurrent lookup: %+v, %v", s, err)
			}
		}()
	}
	wg.Wait()
	tr.delay.Store(0)
	if n := tr.count("GET /schemas/ids/" + itoa(id3)); n != 1 {
		t.Fatalf("20 concurrent lookups made %d requests", n)
	}

	subjects, err := reg.Subjects(ctx)
	if err != nil || strings.Join(subjects, ",") != "other-value,ticks-value" {
		t.Fatalf("subjects %v, %v", subjects, err)
	}

	// The registry goes down: cached ids and versions still answer;
	// anything else is an IO error naming the registry.
	if _, err := reg.SchemaByID(ctx, id2); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.SchemaByVersion(ctx, "ticks-value", 2); err != nil {
		t.Fatal(err)
	}
	tr.down.Store(true)
	if s, err := reg.SchemaByID(ctx, id2); err != nil || s.Schema != schemaV2 {
		t.Fatalf("cached id while down: %+v, %v", s, err)
	}
	if s, err := reg.SchemaByVersion(ctx, "ticks-value", 2); err != nil || s.ID != id2 {
		t.Fatalf("cached version while down: %+v, %v", s, err)
	}
	_, err = reg.SchemaByID(ctx, 4242)
	requireStatus(t, err, adbc.StatusIO, "schema id 4242", tr.server.URL, "HTTP 502")
	_, err = reg.Latest(ctx, "ticks-value")
	requireStatus(t, err, adbc.StatusIO, `subject "ticks-value"`, tr.server.URL)
	tr.down.Store(false)

	// A failed lookup is not cached.
	if _, err := reg.Latest(ctx, "ticks-value"); err != nil {
		t.Fatalf("latest after the registry came back: %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func srSchema(text string) sr.Schema { return sr.Schema{Schema: text} }

func TestRegistryLatestTTL(t *testing.T) {
	tr := newTestRegistry(t)
	reg := newReg(t, RegistryConfig{URL: tr.server.URL, LatestTTL: time.Hour})
	ctx := testCtx(t)
	if _, _, err := tr.fake.RegisterSchema("s", srSchema(schemaV1)); err != nil {
		t.Fatal(err)
	}
	first, err := reg.Latest(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	// Registered behind the client's back: within the TTL the cached
	// answer is reused, as documented.
	if _, _, err := tr.fake.RegisterSchema("s", srSchema(schemaV2)); err != nil {
		t.Fatal(err)
	}
	again, err := reg.Latest(ctx, "s")
	if err != nil || again.Version != first.Version {
		t.Fatalf("within TTL: %+v, %v", again, err)
	}
	if n := tr.count("GET /subjects/s/versions/latest"); n != 1 {
		t.Fatalf("latest fetched %d times within TTL", n)
	}
	// Registering through the client drops its cached latest.
	if _, err := reg.Register(ctx, "s", schemaV2); err != nil {
		t.Fatal(err)
	}
	fresh, err := reg.Latest(ctx, "s")
	if err != nil || fresh.Version != 2 {
		t.Fatalf("after Register: %+v, %v", fresh, err)
	}
}

func TestRegistryNotFound(t *testing.T) {
	tr := newTestRegistry(t)
	reg := newReg(t, RegistryConfig{URL: tr.server.URL})
	ctx := testCtx(t)
	if _, err := reg.Register(ctx, "s-value", schemaV1); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
		code adbc.Status
		want []string
	}{
		{"unknown id", func() error { _, err := reg.SchemaByID(ctx, 999); return err }, adbc.StatusNotFound, []string{"schema id 999 not found"}},
		{"unknown subject", func() error { _, err := reg.Latest(ctx, "nope-value"); return err }, adbc.StatusNotFound, []string{`subject "nope-value" not found`}},
		{"unknown version", func() error { _, err := reg.SchemaByVersion(ctx, "s-value", 7); return err }, adbc.StatusNotFound, []string{`version 7 of subject "s-value" not found`}},
		{"version zero", func() error { _, err := reg.SchemaByVersion(ctx, "s-value", 0); return err }, adbc.StatusInvalidArgument, []string{"version 0"}},
		{"invalid schema", func() error { _, err := reg.Register(ctx, "bad-value", `{"type":`); return err }, adbc.StatusInvalidArgument, []string{`subject "bad-value"`}},
		{"delete unknown subject", func() error { _, err := reg.DeleteSubject(ctx, "nope-value", false); return err }, adbc.StatusNotFound, []string{`subject "nope-value" not found`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireStatus(t, tt.call(), tt.code, tt.want...)
		})
	}
}

func TestRegistryDeleteSubject(t *testing.T) {
	tr := newTestRegistry(t)
	reg := newReg(t, RegistryConfig{URL: tr.server.URL})
	ctx := testCtx(t)
	id1, err := reg.Register(ctx, "d-value", schemaV1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Register(ctx, "d-value", schemaV2); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.SchemaByVersion(ctx, "d-value", 1); err != nil {
		t.Fatal(err)
	}
	versions, err := reg.DeleteSubject(ctx, "d-value", true)
	if err != nil || len(versions) != 2 || versions[0] != 1 || versions[1] != 2 {
		t.Fatalf("DeleteSubject = %v, %v", versions, err)
	}
	// Cached versions of the subject are gone with it.
	_, err = reg.SchemaByVersion(ctx, "d-value", 1)
	requireStatus(t, err, adbc.StatusNotFound, `"d-value"`)
	_, err = reg.Latest(ctx, "d-value")
	requireStatus(t, err, adbc.StatusNotFound, `"d-value"`)
	// Ids are never reassigned and stay readable from the cache.
	if s, err := reg.SchemaByID(ctx, id1); err != nil || s.Schema != schemaV1 {
		t.Fatalf("cached id after delete: %+v, %v", s, err)
	}
	// Re-registering starts the subject afresh.
	if _, err := reg.Register(ctx, "d-value", schemaV2); err != nil {
		t.Fatal(err)
	}
	if s, err := reg.Latest(ctx, "d-value"); err != nil || s.Schema != schemaV2 {
		t.Fatalf("latest after re-register: %+v, %v", s, err)
	}
}

func TestRegistryAuth(t *testing.T) {
	const user, pass, token = "bob", "registry-s3cret", "tok-abcdef123"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	ctx := testCtx(t)

	t.Run("basic", func(t *testing.T) {
		tr := newTestRegistry(t, srfake.WithAuth(basic))
		host := strings.TrimPrefix(tr.server.URL, "http://")
		// srfake answers a wrong credential 403 (Confluent: 401) and a
		// missing one 401; see TestRegistryStatusMapping for the rest.
		tests := []struct {
			name string
			cfg  RegistryConfig
			code adbc.Status // OK: succeeds
			want string
		}{
			{"fields", RegistryConfig{URL: tr.server.URL, Username: user, Password: pass}, adbc.StatusOK, ""},
			{"url user info", RegistryConfig{URL: "http://" + user + ":" + pass + "@" + host}, adbc.StatusOK, ""},
			{"fields win over url", RegistryConfig{URL: "http://x:y@" + host, Username: user, Password: pass}, adbc.StatusOK, ""},
			{"wrong password", RegistryConfig{URL: tr.server.URL, Username: user, Password: "not-" + pass}, adbc.StatusUnauthorized, "refused access"},
			{"none", RegistryConfig{URL: tr.server.URL}, adbc.StatusUnauthenticated, "rejected the credentials"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				reg := newReg(t, tt.cfg)
				if strings.Contains(reg.URL(), pass) || strings.Contains(reg.URL(), "@") {
					t.Fatalf("URL() shows credentials: %s", reg.URL())
				}
				_, err := reg.Subjects(ctx)
				if tt.code == adbc.StatusOK {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				requireStatus(t, err, tt.code, tt.want, tr.server.URL)
				if strings.Contains(err.Error(), pass) {
					t.Fatalf("error leaks the password: %v", err)
				}
			})
		}
	})

	t.Run("bearer", func(t *testing.T) {
		tr := newTestRegistry(t, srfake.WithAuth("Bearer "+token))
		if _, err := newReg(t, RegistryConfig{URL: tr.server.URL, BearerToken: token}).Subjects(ctx); err != nil {
			t.Fatal(err)
		}
		_, err := newReg(t, RegistryConfig{URL: tr.server.URL, BearerToken: "x" + token}).Subjects(ctx)
		requireStatus(t, err, adbc.StatusUnauthorized)
		if strings.Contains(err.Error(), token) {
			t.Fatalf("error leaks the token: %v", err)
		}
	})
}

func TestRegistryConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  RegistryConfig
		want string
	}{
		{"no url", RegistryConfig{}, "no schema registry URL"},
		{"bad scheme", RegistryConfig{URL: "ftp://h:1"}, "invalid schema registry URL"},
		{"bad url hides password", RegistryConfig{URL: "ftp://u:hunter22@h:1"}, "invalid schema registry URL"},
		{"basic and bearer", RegistryConfig{URL: "h:1", Username: "u", Password: "p", BearerToken: "t"}, "not both"},
		{"password without user", RegistryConfig{URL: "h:1", Password: "p"}, "needs a username"},
		{"negative timeout", RegistryConfig{URL: "h:1", Timeout: -1}, "timeout"},
		{"missing ca", RegistryConfig{URL: "https://h:1", TLS: TLSConfig{CAFile: "/nonexistent.pem"}}, "/nonexistent.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRegistry(tt.cfg)
			requireStatus(t, err, adbc.StatusInvalidArgument, tt.want)
			if strings.Contains(err.Error(), "hunter22") {
				t.Fatalf("error leaks the password: %v", err)
			}
		})
	}
	// Several URLs; a bare host:port means http.
	reg := newReg(t, RegistryConfig{URL: "h1:8081, https://h2:8082"})
	if got := reg.URL(); got != "http://h1:8081,https://h2:8082" {
		t.Fatalf("URL() = %s", got)
	}
}

func TestRegistryUnreachableAndTimeout(t *testing.T) {
	ctx := testCtx(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	reg := newReg(t, RegistryConfig{URL: "http://user:pw-secret-1@" + strings.TrimPrefix(deadURL, "http://")})
	_, err := reg.SchemaByID(ctx, 1)
	requireStatus(t, err, adbc.StatusIO, "unreachable", deadURL, "schema id 1")
	if strings.Contains(err.Error(), "pw-secret-1") || strings.Contains(err.Error(), "user:") {
		t.Fatalf("error leaks credentials: %v", err)
	}

	tr := newTestRegistry(t)
	tr.delay.Store(int64(time.Second))
	slow := newReg(t, RegistryConfig{URL: tr.server.URL, Timeout: 100 * time.Millisecond})
	_, err = slow.Latest(ctx, "s")
	requireStatus(t, err, adbc.StatusTimeout, tr.server.URL, "did not answer in time")

	fast := newReg(t, RegistryConfig{URL: tr.server.URL})
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = fast.SchemaByID(cctx, 3)
	requireStatus(t, err, adbc.StatusTimeout, "schema id 3")
}

func TestRegistryTLS(t *testing.T) {
	pki := newTestPKI(t)
	fake := srfake.New()
	srv := httptest.NewUnstartedServer(fake.Handler())
	srv.TLS = pki.serverConfig()
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // expected handshake failures
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ctx := testCtx(t)

	tests := []struct {
		name string
		tls  TLSConfig
		ok   bool
	}{
		{"trusted CA", TLSConfig{CAFile: pki.caFile}, true},
		{"insecure", TLSConfig{InsecureSkipVerify: true}, true},
		{"system roots", TLSConfig{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newReg(t, RegistryConfig{URL: srv.URL, TLS: tt.tls})
			_, err := reg.Subjects(ctx)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			requireStatus(t, err, adbc.StatusIO, srv.URL, "certificate")
		})
	}
}

func TestRegistryStatusMapping(t *testing.T) {
	tests := []struct {
		status int
		body   string
		code   adbc.Status
		want   string
	}{
		{401, `{"error_code":40101,"message":"Unauthorized"}`, adbc.StatusUnauthenticated, "rejected the credentials (HTTP 401: Unauthorized)"},
		{403, `{"error_code":40301,"message":"Forbidden"}`, adbc.StatusUnauthorized, "refused access (HTTP 403: Forbidden)"},
		{409, `{"error_code":409,"message":"incompatible"}`, adbc.StatusInvalidArgument, "HTTP 409: incompatible"},
		{422, `{"error_code":42201,"message":"Invalid schema"}`, adbc.StatusInvalidArgument, "HTTP 422: Invalid schema"},
		{500, `{"error_code":50001,"message":"store error"}`, adbc.StatusIO, "failed: HTTP 500: store error"},
		{503, `<html>unavailable</html>`, adbc.StatusIO, "HTTP 503: <html>unavailable</html>"},
		{404, `{"error_code":40401,"message":"Subject not found"}`, adbc.StatusNotFound, `subject "s" not found`},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			_, err := newReg(t, RegistryConfig{URL: srv.URL}).Latest(testCtx(t), "s")
			requireStatus(t, err, tt.code, tt.want, `"s"`)
		})
	}
}
