package testenv

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Shortened stacks of the goroutines a test binary holds, as
// runtime.Stack prints them.
const (
	stackKgo = `goroutine 31 [select]:
github.com/twmb/franz-go/pkg/kgo.(*Client).updateMetadataLoop(0xc000120000)
	/root/go/pkg/mod/github.com/twmb/franz-go@v1.22.3/pkg/kgo/metadata.go:244 +0x2a5
created by github.com/twmb/franz-go/pkg/kgo.NewClient in goroutine 7
	/root/go/pkg/mod/github.com/twmb/franz-go@v1.22.3/pkg/kgo/client.go:622 +0x8a5`
	stackKfake = `goroutine 12 [select]:
github.com/twmb/franz-go/pkg/kfake.(*Cluster).run(0xc000200000)
	/root/go/pkg/mod/github.com/twmb/franz-go/pkg/kfake@v0.0.0-20260918054303-01f206a7e32c/cluster.go:501 +0x1c5
created by github.com/twmb/franz-go/pkg/kfake.NewCluster in goroutine 7
	/root/go/pkg/mod/github.com/twmb/franz-go/pkg/kfake@v0.0.0-20260918054303-01f206a7e32c/cluster.go:240 +0xc65`
	stackDriver = `goroutine 58 [chan send]:
github.com/kafarr/kafarr/statement.(*scan).readAhead(0xc000300000)
	/work/main/statement/scan.go:120 +0x45
created by github.com/kafarr/kafarr/statement.(*scan).start in goroutine 40
	/work/main/statement/scan.go:88 +0x1a5`
	// A kgo goroutine created on a driver goroutine is both.
	stackDriverKgo = `goroutine 60 [select]:
github.com/twmb/franz-go/pkg/kgo.(*broker).handleReqs(0xc000400000, 0xc000500000)
	/root/go/pkg/mod/github.com/twmb/franz-go@v1.22.3/pkg/kgo/broker.go:339 +0x1f1
created by github.com/kafarr/kafarr/kafkaio.(*Reader).fetch in goroutine 58
	/work/main/kafkaio/reader.go:212 +0x1a5`
	stackTest = `goroutine 40 [chan receive]:
github.com/kafarr/kafarr/statement_test.TestRead.func1(0xc000600000)
	/work/main/statement/read_test.go:30 +0x45
github.com/kafarr/kafarr/kafkaio.(*Reader).Next(0xc000700000)
	/work/main/kafkaio/reader.go:250 +0x45
testing.tRunner(0xc000600000, 0xc000010000)
	/usr/local/go/src/testing/testing.go:1934 +0xea`
	stackInternalTest = `goroutine 41 [select]:
github.com/kafarr/kafarr/kafkaio.(*Reader).Next(0xc000700000)
	/work/main/kafkaio/reader.go:250 +0x45
created by github.com/kafarr/kafarr/kafkaio.TestReaderTimeout in goroutine 40
	/work/main/kafkaio/reader_test.go:321 +0x45`
	stackDevstack = `goroutine 14 [IO wait]:
net/http.(*Server).Serve(0xc000800000)
	/usr/local/go/src/net/http/server.go:3424 +0x30c
github.com/kafarr/kafarr/internal/devstack.Start.func1()
	/work/main/internal/devstack/devstack.go:98 +0x45
created by github.com/kafarr/kafarr/internal/devstack.Start in goroutine 7
	/work/main/internal/devstack/devstack.go:96 +0x5a5`
	stackTestenv = `goroutine 7 [running]:
github.com/kafarr/kafarr/internal/testenv.allGoroutines()
	/work/main/internal/testenv/leaks.go:80 +0x45
github.com/kafarr/kafarr/internal/testenv.CheckLeaks.func1()
	/work/main/internal/testenv/leaks.go:190 +0x45
testing.(*common).Cleanup.func1()
	/usr/local/go/src/testing/testing.go:1211 +0x12`
	stackHTTP = `goroutine 90 [IO wait]:
net/http.(*persistConn).readLoop(0xc000900000)
	/usr/local/go/src/net/http/transport.go:2395 +0x45
created by net/http.(*Transport).dialConn in goroutine 88
	/usr/local/go/src/net/http/transport.go:1944 +0x1a5`
)

