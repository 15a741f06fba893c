package avroarrow

// Random Avro schemas and values for differential and fuzz tests, shared by
// the decoder's and the encoder's tests.
//
// API:
//
//	randomSchema(r *rand.Rand, depth int) string
//	    The JSON text of a random record schema. depth bounds the nesting
//	    of records, arrays, maps and unions (2 or 3 gives a good mix).
//	    Across a few dozen calls every row of the type mapping table
//	    appears: all primitives, fixed, enum, nested records, arrays (of
//	    records too), maps (of unions too), nullable unions in both orders,
//	    one-branch and multi-branch unions with and without null, decimals
//	    on bytes and fixed (decimal128 and decimal256), uuid on string and
//	    fixed(16), date, time-millis/-micros, timestamp-millis/-micros/-nanos,
//	    local-timestamp-millis/-micros/-nanos and duration. Named types are
//	    sometimes reused by reference. It has no recursive types and no
//	    field defaults.
//
//	randomNative(r *rand.Rand, s *Schema) any
//	    A random value of s in goavro's native form, which
//	    goavro.Codec.BinaryFromNative accepts: nil, bool, int32, int64,
//	    float32, float64, []byte (bytes and fixed), string (string, uuid
//	    text and enum symbols), []any, map[string]any (maps and records),
//	    map[string]any{goavroBranchName(branch): v} for a non-null union
//	    branch, *big.Rat for decimals. Date, time and timestamp logical
//	    types are given as their underlying int32 or int64, which goavro
//	    accepts (it decodes some of them to time.Time/time.Duration; see
//	    goavroBranchName); times of day stay within a day. Duration fields carry months, days and millis
//	    below 2^31. Floats are sometimes NaN or infinite.
//
//	goavroBranchName(s *Schema) string
//	    The key goavro uses for a union branch: "int.date",
//	    "long.timestamp-millis", "bytes.decimal", ... for the logical types
//	    goavro knows, the full name for named types, else the type name.

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/linkedin/goavro/v2"
)

// genState carries the named types defined so far in one schema, so later
// fields can refer to them and names stay unique.
type genState struct {
	r     *rand.Rand
	n     int      // counter for unique names
	named []string // JSON references ("gen.E3") to reusable named types
}

func randomSchema(r *rand.Rand, depth int) string {
	g := &genState{r: r}
	return g.record(depth, true)
}

// name returns a new unique name. Every named type gets an explicit
// namespace, so its full name does not depend on where it is defined.
func (g *genState) name(prefix string) (short, full, nsAttr string) {
	g.n++
	short = fmt.Sprintf("%s%d", prefix, g.n)
	ns := "gen"
	if g.r.Intn(3) == 0 {
		ns = "gen.ns"
	}
	return short, ns + "." + short, `,"namespace":"` + ns + `"`
}

// define registers a named type for later references and returns its JSON.
func (g *genState) define(full, json string) string {
	g.named = append(g.named, `"`+full+`"`)
	return json
}

func (g *genState) record(depth int, top bool) string {
	short, full, ns := g.name("R")
	nf := 1 + g.r.Intn(5)
	if top {
		nf = 1 + g.r.Intn(7)
	}
	fields := make([]string, nf)
	for i := range fields {
		fields[i] = fmt.Sprintf(`{"name":"f%d","type":%s}`, i, g.any(depth-1))
	}
	if !top {
		defer func() { g.named = append(g.named, `"`+full+`"`) }()
	}
	return fmt.Sprintf(`{"type":"record","name":"%s"%s,"fields":[%s]}`, short, ns, strings.Join(fields, ","))
}

