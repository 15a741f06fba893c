package jsonarrow

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/rand"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
)

// TestDifferential decodes random JSON documents of random JSON Schemas
// with the decoder and with encoding/json (into interface{}, numbers as
// json.Number), and checks that each row is exactly what encoding/json's
// value says under the mapping's rules, or that both the decoder and the
// rules refuse it. Documents vary formatting, escapes, number spellings
// (1.0, 1e2, -0), property order, unknown and repeated properties, and
// now and then put a value of the wrong kind somewhere.
func TestDifferential(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	schemas, docs := 60, 60
	if testing.Short() {
		schemas = 10
	}
	for i := range schemas {
		g := &docGen{r: r}
		text := g.schema(0)
		s := mustSchema(t, text)
		var msgs []string
		for range docs {
			msgs = append(msgs, g.doc(text))
		}
		got, errs := decodeAll(t, s, msgs...)
		k := 0
		for j, m := range msgs {
			dec := json.NewDecoder(strings.NewReader(m))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("schema %d: generated invalid JSON %q: %v", i, m, err)
			}
			want, ok := expectRow(s, v)
			switch {
			case !ok && errs[j] == "":
				t.Errorf("schema %d %s\nmessage %q decoded to %#v; the rules refuse it", i, text, m, got[k])
				k++
			case ok && errs[j] != "":
				t.Errorf("schema %d %s\nmessage %q: %s; want %#v", i, text, m, errs[j], want)
			case ok:
				if !reflect.DeepEqual(got[k], want) {
					t.Errorf("schema %d %s\nmessage %q:\n got %#v\nwant %#v", i, text, m, got[k], want)
				}
				k++
			}
		}
	}
}

// expectRow applies the mapping's rules to encoding/json's value of a
// message: the row the decoder must produce, or false if it must refuse.
func expectRow(s *arrow.Schema, v any) (row, bool) {
	out := row{}
	if v == nil {
		for _, f := range s.Fields() {
			out[f.Name] = nil
		}
		return out, true
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	for _, f := range s.Fields() {
		x, ok := expectProp(f, obj)
		if !ok {
			return nil, false
		}
		out[f.Name] = x
	}
	return out, true
}

func expectProp(f arrow.Field, obj map[string]any) (any, bool) {
	v, present := obj[f.Name]
	if !present {
		req, _ := f.Metadata.GetValue(MetaRequired)
		return nil, req != "true" && f.Nullable
	}
	return expectValue(f, v)
}

func expectValue(f arrow.Field, v any) (any, bool) {
	if v == nil {
		return nil, f.Nullable
	}
	switch dt := f.Type.(type) {
	case *arrow.Int64Type:
		n, ok := v.(json.Number)
		if !ok {
			return nil, false
		}
		r, ok := new(big.Rat).SetString(string(n))
		if !ok || !r.IsInt() || !r.Num().IsInt64() {
			return nil, false
		}
		return r.Num().Int64(), true
	case *arrow.Float64Type:
		n, ok := v.(json.Number)
		if !ok {
			return nil, false
		}
		x, err := strconv.ParseFloat(string(n), 64)
		return x, err == nil
	case *arrow.BooleanType:
		b, ok := v.(bool)
		return b, ok
	case *arrow.StringType:
		if isJSONText(f) {
			return v, true
		}
		s, ok := v.(string)
		return s, ok
	case *arrow.TimestampType:
		if n, ok := v.(json.Number); ok {
			i, err := strconv.ParseInt(string(n), 10, 64)
			return arrow.Timestamp(i), err == nil // a count of the unit
		}
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		ts, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, false
		}
		return arrow.Timestamp(ts.UnixMicro()), true
	case *arrow.Date32Type:
		if n, ok := v.(json.Number); ok {
			i, err := strconv.ParseInt(string(n), 10, 32)
			return arrow.Date32(i), err == nil // days since the epoch
		}
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, false
		}
		return arrow.Date32(d.Unix() / 86400), true
	case *arrow.DictionaryType:
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		var symbols []string
		sym, _ := f.Metadata.GetValue("kafarr.avro.symbols")
		_ = json.Unmarshal([]byte(sym), &symbols)
		for _, x := range symbols {
			if x == s {
				return s, true
			}
		}
		return nil, false
	case *arrow.StructType:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		out := map[string]any{}
		for _, cf := range dt.Fields() {
			x, ok := expectProp(cf, obj)
			if !ok {
				return nil, false
			}
			out[cf.Name] = x
		}
		return out, true
	case *arrow.ListType:
		items, ok := v.([]any)
		if !ok {
			return nil, false
		}
		out := []any{}
		for _, it := range items {
			x, ok := expectValue(dt.ElemField(), it)
			if !ok {
				return nil, false
			}
			out = append(out, x)
		}
		return out, true
	case *arrow.MapType:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		out := map[string]any{}
		for k, it := range obj {
			x, ok := expectValue(dt.ItemField(), it)
			if !ok {
				return nil, false
			}
			out[k] = x
		}
		return out, true
	case *arrow.NullType:
		return nil, false
	}
	panic(fmt.Sprintf("no rule for %s", f.Type))
}

