package main

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kafarr/kafarr/internal/testenv"
)

// The test binary doubles as the command: with this variable set, TestMain
// runs main instead of the tests, so the tests can exercise the real
// process lifecycle (ready line, signals, exit code) without a go build.
const runMainEnv = "KAFARR_DEVSTACK_RUN_MAIN"

// TestMain runs main when runMainEnv is 1; otherwise it runs the tests and
// fails the package if a driver goroutine or a franz-go client outlives
// them (testenv.VerifyMain).
func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	testenv.VerifyMain(m)
}

var readyLine = regexp.MustCompile(`^kafarr-devstack: kafka=(127\.0\.0\.1:\d+) registry=(http://127\.0\.0\.1:\d+)$`)

func TestReadyLineAndSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-kafka", "127.0.0.1:0", "-registry", "127.0.0.1:0")
			cmd.Env = append(os.Environ(), runMainEnv+"=1")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill() //nolint:errcheck // only matters if the test fails early

			lines := bufio.NewScanner(stdout)
			ready := make(chan string, 1)
			go func() {
				if lines.Scan() {
					ready <- lines.Text()
				}
				close(ready)
			}()
			var line string
			select {
			case line = <-ready:
			case <-time.After(20 * time.Second):
				t.Fatal("no ready line within 20s")
			}
			m := readyLine.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("ready line = %q, want %s", line, readyLine)
			}

			// The announced registry must answer right away.
			resp, err := http.Get(m[2] + "/subjects")
			if err != nil {
				t.Fatalf("GET %s/subjects: %v", m[2], err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET /subjects = %d, want 200", resp.StatusCode)
			}

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			var rest []string
			for lines.Scan() {
				rest = append(rest, lines.Text())
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("exit after %v: %v", sig, err)
			}
			if got := strings.Join(rest, "\n"); got != "kafarr-devstack: stopped" {
				t.Errorf("output after %v = %q, want %q", sig, got, "kafarr-devstack: stopped")
			}
		})
	}
}

func TestBadAddressExitsNonZero(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-kafka", "0.0.0.0:0", "-registry", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	out, err := cmd.CombinedOutput()
	exitErr, ok := err.(*exec.ExitError)
	if !ok || exitErr.ExitCode() != 1 {
		t.Fatalf("exit = %v, want exit status 1; output %q", err, out)
	}
	if !strings.Contains(string(out), `kafka address "0.0.0.0:0": host must be a loopback address`) {
		t.Errorf("output = %q, want the loopback error", out)
	}
}
