package protoarrow

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/kafarr/kafarr/avroarrow"
	"github.com/kafarr/kafarr/kafkaio"
)

// The differential test: random schemas (descriptors built in code),
// random messages of them written by google.golang.org/protobuf, decoded
// by protoarrow and compared field by field with what proto.Unmarshal
// into dynamicpb reads, JSON-mapped types through protojson.

// schemaGen builds random proto3 files.
type schemaGen struct {
	r *rand.Rand
	// plain leaves out maps and well-known types: messages of such schemas
	// can be concatenated, which protobuf defines as their merge.
	plain bool
}

var scalarTypes = []descriptorpb.FieldDescriptorProto_Type{
	descriptorpb.FieldDescriptorProto_TYPE_INT32, descriptorpb.FieldDescriptorProto_TYPE_SINT32,
	descriptorpb.FieldDescriptorProto_TYPE_SFIXED32, descriptorpb.FieldDescriptorProto_TYPE_UINT32,
	descriptorpb.FieldDescriptorProto_TYPE_FIXED32, descriptorpb.FieldDescriptorProto_TYPE_INT64,
	descriptorpb.FieldDescriptorProto_TYPE_SINT64, descriptorpb.FieldDescriptorProto_TYPE_SFIXED64,
	descriptorpb.FieldDescriptorProto_TYPE_UINT64, descriptorpb.FieldDescriptorProto_TYPE_FIXED64,
	descriptorpb.FieldDescriptorProto_TYPE_FLOAT, descriptorpb.FieldDescriptorProto_TYPE_DOUBLE,
	descriptorpb.FieldDescriptorProto_TYPE_BOOL, descriptorpb.FieldDescriptorProto_TYPE_STRING,
	descriptorpb.FieldDescriptorProto_TYPE_BYTES,
}

var mapKeyTypes = []descriptorpb.FieldDescriptorProto_Type{
	descriptorpb.FieldDescriptorProto_TYPE_INT32, descriptorpb.FieldDescriptorProto_TYPE_SINT64,
	descriptorpb.FieldDescriptorProto_TYPE_UINT32, descriptorpb.FieldDescriptorProto_TYPE_FIXED64,
	descriptorpb.FieldDescriptorProto_TYPE_BOOL, descriptorpb.FieldDescriptorProto_TYPE_STRING,
}

var wellKnown = map[string]string{
	".google.protobuf.Timestamp":   "google/protobuf/timestamp.proto",
	".google.protobuf.Duration":    "google/protobuf/duration.proto",
	".google.protobuf.Int64Value":  "google/protobuf/wrappers.proto",
	".google.protobuf.UInt32Value": "google/protobuf/wrappers.proto",
	".google.protobuf.StringValue": "google/protobuf/wrappers.proto",
	".google.protobuf.BytesValue":  "google/protobuf/wrappers.proto",
	".google.protobuf.FloatValue":  "google/protobuf/wrappers.proto",
	".google.protobuf.BoolValue":   "google/protobuf/wrappers.proto",
	".google.protobuf.Struct":      "google/protobuf/struct.proto",
	".google.protobuf.Value":       "google/protobuf/struct.proto",
	".google.protobuf.ListValue":   "google/protobuf/struct.proto",
	".google.protobuf.Any":         "google/protobuf/any.proto",
}