// docGen generates random JSON Schemas and documents that mostly fit
// them.
type docGen struct {
	r     *rand.Rand
	names int
	// clean > 0 writes only values that fit: the earlier values of a
	// repeated property must fit too, since the decoder reads each.
	clean int
}

func (g *docGen) name() string {
	g.names++
	pool := []string{"a", "id", "price", "é", "tab\t", "q\"uote", "x/y", "😀", "long_property_name_over_sixteen"}
	return pool[g.r.Intn(len(pool))] + strconv.Itoa(g.names)
}

// schema returns a random object schema.
func (g *docGen) schema(depth int) string {
	n := 1 + g.r.Intn(6)
	var props, req []string
	for range n {
		name := g.name()
		props = append(props, strconv.Quote(name)+":"+g.propSchema(depth+1))
		if g.r.Intn(3) == 0 {
			req = append(req, strconv.Quote(name))
		}
	}
	return `{"type":"object","properties":{` + strings.Join(props, ",") + `},"required":[` + strings.Join(req, ",") + `]}`
}

func (g *docGen) propSchema(depth int) string {
	k := g.r.Intn(12)
	if depth > 3 && k >= 8 {
		k = g.r.Intn(8)
	}
	var s string
	switch k {
	case 0:
		s = `{"type":"integer"}`
	case 1:
		s = `{"type":"number"}`
	case 2:
		s = `{"type":"string"}`
	case 3:
		s = `{"type":"boolean"}`
	case 4:
		s = `{"type":"string","format":"date-time"}`
	case 5:
		s = `{"type":"string","format":"date"}`
	case 6:
		s = `{"enum":["A","B","\u00e9"]}`
	case 7:
		s = `{}`
	case 8, 9:
		s = g.schema(depth)
	case 10:
		s = `{"type":"array","items":` + g.propSchema(depth+1) + `}`
	default:
		s = `{"type":"object","additionalProperties":` + g.propSchema(depth+1) + `}`
	}
	if g.r.Intn(4) == 0 {
		s = `{"oneOf":[{"type":"null"},` + s + `]}`
	}
	return s
}

// doc returns a random document for the schema text, parsed again to walk
// it.
func (g *docGen) doc(schemaText string) string {
	root, _ := parseDoc(schemaText)
	var b strings.Builder
	g.value(&b, root, 0)
	return b.String()
}

func (g *docGen) ws(b *strings.Builder) {
	if g.r.Intn(4) == 0 {
		b.WriteString([]string{" ", "\n", "\t", "\r\n  "}[g.r.Intn(4)])
	}
}