func TestGoroutineKinds(t *testing.T) {
	tests := []struct {
		name       string
		stack      string
		wantDriver bool
		wantClient bool
	}{
		{name: "kgo client", stack: stackKgo, wantClient: true},
		{name: "kfake broker", stack: stackKfake},
		{name: "driver", stack: stackDriver, wantDriver: true},
		{name: "kgo started by the driver", stack: stackDriverKgo, wantDriver: true, wantClient: true},
		{name: "test calling the driver", stack: stackTest},
		{name: "started by an internal test", stack: stackInternalTest},
		{name: "devstack server", stack: stackDevstack},
		{name: "testenv itself", stack: stackTestenv},
		{name: "http client", stack: stackHTTP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs := parseGoroutines(tt.stack)
			if len(gs) != 1 {
				t.Fatalf("parsed %d goroutines, want 1", len(gs))
			}
			g := gs[0]
			if g.isDriver() != tt.wantDriver || g.isClient() != tt.wantClient {
				t.Errorf("isDriver, isClient = %v, %v; want %v, %v", g.isDriver(), g.isClient(), tt.wantDriver, tt.wantClient)
			}
			if want := tt.wantDriver || tt.wantClient; g.isLeak() != want {
				t.Errorf("isLeak = %v, want %v", g.isLeak(), want)
			}
		})
	}
}

func TestParseGoroutines(t *testing.T) {
	dump := stackKgo + "\n\n" + stackDriver + "\n\n" + "goroutine x [bad]:\nmain.main()" + "\n"
	gs := parseGoroutines(dump)
	var ids []int64
	for _, g := range gs {
		ids = append(ids, g.id)
	}
	if fmt.Sprint(ids) != "[31 58 -1]" {
		t.Fatalf("ids = %v, want [31 58 -1]", ids)
	}
	if gs[1].stack != stackDriver {
		t.Errorf("second stack = %q, want %q", gs[1].stack, stackDriver)
	}

	// The live dump holds this goroutine, which is no leak.
	live := allGoroutines()
	if len(live) == 0 || live[0].id <= 0 || !strings.Contains(live[0].stack, "TestParseGoroutines") {
		t.Fatalf("first live goroutine = %+v, want this test's", live[0])
	}
	if live[0].isLeak() {
		t.Errorf("this test's own goroutine counts as a leak:\n%s", live[0].stack)
	}
}

// fakeTB records the cleanups and errors of a test instead of running
// and reporting them.
type fakeTB struct {
	testing.TB
	cleanups []func()
	errors   []string
}

func (*fakeTB) Helper()             {}
func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Errorf(format string, a ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, a...))
}

// end runs the recorded cleanups, last first, as the testing package does.
func (f *fakeTB) end() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	f.cleanups = nil
}

// shortSettle shortens the settle time for a test that expects a leak.
func shortSettle(t *testing.T) {
	old := leakSettle
	leakSettle = 300 * time.Millisecond
	t.Cleanup(func() { leakSettle = old })
}

// newClient starts a kgo client on c and waits until it is connected, so
// that its broker goroutines run.
func newClient(t *testing.T, c *kfake.Cluster) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cl.Ping(ctx); err != nil {
		cl.Close()
		t.Fatalf("ping: %v", err)
	}
	return cl
}

func newKfake(t *testing.T) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// An open client is a leak; once closed, its goroutines are gone within
// the settle time; kfake's are never counted.
func TestLeakedGoroutines(t *testing.T) {
	CheckLeaks(t)
	c := newKfake(t)
	cl := newClient(t, c)
	leaked := LeakedGoroutines()
	if len(leaked) == 0 {
		cl.Close()
		t.Fatal("no leaked goroutine reported while a client is open")
	}
	for _, s := range leaked {
		if !strings.Contains(s, "github.com/twmb/franz-go/pkg/kgo.") || strings.Contains(s, "pkg/kfake.") {
			t.Errorf("reported goroutine is not the open client's:\n%s", s)
		}
	}
	if d := DriverGoroutines(); len(d) != 0 {
		t.Errorf("a kgo client counted as %d driver goroutines:\n%s", len(d), strings.Join(d, "\n\n"))
	}
	cl.Close()
	start := time.Now()
	if left := waitGone(goroutine.isLeak, nil); len(left) != 0 {
		t.Fatalf("%d goroutines left %s after Close:\n%s", len(left), leakSettle, strings.Join(left, "\n\n"))
	}
	t.Logf("client goroutines gone %s after Close", time.Since(start))
}

