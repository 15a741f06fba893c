package jsonarrow

// The type rules of the encoder: which Arrow column goes into which target
// property, and how, compiled into enode kinds.

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/avroarrow"
)

// intRange returns the range of an integer Arrow type.
func intRange(dt arrow.DataType) (width int, signed bool, lo, hi int64, uhi uint64, ok bool) {
	switch dt.ID() {
	case arrow.INT8:
		return 1, true, math.MinInt8, math.MaxInt8, math.MaxInt8, true
	case arrow.INT16:
		return 2, true, math.MinInt16, math.MaxInt16, math.MaxInt16, true
	case arrow.INT32:
		return 4, true, math.MinInt32, math.MaxInt32, math.MaxInt32, true
	case arrow.INT64:
		return 8, true, math.MinInt64, math.MaxInt64, math.MaxInt64, true
	case arrow.UINT8:
		return 1, false, 0, math.MaxUint8, math.MaxUint8, true
	case arrow.UINT16:
		return 2, false, 0, math.MaxUint16, math.MaxUint16, true
	case arrow.UINT32:
		return 4, false, 0, math.MaxUint32, math.MaxUint32, true
	case arrow.UINT64:
		return 8, false, 0, math.MaxInt64, math.MaxUint64, true
	}
	return 0, false, 0, 0, 0, false
}

func isStringLike(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	}
	return false
}

func isBinaryLike(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		return true
	}
	return false
}

// unitIndex maps an Arrow time unit to appendDateTime's unit.
func unitIndex(u arrow.TimeUnit) int { return int(u) }