func (g *schemaGen) file() *descriptorpb.FileDescriptorProto {
	fdp := &descriptorpb.FileDescriptorProto{Name: proto.String("rnd.proto"), Package: proto.String("rnd"), Syntax: proto.String("proto3")}
	deps := map[string]bool{}
	nEnums := g.r.Intn(3)
	for e := range nEnums {
		ed := &descriptorpb.EnumDescriptorProto{Name: proto.String(fmt.Sprintf("E%d", e))}
		used := map[int32]bool{0: true}
		ed.Value = append(ed.Value, &descriptorpb.EnumValueDescriptorProto{Name: proto.String(fmt.Sprintf("E%d_ZERO", e)), Number: proto.Int32(0)})
		for v := range 1 + g.r.Intn(5) {
			n := int32(g.r.Intn(20) - 5)
			if g.r.Intn(4) == 0 {
				n = g.r.Int31() - g.r.Int31()
			}
			if used[n] {
				continue
			}
			used[n] = true
			ed.Value = append(ed.Value, &descriptorpb.EnumValueDescriptorProto{Name: proto.String(fmt.Sprintf("E%d_V%d", e, v)), Number: proto.Int32(n)})
		}
		fdp.EnumType = append(fdp.EnumType, ed)
	}
	nMsgs := 1 + g.r.Intn(4)
	for m := range nMsgs {
		md := &descriptorpb.DescriptorProto{Name: proto.String(fmt.Sprintf("M%d", m))}
		nums := map[int32]bool{}
		num := func() int32 {
			for {
				n := int32(1 + g.r.Intn(30))
				switch g.r.Intn(8) {
				case 0:
					n = int32(16 + g.r.Intn(5000))
				case 1:
					n = int32(1 + g.r.Intn(int(protowire536M)))
				}
				if !nums[n] && (n < 19000 || n > 19999) {
					nums[n] = true
					return n
				}
			}
		}
		var synthetic []*descriptorpb.OneofDescriptorProto
		nFields := 1 + g.r.Intn(10)
		for f := range nFields {
			name := fmt.Sprintf("f%d", f)
			fd := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), JsonName: proto.String(name), Number: proto.Int32(num()),
				Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()}
			g.valueType(fd, nEnums, nMsgs, deps)
			switch k := g.r.Intn(10); {
			case k < 2:
				fd.Label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
			case k == 2 && !g.plain:
				// A map: its entry is a nested message.
				entry := &descriptorpb.DescriptorProto{Name: proto.String(fmt.Sprintf("F%dEntry", f)), Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)}}
				key := &descriptorpb.FieldDescriptorProto{Name: proto.String("key"), JsonName: proto.String("key"), Number: proto.Int32(1),
					Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), Type: mapKeyTypes[g.r.Intn(len(mapKeyTypes))].Enum()}
				val := &descriptorpb.FieldDescriptorProto{Name: proto.String("value"), JsonName: proto.String("value"), Number: proto.Int32(2),
					Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), Type: fd.Type, TypeName: fd.TypeName}
				entry.Field = []*descriptorpb.FieldDescriptorProto{key, val}
				md.NestedType = append(md.NestedType, entry)
				fd.Label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
				fd.Type = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
				fd.TypeName = proto.String(fmt.Sprintf(".rnd.M%d.F%dEntry", m, f))
			case k == 3 && fd.GetType() != descriptorpb.FieldDescriptorProto_TYPE_MESSAGE:
				fd.Proto3Optional = proto.Bool(true)
				fd.OneofIndex = proto.Int32(-1) // set below, after the real oneofs
				synthetic = append(synthetic, &descriptorpb.OneofDescriptorProto{Name: proto.String("_" + name)})
			case k == 4:
				// A oneof of this and maybe the previous singular fields.
				fd.OneofIndex = proto.Int32(int32(len(md.OneofDecl)))
				md.OneofDecl = append(md.OneofDecl, &descriptorpb.OneofDescriptorProto{Name: proto.String(fmt.Sprintf("o%d", f))})
				if n := len(md.Field); n > 0 {
					prev := md.Field[n-1]
					if prev.GetLabel() == descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL && prev.OneofIndex == nil && !prev.GetProto3Optional() {
						prev.OneofIndex = fd.OneofIndex
					}
				}
			}
			md.Field = append(md.Field, fd)
		}
		for _, fd := range md.Field {
			if fd.GetOneofIndex() == -1 {
				fd.OneofIndex = proto.Int32(int32(len(md.OneofDecl)))
				md.OneofDecl = append(md.OneofDecl, synthetic[0])
				synthetic = synthetic[1:]
			}
		}
		fdp.MessageType = append(fdp.MessageType, md)
	}
	for d := range deps {
		fdp.Dependency = append(fdp.Dependency, d)
	}
	return fdp
}

// protowire536M is the largest field number.
const protowire536M = 1<<29 - 1

