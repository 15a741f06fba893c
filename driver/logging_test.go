package driver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/internal/devstack"
	"github.com/kafarr/kafarr/internal/testenv"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// captureStderr points kafarr.log.level's output at a buffer for the test.
func captureStderr(t *testing.T) *syncBuffer {
	t.Helper()
	var b syncBuffer
	old := logOutput
	logOutput = &b
	t.Cleanup(func() { logOutput = old })
	return &b
}

func TestParseLogLevel(t *testing.T) {
	for v, want := range map[string]slog.Level{"error": slog.LevelError, "warn": slog.LevelWarn, "info": slog.LevelInfo, "debug": slog.LevelDebug} {
		if got, ok := parseLogLevel(v); !ok || got != want {
			t.Errorf("parseLogLevel(%q) = %v, %v; want %v, true", v, got, ok, want)
		}
	}
	for _, v := range []string{"off", "", "DEBUG", "trace"} {
		if _, ok := parseLogLevel(v); ok {
			t.Errorf("parseLogLevel(%q) is a level; want none", v)
		}
	}
}

func TestLogLevelOption(t *testing.T) {
	drv := NewDriver(memory.DefaultAllocator)
	db, err := drv.NewDatabase(map[string]string{"uri": "kafka://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := db.(adbc.GetSetOptions).GetOption(options.LogLevel); err != nil || v != "off" {
		t.Fatalf("default %s = %q, %v; want off", options.LogLevel, v, err)
	}
	for _, v := range []string{"off", "error", "warn", "info", "debug"} {
		if err := db.SetOptions(map[string]string{options.LogLevel: v}); err != nil {
			t.Fatalf("%s=%s: %v", options.LogLevel, v, err)
		}
		if got, _ := db.(adbc.GetSetOptions).GetOption(options.LogLevel); got != v {
			t.Fatalf("GetOption(%s) = %q after setting %q", options.LogLevel, got, v)
		}
	}
	// In the URI's query string too.
	if db2, err := drv.NewDatabase(map[string]string{"uri": "kafka://127.0.0.1:1?log.level=info"}); err != nil {
		t.Fatal(err)
	} else if got, _ := db2.(adbc.GetSetOptions).GetOption(options.LogLevel); got != "info" {
		t.Fatalf("log.level in the URI gave %q, want info", got)
	}
	for _, v := range []string{"DEBUG", "verbose", "", "trace"} {
		_, err := drv.NewDatabase(map[string]string{"uri": "kafka://127.0.0.1:1", options.LogLevel: v})
		var ae adbc.Error
		if !errors.As(err, &ae) || ae.Code != adbc.StatusInvalidArgument || !strings.Contains(ae.Msg, options.LogLevel) || !strings.Contains(ae.Msg, "off, error, warn, info, debug") {
			t.Errorf("%s=%q: got %v; want InvalidArgument naming the key and what it accepts", options.LogLevel, v, err)
		}
	}
}

// workload opens a connection with the driver options drvOpts, the
// database options opts and, unless nil, SetLogger's logger on st; ingests
// a small frame, reads it back and closes everything. It returns the
// connection's logger.
func workload(t *testing.T, st *devstack.Stack, drvOpts []Option, opts map[string]string, setLogger *slog.Logger) *slog.Logger {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	all := map[string]string{"uri": "kafka://" + st.Brokers(), "kafarr.schema_registry.url": st.RegistryURL()}
	for k, v := range opts {
		all[k] = v
	}
	db, err := NewDriver(mem, drvOpts...).NewDatabase(all)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if setLogger != nil {
		db.(adbc.DatabaseLogging).SetLogger(setLogger)
	}
	ctx := context.Background()
	cn, err := db.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cn.Close()
	sess := cn.(*Connection).sess
	prod, err := sess.Producers.Get(kafkaio.ProducerKey{Compression: "none"})
	if err != nil {
		t.Fatal(err)
	}
	sess.Producers.Put(kafkaio.ProducerKey{Compression: "none"}, prod, true)
	if got, pgot := kafkaio.ClientLogger(sess.Client), kafkaio.ClientLogger(prod); got != sess.Logger || pgot != sess.Logger {
		t.Fatalf("the client's logger %p, the producers' %p and the session's %p differ", got, pgot, sess.Logger)
	}

	topic := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewRecordBuilder(mem, sc)
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3}, nil)
	rec := b.NewRecordBatch()
	b.Release()
	stmt, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	if err := stmt.SetOption(adbc.OptionKeyIngestTargetTable, topic); err != nil {
		t.Fatal(err)
	}
	if err := stmt.SetOption(adbc.OptionKeyIngestMode, adbc.OptionValueIngestModeCreateAppend); err != nil {
		t.Fatal(err)
	}
	if err := stmt.Bind(ctx, rec); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	if _, err := stmt.ExecuteUpdate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := stmt.SetSqlQuery(fmt.Sprintf("SELECT id FROM %q", topic)); err != nil {
		t.Fatal(err)
	}
	rdr, _, err := stmt.ExecuteQuery(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for rdr.Next() {
		n += rdr.RecordBatch().NumRows()
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	rdr.Release()
	if n < 3 {
		t.Fatalf("read %d rows, want at least 3", n)
	}
	return sess.Logger
}

func TestLogging(t *testing.T) {
	testenv.CheckLeaks(t)
	st, err := devstack.Start("127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	debugLines := []string{"level=DEBUG", `msg="opening connection"`, `msg="connected to Kafka"`, `msg="fetch round"`, `msg="schema registry request"`, "component=franz-go"}

	t.Run("off by default", func(t *testing.T) {
		stderr := captureStderr(t)
		if l := workload(t, st, nil, nil, nil); l != nil {
			t.Fatal("a connection without logging options has a logger")
		}
		if l := workload(t, st, []Option{WithLogger(nil)}, map[string]string{options.LogLevel: "off"}, nil); l != nil {
			t.Fatal("a connection with kafarr.log.level=off has a logger")
		}
		if s := stderr.String(); s != "" {
			t.Fatalf("logged without being asked to:\n%s", s)
		}
	})

	t.Run("level option", func(t *testing.T) {
		stderr := captureStderr(t)
		workload(t, st, nil, map[string]string{options.LogLevel: "debug"}, nil)
		logs := stderr.String()
		for _, want := range append(debugLines, "driver=kafarr") {
			if !strings.Contains(logs, want) {
				t.Errorf("kafarr.log.level=debug logs lack %q:\n%s", want, logs)
			}
		}
	})

	t.Run("level option masks the uri", func(t *testing.T) {
		// The registry URL rides in the URI's query with a password in
		// its user info: the logged uri and registry URL show it masked.
		const secret = "LogSecret/Sentinel@7713+&="
		reg, err := url.Parse(st.RegistryURL())
		if err != nil {
			t.Fatal(err)
		}
		reg.User = url.UserPassword("loguser", secret)
		uri := "kafka://" + st.Brokers() + "?" + url.Values{"log.level": {"debug"}, "schema_registry.url": {reg.String()}}.Encode()
		stderr := captureStderr(t)
		workload(t, st, nil, map[string]string{"uri": uri, options.SchemaRegistryURL: reg.String()}, nil)
		logs := stderr.String()
		reg.User = url.UserPassword("loguser", options.Mask)
		for _, want := range []string{
			"options.uri=" + strconv.Quote("kafka://"+st.Brokers()+"?log.level=debug&schema_registry.url="+url.QueryEscape(reg.String())),
			"options.kafarr.schema_registry.url=" + reg.String(),
		} {
			if !strings.Contains(logs, want) {
				t.Errorf("the log lacks %q:\n%s", want, logs)
			}
		}
		for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), url.QueryEscape(url.PathEscape(secret)),
			url.QueryEscape(strings.TrimPrefix(url.UserPassword("", secret).String(), ":")), strings.TrimPrefix(url.UserPassword("", secret).String(), ":")} {
			if strings.Contains(logs, form) {
				t.Errorf("the log holds the registry password as %q:\n%s", form, logs)
			}
		}
	})

	t.Run("level option above debug", func(t *testing.T) {
		stderr := captureStderr(t)
		workload(t, st, nil, map[string]string{options.LogLevel: "warn"}, nil)
		if logs := stderr.String(); strings.Contains(logs, "level=DEBUG") || strings.Contains(logs, "level=INFO") {
			t.Errorf("kafarr.log.level=warn logged below warn:\n%s", logs)
		}
	})

	t.Run("WithLogger wins over the option", func(t *testing.T) {
		stderr := captureStderr(t)
		var mine syncBuffer
		l := slog.New(slog.NewTextHandler(&mine, &slog.HandlerOptions{Level: slog.LevelDebug}))
		if got := workload(t, st, []Option{WithLogger(l)}, map[string]string{options.LogLevel: "error"}, nil); got != l {
			t.Fatal("the connection does not log through WithLogger's logger")
		}
		if s := stderr.String(); s != "" {
			t.Errorf("the level option logged to stderr beside WithLogger's logger:\n%s", s)
		}
		for _, want := range debugLines {
			if !strings.Contains(mine.String(), want) {
				t.Errorf("WithLogger's logs lack %q:\n%s", want, mine.String())
			}
		}
	})

	t.Run("SetLogger wins over WithLogger", func(t *testing.T) {
		var drvBuf, dbBuf syncBuffer
		drvLog := slog.New(slog.NewTextHandler(&drvBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		dbLog := slog.New(slog.NewTextHandler(&dbBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		if got := workload(t, st, []Option{WithLogger(drvLog)}, nil, dbLog); got != dbLog {
			t.Fatal("the connection does not log through SetLogger's logger")
		}
		if drvBuf.String() != "" || !strings.Contains(dbBuf.String(), `msg="fetch round"`) {
			t.Errorf("driver logger got %d bytes, database logger:\n%s", len(drvBuf.String()), dbBuf.String())
		}
	})
}
