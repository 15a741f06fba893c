package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// errHelp ends a command whose -h printed its usage: exit status 0.
var errHelp = errors.New("help")

// command is a subcommand's flag set and usage text.
type command struct {
	*flag.FlagSet
	usage string
	w     io.Writer // where -h prints
}

// newCommand returns a subcommand's flags. A bad flag becomes the one-line
// error the caller prints; -h prints usage and the flags to w.
func newCommand(name, usage string, w io.Writer) *command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &command{FlagSet: fs, usage: usage, w: w}
}

func (c *command) printUsage() {
	fmt.Fprint(c.w, c.usage)
	fmt.Fprintln(c.w, "\nflags:")
	c.SetOutput(c.w)
	c.PrintDefaults()
	c.SetOutput(io.Discard)
}

// parse parses flags wherever they stand among the positional arguments
// (kafarr sql "SELECT ..." --format csv), as users of other command lines
// expect; everything after "--" is positional. It returns the positional
// arguments, or an error: errHelp after printing usage for -h, else a
// usageError.
func (c *command) parse(args []string) ([]string, error) {
	var pos, tail []string
	for i, a := range args {
		if a == "--" {
			args, tail = args[:i], args[i+1:]
			break
		}
	}
	for {
		if err := c.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c.printUsage()
				return nil, errHelp
			}
			return nil, usageError{c.Name() + ": " + err.Error()}
		}
		rest := c.Args()
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	return append(pos, tail...), nil
}
