package kafkaio

import (
	"bytes"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

// logBuffer is a goroutine-safe log sink.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLogger(w *logBuffer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// TestClientLoggerAndFetchLogs checks that a Config's logger reaches the
// client (franz-go's logs) and its Readers (fetch rounds), and that a
// client without one has none.
func TestClientLoggerAndFetchLogs(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(2, "logged"))
	var out logBuffer
	logger := newLogger(&out, slog.LevelDebug)
	cl, err := NewClient(Config{Brokers: c.ListenAddrs(), Logger: logger}, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if got := ClientLogger(cl); got != logger {
		t.Fatalf("ClientLogger = %p, want the Config's %p", got, logger)
	}
	plain := newTestClient(t, c)
	if got := ClientLogger(plain); got != nil {
		t.Fatalf("ClientLogger of a client without a logger = %p, want nil", got)
	}

	produceValues(t, cl, "logged", 0, 0, 20)
	produceValues(t, cl, "logged", 1, 0, 5)
	snap, err := NewAdmin(cl).Snapshot(testCtx(t), "logged", SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewPartitionReader(cl, "logged", snap.Ranges, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readAll(t, r)
	r.Close()
	if err != nil || len(recs) != 25 {
		t.Fatalf("read %d records, err %v; want 25", len(recs), err)
	}
	logs := out.String()
	for _, want := range []string{
		"component=franz-go",
		`msg="read started" topic=logged partitions=2`,
		`msg="fetch round" topic=logged`,
		"offsets=",
		"bytes=",
		`msg="read fetches ended" topic=logged records=25`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}

	// Above debug, the read logs nothing of its own.
	var quiet logBuffer
	cl2, err := NewClient(Config{Brokers: c.ListenAddrs(), Logger: newLogger(&quiet, slog.LevelInfo)})
	if err != nil {
		t.Fatal(err)
	}
	defer cl2.Close()
	r2, err := NewPartitionReader(cl2, "logged", snap.Ranges, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if recs, err := readAll(t, r2); err != nil || len(recs) != 25 {
		t.Fatalf("read %d records, err %v; want 25", len(recs), err)
	}
	r2.Close()
	if q := quiet.String(); strings.Contains(q, "fetch round") || strings.Contains(q, "level=DEBUG") {
		t.Errorf("an info logger got debug lines:\n%s", q)
	}
}

// TestFetchRetryLogs checks that a fetch error that makes the read refresh
// its leaders and retry is logged.
func TestFetchRetryLogs(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "flaky"))
	var out logBuffer
	cl, err := NewClient(Config{Brokers: c.ListenAddrs(), Logger: newLogger(&out, slog.LevelDebug)}, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	produceValues(t, cl, "flaky", 0, 0, 3)
	var failed atomic.Bool
	c.ControlKey(int16(kmsg.Fetch), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		if !failed.CompareAndSwap(false, true) {
			return nil, nil, false
		}
		req := kreq.(*kmsg.FetchRequest)
		resp := req.ResponseKind().(*kmsg.FetchResponse)
		for _, rt := range req.Topics {
			st := kmsg.NewFetchResponseTopic()
			st.Topic, st.TopicID = rt.Topic, rt.TopicID
			for _, rp := range rt.Partitions {
				sp := kmsg.NewFetchResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = kerr.NotLeaderForPartition.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	r, err := NewPartitionReader(cl, "flaky", []PartitionRange{{0, 0, 3}}, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readAll(t, r)
	r.Close()
	if err != nil || len(recs) != 3 {
		t.Fatalf("read %d records, err %v; want 3", len(recs), err)
	}
	if logs := out.String(); !strings.Contains(logs, `msg="fetch partition error; refreshing leaders and retrying" topic=flaky partition=0`) {
		t.Errorf("the retry is not logged:\n%s", logs)
	}
}

// TestRegistryLogs checks the registry's request logs: method, URL without
// user info, status code, and never a credential.
func TestRegistryLogs(t *testing.T) {
	const user, pass, urlPass = "log-user", "log-registry-s3cret", "url-pw-s3cret"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	tr := newTestRegistry(t, srfake.WithAuth(basic))
	host := strings.TrimPrefix(tr.server.URL, "http://")
	var out logBuffer
	reg := newReg(t, RegistryConfig{URL: "http://" + user + ":" + urlPass + "@" + host, Username: user, Password: pass, Logger: newLogger(&out, slog.LevelDebug)})
	ctx := testCtx(t)
	id, err := reg.Register(ctx, "logged-value", schemaV1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.SchemaByID(ctx, id+100); err == nil {
		t.Fatal("a missing id was found")
	}
	logs := out.String()
	for _, want := range []string{
		`msg="schema registry request" method=POST url=` + tr.server.URL + "/subjects/logged-value/versions",
		"status=200",
		"url=" + tr.server.URL + "/schemas/ids/",
		"status=404",
		`msg="schema registry call failed"`,
		"http_status=404",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	for _, secret := range []string{pass, urlPass, strings.TrimPrefix(basic, "Basic "), user + ":"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs show %q:\n%s", secret, logs)
		}
	}

	// An unreachable registry: the transport error, without the URL's
	// user info.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadHost := strings.TrimPrefix(dead.URL, "http://")
	dead.Close()
	var out2 logBuffer
	reg2 := newReg(t, RegistryConfig{URL: "http://" + user + ":" + urlPass + "@" + deadHost, Logger: newLogger(&out2, slog.LevelDebug)})
	if _, err := reg2.SchemaByID(ctx, 1); err == nil {
		t.Fatal("an unreachable registry answered")
	}
	logs2 := out2.String()
	if !strings.Contains(logs2, "url="+dead.URL+"/schemas/ids/1") || !strings.Contains(logs2, "err=") {
		t.Errorf("the failed request is not logged:\n%s", logs2)
	}
	if strings.Contains(logs2, urlPass) || strings.Contains(logs2, user+":") {
		t.Errorf("logs show the URL's user info:\n%s", logs2)
	}

	// No logger: nothing to log into, and no logging transport.
	if r := newReg(t, RegistryConfig{URL: tr.server.URL}); r.log != nil {
		t.Fatal("a registry without a logger has one")
	}
}
