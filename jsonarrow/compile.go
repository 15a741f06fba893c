package jsonarrow

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/avroarrow"
)

// Arrow metadata keys set by the JSON mappings (FromJSONSchema, FromAvro,
// Infer) and read by NewDecoder.
const (
	// MetaType on a field says what JSON the column holds beyond its Arrow
	// type: TypeJSONText, or the JSON Schema format of a string column
	// ("uuid", "date-time", "date").
	MetaType = "kafarr.json.type"
	// MetaRequired is "true" on a field whose property must be present
	// (JSON Schema "required"; an Avro field that admits no null and has
	// no default). A message without it is a DecodeError.
	MetaRequired = "kafarr.json.required"
	// MetaRoot, in the schema metadata, is RootValue when the message is
	// not an object of columns but the value of the single column (a JSON
	// Schema or Avro schema that is not an object or a record).
	MetaRoot = "kafarr.json.root"
)

// Values of MetaType and MetaRoot.
const (
	// TypeJSONText marks a utf8 column holding the JSON text of any
	// value, as it appears in the message; JSON null reads as null.
	TypeJSONText = "json"
	// RootValue is the MetaRoot of a single-column schema whose column
	// is the whole message.
	RootValue = "value"
)

// op is what a node does with a JSON value.
type op uint8

const (
	opNull      op = iota // Arrow null: only JSON null
	opBool                // bool
	opInt                 // signed or unsigned integers of 1..8 bytes
	opFloat32             // float32
	opFloat64             // float64
	opString              // utf8
	opJSON                // utf8 JSON text of any value
	opBinary              // binary: a string of code points U+0000..U+00FF, one byte each (Avro's JSON encoding)
	opFixed               // fixed_size_binary, as opBinary with an exact length
	opDate                // date32: "YYYY-MM-DD" or days since the epoch
	opTimestamp           // timestamp: an RFC 3339 string or a count of the unit since the epoch
	opTime                // time32/time64: a count of the unit since midnight
	opDecimal             // decimal128/256: a number or a numeric string, exactly
	opEnum                // dictionary<int32, utf8>: a string among the symbols
	opStruct              // struct: an object
	opUnion               // struct of an Avro union's branches: the first branch taking the value's kind
	opList                // list: an array
	opMap                 // map<utf8, T>: an object
)

// node reads one JSON value into a column of its Arrow type.
type node struct {
	op       op
	name     string // the property, for struct children
	want     string // what the column takes, for errors: "integer", "string", ...
	tname    string // the Arrow type, for errors
	nullable bool
	required bool
	def      []byte // JSON text appended when the property is missing (an Avro default)

	width          int // opInt, opFixed: bytes per value
	negMax, posMax uint64
	unit           arrow.TimeUnit // opTimestamp, opTime
	precision      int32          // opDecimal
	scale          int32
	wide           bool             // opDecimal: decimal256
	symbols        map[string]int32 // opEnum

	fields []*node        // opStruct, opUnion: one per child column
	index  map[string]int // opStruct: property name -> child
	elem   *node          // opList: items; opMap: values
	// kinds, for opUnion, is the branch taking values that start with
	// each byte, or -1; kinds['.'] is the floating-point branch.
	kinds []int8
}