// node compiles column f into the property t (nil: plain JSON).
func (c *encCompiler) node(f arrow.Field, t *arrow.Field, p encPath) (*enode, *EncodeError) {
	n := &enode{col: p.col, prop: p.prop}
	dt := f.Type
	uuid := false
	if ext, ok := dt.(arrow.ExtensionType); ok {
		uuid = ext.ExtensionName() == "arrow.uuid"
		dt = ext.StorageType()
	}
	if mt, _ := f.Metadata.GetValue(MetaType); mt == "uuid" && dt.ID() == arrow.FIXED_SIZE_BINARY {
		uuid = dt.(*arrow.FixedSizeBinaryType).ByteWidth == 16
	}
	if d, ok := dt.(*arrow.DictionaryType); ok {
		vf := arrow.Field{Name: f.Name, Type: d.ValueType, Nullable: true, Metadata: f.Metadata}
		kid, err := c.node(vf, t, p)
		if err != nil {
			return nil, err
		}
		n.kind, n.kids = ekDict, []*enode{kid}
		return n, nil
	}
	if t == nil {
		return c.natural(n, f, dt, uuid, p)
	}
	tt := t.Type
	tmeta, _ := t.Metadata.GetValue(MetaType)
	mismatch := func() (*enode, *EncodeError) {
		return nil, p.errf("a column of Arrow type %s cannot be written to a property that reads as %s", f.Type, describeTarget(*t))
	}
	narrowing := func(what string) *EncodeError {
		return p.errf("writing %s to a property that reads as %s narrows (%s), which coerce mode strict refuses", f.Type, describeTarget(*t), what)
	}
	if tmeta == TypeJSONText && tt.ID() == arrow.STRING {
		n, err := c.natural(n, f, dt, uuid, p)
		if err == nil && n.kind == ekString {
			n.raw = true // the column holds JSON text, as reads of such a property give
		}
		return n, err
	}
	if isStringLike(dt) && (tmeta == "date-time" || tmeta == "date" || tmeta == "uuid") {
		// Text already in the property's format is written as it is,
		// once checked the way the decoder reads it.
		n.kind, n.format = ekString, tmeta
		return n, nil
	}
	switch tt.ID() {
	case arrow.NULL:
		if dt.ID() != arrow.NULL {
			return mismatch()
		}
		n.kind, n.alwaysNl = ekNull, true
	case arrow.BOOL:
		if dt.ID() != arrow.BOOL {
			return mismatch()
		}
		n.kind = ekBool
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		_, _, tlo, thi, tuhi, _ := intRange(tt)
		if w, signed, lo, hi, uhi, ok := intRange(dt); ok {
			n.kind, n.width, n.signed = ekInt, w, signed
			if lo < tlo || hi > thi || uhi > tuhi {
				if c.strict {
					return nil, narrowing("a value may be out of range")
				}
				n.ranged, n.lo, n.hi, n.uhi = true, tlo, thi, tuhi
			}
			return n, nil
		}
		switch dt.ID() {
		case arrow.TIME32, arrow.TIME64, arrow.DURATION:
			// A count of the column's unit, as the plain form writes it.
			n.kind, n.width, n.signed = ekInt, dt.(arrow.FixedWidthDataType).BitWidth()/8, true
			if w := n.width; w == 8 && thi < math.MaxInt64 || w == 4 && thi < math.MaxInt32 || tlo > math.MinInt32 {
				if c.strict {
					return nil, narrowing("a value may be out of range")
				}
				n.ranged, n.lo, n.hi, n.uhi = true, tlo, thi, tuhi
			}
		case arrow.FLOAT32, arrow.FLOAT64:
			if c.strict {
				return nil, narrowing("a value may have a fraction")
			}
			n.kind, n.width, n.ranged, n.lo, n.hi = ekFloatInt, dt.(arrow.FixedWidthDataType).BitWidth()/8, true, tlo, thi
		default:
			return mismatch()
		}
	case arrow.FLOAT32, arrow.FLOAT64:
		switch {
		case dt.ID() == arrow.FLOAT32 || dt.ID() == arrow.FLOAT64:
			n.kind, n.width = ekFloat, dt.(arrow.FixedWidthDataType).BitWidth()/8
			if tt.ID() == arrow.FLOAT32 && n.width == 8 {
				if c.strict {
					return nil, narrowing("float64 values may not fit float32")
				}
				n.out32 = true
			}
		case isInt(dt):
			// JSON numbers are text: an integer is written exactly, and a
			// reader into float64 rounds one beyond 2^53 as it reads it.
			n.width, n.signed, _, _, _, _ = intRange(dt)
			n.kind = ekInt
		case isDecimal(dt):
			return c.decimal(n, dt, 0, 0)
		default:
			return mismatch()
		}
	case arrow.STRING:
		switch {
		case uuid:
			n.kind, n.bin = ekBinary, binUUID
		case isStringLike(dt):
			n.kind = ekString
		case isBinaryLike(dt) && tmeta != "uuid":
			n.kind, n.bin = ekBinary, binBase64
		default:
			return mismatch()
		}
	case arrow.BINARY, arrow.FIXED_SIZE_BINARY:
		if !isBinaryLike(dt) {
			return mismatch()
		}
		n.kind, n.bin = ekBinary, binLatin1
		if fw, ok := tt.(*arrow.FixedSizeBinaryType); ok {
			n.fixed = fw.ByteWidth
			if sw, ok := dt.(*arrow.FixedSizeBinaryType); ok && sw.ByteWidth != fw.ByteWidth {
				return nil, p.errf("fixed_size_binary[%d] cannot be written to a property of exactly %d bytes", sw.ByteWidth, fw.ByteWidth)
			}
		}
	case arrow.DATE32:
		switch dt.ID() {
		case arrow.DATE32:
			n.kind, n.width = ekDate, 4
		case arrow.DATE64:
			n.kind, n.width = ekDate, 8
		default:
			return mismatch()
		}
	case arrow.TIMESTAMP:
		st, ok := dt.(*arrow.TimestampType)
		if !ok {
			return mismatch()
		}
		tu := tt.(*arrow.TimestampType).Unit
		if tmeta == "date-time" {
			// A JSON Schema date-time has no unit: the target's is only
			// the one kafarr reads into, so every digit is written.
			tu = st.Unit
		}
		n.kind, n.unit = ekTimestamp, unitIndex(min(st.Unit, tu))
		if st.Unit > tu {
			if c.strict {
				return nil, narrowing("sub-" + tu.String() + " digits may be lost")
			}
			n.div = perSecond[st.Unit] / perSecond[tu]
		}
	case arrow.TIME32, arrow.TIME64:
		su, ok := timeUnit(dt)
		if !ok {
			return mismatch()
		}
		tu, _ := timeUnit(tt)
		n.kind, n.width, n.signed = ekInt, dt.(arrow.FixedWidthDataType).BitWidth()/8, true
		if su > tu {
			if c.strict {
				return nil, narrowing("sub-" + tu.String() + " digits may be lost")
			}
			n.div = perSecond[su] / perSecond[tu]
		}
		if su < tu {
			n.mul = perSecond[tu] / perSecond[su]
		}
	case arrow.DECIMAL128, arrow.DECIMAL256:
		td := tt.(arrow.DecimalType)
		switch {
		case isDecimal(dt):
			return c.decimal(n, dt, int(td.GetPrecision()), int(td.GetScale()))
		case isInt(dt):
			n.width, n.signed, _, _, _, _ = intRange(dt)
			n.kind = ekInt
			if digits := int(td.GetPrecision() - td.GetScale()); digits < 19 {
				if c.strict {
					return nil, narrowing("a value may have more digits than the precision")
				}
				n.ranged, n.hi = true, 1
				for ; digits > 0; digits-- {
					n.hi *= 10
				}
				n.hi--
				n.lo, n.uhi = -n.hi, uint64(n.hi)
			}
		default:
			return mismatch()
		}
	case arrow.DICTIONARY:
		if !isStringLike(dt) {
			return mismatch()
		}
		syms, err := enumSymbols(*t)
		if err != nil {
			return nil, p.errf("%s", err)
		}
		n.kind, n.symbols = ekString, syms
	case arrow.STRUCT:
		if mt, _ := t.Metadata.GetValue(avroarrow.MetaAvroType); mt == "union" {
			return nil, p.errf("writing JSON to an Avro union is not supported")
		}
		st, ok := dt.(*arrow.StructType)
		if !ok {
			return mismatch()
		}
		n.kind = ekStruct
		return n, c.members(n, st.Fields(), tt.(*arrow.StructType).Fields(), p, false)
	case arrow.LIST:
		ll, ok := dt.(arrow.ListLikeType)
		if !ok || dt.ID() == arrow.MAP || dt.ID() == arrow.LIST_VIEW || dt.ID() == arrow.LARGE_LIST_VIEW {
			return mismatch()
		}
		te := tt.(*arrow.ListType).ElemField()
		kid, err := c.node(ll.ElemField(), &te, encPath{p.col + "[]", p.prop + "[]"})
		if err != nil {
			return nil, err
		}
		kid.setNullOK(te.Nullable)
		n.kind, n.kids = ekList, []*enode{kid}
	case arrow.MAP:
		sm, ok := dt.(*arrow.MapType)
		if !ok || !isStringLike(sm.KeyType()) {
			return mismatch()
		}
		ti := tt.(*arrow.MapType).ItemField()
		kid, err := c.node(sm.ItemField(), &ti, encPath{p.col + "{}", p.prop + "{}"})
		if err != nil {
			return nil, err
		}
		kid.setNullOK(ti.Nullable)
		n.kind, n.kids = ekMap, []*enode{kid}
	default:
		return nil, p.errf("the target's Arrow type %s has no JSON form the encoder writes", tt)
	}
	return n, nil
}

