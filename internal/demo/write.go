package demo

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"os"
	"strings"
)

// csvWriter writes one extract; it counts rows for the summary.
type csvWriter struct {
	name string
	f    *os.File
	b    *bufio.Writer
	w    *csv.Writer
	rows int
	sum  Summary
	err  error
}

func (g *gen) csv(rel string, header []string) (*csvWriter, error) {
	p, err := g.path(rel)
	if err != nil {
		return nil, err
	}
	f, err := os.Create(p)
	if err != nil {
		return nil, err
	}
	b := bufio.NewWriterSize(f, 1<<20)
	w := &csvWriter{name: rel, f: f, b: b, w: csv.NewWriter(b), sum: g.sum}
	w.err = w.w.Write(header)
	return w, nil
}

func (w *csvWriter) row(fields ...string) {
	if w.err == nil {
		w.err = w.w.Write(fields)
		w.rows++
	}
}

// raw writes a line as is: the generator's way to put malformed lines in.
func (w *csvWriter) raw(line string) {
	w.w.Flush()
	if w.err == nil {
		_, w.err = w.b.WriteString(strings.TrimSuffix(line, "\n") + "\n")
		w.rows++
	}
}

func (w *csvWriter) close() error {
	w.w.Flush()
	if w.err == nil {
		w.err = w.w.Error()
	}
	if err := w.b.Flush(); w.err == nil {
		w.err = err
	}
	if err := w.f.Close(); w.err == nil {
		w.err = err
	}
	w.sum[w.name] = w.rows
	return w.err
}

// jsonWriter writes newline-delimited JSON objects with a fixed key order.
type jsonWriter struct {
	csvWriter
	keys []string
}

func (g *gen) ndjson(rel string, keys []string) (*jsonWriter, error) {
	p, err := g.path(rel)
	if err != nil {
		return nil, err
	}
	f, err := os.Create(p)
	if err != nil {
		return nil, err
	}
	return &jsonWriter{csvWriter: csvWriter{name: rel, f: f, b: bufio.NewWriterSize(f, 1<<20), sum: g.sum}, keys: keys}, nil
}

// obj writes one object; values are strings, json numbers/bools, or nil.
func (w *jsonWriter) obj(vals ...any) {
	if w.err != nil {
		return
	}
	var sb strings.Builder
	sb.WriteByte('{')
	for i, k := range w.keys {
		if i > 0 {
			sb.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(vals[i])
		if err != nil {
			w.err = err
			return
		}
		sb.Write(kb)
		sb.WriteByte(':')
		sb.Write(vb)
	}
	sb.WriteString("}\n")
	_, w.err = w.b.WriteString(sb.String())
	w.rows++
}

func (w *jsonWriter) close() error {
	if err := w.b.Flush(); w.err == nil {
		w.err = err
	}
	if err := w.f.Close(); w.err == nil {
		w.err = err
	}
	w.sum[w.name] = w.rows
	return w.err
}