// valueType gives fd a random type: a scalar, an enum, a message of the
// file (recursion included) or a well-known type.
func (g *schemaGen) valueType(fd *descriptorpb.FieldDescriptorProto, nEnums, nMsgs int, deps map[string]bool) {
	switch k := g.r.Intn(10); {
	case k < 6:
		fd.Type = scalarTypes[g.r.Intn(len(scalarTypes))].Enum()
	case k == 6 && nEnums > 0:
		fd.Type = descriptorpb.FieldDescriptorProto_TYPE_ENUM.Enum()
		fd.TypeName = proto.String(fmt.Sprintf(".rnd.E%d", g.r.Intn(nEnums)))
	case k == 7 && !g.plain:
		names := make([]string, 0, len(wellKnown))
		for n := range wellKnown {
			names = append(names, n)
		}
		slices.Sort(names)
		n := names[g.r.Intn(len(names))]
		fd.Type = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
		fd.TypeName = proto.String(n)
		deps[wellKnown[n]] = true
	default:
		fd.Type = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
		fd.TypeName = proto.String(fmt.Sprintf(".rnd.M%d", g.r.Intn(nMsgs)))
	}
}

// msgGen fills random messages.
type msgGen struct {
	r     *rand.Rand
	types *protoregistry.Types
	file  protoreflect.FileDescriptor
}

func (g *msgGen) fill(m protoreflect.Message, depth int) {
	md := m.Descriptor()
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if g.r.Intn(3) == 0 || (depth > 2 && g.r.Intn(2) == 0) {
			continue
		}
		if depth > 5 && (fd.Kind() == protoreflect.MessageKind || fd.IsMap()) {
			continue // keeps recursive types finite
		}
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() && m.WhichOneof(od) != nil && g.r.Intn(2) == 0 {
			continue
		}
		switch {
		case fd.IsMap():
			mp := m.Mutable(fd).Map()
			for range g.r.Intn(4) {
				mp.Set(g.value(fd.MapKey(), depth).MapKey(), g.mapValue(fd.MapValue(), mp, depth))
			}
		case fd.IsList():
			l := m.Mutable(fd).List()
			for range g.r.Intn(4) {
				if fd.Kind() == protoreflect.MessageKind {
					e := l.NewElement()
					g.message(e.Message(), depth+1)
					l.Append(e)
				} else {
					l.Append(g.value(fd, depth))
				}
			}
		case fd.Kind() == protoreflect.MessageKind:
			if depth > 6 {
				continue
			}
			g.message(m.Mutable(fd).Message(), depth+1)
		default:
			m.Set(fd, g.value(fd, depth))
		}
	}
}

func (g *msgGen) mapValue(fd protoreflect.FieldDescriptor, mp protoreflect.Map, depth int) protoreflect.Value {
	if fd.Kind() == protoreflect.MessageKind {
		v := mp.NewValue()
		g.message(v.Message(), depth+1)
		return v
	}
	return g.value(fd, depth)
}

// message fills m, a well-known type with valid values.
func (g *msgGen) message(m protoreflect.Message, depth int) {
	var wk proto.Message
	switch m.Descriptor().FullName() {
	case "google.protobuf.Timestamp":
		wk = &timestamppb.Timestamp{Seconds: minTimestampSeconds + g.r.Int63n(maxTimestampSeconds-minTimestampSeconds+1), Nanos: g.r.Int31n(1e9)}
	case "google.protobuf.Duration":
		s := g.r.Int63n(2*maxDurationSeconds+1) - maxDurationSeconds
		n := g.r.Int31n(1e9)
		if s < 0 || (s == 0 && g.r.Intn(2) == 0) {
			n = -n
		}
		wk = &durationpb.Duration{Seconds: s, Nanos: n}
	case "google.protobuf.Int64Value":
		wk = wrapperspb.Int64(g.r.Int63() - g.r.Int63())
	case "google.protobuf.UInt32Value":
		wk = wrapperspb.UInt32(g.r.Uint32())
	case "google.protobuf.StringValue":
		wk = wrapperspb.String(g.str())
	case "google.protobuf.BytesValue":
		wk = wrapperspb.Bytes([]byte(g.str()))
	case "google.protobuf.FloatValue":
		wk = wrapperspb.Float(g.r.Float32())
	case "google.protobuf.BoolValue":
		wk = wrapperspb.Bool(g.r.Intn(2) == 0)
	case "google.protobuf.Struct":
		wk = g.jsonStruct(0)
	case "google.protobuf.Value":
		wk = g.jsonValue(0)
	case "google.protobuf.ListValue":
		wk = g.jsonList(0)
	case "google.protobuf.Any":
		inner := dynamicpb.NewMessage(g.file.Messages().Get(g.r.Intn(g.file.Messages().Len())))
		if depth < 4 {
			g.fill(inner, depth+1)
		}
		a := &anypb.Any{}
		if err := a.MarshalFrom(inner); err != nil {
			panic(err)
		}
		wk = a
	default:
		g.fill(m, depth)
		return
	}
	b, err := proto.Marshal(wk)
	if err != nil {
		panic(err)
	}
	if err := proto.Unmarshal(b, m.Interface()); err != nil {
		panic(err)
	}
}

