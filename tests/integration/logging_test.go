package integration

// Logs never carry secrets: with broker SASL credentials, registry basic
// auth (in options and in the registry URL's user info) or a bearer token
// set, a connection, an ingest and a query log at debug level through
// driver.WithLogger, and the log is searched for every secret in every
// encoding. Against in-process kfake and srfake (runs everywhere) and
// against the real stack's SASL listener (skipped without the stack).

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/testenv"
	"github.com/kafarr/kafarr/options"
)

// logSink is a goroutine-safe buffer for a debug logger.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// loggedRun opens a connection with opts through a driver logging into
// sink at debug level, ingests the three-row frame into topic, reads it
// back, drops the topic and closes everything.
func loggedRun(t *testing.T, sink *logSink, opts map[string]string, topic string) {
	t.Helper()
	ctx := testContext(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	logger := slog.New(slog.NewTextHandler(sink, &slog.HandlerOptions{Level: slog.LevelDebug}))
	db, err := driver.NewDriver(mem, driver.WithLogger(logger)).NewDatabase(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cn, err := db.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cn.Close()
	rec := secFrame(mem)
	ingRun(t, cn, topic, rec, map[string]string{})
	rec.Release()
	defer ingestDropTopic(t, cn, topic)
	var l leakLog
	if n := leakQuery(ctx, &l, "logged", cn, fmt.Sprintf(`SELECT id, name, _offset FROM %q`, topic)); n != 3 {
		t.Fatalf("read %d rows, want 3: %q", n, l.seen)
	}
}

// checkLogs fails unless the log shows a connection, an ingest's registry
// requests and a read's fetch rounds, and holds none of secrets in plain,
// query- or path-escaped form.
func checkLogs(t *testing.T, logs string, secrets []string) {
	t.Helper()
	if logs == "" {
		t.Fatal("nothing was logged")
	}
	for _, want := range []string{
		`msg="opening connection"`, `msg="connected to Kafka"`, "component=franz-go",
		`msg="schema registry request"`, `msg="read started"`, `msg="fetch round"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %q", want)
		}
	}
	if !strings.Contains(logs, "options.password=***") {
		t.Errorf("the log does not show the password option masked")
	}
	for _, secret := range secrets {
		for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
			if strings.Contains(logs, form) {
				t.Errorf("secret %q is in the log", secret)
			}
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", logs)
	}
	t.Logf("searched %d lines of log for %d secrets", strings.Count(logs, "\n"), len(secrets))
}

func TestLogsNeverLeakSecrets(t *testing.T) {
	w := newLeakWorld(t)
	const urlPass = "UrlPassSentinel-6620"
	secrets := append([]string{urlPass, leakRegistryUser + ":" + urlPass}, leakSecrets...)

	t.Run("basic auth", func(t *testing.T) {
		// The registry URL carries a password too; the options win.
		u, err := url.Parse(w.basicURL)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(leakRegistryUser, urlPass)
		var sink logSink
		loggedRun(t, &sink, map[string]string{
			options.URI: "kafka://" + w.brokers, options.Username: leakBrokerUser, options.Password: leakBrokerPass,
			"kafarr.sasl.mechanism": "PLAIN", options.LogLevel: "debug",
			"kafarr.schema_registry.url": u.String(), "kafarr.schema_registry.username": leakRegistryUser,
			"kafarr.schema_registry.password": leakRegistryPass, "kafarr.schema_registry.ca_file": w.caFile,
		}, "log_leak_basic")
		checkLogs(t, sink.String(), secrets)
		if !strings.Contains(sink.String(), "options.kafarr.schema_registry.password=***") {
			t.Errorf("the log does not show the registry password option masked")
		}
	})

	t.Run("bearer and uri", func(t *testing.T) {
		var sink logSink
		uri := fmt.Sprintf("kafka://%s:%s@%s?log.level=debug&schema_registry.bearer_token=%s", leakBrokerUser, url.PathEscape(leakBrokerPass), w.brokers, url.QueryEscape(leakToken))
		loggedRun(t, &sink, map[string]string{options.URI: uri, "kafarr.schema_registry.url": w.bearerURL}, "log_leak_bearer")
		checkLogs(t, sink.String(), secrets)
		if !strings.Contains(sink.String(), "options.kafarr.schema_registry.bearer_token=***") {
			t.Errorf("the log does not show the bearer token option masked")
		}
	})
}

func TestLogsNeverLeakSecretsRealStack(t *testing.T) {
	registry := testenv.Registry(t)
	brokers := secEnv(t, "KAFARR_TEST_SASL_BROKERS")
	opts := secSASL("SCRAM-SHA-256", "SCRAM256")(t)
	saslUser, saslPass := opts["username"], opts["password"]
	const regUser, regPass, urlPass = "kafarr-log-user", "RegistryPassSentinel-3307", "UrlPassSentinel-8814"
	u, err := url.Parse(registry)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(regUser, urlPass)
	opts[options.URI] = "kafka://" + brokers
	opts[options.LogLevel] = "debug"
	opts["kafarr.read.timeout_ms"] = "20000"
	opts["kafarr.schema_registry.url"] = u.String()
	opts["kafarr.schema_registry.username"] = regUser
	opts["kafarr.schema_registry.password"] = regPass
	var sink logSink
	loggedRun(t, &sink, opts, testenv.Topic(t))
	checkLogs(t, sink.String(), []string{
		saslPass, regPass, urlPass, regUser + ":" + urlPass,
		base64.StdEncoding.EncodeToString([]byte(regUser + ":" + regPass)),
		base64.StdEncoding.EncodeToString([]byte(saslUser + ":" + saslPass)),
	})
	if !strings.Contains(sink.String(), "sasl=SCRAM-SHA-256") {
		t.Errorf("the log does not name the SASL mechanism")
	}
}
