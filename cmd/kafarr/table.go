package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/mattn/go-runewidth"
)

// tableConfig shapes the terminal table.
type tableConfig struct {
	// width is the terminal's width in columns; 0 means unlimited.
	width int
	// maxRows caps the rows shown: the first and last maxRows/2 with a
	// marker between; 0 shows every row.
	maxRows int
}

// minColumnWidth is how narrow fitting may squeeze a column (less when the
// column is narrower anyway).
const minColumnWidth = 6

// tableWriter prints a whole result as an aligned table, psql style,
// fitted to the terminal: the widest columns are truncated with "…" first,
// then columns that still do not fit are left out and named below the
// table. It keeps the rows it will show (all, or the first and last
// maxRows/2) until Close.
type tableWriter struct {
	w       io.Writer
	cfg     tableConfig
	names   []string
	numeric []bool
	head    [][]string
	tail    [][]string // ring buffer of the last rows
	tailAt  int
	total   int64
	buf     []byte
}

func newTableWriter(w io.Writer, schema *arrow.Schema, cfg tableConfig) *tableWriter {
	t := &tableWriter{w: w, cfg: cfg}
	for _, f := range schema.Fields() {
		t.names = append(t.names, f.Name)
		t.numeric = append(t.numeric, isNumeric(f.Type))
	}
	return t
}

// isNumeric reports types whose cells align right.
func isNumeric(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256:
		return true
	}
	return false
}

// rowCells renders row r of rec for the table.
func rowCells(rec arrow.RecordBatch, r int, buf *[]byte) []string {
	cells := make([]string, rec.NumCols())
	for j, col := range rec.Columns() {
		if col.IsNull(r) {
			cells[j] = "NULL"
			continue
		}
		*buf = appendText((*buf)[:0], col, r, binaryHex)
		cells[j] = cleanCell(string(*buf))
	}
	return cells
}

// cleanCell keeps a cell on one line: control characters show escaped.
func cleanCell(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return s
	}
	return strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s)
}

func (t *tableWriter) Write(rec arrow.RecordBatch) error {
	half := t.cfg.maxRows / 2
	for r := 0; r < int(rec.NumRows()); r++ {
		t.total++
		switch {
		case t.cfg.maxRows <= 0 || len(t.head) < t.cfg.maxRows-half:
			t.head = append(t.head, rowCells(rec, r, &t.buf))
		case len(t.tail) < half:
			t.tail = append(t.tail, rowCells(rec, r, &t.buf))
		default:
			t.tail[t.tailAt] = rowCells(rec, r, &t.buf)
			t.tailAt = (t.tailAt + 1) % len(t.tail)
		}
	}
	return nil
}

// Flush does nothing: the table is printed whole by Close.
func (t *tableWriter) Flush() error { return nil }

func (t *tableWriter) Close() error {
	rows := t.head
	tail := append(t.tail[t.tailAt:len(t.tail):len(t.tail)], t.tail[:t.tailAt]...)
	shown := int64(len(t.head) + len(tail))
	elided := t.total > shown

	widths := make([]int, len(t.names))
	for j, n := range t.names {
		widths[j] = runewidth.StringWidth(n)
	}
	for _, set := range [][][]string{rows, tail} {
		for _, row := range set {
			for j, c := range row {
				widths[j] = max(widths[j], runewidth.StringWidth(c))
			}
		}
	}
	keep := fitColumns(widths, t.cfg.width)

	bw := bufio.NewWriter(t.w)
	printRow(bw, t.names, widths[:keep], t.numeric)
	printRule(bw, widths[:keep])
	for _, row := range rows {
		printRow(bw, row, widths[:keep], t.numeric)
	}
	if elided {
		dots := make([]string, keep)
		for j := range dots {
			dots[j] = "…"
		}
		printRow(bw, dots, widths[:keep], t.numeric)
	}
	for _, row := range tail {
		printRow(bw, row, widths[:keep], t.numeric)
	}
	noun := "rows"
	if t.total == 1 {
		noun = "row"
	}
	if elided {
		fmt.Fprintf(bw, "(%d %s, %d shown; --max-rows 0 shows all)\n", t.total, noun, shown)
	} else {
		fmt.Fprintf(bw, "(%d %s)\n", t.total, noun)
	}
	if keep < len(t.names) {
		fmt.Fprintf(bw, "(%d more columns: %s; widen the terminal or use --format csv)\n",
			len(t.names)-keep, strings.Join(t.names[keep:], ", "))
	}
	return bw.Flush()
}