func (g *msgGen) jsonValue(depth int) *structpb.Value {
	k := g.r.Intn(6)
	if depth > 2 {
		k = g.r.Intn(4)
	}
	switch k {
	case 0:
		return structpb.NewNullValue()
	case 1:
		f := g.r.NormFloat64() * math.Pow(10, float64(g.r.Intn(40)-20))
		return structpb.NewNumberValue(f)
	case 2:
		return structpb.NewStringValue(g.str())
	case 3:
		return structpb.NewBoolValue(g.r.Intn(2) == 0)
	case 4:
		return structpb.NewStructValue(g.jsonStruct(depth + 1))
	default:
		return structpb.NewListValue(g.jsonList(depth + 1))
	}
}

func (g *msgGen) jsonStruct(depth int) *structpb.Struct {
	s := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	for range g.r.Intn(4) {
		s.Fields[g.str()] = g.jsonValue(depth + 1)
	}
	return s
}

func (g *msgGen) jsonList(depth int) *structpb.ListValue {
	l := &structpb.ListValue{}
	for range g.r.Intn(4) {
		l.Values = append(l.Values, g.jsonValue(depth+1))
	}
	return l
}

// str returns a random valid UTF-8 string: ASCII, escapes, and runes of
// two, three and four bytes.
func (g *msgGen) str() string {
	runes := []rune{'a', 'Z', '0', ' ', '"', '\\', '\n', 0x01, 0x7f, 'é', 'ß', '世', '界', 0x1F600, 0x10FFFF, 0xFFFD}
	n := g.r.Intn(12)
	b := make([]rune, n)
	for i := range b {
		b[i] = runes[g.r.Intn(len(runes))]
	}
	return string(b)
}

func (g *msgGen) value(fd protoreflect.FieldDescriptor, depth int) protoreflect.Value {
	r := g.r
	pick64 := func() int64 {
		switch r.Intn(6) {
		case 0:
			return 0
		case 1:
			return math.MinInt64
		case 2:
			return math.MaxInt64
		case 3:
			return int64(r.Intn(200) - 100)
		default:
			return r.Int63() - r.Int63()
		}
	}
	switch fd.Kind() {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(pick64()))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(pick64())
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(pick64()))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(pick64()))
	case protoreflect.FloatKind:
		fs := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), math.MaxFloat32, math.SmallestNonzeroFloat32, r.Float32() * 1000}
		return protoreflect.ValueOfFloat32(fs[r.Intn(len(fs))])
	case protoreflect.DoubleKind:
		fs := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(-1), math.MaxFloat64, 5e-324, r.NormFloat64()}
		return protoreflect.ValueOfFloat64(fs[r.Intn(len(fs))])
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(r.Intn(2) == 0)
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(g.str())
	case protoreflect.BytesKind:
		b := make([]byte, r.Intn(10))
		r.Read(b)
		return protoreflect.ValueOfBytes(b)
	case protoreflect.EnumKind:
		vals := fd.Enum().Values()
		if r.Intn(6) == 0 {
			return protoreflect.ValueOfEnum(protoreflect.EnumNumber(r.Int31() - r.Int31()))
		}
		return protoreflect.ValueOfEnum(vals.Get(r.Intn(vals.Len())).Number())
	}
	panic("unreachable: " + fd.Kind().String())
}