// leafKinds are the schemas without children; any draws from them and from
// the nested kinds while depth allows.
var leafKinds = []func(g *genState) string{
	func(*genState) string { return `"null"` },
	func(*genState) string { return `"boolean"` },
	func(*genState) string { return `"int"` },
	func(*genState) string { return `"long"` },
	func(*genState) string { return `"float"` },
	func(*genState) string { return `"double"` },
	func(*genState) string { return `"bytes"` },
	func(*genState) string { return `"string"` },
	func(g *genState) string {
		short, full, ns := g.name("F")
		return g.define(full, fmt.Sprintf(`{"type":"fixed","name":"%s"%s,"size":%d}`, short, ns, 1+g.r.Intn(8)))
	},
	func(g *genState) string {
		short, full, ns := g.name("E")
		n := 1 + g.r.Intn(5)
		syms := make([]string, n)
		for i := range syms {
			syms[i] = fmt.Sprintf(`"S%d"`, i)
		}
		return g.define(full, fmt.Sprintf(`{"type":"enum","name":"%s"%s,"symbols":[%s]}`, short, ns, strings.Join(syms, ",")))
	},
	func(g *genState) string {
		p := 1 + g.r.Intn(38)
		if g.r.Intn(4) == 0 {
			p = 39 + g.r.Intn(38) // decimal256
		}
		return fmt.Sprintf(`{"type":"bytes","logicalType":"decimal","precision":%d,"scale":%d}`, p, g.r.Intn(p+1))
	},
	func(g *genState) string {
		size := 1 + g.r.Intn(32)
		p := 1 + g.r.Intn(int(maxDecimalDigits(size)))
		if p > 76 {
			p = 76
		}
		short, full, ns := g.name("D")
		return g.define(full, fmt.Sprintf(`{"type":"fixed","name":"%s"%s,"size":%d,"logicalType":"decimal","precision":%d,"scale":%d}`,
			short, ns, size, p, g.r.Intn(p+1)))
	},
	func(*genState) string { return `{"type":"string","logicalType":"uuid"}` },
	func(g *genState) string {
		short, full, ns := g.name("U")
		return g.define(full, fmt.Sprintf(`{"type":"fixed","name":"%s"%s,"size":16,"logicalType":"uuid"}`, short, ns))
	},
	func(*genState) string { return `{"type":"int","logicalType":"date"}` },
	func(*genState) string { return `{"type":"int","logicalType":"time-millis"}` },
	func(*genState) string { return `{"type":"long","logicalType":"time-micros"}` },
	func(*genState) string { return `{"type":"long","logicalType":"timestamp-millis"}` },
	func(*genState) string { return `{"type":"long","logicalType":"timestamp-micros"}` },
	func(*genState) string { return `{"type":"long","logicalType":"timestamp-nanos"}` },
	func(*genState) string { return `{"type":"long","logicalType":"local-timestamp-millis"}` },
	func(*genState) string { return `{"type":"long","logicalType":"local-timestamp-micros"}` },
	func(*genState) string { return `{"type":"long","logicalType":"local-timestamp-nanos"}` },
	func(g *genState) string {
		short, full, ns := g.name("Dur")
		return g.define(full, fmt.Sprintf(`{"type":"fixed","name":"%s"%s,"size":12,"logicalType":"duration"}`, short, ns))
	},
}

func (g *genState) any(depth int) string {
	if depth <= 0 || g.r.Intn(3) == 0 {
		if len(g.named) > 0 && g.r.Intn(8) == 0 {
			return g.named[g.r.Intn(len(g.named))]
		}
		return g.leaf()
	}
	switch g.r.Intn(4) {
	case 0:
		return g.record(depth, false)
	case 1:
		return fmt.Sprintf(`{"type":"array","items":%s}`, g.any(depth-1))
	case 2:
		return fmt.Sprintf(`{"type":"map","values":%s}`, g.any(depth-1))
	default:
		return g.union(depth)
	}
}

func (g *genState) leaf() string {
	return leafKinds[g.r.Intn(len(leafKinds))](g)
}

// union returns a union schema: nullable in either order most of the time,
// otherwise one to four distinct branches with or without null.
func (g *genState) union(depth int) string {
	var branches []string
	seen := map[string]bool{}
	add := func(s string, saved int) {
		key := branchKeyOfJSON(s)
		if key == "" || seen[key] {
			// Forget the named types the discarded branch defined.
			g.named = g.named[:saved]
			return
		}
		seen[key] = true
		branches = append(branches, s)
	}
	switch g.r.Intn(4) {
	case 0:
		add(`"null"`, len(g.named))
		saved := len(g.named)
		add(g.nonUnion(depth-1), saved)
	case 1:
		saved := len(g.named)
		add(g.nonUnion(depth-1), saved)
		add(`"null"`, len(g.named))
	default:
		n := 1 + g.r.Intn(4)
		for i := 0; i < n*3 && len(branches) < n; i++ {
			saved := len(g.named)
			add(g.nonUnion(depth-1), saved)
		}
		if g.r.Intn(2) == 0 {
			add(`"null"`, len(g.named))
		}
	}
	return "[" + strings.Join(branches, ",") + "]"
}

// nonUnion is any schema but a union, which a union cannot hold directly.
func (g *genState) nonUnion(depth int) string {
	for {
		save := len(g.named)
		s := g.any(depth)
		if !strings.HasPrefix(s, "[") {
			return s
		}
		g.named = g.named[:save]
	}
}