// fitColumns shrinks widths in place so the table fits in limit columns,
// narrowing the widest column first down to minColumnWidth, and returns
// how many leading columns fit (all when limit is 0).
func fitColumns(widths []int, limit int) int {
	if limit <= 0 {
		return len(widths)
	}
	// A line is " c1 | c2 | c3": each cell plus a space before it, and
	// " |" between cells.
	lineWidth := func(n int) int {
		w := 0
		for _, c := range widths[:n] {
			w += c + 3
		}
		return w - 2
	}
	for lineWidth(len(widths)) > limit {
		widest := -1
		for j, c := range widths {
			if c > minColumnWidth && (widest < 0 || c > widths[widest]) {
				widest = j
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
	}
	keep := len(widths)
	for keep > 1 && lineWidth(keep) > limit {
		keep--
	}
	return keep
}

// printRow prints cells padded (or truncated with "…") to widths.
func printRow(w *bufio.Writer, cells []string, widths []int, right []bool) {
	for j, width := range widths {
		if j > 0 {
			w.WriteString(" |")
		}
		c := cells[j]
		if runewidth.StringWidth(c) > width {
			c = runewidth.Truncate(c, width, "…")
		}
		pad := strings.Repeat(" ", width-runewidth.StringWidth(c))
		w.WriteByte(' ')
		if right[j] {
			w.WriteString(pad)
			w.WriteString(c)
		} else {
			w.WriteString(c)
			if j < len(widths)-1 {
				w.WriteString(pad)
			}
		}
	}
	w.WriteByte('\n')
}

// printRule prints the line under the header, as wide as the rows: a
// cell's width plus its space on each side, but one space at the line's
// end.
func printRule(w *bufio.Writer, widths []int) {
	for j, width := range widths {
		if j > 0 {
			w.WriteByte('+')
		}
		n := width + 2
		if j == len(widths)-1 {
			n--
		}
		w.WriteString(strings.Repeat("-", n))
	}
	w.WriteByte('\n')
}

// streamTable prints rows as they arrive (--follow): column widths come
// from the header and the first batch, fitted to the terminal, and later
// cells are truncated to them. Each batch is flushed at once.
type streamTable struct {
	w       io.Writer
	cfg     tableConfig
	names   []string
	numeric []bool
	widths  []int
	keep    int
	total   int64
	buf     []byte
}

func newStreamTable(w io.Writer, schema *arrow.Schema, cfg tableConfig) *streamTable {
	t := &streamTable{w: w, cfg: cfg}
	for _, f := range schema.Fields() {
		t.names = append(t.names, f.Name)
		t.numeric = append(t.numeric, isNumeric(f.Type))
	}
	return t
}

func (t *streamTable) Write(rec arrow.RecordBatch) error {
	rows := make([][]string, rec.NumRows())
	for r := range rows {
		rows[r] = rowCells(rec, r, &t.buf)
	}
	bw := bufio.NewWriter(t.w)
	if t.widths == nil {
		t.header(bw, rows)
	}
	for _, row := range rows {
		printRow(bw, row, t.widths[:t.keep], t.numeric)
	}
	t.total += int64(len(rows))
	return bw.Flush()
}

func (t *streamTable) header(bw *bufio.Writer, rows [][]string) {
	t.widths = make([]int, len(t.names))
	for j, n := range t.names {
		t.widths[j] = max(runewidth.StringWidth(n), minColumnWidth)
		for _, row := range rows {
			t.widths[j] = max(t.widths[j], runewidth.StringWidth(row[j]))
		}
	}
	t.keep = fitColumns(t.widths, t.cfg.width)
	printRow(bw, t.names, t.widths[:t.keep], t.numeric)
	printRule(bw, t.widths[:t.keep])
}

// Flush does nothing: Write prints each batch at once.
func (t *streamTable) Flush() error { return nil }

func (t *streamTable) Close() error {
	bw := bufio.NewWriter(t.w)
	if t.widths == nil {
		t.header(bw, nil)
	}
	fmt.Fprintf(bw, "(%d rows)\n", t.total)
	return bw.Flush()
}