// checker compares decoded rows with the messages proto.Unmarshal reads.
type checker struct {
	t        *testing.T
	resolver anyResolver
}

func (c *checker) errorf(path, format string, args ...any) {
	c.t.Helper()
	c.t.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
}

// message compares the fields of m with the columns col returns.
func (c *checker) message(path string, col func(name string) arrow.Array, row int, m protoreflect.Message) {
	md := m.Descriptor()
	fields := md.Fields()
	seen := map[string]bool{}
	for i := range fields.Len() {
		fd := fields.Get(i)
		p := path + "." + string(fd.Name())
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			if seen[string(od.Name())] {
				continue
			}
			seen[string(od.Name())] = true
			c.oneof(path+"."+string(od.Name()), col(string(od.Name())).(*array.Struct), col(string(od.Name())+OneofCaseSuffix).(*array.String), row, m, od)
			continue
		}
		arr := col(string(fd.Name()))
		switch {
		case fd.IsList():
			l := arr.(*array.List)
			start, end := l.ValueOffsets(row)
			ml := m.Get(fd).List()
			if int(end-start) != ml.Len() {
				c.errorf(p, "%d items, want %d", end-start, ml.Len())
				continue
			}
			for k := range ml.Len() {
				c.value(fmt.Sprintf("%s[%d]", p, k), l.ListValues(), int(start)+k, fd, ml.Get(k))
			}
		case fd.IsMap():
			mp := arr.(*array.Map)
			start, end := mp.ValueOffsets(row)
			mm := m.Get(fd).Map()
			if int(end-start) != mm.Len() {
				c.errorf(p, "%d entries, want %d", end-start, mm.Len())
				continue
			}
			keys := map[string]int{}
			for k := int(start); k < int(end); k++ {
				keys[fmt.Sprint(mp.Keys().GetOneForMarshal(k))] = k
			}
			mm.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
				ks := fmt.Sprint(k.Interface())
				if fd.MapKey().Kind() == protoreflect.StringKind {
					ks = k.String()
				}
				at, ok := keys[ks]
				if !ok {
					c.errorf(p, "key %v missing", ks)
					return true
				}
				c.value(p+"["+ks+"]", mp.Items(), at, fd.MapValue(), v)
				return true
			})
		default:
			if fd.HasPresence() && !m.Has(fd) {
				if arr.IsValid(row) {
					c.errorf(p, "set, want null")
				}
				continue
			}
			c.value(p, arr, row, fd, m.Get(fd))
		}
	}
}

func (c *checker) oneof(path string, s *array.Struct, cs *array.String, row int, m protoreflect.Message, od protoreflect.OneofDescriptor) {
	set := m.WhichOneof(od)
	if set == nil {
		if s.IsValid(row) || cs.IsValid(row) {
			c.errorf(path, "set, want null")
		}
		return
	}
	if !s.IsValid(row) || !cs.IsValid(row) || cs.Value(row) != string(set.Name()) {
		c.errorf(path, "case %q (valid %v), want %s", cs.Value(row), s.IsValid(row), set.Name())
		return
	}
	st := s.DataType().(*arrow.StructType)
	for k := range od.Fields().Len() {
		fd := od.Fields().Get(k)
		idx, _ := st.FieldIdx(string(fd.Name()))
		arr := s.Field(idx)
		if fd != set {
			if arr.IsValid(row) {
				c.errorf(path+"."+string(fd.Name()), "set, want null")
			}
			continue
		}
		c.value(path+"."+string(fd.Name()), arr, row, fd, m.Get(fd))
	}
}