func TestCheckLeaks(t *testing.T) {
	c := newKfake(t)

	t.Run("client left open", func(t *testing.T) {
		shortSettle(t)
		f := &fakeTB{TB: t}
		CheckLeaks(f)
		cl := newClient(t, c)
		defer cl.Close()
		f.end()
		if len(f.errors) != 1 || !strings.Contains(f.errors[0], "of kafarr or of a franz-go client still running") ||
			!strings.Contains(f.errors[0], "github.com/twmb/franz-go/pkg/kgo.") {
			t.Fatalf("errors = %q, want one naming the open client's goroutines", f.errors)
		}
	})

	t.Run("client closed by a later cleanup", func(t *testing.T) {
		f := &fakeTB{TB: t}
		CheckLeaks(f)
		cl := newClient(t, c)
		f.Cleanup(cl.Close)
		CheckLeaks(f) // registers nothing more
		f.end()
		if len(f.errors) != 0 {
			t.Fatalf("errors = %q, want none", f.errors)
		}
	})

	t.Run("goroutines older than the check", func(t *testing.T) {
		shortSettle(t)
		cl := newClient(t, c)
		defer cl.Close()
		f := &fakeTB{TB: t}
		CheckLeaks(f)
		f.end()
		if len(f.errors) != 0 {
			t.Fatalf("errors = %q, want none", f.errors)
		}
	})

	t.Run("allocators", func(t *testing.T) {
		f := &fakeTB{TB: t}
		clean := memory.NewCheckedAllocator(memory.NewGoAllocator())
		CheckLeaks(f, clean)
		if len(f.cleanups) != 1 {
			t.Fatalf("%d cleanups registered, want 1", len(f.cleanups))
		}
		dirty := memory.NewCheckedAllocator(memory.NewGoAllocator())
		CheckLeaks(f, dirty)
		if len(f.cleanups) != 1 {
			t.Fatalf("second call registered a cleanup: %d, want 1", len(f.cleanups))
		}
		buf := dirty.Allocate(64)
		clean.Free(clean.Allocate(32))
		want := &fakeTB{TB: t} // what the dirty allocator reports alone
		dirty.AssertSize(want, 0)
		f.end()
		dirty.Free(buf)
		if len(f.errors) == 0 || fmt.Sprint(f.errors) != fmt.Sprint(want.errors) ||
			!strings.Contains(f.errors[len(f.errors)-1], "got=64") {
			t.Fatalf("errors = %q, want %q, from the allocator holding 64 bytes", f.errors, want.errors)
		}
	})

	t.Run("a new check per test", func(t *testing.T) {
		f := &fakeTB{TB: t}
		CheckLeaks(f)
		f.end()
		CheckLeaks(f)
		if len(f.cleanups) != 1 {
			t.Fatalf("a check after the first ended registered %d cleanups, want 1", len(f.cleanups))
		}
		f.end()
	})
}

// runner stands in for testing.M.
type runner func() int

func (r runner) Run() int { return r() }

func TestVerifyMain(t *testing.T) {
	c := newKfake(t)
	tests := []struct {
		name     string
		code     int
		leak     bool
		wantCode int
	}{
		{name: "pass", code: 0, wantCode: 0},
		{name: "fail", code: 2, wantCode: 2},
		{name: "pass with a leak", code: 0, leak: true, wantCode: 1},
		{name: "fail with a leak", code: 2, leak: true, wantCode: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Clients of earlier tests may still be exiting.
			if left := waitGone(goroutine.isLeak, nil); len(left) != 0 {
				t.Fatalf("%d goroutines left by earlier tests:\n%s", len(left), strings.Join(left, "\n\n"))
			}
			shortSettle(t)
			var cl *kgo.Client
			var out bytes.Buffer
			got := verifyMain(runner(func() int {
				if tt.leak {
					cl = newClient(t, c)
				}
				return tt.code
			}), &out)
			if cl != nil {
				cl.Close()
			}
			if got != tt.wantCode {
				t.Errorf("exit code %d, want %d", got, tt.wantCode)
			}
			if gotLeak := strings.Contains(out.String(), "github.com/twmb/franz-go/pkg/kgo."); gotLeak != tt.leak ||
				tt.leak != strings.HasPrefix(out.String(), "testenv: ") {
				t.Errorf("output %q, want the client's stacks: %v", out.String(), tt.leak)
			}
		})
	}
}