// branchKeyOfJSON returns the BranchName of a branch's JSON, so the
// generator never repeats a type within a union.
func branchKeyOfJSON(s string) string {
	var doc any
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		panic(err)
	}
	switch v := doc.(type) {
	case string:
		return v // a primitive or a reference by full name
	case map[string]any:
		t, _ := v["type"].(string)
		if t == "record" || t == "enum" || t == "fixed" {
			return v["namespace"].(string) + "." + v["name"].(string)
		}
		return t
	}
	return ""
}

func goavroBranchName(s *Schema) string {
	switch s.Logical {
	case LogicalDate, LogicalTimeMillis:
		return "int." + s.Logical
	case LogicalTimeMicros, LogicalTimestampMillis, LogicalTimestampMicros:
		return "long." + s.Logical
	case LogicalDecimal:
		if s.Type == TypeBytes {
			return "bytes.decimal"
		}
	}
	return s.BranchName()
}

func randomNative(r *rand.Rand, s *Schema) any {
	switch s.Logical {
	case LogicalDecimal:
		return randomDecimal(r, s)
	case LogicalUUID:
		if s.Type == TypeString {
			b := make([]byte, 16)
			r.Read(b)
			return formatUUIDForTest(b)
		}
	case LogicalTimeMillis:
		// A time of day; goavro's time.Duration would overflow far beyond.
		return int32(r.Int63n(86_400_000))
	case LogicalTimeMicros:
		return r.Int63n(86_400_000_000)
	case LogicalDuration:
		b := make([]byte, 12)
		for i := 0; i < 12; i += 4 {
			v := uint32(r.Int31())
			if r.Intn(3) == 0 {
				v %= 100
			}
			b[i], b[i+1], b[i+2], b[i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
		}
		return b
	}
	switch s.Type {
	case TypeNull:
		return nil
	case TypeBoolean:
		return r.Intn(2) == 0
	case TypeInt:
		return int32(randomInt64(r))
	case TypeLong:
		return randomInt64(r)
	case TypeFloat:
		return float32(randomFloat(r))
	case TypeDouble:
		return randomFloat(r)
	case TypeBytes:
		b := make([]byte, r.Intn(12))
		r.Read(b)
		return b
	case TypeString:
		return randomString(r)
	case TypeFixed:
		b := make([]byte, s.Size)
		r.Read(b)
		return b
	case TypeEnum:
		return s.Symbols[r.Intn(len(s.Symbols))]
	case TypeArray:
		out := make([]any, r.Intn(4))
		for i := range out {
			out[i] = randomNative(r, s.Items)
		}
		return out
	case TypeMap:
		n := r.Intn(4)
		out := make(map[string]any, n)
		for i := 0; i < n; i++ {
			out[randomString(r)] = randomNative(r, s.Values)
		}
		return out
	case TypeRecord:
		out := make(map[string]any, len(s.Fields))
		for _, f := range s.Fields {
			out[f.Name] = randomNative(r, f.Type)
		}
		return out
	case TypeUnion:
		b := s.Branches[r.Intn(len(s.Branches))]
		if b.Type == TypeNull {
			return nil
		}
		return map[string]any{goavroBranchName(b): randomNative(r, b)}
	}
	panic(fmt.Sprintf("randomNative: unhandled type %s", s.Type))
}

// randomInt64 favours small magnitudes and the edges, where varint and
// zigzag bugs hide.
func randomInt64(r *rand.Rand) int64 {
	switch r.Intn(6) {
	case 0:
		return int64(r.Intn(256)) - 128
	case 1:
		return []int64{0, 1, -1, 63, -64, 64, -65, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64}[r.Intn(11)]
	case 2:
		return r.Int63n(1<<40) - 1<<39
	default:
		return int64(r.Uint64())
	}
}

func randomFloat(r *rand.Rand) float64 {
	switch r.Intn(12) {
	case 0:
		return math.NaN()
	case 1:
		return math.Inf(1 - 2*r.Intn(2))
	case 2:
		return 0
	default:
		return r.NormFloat64() * math.Pow(10, float64(r.Intn(20)-10))
	}
}

func randomString(r *rand.Rand) string {
	runes := []rune{'a', 'Z', '0', ' ', 'é', 'ß', '€', '中', '😀', '\n', '"', '\\'}
	n := r.Intn(10)
	var b strings.Builder
	for i := 0; i < n; i++ {
		if r.Intn(2) == 0 {
			b.WriteRune(rune('a' + r.Intn(26)))
		} else {
			b.WriteRune(runes[r.Intn(len(runes))])
		}
	}
	if !utf8.ValidString(b.String()) {
		panic("randomString made invalid UTF-8")
	}
	return b.String()
}

// randomDecimal returns an unscaled integer of up to Precision digits (and
// fitting a fixed's size) divided by 10^Scale; never zero for fixed.
func randomDecimal(r *rand.Rand, s *Schema) *big.Rat {
	digits := 1 + r.Intn(s.Precision)
	var b strings.Builder
	if r.Intn(2) == 0 {
		b.WriteByte('-')
	}
	for i := 0; i < digits; i++ {
		b.WriteByte(byte('0' + r.Intn(10)))
	}
	n, _ := new(big.Int).SetString(b.String(), 10)
	if s.Type == TypeFixed && n.Sign() == 0 {
		// goavro 2.15 encodes a fixed decimal zero as one byte and then
		// rejects it for the wrong size.
		n.SetInt64(1)
	}
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(s.Scale)), nil)
	return new(big.Rat).SetFrac(n, den)
}