// value compares one value of fd's type.
func (c *checker) value(path string, arr arrow.Array, i int, fd protoreflect.FieldDescriptor, v protoreflect.Value) {
	if !arr.IsValid(i) {
		c.errorf(path, "null, want %v", v)
		return
	}
	var got, want any
	switch fd.Kind() {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		got, want = arr.(*array.Int32).Value(i), int32(v.Int())
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		got, want = arr.(*array.Int64).Value(i), v.Int()
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		got, want = arr.(*array.Uint32).Value(i), uint32(v.Uint())
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		got, want = arr.(*array.Uint64).Value(i), v.Uint()
	case protoreflect.FloatKind:
		got, want = math.Float32bits(arr.(*array.Float32).Value(i)), math.Float32bits(float32(v.Float()))
	case protoreflect.DoubleKind:
		got, want = math.Float64bits(arr.(*array.Float64).Value(i)), math.Float64bits(v.Float())
	case protoreflect.BoolKind:
		got, want = arr.(*array.Boolean).Value(i), v.Bool()
	case protoreflect.StringKind:
		got, want = arr.(*array.String).Value(i), v.String()
	case protoreflect.BytesKind:
		got, want = string(arr.(*array.Binary).Value(i)), string(v.Bytes())
	case protoreflect.EnumKind:
		d := arr.(*array.Dictionary)
		got = d.Dictionary().(*array.String).Value(d.GetValueIndex(i))
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			want = string(ev.Name())
		} else {
			want = strconv.Itoa(int(v.Enum()))
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		c.messageValue(path, arr, i, fd, v.Message())
		return
	}
	if got != want {
		c.errorf(path, "got %v, want %v", got, want)
	}
}

func (c *checker) messageValue(path string, arr arrow.Array, i int, fd protoreflect.FieldDescriptor, m protoreflect.Message) {
	switch name := m.Descriptor().FullName(); name {
	case "google.protobuf.Timestamp", "google.protobuf.Duration":
		secs := m.Get(m.Descriptor().Fields().ByNumber(1)).Int()
		nanos := m.Get(m.Descriptor().Fields().ByNumber(2)).Int()
		want := secs*1_000_000 + nanos/1000
		var got int64
		if a, ok := arr.(*array.Timestamp); ok {
			got = int64(a.Value(i))
		} else {
			got = int64(arr.(*array.Duration).Value(i))
		}
		if got != want {
			c.errorf(path, "got %d us, want %d", got, want)
		}
	case "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue", "google.protobuf.Any":
		wantJSON, err := protojson.MarshalOptions{Resolver: c.resolver}.Marshal(m.Interface())
		if err != nil {
			c.errorf(path, "protojson: %v", err)
			return
		}
		var got, want any
		gotText := arr.(*array.String).Value(i)
		if err := json.Unmarshal([]byte(gotText), &got); err != nil {
			c.errorf(path, "not JSON: %v: %s", err, gotText)
			return
		}
		if err := json.Unmarshal(wantJSON, &want); err != nil {
			c.errorf(path, "protojson not JSON: %v", err)
			return
		}
		if !reflect.DeepEqual(got, want) {
			c.errorf(path, "got %s, want %s", gotText, wantJSON)
		}
	default:
		if w, ok := wrapperOps[string(name)]; ok {
			_ = w
			c.value(path, arr, i, m.Descriptor().Fields().ByNumber(1), m.Get(m.Descriptor().Fields().ByNumber(1)))
			return
		}
		if arr.DataType().ID() == arrow.BINARY {
			// Cut at the recursion limit: the message's bytes.
			got := dynamicpb.NewMessage(m.Descriptor())
			if err := proto.Unmarshal(arr.(*array.Binary).Value(i), got); err != nil || !proto.Equal(got, m.Interface()) {
				c.errorf(path, "raw bytes read back as %v (%v), want %v", got, err, m.Interface())
			}
			return
		}
		s := arr.(*array.Struct)
		st := s.DataType().(*arrow.StructType)
		c.message(path, func(name string) arrow.Array {
			idx, ok := st.FieldIdx(name)
			if !ok {
				c.t.Fatalf("%s: no column %s in %s", path, name, st)
			}
			return s.Field(idx)
		}, i, m)
	}
}

