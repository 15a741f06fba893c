// Command kafarr runs SQL over Kafka topics from a shell: the kafarr ADBC
// driver for the queries it runs itself (projection, filters, offset,
// partition and timestamp bounds, LIMIT), and an embedded DuckDB over
// kafarr's Arrow streams for the rest (GROUP BY, joins, window functions).
//
// Usage:
//
//	kafarr sql [flags] "SELECT ..."
//	kafarr topics [flags]
//	kafarr describe [flags] TOPIC
//	kafarr ingest [flags] TOPIC FILE.{parquet,csv,arrow}
//
// docs/cli.md is the manual: connection profiles, every flag, output
// formats, which engine runs a query and what is pushed down.
//
// Exit status: 0 on success, 1 when the command failed (one line on
// stderr), 2 for a usage error, 130 after an interrupt (SIGINT), once the
// output written so far is flushed.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/apache/arrow-adbc/go/adbc"
)

// Exit statuses, as shells expect them.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130 // 128 + SIGINT
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// errInterrupted ends a command that SIGINT (or SIGTERM) stopped after its
// output was flushed.
var errInterrupted = errors.New("interrupted")

const topUsage = `kafarr: SQL over Kafka topics (docs/cli.md)

usage:
  kafarr sql [flags] "SELECT ..."          run a query; full SQL through embedded DuckDB
  kafarr topics [flags]                    list topics with partitions and message counts
  kafarr describe [flags] TOPIC            columns, partitions and offsets, schema subject
  kafarr ingest [flags] TOPIC FILE         produce a Parquet, CSV or Arrow IPC file's rows

connection (every command):
  --uri kafka://host:port[?opt=value...]   or KAFARR_URI, or a profile (--profile, KAFARR_PROFILE)
  --opt key=value                          any kafarr.* (or ADBC) option; repeatable

Run "kafarr COMMAND -h" for a command's flags.
`

// run is the whole command; main only exits with its status. A panic
// becomes one line on stderr too: no stack trace reaches the user.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "kafarr: internal error: %s\n", oneLine(fmt.Sprint(r)))
			code = exitFailed
		}
	}()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, topUsage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}

	// The first SIGINT cancels the context: reads stop, the output written
	// so far is flushed and the exit status is 130. A second one exits at
	// once.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer func() {
		signal.Stop(sigs)
		close(sigs)
	}()
	interrupted := make(chan struct{})
	go func() {
		if _, ok := <-sigs; !ok {
			return
		}
		close(interrupted)
		cancel()
		if _, ok := <-sigs; ok {
			os.Exit(exitInterrupted)
		}
	}()

	env := &cmdEnv{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	var err error
	switch args[0] {
	case "sql":
		err = runSQL(ctx, env, args[1:])
	case "topics":
		err = runTopics(ctx, env, args[1:])
	case "describe":
		err = runDescribe(ctx, env, args[1:])
	case "ingest":
		err = runIngest(ctx, env, args[1:])
	default:
		err = usagef("unknown command %q (want sql, topics, describe or ingest; kafarr -h for help)", args[0])
	}

	select {
	case <-interrupted:
		return exitInterrupted
	default:
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errInterrupted):
		return exitInterrupted
	case errors.Is(err, errHelp):
		return exitOK
	}
	fmt.Fprintln(stderr, errorLine(err))
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFailed
}

// cmdEnv is what a command reads and writes besides its arguments, so
// tests can run commands in-process.
type cmdEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// errorLine is err as the one line a shell user sees: "kafarr: " once,
// then the message with its line breaks folded. DuckDB's messages end in
// a caret diagram of the query ("LINE 1: ...") and the driver's internal
// errors in a stack, which are dropped.
func errorLine(err error) string {
	msg := err.Error()
	var ae adbc.Error
	if errors.As(err, &ae) {
		msg = ae.Msg // without the status name and SQLSTATE
	}
	if i := strings.Index(msg, "(please report it with this stack"); i >= 0 {
		msg = strings.TrimSpace(msg[:i])
	}
	if i := strings.Index(msg, "\nLINE "); i >= 0 {
		msg = msg[:i]
	}
	msg = oneLine(msg)
	for strings.HasPrefix(msg, "kafarr: ") {
		msg = strings.TrimPrefix(msg, "kafarr: ")
	}
	return "kafarr: " + msg
}

// oneLine folds s's lines into one, separated by single spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