// formatUUIDForTest renders 16 bytes as canonical 8-4-4-4-12 hex text.
func formatUUIDForTest(b []byte) string {
	const hex = "0123456789abcdef"
	var out []byte
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&15])
	}
	return string(out)
}

// TestRandomSchemas checks that the generator's schemas parse here and in
// goavro, that goavro round-trips its values, and that together they cover
// every row of the type mapping table.
func TestRandomSchemas(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	seen := map[string]bool{}
	var walk func(s *Schema, visited map[*Schema]bool)
	walk = func(s *Schema, visited map[*Schema]bool) {
		if visited[s] {
			return
		}
		visited[s] = true
		key := s.Type.String()
		if s.Logical != "" {
			key += "." + s.Logical
		}
		if s.Type == TypeUnion {
			_, _, nullable := s.NullableBranch()
			hasNull := false
			for _, b := range s.Branches {
				hasNull = hasNull || b.Type == TypeNull
			}
			key = fmt.Sprintf("union nullable=%v null=%v n=%d", nullable, hasNull, min(len(s.Branches), 3))
		}
		if s.Logical == LogicalDecimal && s.Precision > 38 {
			key += "256"
		}
		seen[key] = true
		for _, f := range s.Fields {
			walk(f.Type, visited)
		}
		for _, b := range s.Branches {
			walk(b, visited)
		}
		if s.Items != nil {
			walk(s.Items, visited)
		}
		if s.Values != nil {
			walk(s.Values, visited)
		}
	}
	for i := 0; i < 300; i++ {
		text := randomSchema(r, 3)
		s, err := Parse(text)
		if err != nil {
			t.Fatalf("schema %d does not parse: %v\n%s", i, err, text)
		}
		walk(s, map[*Schema]bool{})
		codec, err := goavro.NewCodec(text)
		if err != nil {
			t.Fatalf("goavro rejects schema %d: %v\n%s", i, err, text)
		}
		for j := 0; j < 3; j++ {
			v := randomNative(r, s)
			bin, err := codec.BinaryFromNative(nil, v)
			if err != nil {
				t.Fatalf("goavro cannot encode %#v for %s: %v", v, text, err)
			}
			if _, rest, err := codec.NativeFromBinary(bin); err != nil || len(rest) != 0 {
				t.Fatalf("goavro cannot decode its own encoding for %s: %v", text, err)
			}
		}
	}
	want := []string{"null", "boolean", "int", "long", "float", "double", "bytes", "string", "fixed", "enum",
		"record", "array", "map", "bytes.decimal", "bytes.decimal256", "fixed.decimal", "fixed.decimal256",
		"string.uuid", "fixed.uuid", "int.date", "int.time-millis", "long.time-micros",
		"long.timestamp-millis", "long.timestamp-micros", "long.timestamp-nanos",
		"long.local-timestamp-millis", "long.local-timestamp-micros", "long.local-timestamp-nanos", "fixed.duration",
		"union nullable=true null=true n=2", "union nullable=false null=false n=1", "union nullable=false null=false n=2",
		"union nullable=false null=false n=3", "union nullable=false null=true n=3", "union nullable=false null=true n=1"}
	for _, k := range want {
		if !seen[k] {
			t.Errorf("300 random schemas never produced %s", k)
		}
	}
}