// validate checks the Arrow invariants of every array of rec.
func validate(t *testing.T, arr arrow.Array) {
	t.Helper()
	if v, ok := arr.(interface{ ValidateFull() error }); ok {
		require.NoError(t, v.ValidateFull())
	}
	switch a := arr.(type) {
	case *array.Struct:
		for k := range a.NumField() {
			require.Equal(t, a.Len(), a.Field(k).Len())
			validate(t, a.Field(k))
		}
	case *array.Map:
		validate(t, a.Keys())
		validate(t, a.Items())
	case *array.List:
		validate(t, a.ListValues())
	case *array.Dictionary:
		for k := range a.Len() {
			require.Less(t, a.GetValueIndex(k), a.Dictionary().Len())
		}
	case *array.String:
		for k := range a.Len() {
			require.True(t, utf8.ValidString(a.Value(k)))
		}
	}
}

// TestDifferential decodes random messages of random schemas and compares
// every value with google.golang.org/protobuf's own reading of them.
func TestDifferential(t *testing.T) {
	schemas, msgs := 300, 30
	if testing.Short() {
		schemas = 30
	}
	for seed := range schemas {
		r := rand.New(rand.NewSource(int64(seed)))
		g := &schemaGen{r: r, plain: seed%3 == 0}
		fdp := g.file()
		t.Run(strconv.Itoa(seed), func(t *testing.T) {
			diffSchema(t, r, fdp, msgs, g.plain)
		})
	}
}

func diffSchema(t *testing.T, r *rand.Rand, fdp *descriptorpb.FileDescriptorProto, msgs int, plain bool) {
	fd, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
	require.NoError(t, err, "%v", fdp)
	// The schema as the registry holds it from confluent-kafka-python: a
	// base64 serialized descriptor.
	raw, err := proto.Marshal(fdp)
	require.NoError(t, err)
	s, err := Compile(context.Background(), kafkaio.SchemaInfo{ID: 1, Schema: base64.StdEncoding.EncodeToString(raw)}, nil)
	require.NoError(t, err)
	mi := r.Intn(fd.Messages().Len())
	md := s.File().Messages().Get(mi)
	dec, err := NewDecoder(md, DecoderOptions{MaxRecursion: 1 + r.Intn(3)})
	if err != nil {
		// Many recursive fields can expand past MaxFields; once per
		// path always fits these schemas.
		require.ErrorContains(t, err, "more than 65536 fields")
		dec, err = NewDecoder(md, DecoderOptions{MaxRecursion: 1})
	}
	require.NoError(t, err)

	types := &protoregistry.Types{}
	registerTypes(types, s.File(), map[string]bool{})
	g := &msgGen{r: r, types: types, file: s.File()}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	bb, err := avroarrow.NewBatchBuilder(mem, dec.Schema())
	require.NoError(t, err)
	defer bb.Release()
	var want []*dynamicpb.Message
	for k := range msgs {
		m := dynamicpb.NewMessage(md)
		g.fill(m, 0)
		b, err := proto.MarshalOptions{Deterministic: r.Intn(2) == 0}.Marshal(m)
		require.NoError(t, err)
		if plain && k%3 == 2 {
			// Two messages concatenated: protobuf reads their merge.
			m2 := dynamicpb.NewMessage(md)
			g.fill(m2, 0)
			b2, err := proto.Marshal(m2)
			require.NoError(t, err)
			b = append(b, b2...)
		}
		got := dynamicpb.NewMessage(md)
		require.NoError(t, proto.Unmarshal(b, got))
		want = append(want, got)
		require.NoError(t, dec.Decode(b, bb), "message %d", k)
	}
	rec, err := bb.NewRecord()
	require.NoError(t, err)
	defer rec.Release()
	c := &checker{t: t, resolver: anyResolver{types}}
	for k := range rec.NumCols() {
		validate(t, rec.Column(int(k)))
	}
	for k, m := range want {
		c.message(fmt.Sprintf("row %d", k), func(name string) arrow.Array {
			idx := rec.Schema().FieldIndices(name)
			require.Len(t, idx, 1, name)
			return rec.Column(idx[0])
		}, k, m)
		if t.Failed() {
			t.Logf("schema: %v\nmessage: %v", fdp, m)
			return
		}
	}
}
