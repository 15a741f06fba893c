package integration

// Faults of a real broker: stopped in the middle of a read, and stopped and
// restarted (keeping its data) in the middle of an ingest. Each test starts
// a private broker with tests/stack/kafka.sh (its own stack dir and free
// ports), so stopping it disturbs no other test, and always stops it when
// done. The registry is the shared one of the real stack. The restarted
// broker has the secured listeners too, so that the same restart checks
// that kept data keeps its SASL passwords (tests/stack/secure.sh).

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/testenv"
)

// privateBroker is a single-node broker of one test, run by kafka.sh.
type privateBroker struct {
	addr     string   // bootstrap host:port (PLAINTEXT)
	env      []string // kafka.sh's environment
	stackDir string   // KAFARR_STACK_DIR
	start    time.Duration
}

// freePort returns a loopback port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// freePorts returns n distinct loopback ports nothing listens on now.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	seen := map[int]bool{}
	var ports []int
	for len(ports) < n {
		if p := freePort(t); !seen[p] {
			seen[p] = true
			ports = append(ports, p)
		}
	}
	return ports
}

// startPrivateBroker starts a broker on free ports with its data under
// t.TempDir, without the secured listeners, and stops it when the test
// ends. extraConfig lines are appended to its server.properties. Restarts
// (run) keep its data: KAFARR_KAFKA_KEEP_DATA=1.
func startPrivateBroker(t *testing.T, extraConfig ...string) *privateBroker {
	t.Helper()
	return startPrivateBrokerSecure(t, false, extraConfig...)
}

// startPrivateBrokerSecure is startPrivateBroker, with the secured
// listeners of tests/stack/secure.sh (TLS, mutual TLS, SASL_SSL) on free
// ports too when secure is set; secureEnv reads their addresses and
// credentials.
//
// A port free when chosen can be taken before the broker binds it (any
// client's connection may get it as its local port), so a start that
// failed to bind is retried on other ports, up to three times.
func startPrivateBrokerSecure(t *testing.T, secure bool, extraConfig ...string) *privateBroker {
	t.Helper()
	for attempt := 1; ; attempt++ {
		b, out, err := tryPrivateBroker(t, secure, extraConfig)
		if err == nil {
			t.Logf("private broker %s started in %v (secured listeners: %v)", b.addr, b.start, secure)
			return b
		}
		if attempt == 3 || !b.bindFailed() {
			t.Fatalf("starting a private broker: %v\n%s", err, out)
		}
		t.Logf("private broker: a port was taken before the broker bound it; retrying on others\n%s", out)
	}
}

