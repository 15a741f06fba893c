package testenv

// Leak checks. A test must leave nothing running behind it: no goroutine
// of the driver, no franz-go client, and no Arrow memory. CheckLeaks checks
// one test (DevStack, Brokers and Registry register it for the tests that
// use them); VerifyMain checks a whole package once its tests are done.

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// leakSettle bounds how long a check waits for goroutines to exit: a
// closed kgo client does not wait for all of its goroutines (the reaper
// loop, each broker's request and response loops, buffered-record
// finishers exit on their own just after Close returns), and a read
// already sent to a broker is left to finish. A closing client pushes its
// final KIP-714 metrics with retries: under -race with both cores busy
// that has taken more than 5 s. The wait ends as soon as the goroutines
// are gone, so a generous bound costs nothing. A variable so that this
// package's tests can shorten it.
var leakSettle = 20 * time.Second

// Frames that make a goroutine a leak, and frames that exempt it.
const (
	kafarrFrame = "github.com/kafarr/kafarr/"
	kgoFrame    = "github.com/twmb/franz-go/pkg/kgo."
	kfakeFrame  = "github.com/twmb/franz-go/pkg/kfake."
)

// exempt lists what exempts a goroutine with kafarr frames: test code
// (frames and files of _test packages, and goroutines tests start
// themselves), the in-process stack, and this package.
var exempt = []string{
	"_test.",
	kafarrFrame + "internal/devstack",
	kafarrFrame + "internal/testenv",
}

// goroutine is one goroutine of a runtime.Stack dump.
type goroutine struct {
	id    int64
	stack string // header, frames and "created by" line
}

// isDriver reports whether g runs, or was started by, kafarr code other
// than tests, the devstack and this package.
func (g goroutine) isDriver() bool {
	if !strings.Contains(g.stack, kafarrFrame) {
		return false
	}
	for _, e := range exempt {
		if strings.Contains(g.stack, e) {
			return false
		}
	}
	return true
}

// isClient reports whether g belongs to a franz-go client: it runs kgo
// code and is not part of a kfake cluster (kfake's own goroutines are the
// broker's, closed with the cluster).
func (g goroutine) isClient() bool {
	return strings.Contains(g.stack, kgoFrame) && !strings.Contains(g.stack, kfakeFrame)
}

// isLeak reports whether g must not outlive a test.
func (g goroutine) isLeak() bool { return g.isDriver() || g.isClient() }

// allGoroutines returns every goroutine's stack.
func allGoroutines() []goroutine {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return parseGoroutines(string(buf[:n]))
		}
		buf = make([]byte, 2*len(buf))
	}
}

// parseGoroutines splits a runtime.Stack dump into goroutines. A block
// whose header does not parse gets id -1, so that it is never taken for a
// baseline goroutine.
func parseGoroutines(dump string) []goroutine {
	var out []goroutine
	for _, block := range strings.Split(strings.TrimSpace(dump), "\n\n") {
		if block == "" {
			continue
		}
		g := goroutine{id: -1, stack: block}
		// "goroutine 42 [select, 2 minutes]:"
		if rest, ok := strings.CutPrefix(block, "goroutine "); ok {
			if sp := strings.IndexByte(rest, ' '); sp > 0 {
				if id, err := strconv.ParseInt(rest[:sp], 10, 64); err == nil {
					g.id = id
				}
			}
		}
		out = append(out, g)
	}
	return out
}

// CountGoroutines returns how many running goroutines have frame in their
// stack, for checks on goroutines the leak check does not attribute (a
// net/http keep-alive connection carries no kafarr frame).
func CountGoroutines(frame string) int {
	n := 0
	for _, g := range allGoroutines() {
		if strings.Contains(g.stack, frame) {
			n++
		}
	}
	return n
}

// DriverGoroutines returns the stacks of running goroutines that execute
// kafarr code or were started by it, outside test code, the in-process
// stack (internal/devstack) and this package. While a connection is open
// the driver runs none: reads and ingests stop theirs when their reader is
// released or their call returns.
func DriverGoroutines() []string {
	return stacks(allGoroutines(), goroutine.isDriver, nil)
}

// LeakedGoroutines returns the stacks of running goroutines that must not
// outlive a test: DriverGoroutines plus every goroutine of a franz-go
// client (kgo), whether the driver or a test made the client. kfake's
// goroutines and HTTP servers (srfake, httptest) do not count.
func LeakedGoroutines() []string {
	return stacks(allGoroutines(), goroutine.isLeak, nil)
}