func isInt(dt arrow.DataType) bool {
	_, _, _, _, _, ok := intRange(dt)
	return ok
}

func isDecimal(dt arrow.DataType) bool {
	return dt.ID() == arrow.DECIMAL128 || dt.ID() == arrow.DECIMAL256
}

func timeUnit(dt arrow.DataType) (arrow.TimeUnit, bool) {
	switch t := dt.(type) {
	case *arrow.Time32Type:
		return t.Unit, true
	case *arrow.Time64Type:
		return t.Unit, true
	}
	return 0, false
}

// decimal compiles a decimal column into a property of precision prec and
// scale scale (0, 0: any number, written at the column's scale).
func (c *encCompiler) decimal(n *enode, dt arrow.DataType, prec, scale int) (*enode, *EncodeError) {
	d := dt.(arrow.DecimalType)
	n.kind, n.scale, n.tscale, n.prec, n.words = ekDecimal, int(d.GetScale()), int(d.GetScale()), prec, 2
	if dt.ID() == arrow.DECIMAL256 {
		n.words = 4
	}
	if prec > 0 {
		n.tscale = scale
		if c.strict && (n.scale > scale || int(d.GetPrecision())-n.scale > prec-scale) {
			return nil, (encPath{n.col, n.prop}).errf("writing %s to decimal(%d, %d) narrows (digits may be lost), which coerce mode strict refuses", dt, prec, scale)
		}
	}
	return n, nil
}

