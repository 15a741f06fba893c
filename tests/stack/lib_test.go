// Package stack holds no Go code: the tests here check the shell helpers of
// lib.sh that kafka.sh and registry.sh start their services with.
package stack

import (
	"os/exec"
	"strings"
	"testing"
)

// runLib runs script in bash with lib.sh sourced (set -euo pipefail, as in
// kafka.sh) and returns what it printed on stdout.
func runLib(t *testing.T, script string) string {
	t.Helper()
	cmd := exec.Command("bash", "-c", "set -euo pipefail; source ./lib.sh; "+script)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bash: %v\n%s%s", err, out, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// TestChildAliveRightAfterFork: a start polls its service from the moment
// it forks it. child_alive must see the child alive even before it has
// exec'd its command, which pid_alive's command-line check did not (3 polls
// in 300 failed, and a CI run reported a healthy broker as exited).
func TestChildAliveRightAfterFork(t *testing.T) {
	out := runLib(t, `
dead=0
for i in $(seq 300); do
	nohup sleep 1 </dev/null >/dev/null 2>&1 &
	child_alive $! || dead=$((dead + 1))
done
echo "$dead"`)
	if out != "0" {
		t.Fatalf("child_alive took %s of 300 children that were just forked for exited", out)
	}
}

// TestChildExit: an exited or killed child is seen as gone, and
// exit_reason says how it ended.
func TestChildExit(t *testing.T) {
	for _, tc := range []struct{ name, child, then, want string }{
		{"status", "exit 3", "", "status 3"},
		{"clean", "true", "", "status 0"},
		{"killed", "exec sleep 30", "kill -KILL $pid", "signal KILL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := runLib(t, `
( `+tc.child+` ) & pid=$!
`+tc.then+`
for i in $(seq 100); do child_alive $pid || break; sleep 0.05; done
child_alive $pid && { echo "still alive"; exit 0; }
rc=0; wait $pid || rc=$?
exit_reason $rc`)
			if out != tc.want {
				t.Fatalf("got %q, want %q", out, tc.want)
			}
		})
	}
	if out := runLib(t, `child_alive 2147483647 && echo alive || echo gone`); out != "gone" {
		t.Fatalf("a PID that does not exist: got %q", out)
	}
}