// compileField compiles the reader of one Arrow field. path locates it in
// errors.
func compileField(f arrow.Field, path string, depth int) (*node, error) {
	if depth > DefaultMaxDepth {
		return nil, &SchemaError{Path: path, Msg: fmt.Sprintf("columns nest deeper than %d levels", DefaultMaxDepth)}
	}
	n := &node{name: f.Name, nullable: f.Nullable, tname: f.Type.String()}
	if v, ok := f.Metadata.GetValue(MetaRequired); ok && v == "true" {
		n.required = true
	}
	if v, ok := f.Metadata.GetValue(avroarrow.MetaDefault); ok {
		if !json.Valid([]byte(v)) {
			return nil, &SchemaError{Path: path, Msg: "the default is not JSON"}
		}
		n.def = []byte(v)
	}
	jsonType, _ := f.Metadata.GetValue(MetaType)
	switch dt := f.Type.(type) {
	case *arrow.NullType:
		n.op, n.want, n.nullable = opNull, "null", true
	case *arrow.BooleanType:
		n.op, n.want = opBool, "boolean"
	case *arrow.Int8Type:
		n.setInt(1, 1<<7, 1<<7-1)
	case *arrow.Int16Type:
		n.setInt(2, 1<<15, 1<<15-1)
	case *arrow.Int32Type:
		n.setInt(4, 1<<31, 1<<31-1)
	case *arrow.Int64Type:
		n.setInt(8, 1<<63, 1<<63-1)
	case *arrow.Uint8Type:
		n.setInt(1, 0, math.MaxUint8)
	case *arrow.Uint16Type:
		n.setInt(2, 0, math.MaxUint16)
	case *arrow.Uint32Type:
		n.setInt(4, 0, math.MaxUint32)
	case *arrow.Uint64Type:
		n.setInt(8, 0, math.MaxUint64)
	case *arrow.Float32Type:
		n.op, n.want = opFloat32, "number"
	case *arrow.Float64Type:
		n.op, n.want = opFloat64, "number"
	case *arrow.StringType:
		n.op, n.want = opString, "string"
		if jsonType == TypeJSONText {
			n.op, n.want = opJSON, "JSON"
		}
	case *arrow.BinaryType:
		n.op, n.want = opBinary, "string"
	case *arrow.FixedSizeBinaryType:
		n.op, n.want, n.width = opFixed, "string", dt.ByteWidth
	case *arrow.Date32Type:
		n.op, n.want = opDate, "date"
	case *arrow.TimestampType:
		n.op, n.want, n.unit = opTimestamp, "date-time", dt.Unit
	case *arrow.Time32Type:
		n.op, n.want, n.unit, n.width = opTime, "integer", dt.Unit, 4
		n.posMax = 86400*uint64(time.Second/dt.Unit.Multiplier()) - 1
	case *arrow.Time64Type:
		n.op, n.want, n.unit, n.width = opTime, "integer", dt.Unit, 8
		n.posMax = 86400*uint64(time.Second/dt.Unit.Multiplier()) - 1
	case *arrow.Decimal128Type:
		n.op, n.want, n.precision, n.scale = opDecimal, "decimal", dt.Precision, dt.Scale
		n.def = decimalDefault(n.def, dt.Scale)
	case *arrow.Decimal256Type:
		n.op, n.want, n.precision, n.scale, n.wide = opDecimal, "decimal", dt.Precision, dt.Scale, true
		n.def = decimalDefault(n.def, dt.Scale)
	case *arrow.DictionaryType:
		i := f.Metadata.FindKey(avroarrow.MetaSymbols)
		if i < 0 || dt.IndexType.ID() != arrow.INT32 || dt.ValueType.ID() != arrow.STRING {
			return nil, &SchemaError{Path: path, Msg: fmt.Sprintf("unsupported dictionary type %s (an enum is dictionary<int32, utf8> with its symbols in %s)", dt, avroarrow.MetaSymbols)}
		}
		var symbols []string
		if err := json.Unmarshal([]byte(f.Metadata.Values()[i]), &symbols); err != nil {
			return nil, &SchemaError{Path: path, Msg: "bad enum symbols: " + err.Error()}
		}
		n.op, n.want = opEnum, "string"
		n.symbols = make(map[string]int32, len(symbols))
		for k, sym := range symbols {
			if _, dup := n.symbols[sym]; !dup {
				n.symbols[sym] = int32(k)
			}
		}
	case *arrow.StructType:
		if t, _ := f.Metadata.GetValue(avroarrow.MetaAvroType); t == "union" {
			return n, n.compileUnion(dt, path, depth)
		}
		n.op, n.want = opStruct, "object"
		n.index = make(map[string]int, dt.NumFields())
		for i, cf := range dt.Fields() {
			c, err := compileField(cf, path+"."+cf.Name, depth+1)
			if err != nil {
				return nil, err
			}
			n.fields = append(n.fields, c)
			if _, dup := n.index[cf.Name]; dup {
				return nil, &SchemaError{Path: path, Msg: fmt.Sprintf("two columns are named %q", cf.Name)}
			}
			n.index[cf.Name] = i
		}
	case *arrow.ListType:
		e, err := compileField(dt.ElemField(), path+"[]", depth+1)
		if err != nil {
			return nil, err
		}
		n.op, n.want, n.elem = opList, "array", e
	case *arrow.MapType:
		if dt.KeyType().ID() != arrow.STRING {
			return nil, &SchemaError{Path: path, Msg: fmt.Sprintf("map keys must be utf8 to read JSON object names, not %s", dt.KeyType())}
		}
		e, err := compileField(dt.ItemField(), path+"{}", depth+1)
		if err != nil {
			return nil, err
		}
		n.op, n.want, n.elem = opMap, "object", e
	default:
		return nil, &SchemaError{Path: path, Msg: fmt.Sprintf("kafarr reads no JSON into Arrow type %s", f.Type)}
	}
	return n, nil
}