// tryPrivateBroker makes one start of startPrivateBrokerSecure, in a stack
// dir of its own, and returns kafka.sh's output when it fails.
func tryPrivateBroker(t *testing.T, secure bool, extraConfig []string) (*privateBroker, string, error) {
	t.Helper()
	dir := t.TempDir()
	ports := freePorts(t, 5)
	b := &privateBroker{addr: fmt.Sprintf("127.0.0.1:%d", ports[0]), stackDir: filepath.Join(dir, "stack")}
	b.env = append(os.Environ(),
		"KAFARR_STACK_DIR="+b.stackDir,
		fmt.Sprintf("KAFARR_KAFKA_PORT=%d", ports[0]),
		fmt.Sprintf("KAFARR_KAFKA_CONTROLLER_PORT=%d", ports[1]),
		"KAFARR_KAFKA_SECURE=0",
		"KAFARR_KAFKA_KEEP_DATA=1",
	)
	if secure {
		b.env = append(b.env, "KAFARR_KAFKA_SECURE=1",
			fmt.Sprintf("KAFARR_KAFKA_TLS_PORT=%d", ports[2]),
			fmt.Sprintf("KAFARR_KAFKA_MTLS_PORT=%d", ports[3]),
			fmt.Sprintf("KAFARR_KAFKA_SASL_PORT=%d", ports[4]))
	}
	if len(extraConfig) > 0 {
		extra := filepath.Join(dir, "extra.properties")
		if err := os.WriteFile(extra, []byte(strings.Join(extraConfig, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		b.env = append(b.env, "KAFARR_KAFKA_EXTRA_CONFIG="+extra)
	}
	// Registered after t.TempDir, so it runs before the dir is removed.
	t.Cleanup(func() {
		if out, err := b.run("stop"); err != nil {
			t.Errorf("stopping the private broker: %v\n%s", err, out)
		}
	})
	start := time.Now()
	if out, err := b.run("start"); err != nil {
		return b, out, err
	}
	b.start = time.Since(start)
	return b, "", nil
}

// bindFailed reports whether the broker's log says a listener could not
// bind its port.
func (b *privateBroker) bindFailed() bool {
	raw, err := os.ReadFile(filepath.Join(b.stackDir, "kafka", "logs", "server.log"))
	return err == nil && strings.Contains(string(raw), "Address already in use")
}

// secureEnv returns the variables kafka.sh wrote for the secured
// listeners of its latest start (the KAFARR_TEST_* of tests/stack/README.md).
func (b *privateBroker) secureEnv(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(b.stackDir, "kafka-secure.env"))
	if err != nil {
		t.Fatalf("the private broker's secured listeners: %v", err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "="); ok {
			env[k] = v
		}
	}
	return env
}

// run runs kafka.sh cmd and returns its combined output.
func (b *privateBroker) run(cmd string) (string, error) {
	c := exec.Command("bash", filepath.Join("..", "stack", "kafka.sh"), cmd)
	c.Env = b.env
	out, err := c.CombinedOutput()
	return string(out), err
}

// TestRealBrokerStoppedMidRead: a read of four partitions that takes many
// fetches (the broker returns at most 64 KiB per fetch) delivers its first
// batch, then the broker is stopped. The stream ends with IO or Timeout
// within kafarr.read.timeout_ms (plus slack), never as if complete, and the
// rows it delivered are, per partition, the partition's first offsets in
// order, each once.
func TestRealBrokerStoppedMidRead(t *testing.T) {
	testenv.Registry(t) // gated like every real-stack test
	began := time.Now()
	b := startPrivateBroker(t, "fetch.max.bytes=65536")
	ctx := testContext(t)
	const parts, perPart = 4, 25_000
	topic := testenv.Topic(t)
	cl := newKafkaClient(t, b.addr, kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchMaxBytes(16<<10), kgo.MaxBufferedRecords(200_000))
	// Not createTopic: its cleanup deletes the topic, and this broker will
	// be down; the topic goes with the broker's data dir.
	if resp, err := newAdmin(t, b.addr).CreateTopic(ctx, parts, 1, nil, topic); err != nil || resp.Err != nil {
		t.Fatalf("create topic %s: %v, %v", topic, err, resp.Err)
	}
	recs := make([]*kgo.Record, 0, parts*perPart)
	for p := range int32(parts) {
		for i := range perPart {
			recs = append(recs, &kgo.Record{Topic: topic, Partition: p, Value: fmt.Appendf(nil, "v%d-%d", p, i)})
		}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("producing to %s: %v", topic, err)
	}

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	const timeout = 5 * time.Second
	cn := faultOpen(t, mem, b.addr, map[string]string{
		"kafarr.read.batch_rows": "500", "kafarr.read.timeout_ms": fmt.Sprint(timeout.Milliseconds()),
	})
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSqlQuery(fmt.Sprintf(`SELECT _partition, _offset, _value FROM %q`, topic)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rdr, _, err := st.ExecuteQuery(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	next := make(map[int32]int64, parts) // the offset each partition must deliver next
	rows, batches := 0, 0
	var stopTook time.Duration
	for rdr.Next() {
		rec := rdr.RecordBatch()
		p, o, v := rec.Column(0).(*array.Int32), rec.Column(1).(*array.Int64), rec.Column(2).(*array.String)
		for i := 0; i < int(rec.NumRows()); i++ {
			if o.Value(i) != next[p.Value(i)] || v.Value(i) != fmt.Sprintf("v%d-%d", p.Value(i), o.Value(i)) {
				t.Fatalf("row %d: partition %d offset %d value %q; want offset %d next (no gap, no duplicate)",
					rows, p.Value(i), o.Value(i), v.Value(i), next[p.Value(i)])
			}
			next[p.Value(i)]++
			rows++
		}
		batches++
		if batches == 1 {
			s := time.Now()
			if out, err := b.run("stop"); err != nil {
				t.Fatalf("stopping the broker: %v\n%s", err, out)
			}
			stopTook = time.Since(s)
		}
	}
	took := time.Since(start)
	err = rdr.Err()
	if err == nil {
		t.Fatalf("the read ended cleanly with %d of %d rows though the broker was stopped after its first batch", rows, parts*perPart)
	}
	ae := wantStatusIn(t, err, adbc.StatusIO, adbc.StatusTimeout)
	if took > timeout+faultSlack {
		t.Fatalf("the failing read took %v, read.timeout_ms is %d: %v", took, timeout.Milliseconds(), err)
	}
	if rows >= parts*perPart {
		t.Fatalf("%d rows delivered then %v; want fewer than the %d produced", rows, ae.Code, parts*perPart)
	}
	if !strings.Contains(ae.Msg, topic) {
		t.Errorf("message does not name the topic %s: %s", topic, ae.Msg)
	}
	t.Logf("broker start %v, stop %v; %d rows in %d batches, then after %v: %v: %s; test %v",
		b.start, stopTook, rows, batches, took, ae.Code, ae.Msg, time.Since(began))
}

// restartReader hands out batches of unique ids; after handing out the
// stopAfter'th it stops the broker (synchronously, so the ingest has
// records in flight) and restarts it, keeping its data, after pause in the
// background. restarted is closed when the restart has returned.
type restartReader struct {
	mem        memory.Allocator
	b          *privateBroker
	batches    int
	rows       int
	stopAfter  int
	pause      time.Duration
	n          int
	cur        arrow.RecordBatch
	restarted  chan struct{}
	restartErr atomic.Value // string: kafka.sh output when start failed
	stopTook   time.Duration
	refs       atomic.Int64
}

var restartSchema = arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)

func (r *restartReader) Retain()                        { r.refs.Add(1) }
func (r *restartReader) Schema() *arrow.Schema          { return restartSchema }
func (r *restartReader) Record() arrow.RecordBatch      { return r.cur }
func (r *restartReader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *restartReader) Err() error                     { return nil }

func (r *restartReader) Release() {
	if r.refs.Add(-1) == 0 && r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

func (r *restartReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.n == r.batches {
		return false
	}
	if r.n == r.stopAfter {
		s := time.Now()
		if out, err := r.b.run("stop"); err != nil {
			r.restartErr.Store("stop: " + err.Error() + "\n" + out)
		}
		r.stopTook = time.Since(s)
		go func() {
			defer close(r.restarted)
			time.Sleep(r.pause)
			if out, err := r.b.run("start"); err != nil {
				r.restartErr.Store("start: " + err.Error() + "\n" + out)
			}
		}()
	}
	bld := array.NewInt64Builder(r.mem)
	defer bld.Release()
	bld.Reserve(r.rows)
	for i := range r.rows {
		bld.Append(int64(r.n*r.rows + i))
	}
	col := bld.NewArray()
	defer col.Release()
	r.cur = array.NewRecordBatch(restartSchema, []arrow.Array{col}, int64(r.rows))
	r.n++
	return true
}

// TestRealBrokerRestartMidIngest ingests 300,000 unique ids over three
// partitions while the broker is stopped (after 60,000 rows were handed to
// the driver) and restarted on its data 3 s later. The ingest either
// succeeds with every row or fails stating how many were acknowledged; the
// topic, read back once the broker is up, holds no id twice and at least
// the acknowledged count, and every id after a success. After the restart,
// SASL PLAIN and SCRAM authenticate with the passwords of the first start
// (checkSASLAfterRestart).
func TestRealBrokerRestartMidIngest(t *testing.T) {
	registry := testenv.Registry(t)
	began := time.Now()
	// With the secured listeners, so that the restart on kept data also
	// checks the SASL passwords it keeps (checkSASLAfterRestart).
	b := startPrivateBrokerSecure(t, true)
	secured := b.secureEnv(t)
	const batches, perBatch = 15, 20_000
	const total = batches * perBatch
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	db, err := driver.NewDriver(mem).NewDatabase(map[string]string{
		"uri": "kafka://" + b.addr, "kafarr.schema_registry.url": registry, "kafarr.read.timeout_ms": "30000",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cn, err := db.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cn.Close()
	topic := testenv.Topic(t)

	src := &restartReader{mem: mem, b: b, batches: batches, rows: perBatch, stopAfter: 3, pause: 3 * time.Second, restarted: make(chan struct{})}
	src.refs.Store(1)
	// The test's own reference: an ingest that fails stops reading with a
	// batch in hand, which only the last Release frees.
	defer src.Release()
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for k, v := range map[string]string{
		adbc.OptionKeyIngestTargetTable: topic, adbc.OptionKeyIngestMode: adbc.OptionValueIngestModeCreate,
		"kafarr.ingest.partitions": "3",
	} {
		if err := st.SetOption(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.BindStream(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	n, ingErr := st.ExecuteUpdate(testContext(t))
	ingestTook := time.Since(start)
	if src.n <= src.stopAfter {
		t.Fatalf("the ingest ended (%d, %v) after %d batches, before the broker was stopped", n, ingErr, src.n)
	}
	select {
	case <-src.restarted:
	case <-time.After(3 * time.Minute):
		t.Fatal("the broker restart did not return within 3 minutes")
	}
	if msg := src.restartErr.Load(); msg != nil {
		t.Fatalf("restarting the broker: %s", msg)
	}
	if src.n != batches {
		t.Logf("the ingest read %d of %d batches", src.n, batches)
	}
	if ingErr != nil {
		ae := wantStatusIn(t, ingErr, adbc.StatusIO, adbc.StatusTimeout)
		if !strings.Contains(ae.Msg, fmt.Sprintf("%d rows acknowledged", n)) && !strings.Contains(ae.Msg, fmt.Sprintf("%d had been acknowledged", n)) {
			t.Fatalf("the ingest returned %d and %v; the message must state that count as acknowledged", n, ingErr)
		}
		t.Logf("the ingest failed after %v with %d rows acknowledged: %s", ingestTook, n, ae.Msg)
	} else if n != total {
		t.Fatalf("the ingest succeeded with %d rows, want %d", n, total)
	}

	// Read everything back: no id twice, none outside the range.
	rs, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	if err := rs.SetSqlQuery(fmt.Sprintf(`SELECT id FROM %q`, topic)); err != nil {
		t.Fatal(err)
	}
	rdr, _, err := rs.ExecuteQuery(testContext(t))
	if err != nil {
		t.Fatalf("reading %s back: %v", topic, err)
	}
	defer rdr.Release()
	seen := make([]bool, total)
	got := 0
	for rdr.Next() {
		ids := rdr.RecordBatch().Column(0).(*array.Int64)
		for i := 0; i < ids.Len(); i++ {
			id := ids.Value(i)
			if id < 0 || id >= total {
				t.Fatalf("id %d outside [0, %d)", id, total)
			}
			if seen[id] {
				t.Fatalf("id %d read twice: the restart duplicated a record", id)
			}
			seen[id] = true
			got++
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatalf("reading %s back after %d rows: %v", topic, got, err)
	}
	if int64(got) < n {
		t.Fatalf("read back %d rows, fewer than the %d acknowledged", got, n)
	}
	if ingErr == nil && got != total {
		t.Fatalf("read back %d rows after an ingest that acknowledged all %d", got, total)
	}
	saslStart := time.Now()
	checkSASLAfterRestart(t, b, secured)
	t.Logf("broker start %v, stop %v; ingest of %d rows: %d acknowledged in %v (err %v); read back %d, no duplicate; SASL checks after the restart %v; test %v",
		b.start, src.stopTook, total, n, ingestTook, ingErr, got, time.Since(saslStart), time.Since(began))
}

// checkSASLAfterRestart: a secured broker restarted on its kept data
// (KAFARR_KAFKA_KEEP_DATA=1) keeps its certificates and SASL passwords,
// which must be those of the first start, since the SCRAM users formatted
// into the data keep them; a driver connection authenticates with each of
// SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 and lists the topics, and a
// wrong password is refused (Unauthenticated).
func checkSASLAfterRestart(t *testing.T, b *privateBroker, first map[string]string) {
	t.Helper()
	now := b.secureEnv(t)
	for _, who := range []string{"PLAIN", "SCRAM256", "SCRAM512"} {
		k := "KAFARR_TEST_SASL_" + who + "_PASSWORD"
		if first[k] == "" || now[k] != first[k] {
			t.Fatalf("%s changed across the restart on kept data (set before: %v, now: %v)", k, first[k] != "", now[k] != "")
		}
	}
	ctx := testContext(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	open := func(mech, who, pass string) error {
		db, err := driver.NewDriver(mem).NewDatabase(map[string]string{
			"uri": "kafka://" + now["KAFARR_TEST_SASL_BROKERS"], "kafarr.tls.enabled": "true",
			"kafarr.tls.ca_file": now["KAFARR_TEST_TLS_CA_FILE"], "kafarr.sasl.mechanism": mech,
			"username": now["KAFARR_TEST_SASL_"+who+"_USER"], "password": pass, "kafarr.read.timeout_ms": "20000",
		})
		if err != nil {
			return err
		}
		defer db.Close()
		cn, err := db.Open(ctx)
		if err != nil {
			return err
		}
		defer cn.Close()
		// Open authenticated with a metadata round trip; list the topics
		// over the authenticated connection too.
		rdr, err := cn.GetObjects(ctx, adbc.ObjectDepthTables, nil, nil, nil, nil, nil)
		if err != nil {
			return err
		}
		defer rdr.Release()
		for rdr.Next() {
		}
		return rdr.Err()
	}
	for _, c := range []struct{ mech, who string }{{"PLAIN", "PLAIN"}, {"SCRAM-SHA-256", "SCRAM256"}, {"SCRAM-SHA-512", "SCRAM512"}} {
		if err := open(c.mech, c.who, now["KAFARR_TEST_SASL_"+c.who+"_PASSWORD"]); err != nil {
			t.Errorf("SASL %s after the restart on kept data: %v", c.mech, err)
		}
	}
	err := open("SCRAM-SHA-512", "SCRAM512", "wrong-"+now["KAFARR_TEST_SASL_SCRAM512_PASSWORD"])
	wantStatusIn(t, err, adbc.StatusUnauthenticated)
}