// natural compiles column f of (storage) type dt into its plain JSON form.
func (c *encCompiler) natural(n *enode, f arrow.Field, dt arrow.DataType, uuid bool, p encPath) (*enode, *EncodeError) {
	switch {
	case uuid:
		n.kind, n.bin = ekBinary, binUUID
		return n, nil
	case isInt(dt):
		n.width, n.signed, _, _, _, _ = intRange(dt)
		n.kind = ekInt
		return n, nil
	case isStringLike(dt):
		n.kind = ekString
		if mt, _ := f.Metadata.GetValue(MetaType); mt == TypeJSONText {
			n.raw = true
		}
		return n, nil
	case isBinaryLike(dt):
		n.kind, n.bin = ekBinary, binBase64
		return n, nil
	case isDecimal(dt):
		return c.decimal(n, dt, 0, 0)
	}
	switch t := dt.(type) {
	case *arrow.NullType:
		n.kind, n.alwaysNl = ekNull, true
	case *arrow.BooleanType:
		n.kind = ekBool
	case *arrow.Float32Type:
		n.kind, n.width = ekFloat, 4
	case *arrow.Float64Type:
		n.kind, n.width = ekFloat, 8
	case *arrow.Date32Type:
		n.kind, n.width = ekDate, 4
	case *arrow.Date64Type:
		n.kind, n.width = ekDate, 8
	case *arrow.TimestampType:
		n.kind, n.unit = ekTimestamp, unitIndex(t.Unit)
	case *arrow.Time32Type:
		n.kind, n.width, n.signed = ekInt, 4, true
	case *arrow.Time64Type, *arrow.DurationType:
		n.kind, n.width, n.signed = ekInt, 8, true
	case *arrow.ListType, *arrow.LargeListType, *arrow.FixedSizeListType:
		kid, err := c.node(dt.(arrow.ListLikeType).ElemField(), nil, encPath{p.col + "[]", p.prop + "[]"})
		if err != nil {
			return nil, err
		}
		kid.setNullOK(true)
		n.kind, n.kids = ekList, []*enode{kid}
	case *arrow.MapType:
		if !isStringLike(t.KeyType()) {
			return nil, p.errf("map<%s, …> has no JSON form: JSON object names are strings", t.KeyType())
		}
		kid, err := c.node(t.ItemField(), nil, encPath{p.col + "{}", p.prop + "{}"})
		if err != nil {
			return nil, err
		}
		kid.setNullOK(true)
		n.kind, n.kids = ekMap, []*enode{kid}
	case *arrow.StructType:
		n.kind = ekStruct
		return n, c.members(n, t.Fields(), nil, p, false)
	default:
		return nil, p.errf("Arrow type %s has no JSON form the encoder writes", f.Type)
	}
	return n, nil
}

// enumSymbols reads the symbols of an enum property.
func enumSymbols(t arrow.Field) (map[string]struct{}, error) {
	raw, ok := t.Metadata.GetValue(avroarrow.MetaSymbols)
	if !ok {
		return nil, fmt.Errorf("the target's enum property has no %s metadata", avroarrow.MetaSymbols)
	}
	var syms []string
	if err := json.Unmarshal([]byte(raw), &syms); err != nil {
		return nil, fmt.Errorf("the target's enum symbols are not a JSON array of strings: %v", err)
	}
	out := make(map[string]struct{}, len(syms))
	for _, s := range syms {
		out[s] = struct{}{}
	}
	return out, nil
}

// describeTarget names what a target property reads as, for errors.
func describeTarget(t arrow.Field) string {
	if mt, ok := t.Metadata.GetValue(MetaType); ok {
		return fmt.Sprintf("%s (%s)", t.Type, mt)
	}
	return t.Type.String()
}