// value writes a value for schema s: mostly a fitting one, now and then
// null, a value of another kind, or (for objects) with properties
// missing, unknown or repeated.
func (g *docGen) value(b *strings.Builder, s *jnode, depth int) {
	g.ws(b)
	defer g.ws(b)
	switch g.r.Intn(40) {
	case 0:
		if g.clean == 0 {
			b.WriteString("null")
			return
		}
	case 1:
		if g.clean == 0 {
			g.any(b, depth)
			return
		}
	}
	if alts := s.get("oneOf"); alts != nil {
		s = alts.vals[1]
	}
	if e := s.get("enum"); e != nil {
		g.str(b, e.vals[g.r.Intn(len(e.vals))].str)
		return
	}
	t := s.get("type")
	if t == nil {
		g.any(b, depth)
		return
	}
	switch t.str {
	case "integer":
		v := g.r.Int63n(1<<62) - 1<<61
		switch g.r.Intn(6) {
		case 0:
			fmt.Fprintf(b, "%d.0", v%1000)
		case 1:
			fmt.Fprintf(b, "%de2", v%1000)
		case 2:
			b.WriteString([]string{"9223372036854775807", "-9223372036854775808", "-0", "9223372036854775808", "1.5"}[g.r.Intn(5-2*min(g.clean, 1))])
		default:
			fmt.Fprintf(b, "%d", v>>uint(g.r.Intn(60)))
		}
	case "number":
		switch g.r.Intn(4) {
		case 0:
			b.WriteString(strconv.FormatFloat(g.r.NormFloat64()*math.Pow(10, float64(g.r.Intn(40)-20)), 'g', -1, 64))
		case 1:
			fmt.Fprintf(b, "%d.%05d", g.r.Intn(100), g.r.Intn(100000))
		case 2:
			if g.clean > 0 {
				b.WriteString("5e-324")
			} else {
				b.WriteString([]string{"1e308", "1e309", "-0.0", "5e-324", "123456789012345678901234567890", "0.1e1"}[g.r.Intn(6)])
			}
		default:
			fmt.Fprintf(b, "%d", g.r.Intn(1e6)-5e5)
		}
	case "boolean":
		b.WriteString([]string{"true", "false"}[g.r.Intn(2)])
	case "string":
		switch f := s.get("format"); {
		case f == nil:
			g.str(b, g.text())
		case f.str == "date-time":
			ts := time.Unix(g.r.Int63n(4e9)-1e9, g.r.Int63n(1e9)).In(time.FixedZone("", (g.r.Intn(48)-24)*1800))
			g.str(b, ts.Format([]string{time.RFC3339, time.RFC3339Nano, "2006-01-02T15:04:05.000000Z07:00"}[g.r.Intn(3)]))
		default:
			g.str(b, time.Unix(g.r.Int63n(4e9)-2e9, 0).UTC().Format(time.DateOnly))
		}
	case "array":
		b.WriteByte('[')
		for i := range g.r.Intn(4) {
			if i > 0 {
				b.WriteByte(',')
			}
			g.value(b, s.get("items"), depth+1)
		}
		b.WriteByte(']')
	case "object":
		b.WriteByte('{')
		first := true
		comma := func() {
			if !first {
				b.WriteByte(',')
			}
			first = false
			g.ws(b)
		}
		if props := s.get("properties"); props != nil {
			order := g.r.Perm(len(props.keys))
			for _, i := range order {
				if g.clean == 0 && g.r.Intn(5) == 0 {
					continue // missing
				}
				if g.r.Intn(6) == 0 { // repeated: the earlier value must fit
					g.clean++
					comma()
					g.str(b, props.keys[i])
					b.WriteByte(':')
					g.value(b, props.vals[i], depth+1)
					g.clean--
				}
				comma()
				g.str(b, props.keys[i])
				b.WriteByte(':')
				g.value(b, props.vals[i], depth+1)
				if g.r.Intn(6) == 0 {
					comma()
					g.str(b, "unknown"+strconv.Itoa(g.r.Intn(100)))
					b.WriteByte(':')
					g.any(b, depth+1)
				}
			}
		} else {
			seen := map[string]bool{}
			for range g.r.Intn(4) {
				k := g.text()
				if seen[k] {
					continue // encoding/json keeps the last; the map column every entry
				}
				seen[k] = true
				comma()
				g.str(b, k)
				b.WriteByte(':')
				g.value(b, s.get("additionalProperties"), depth+1)
			}
		}
		b.WriteByte('}')
	}
}

// any writes a random value of any kind.
func (g *docGen) any(b *strings.Builder, depth int) {
	k := g.r.Intn(7)
	if depth > 4 {
		k %= 5
	}
	switch k {
	case 0:
		b.WriteString("null")
	case 1:
		b.WriteString("true")
	case 2:
		fmt.Fprintf(b, "%d", g.r.Intn(1000))
	case 3:
		b.WriteString("-1.25e-3")
	case 4:
		g.str(b, g.text())
	case 5:
		b.WriteString("[")
		for i := range g.r.Intn(3) {
			if i > 0 {
				b.WriteByte(',')
			}
			g.any(b, depth+1)
		}
		b.WriteString("]")
	default:
		b.WriteString(`{"k":`)
		g.any(b, depth+1)
		b.WriteString("}")
	}
}

func (g *docGen) text() string {
	pool := []string{"", "EUR/USD", "é", "€", "😀", "a\"b", "back\\slash", "ctl\x01\n", "\u2028", "long text that runs past sixteen bytes"}
	var parts []string
	for range 1 + g.r.Intn(3) {
		parts = append(parts, pool[g.r.Intn(len(pool))])
	}
	return strings.Join(parts, "")
}

// str writes s as a JSON string, escaping some characters that need no
// escape (as \u escapes, surrogate pairs included) and writing others as
// they are.
func (g *docGen) str(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || g.r.Intn(8) == 0:
			if r >= 0x10000 {
				hi, lo := (r-0x10000)>>10+0xd800, (r-0x10000)&0x3ff+0xdc00
				fmt.Fprintf(b, `\u%04x\u%04X`, hi, lo)
			} else if r == '\n' && g.r.Intn(2) == 0 {
				b.WriteString(`\n`)
			} else {
				fmt.Fprintf(b, `\u%04x`, r)
			}
		case r == '/' && g.r.Intn(2) == 0:
			b.WriteString(`\/`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	_ = utf8.RuneError
}