// stacks returns the stacks of gs that match keep and are not in skip.
func stacks(gs []goroutine, keep func(goroutine) bool, skip map[int64]bool) []string {
	var out []string
	for _, g := range gs {
		if keep(g) && !skip[g.id] {
			out = append(out, g.stack)
		}
	}
	return out
}

// waitGone polls until no goroutine matches keep (outside skip) or
// leakSettle has passed, and returns the stacks that still match.
func waitGone(keep func(goroutine) bool, skip map[int64]bool) []string {
	deadline := time.Now().Add(leakSettle)
	pause := time.Millisecond
	for {
		left := stacks(allGoroutines(), keep, skip)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(pause)
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// WaitDriverIdle fails tb (Fatal) unless no driver goroutine (see
// DriverGoroutines) is left within 5 s. Call it in the middle of a test,
// after a result is released, while the test's own clients stay open.
func WaitDriverIdle(tb testing.TB) {
	tb.Helper()
	if left := waitGone(goroutine.isDriver, nil); len(left) > 0 {
		tb.Fatalf("%d kafarr goroutines still running %s after the result was released:\n\n%s",
			len(left), leakSettle, strings.Join(left, "\n\n"))
	}
}

// leakCheck is the check CheckLeaks registered for one test.
type leakCheck struct {
	baseline map[int64]bool // goroutines running at registration

	mu   sync.Mutex
	mems []*memory.CheckedAllocator
}

// checks maps each test to its registered leakCheck.
var checks sync.Map // testing.TB -> *leakCheck

// CheckLeaks makes tb fail unless, when it ends, no goroutine it started
// is left running in the driver or in a franz-go client (see
// LeakedGoroutines; it waits up to 5 s for them to exit) and every one of
// mems is back to zero bytes. Goroutines already running when CheckLeaks
// is first called for tb do not count, so a subtest is not charged with
// its parent's clients.
//
// The check is a cleanup, and cleanups run last-registered first: call
// CheckLeaks before anything whose cleanup closes a client, a connection
// or a stack, so that it runs after them. Calling it again for the same
// test registers nothing new; it only adds mems to the check. The check
// assumes no test runs in parallel with tb, as none does in this module.
func CheckLeaks(tb testing.TB, mems ...*memory.CheckedAllocator) {
	tb.Helper()
	c := &leakCheck{mems: mems}
	if prev, loaded := checks.LoadOrStore(tb, c); loaded {
		prev := prev.(*leakCheck)
		prev.mu.Lock()
		prev.mems = append(prev.mems, mems...)
		prev.mu.Unlock()
		return
	}
	c.baseline = map[int64]bool{}
	for _, g := range allGoroutines() {
		c.baseline[g.id] = true
	}
	tb.Cleanup(func() {
		checks.Delete(tb)
		if left := waitGone(goroutine.isLeak, c.baseline); len(left) > 0 {
			tb.Errorf("%d goroutines of kafarr or of a franz-go client still running %s after the test ended (a client, connection, reader or producer not closed?):\n\n%s",
				len(left), leakSettle, strings.Join(left, "\n\n"))
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, m := range c.mems {
			m.AssertSize(tb, 0)
		}
	})
}

// VerifyMain runs a package's tests and exits: non-zero if they failed or
// if, once they are done, a goroutine of the driver or of a franz-go client
// is still running after up to 5 s (their stacks are printed). Call it as
// the package's TestMain:
//
//	func TestMain(m *testing.M) { testenv.VerifyMain(m) }
func VerifyMain(m *testing.M) {
	os.Exit(verifyMain(m, os.Stderr))
}

// verifyMain is VerifyMain without the exit: it returns the exit code and
// writes the leaked stacks to w.
func verifyMain(m interface{ Run() int }, w io.Writer) int {
	code := m.Run()
	if left := waitGone(goroutine.isLeak, nil); len(left) > 0 {
		fmt.Fprintf(w, "testenv: %d goroutines of kafarr or of a franz-go client still running %s after the tests ended:\n\n%s\n",
			len(left), leakSettle, strings.Join(left, "\n\n"))
		if code == 0 {
			code = 1
		}
	}
	return code
}
