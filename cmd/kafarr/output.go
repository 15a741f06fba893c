package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// The output formats of --format.
const (
	formatTable   = "table"
	formatCSV     = "csv"
	formatJSON    = "json"
	formatParquet = "parquet"
	formatArrow   = "arrow"
)

var formats = []string{formatTable, formatCSV, formatJSON, formatParquet, formatArrow}

func checkFormat(f string) error {
	for _, ok := range formats {
		if f == ok {
			return nil
		}
	}
	return usagef("--format %q: want one of %s", f, strings.Join(formats, ", "))
}

// binaryFormat reports formats that are not text, which a terminal should
// not receive.
func binaryFormat(f string) bool { return f == formatParquet || f == formatArrow }

// resultWriter writes a result's batches in one format. Close finishes the
// output (the Parquet footer, the Arrow end-of-stream marker, the table)
// and flushes it; it is called also when the read failed or was
// interrupted, so what was written stays readable.
type resultWriter interface {
	Write(rec arrow.RecordBatch) error
	// Flush pushes the rows written so far to the output, where the
	// format allows (--follow calls it after every batch).
	Flush() error
	Close() error
}

// writerConfig is what writers need besides the schema.
type writerConfig struct {
	format string
	mem    memory.Allocator
	table  tableConfig
	// stream makes the table print rows as they arrive (--follow) instead
	// of fitting the whole result.
	stream bool
}

func newResultWriter(w io.Writer, schema *arrow.Schema, cfg writerConfig) (resultWriter, error) {
	switch cfg.format {
	case formatTable:
		if cfg.stream {
			return newStreamTable(w, schema, cfg.table), nil
		}
		return newTableWriter(w, schema, cfg.table), nil
	case formatCSV:
		return newCSVWriter(w, schema), nil
	case formatJSON:
		return &jsonWriter{w: bufio.NewWriterSize(w, 1<<16), schema: schema}, nil
	case formatParquet:
		props := parquet.NewWriterProperties(parquet.WithAllocator(cfg.mem),
			parquet.WithCompression(compress.Codecs.Zstd), parquet.WithMaxRowGroupLength(1<<20))
		// pqarrow closes a destination that is an io.Closer; the caller
		// owns it (stdout, or the -o file it closes and checks).
		fw, err := pqarrow.NewFileWriter(schema, struct{ io.Writer }{w}, props, pqarrow.NewArrowWriterProperties(
			pqarrow.WithStoreSchema(), pqarrow.WithAllocator(cfg.mem)))
		if err != nil {
			return nil, fmt.Errorf("parquet: %v", err)
		}
		return &parquetWriter{fw: fw}, nil
	case formatArrow:
		bw := bufio.NewWriterSize(w, 1<<16)
		return &arrowWriter{bw: bw, iw: ipc.NewWriter(bw, ipc.WithSchema(schema), ipc.WithAllocator(cfg.mem))}, nil
	}
	return nil, checkFormat(cfg.format)
}

// csvWriter writes RFC 4180 CSV with a header row; a null is an empty
// field.
type csvWriter struct {
	bw   *bufio.Writer
	cw   *csv.Writer
	n    int
	row  []string
	ends []int
	buf  []byte
}

func newCSVWriter(w io.Writer, schema *arrow.Schema) *csvWriter {
	bw := bufio.NewWriterSize(w, 1<<16)
	c := &csvWriter{bw: bw, cw: csv.NewWriter(bw), n: schema.NumFields(),
		row: make([]string, schema.NumFields()), ends: make([]int, schema.NumFields())}
	for i, f := range schema.Fields() {
		c.row[i] = f.Name
	}
	_ = c.cw.Write(c.row)
	return c
}

func (c *csvWriter) Write(rec arrow.RecordBatch) error {
	cols := rec.Columns()
	for r := 0; r < int(rec.NumRows()); r++ {
		c.buf = c.buf[:0]
		for j, col := range cols {
			if !col.IsNull(r) {
				c.buf = appendText(c.buf, col, r, binaryBase64)
			}
			c.ends[j] = len(c.buf)
		}
		s := string(c.buf)
		prev := 0
		for j := range cols {
			c.row[j] = s[prev:c.ends[j]]
			prev = c.ends[j]
		}
		if err := c.cw.Write(c.row); err != nil {
			return err
		}
	}
	return c.cw.Error()
}

func (c *csvWriter) Flush() error {
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
}

func (c *csvWriter) Close() error {
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
}

// jsonWriter writes JSON Lines: one object per row, keys in column order.
type jsonWriter struct {
	w      *bufio.Writer
	schema *arrow.Schema
	buf    []byte
}

func (j *jsonWriter) Write(rec arrow.RecordBatch) error {
	cols := rec.Columns()
	names := make([][]byte, len(cols))
	for i, f := range j.schema.Fields() {
		names[i] = appendJSONString(nil, f.Name)
	}
	for r := 0; r < int(rec.NumRows()); r++ {
		b := append(j.buf[:0], '{')
		for i, col := range cols {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, names[i]...)
			b = append(b, ':')
			b = appendJSON(b, col, r)
		}
		b = append(b, '}', '\n')
		if _, err := j.w.Write(b); err != nil {
			return err
		}
		j.buf = b
	}
	return nil
}

func (j *jsonWriter) Flush() error { return j.w.Flush() }

func (j *jsonWriter) Close() error { return j.w.Flush() }

// parquetWriter writes one Parquet file (zstd), with the Arrow schema
// stored so that readers restore the exact types (time zones, unsigned
// integers, dictionaries).
type parquetWriter struct{ fw *pqarrow.FileWriter }

func (p *parquetWriter) Write(rec arrow.RecordBatch) error {
	if err := p.fw.WriteBuffered(rec); err != nil {
		return fmt.Errorf("parquet: %v", err)
	}
	return nil
}

// Flush does nothing: Parquet rows land in the file when their row group
// is complete.
func (p *parquetWriter) Flush() error { return nil }

func (p *parquetWriter) Close() error {
	if err := p.fw.Close(); err != nil {
		return fmt.Errorf("parquet: %v", err)
	}
	return nil
}

// arrowWriter writes the Arrow IPC stream format, for piping into other
// Arrow tools (pyarrow.ipc.open_stream, duckdb, polars.read_ipc_stream).
type arrowWriter struct {
	bw *bufio.Writer
	iw *ipc.Writer
}

func (a *arrowWriter) Write(rec arrow.RecordBatch) error { return a.iw.Write(rec) }

func (a *arrowWriter) Flush() error { return a.bw.Flush() }

func (a *arrowWriter) Close() error {
	err := a.iw.Close()
	if ferr := a.bw.Flush(); err == nil {
		err = ferr
	}
	return err
}
