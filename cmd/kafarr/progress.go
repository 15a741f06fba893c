package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"golang.org/x/term"
)

// terminal reports whether w is a terminal, and its width (0 when
// unknown).
func terminal(w io.Writer) (width int, ok bool) {
	f, isFile := w.(*os.File)
	if !isFile || !term.IsTerminal(int(f.Fd())) {
		return 0, false
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		width = 0
	}
	return width, true
}

func isTerminal(w io.Writer) bool {
	_, ok := terminal(w)
	return ok
}

// Progress bar timing: nothing for quick reads, then a few redraws a
// second.
const (
	progressDelay = 500 * time.Millisecond
	progressTick  = 100 * time.Millisecond
)

// progressBar draws, on stderr, the messages the statements have read
// against the total their offset snapshots imply (ADBC's
// adbc.statement.exec.progress and max_progress), until Stop, which
// erases it.
type progressBar struct {
	w     io.Writer
	stop  chan struct{}
	done  sync.WaitGroup
	drawn bool

	mu    sync.Mutex
	stmts []adbc.Statement
}

// startProgress starts a bar when on; otherwise the bar does nothing. The
// statements to watch are added as they start (a DuckDB query reads its
// topics before it runs).
func startProgress(w io.Writer, on bool) *progressBar {
	p := &progressBar{w: w, stop: make(chan struct{})}
	if !on {
		return p
	}
	p.done.Add(1)
	go p.run()
	return p
}

// add watches a statement's progress too.
func (p *progressBar) add(st adbc.Statement) {
	p.mu.Lock()
	p.stmts = append(p.stmts, st)
	p.mu.Unlock()
}

func (p *progressBar) watched() []adbc.Statement {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]adbc.Statement(nil), p.stmts...)
}

func (p *progressBar) run() {
	defer p.done.Done()
	start := time.Now()
	tick := time.NewTicker(progressTick)
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			if p.drawn {
				fmt.Fprint(p.w, "\r\x1b[K")
			}
			return
		case <-tick.C:
		}
		if time.Since(start) < progressDelay {
			continue
		}
		var done, total float64
		for _, st := range p.watched() {
			getter, ok := st.(adbc.GetSetOptions)
			if !ok {
				continue
			}
			d, err1 := getter.GetOptionDouble(adbc.OptionKeyProgress)
			t, err2 := getter.GetOptionDouble(adbc.OptionKeyMaxProgress)
			if err1 == nil && err2 == nil {
				done += d
				total += t
			}
		}
		if total <= 0 {
			continue
		}
		fmt.Fprint(p.w, "\r"+progressLine(done, total, time.Since(start))+"\x1b[K")
		p.drawn = true
	}
}

// progressLine renders "[=====>    ]  45%  450,000/1,000,000 messages  2.1s".
func progressLine(done, total float64, elapsed time.Duration) string {
	const width = 30
	frac := min(max(done/total, 0), 1)
	filled := int(frac * width)
	bar := strings.Repeat("=", filled)
	if filled < width {
		bar += ">" + strings.Repeat(" ", width-filled-1)
	}
	return fmt.Sprintf("[%s] %3.0f%%  %s/%s messages  %.1fs", bar, frac*100,
		groupDigits(int64(done)), groupDigits(int64(total)), elapsed.Seconds())
}

// groupDigits writes n with thousands separators.
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Stop erases the bar and waits for it to stop drawing.
func (p *progressBar) Stop() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	p.done.Wait()
}