func (n *node) setInt(width int, negMax, posMax uint64) {
	n.op, n.want, n.width, n.negMax, n.posMax = opInt, "integer", width, negMax, posMax
}

// compileUnion compiles an Avro union mapped to a struct of branches (the
// null branch left out): a value goes to the first branch that takes its
// kind of JSON value (a string, a number, an object, ...), and an integer
// to an integer branch before a floating-point one.
func (n *node) compileUnion(dt *arrow.StructType, path string, depth int) error {
	n.op, n.want = opUnion, "a value of the union"
	n.kinds = make([]int8, 256)
	for i := range n.kinds {
		n.kinds[i] = -1
	}
	set := func(bytes string, k int) {
		for _, b := range []byte(bytes) {
			if n.kinds[b] < 0 {
				n.kinds[b] = int8(k)
			}
		}
	}
	floatBranch := -1
	for k, cf := range dt.Fields() {
		if k > 127 {
			return &SchemaError{Path: path, Msg: "a union of more than 128 branches"}
		}
		c, err := compileField(cf, path+"<"+cf.Name+">", depth+1)
		if err != nil {
			return err
		}
		n.fields = append(n.fields, c)
		switch c.op {
		case opBool:
			set("tf", k)
		case opInt, opTime:
			set("-0123456789", k)
		case opFloat32, opFloat64, opDecimal:
			if floatBranch < 0 {
				floatBranch = k
			}
		case opString, opBinary, opFixed, opEnum, opDate:
			set(`"`, k)
		case opTimestamp:
			set(`"-0123456789`, k)
		case opStruct, opMap:
			set("{", k)
		case opList:
			set("[", k)
		case opJSON:
			set(`"{[tf-0123456789`, k)
		}
	}
	if floatBranch >= 0 {
		// Numbers with a fraction or exponent go to the floating-point
		// branch; Decode checks which a number is.
		n.kinds['.'] = int8(floatBranch)
		set("-0123456789", floatBranch)
	}
	return nil
}

// decimalDefault turns the Avro default of a decimal, a string of the
// unscaled value's big-endian two's complement bytes (one character per
// byte), into the decimal's text, which the decoder reads like a message's
// value. Any other default is kept as it is.
func decimalDefault(def []byte, scale int32) []byte {
	var s string
	if def == nil || json.Unmarshal(def, &s) != nil {
		return def
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return def
		}
		b = append(b, byte(r))
	}
	v := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	text := new(big.Rat).SetFrac(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(scale, 0))), nil)).FloatString(int(max(scale, 0)))
	out, _ := json.Marshal(text)
	return out
}
