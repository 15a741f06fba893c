package protoarrow

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"sync"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/kafarr/kafarr/avroarrow"
)

// This file renders google.protobuf.Struct, Value, ListValue and Any as
// JSON text, the value protojson gives them (without its whitespace):
// objects with their keys sorted and each key once (the last entry
// winning), numbers as JSON numbers. Struct, Value and ListValue are read
// straight from the wire into a pooled buffer; Any goes through
// protojson.

// jsonBuf is the scratch of one rendering.
type jsonBuf struct {
	out  []byte
	ents []jsonEntry
}

// jsonEntry is one entry of a Struct being rendered.
type jsonEntry struct {
	key, val []byte
	seq      int
}

var jsonPool = sync.Pool{New: func() any { return &jsonBuf{} }}

// maxJSONBuf is the largest scratch buffer kept in the pool.
const maxJSONBuf = 1 << 20

// json appends the JSON text of a Struct, Value, ListValue or Any value.
func (st *state) json(f *field, col *avroarrow.Column, b []byte, base int) bool {
	if f.json == jsonAny {
		return st.anyJSON(col, b, base)
	}
	jb := jsonPool.Get().(*jsonBuf)
	jb.out, jb.ents = jb.out[:0], jb.ents[:0]
	var ok bool
	switch f.json {
	case jsonStruct:
		ok = st.jsonStruct(jb, b, base)
	case jsonValue:
		ok = st.jsonValue(jb, b, base)
	case jsonList:
		ok = st.jsonList(jb, b, base)
	}
	if ok && !col.AppendBytes(jb.out) {
		st.failf(base, "", "%d bytes do not fit the batch column's 2 GiB", len(jb.out))
		ok = false
	}
	if cap(jb.out) <= maxJSONBuf {
		jsonPool.Put(jb)
	}
	return ok
}

func (st *state) enter(base int) bool {
	if st.depth++; st.depth > MaxDepth {
		st.failf(base, "", "values nested deeper than %d levels", MaxDepth)
		return false
	}
	return true
}

// jsonStruct renders a Struct: field 1 holds its entries (key 1, value 2).
func (st *state) jsonStruct(jb *jsonBuf, b []byte, base int) bool {
	if !st.enter(base) {
		return false
	}
	first := len(jb.ents)
	ok := st.walk(b, base, "", func(num protowire.Number, wt protowire.Type, _ uint64, entry []byte, off int) bool {
		if num != 1 {
			return true
		}
		if !st.want("", num, wt, protowire.BytesType, off) {
			return false
		}
		e := jsonEntry{seq: len(jb.ents) - first}
		if !st.walk(entry, off, "", func(num protowire.Number, wt protowire.Type, _ uint64, d []byte, off int) bool {
			switch num {
			case 1:
				if !st.want("", num, wt, protowire.BytesType, off) {
					return false
				}
				e.key = d
			case 2:
				if !st.want("", num, wt, protowire.BytesType, off) {
					return false
				}
				e.val = d
			}
			return true
		}) {
			return false
		}
		if !validUTF8(e.key) {
			st.failf(off, "", "Struct key is not valid UTF-8")
			return false
		}
		jb.ents = append(jb.ents, e)
		return true
	})
	if !ok {
		return false
	}
	ents := jb.ents[first:]
	// Sorted by key, later entries of a key after earlier ones: the last
	// of each run wins.
	slices.SortFunc(ents, func(a, b jsonEntry) int {
		if c := bytes.Compare(a.key, b.key); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	jb.out = append(jb.out, '{')
	n := len(jb.ents)
	for i := first; i < n; i++ {
		e := jb.ents[i]
		if i+1 < n && bytes.Equal(jb.ents[i+1].key, e.key) {
			continue
		}
		if jb.out[len(jb.out)-1] != '{' {
			jb.out = append(jb.out, ',')
		}
		jb.out = appendJSONString(jb.out, e.key)
		jb.out = append(jb.out, ':')
		if !st.jsonValue(jb, e.val, base) {
			return false
		}
	}
	jb.out = append(jb.out, '}')
	jb.ents = jb.ents[:first]
	st.depth--
	return true
}

// jsonList renders a ListValue: field 1 holds its values.
func (st *state) jsonList(jb *jsonBuf, b []byte, base int) bool {
	if !st.enter(base) {
		return false
	}
	jb.out = append(jb.out, '[')
	empty := true
	ok := st.walk(b, base, "", func(num protowire.Number, wt protowire.Type, _ uint64, v []byte, off int) bool {
		if num != 1 {
			return true
		}
		if !st.want("", num, wt, protowire.BytesType, off) {
			return false
		}
		if !empty {
			jb.out = append(jb.out, ',')
		}
		empty = false
		return st.jsonValue(jb, v, off)
	})
	if !ok {
		return false
	}
	jb.out = append(jb.out, ']')
	st.depth--
	return true
}

// jsonValue renders a Value: the last of its kind fields set (null 1,
// number 2, string 3, bool 4, struct 5, list 6); a Value with none is
// null.
func (st *state) jsonValue(jb *jsonBuf, b []byte, base int) bool {
	var (
		kind protowire.Number
		v    uint64
		data []byte
		at   int
	)
	ok := st.walk(b, base, "", func(num protowire.Number, wt protowire.Type, x uint64, d []byte, off int) bool {
		want := protowire.VarintType
		switch num {
		case 1, 4:
		case 2:
			want = protowire.Fixed64Type
		case 3, 5, 6:
			want = protowire.BytesType
		default:
			return true
		}
		if !st.want("", num, wt, want, off) {
			return false
		}
		kind, v, data, at = num, x, d, off
		return true
	})
	if !ok {
		return false
	}
	switch kind {
	case 0, 1:
		jb.out = append(jb.out, "null"...)
	case 2:
		f := math.Float64frombits(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			st.failf(at, "", "Value number %v has no JSON form", f)
			return false
		}
		jb.out = appendJSONFloat(jb.out, f)
	case 3:
		if !validUTF8(data) {
			st.failf(at, "", "Value string is not valid UTF-8")
			return false
		}
		jb.out = appendJSONString(jb.out, data)
	case 4:
		if v != 0 {
			jb.out = append(jb.out, "true"...)
		} else {
			jb.out = append(jb.out, "false"...)
		}
	case 5:
		return st.jsonStruct(jb, data, at)
	case 6:
		return st.jsonList(jb, data, at)
	}
	return true
}

// appendJSONFloat formats a finite double as a JSON number: decimal
// notation between 1e-6 and 1e21, else an exponent, shortest digits that
// round-trip.
func appendJSONFloat(out []byte, f float64) []byte {
	fmtc := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		fmtc = 'e'
	}
	return strconv.AppendFloat(out, f, fmtc, -1, 64)
}

// appendJSONString appends s, valid UTF-8, as a JSON string.
func appendJSONString(out, s []byte) []byte {
	out = append(out, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		out = append(out, s[start:i]...)
		switch c {
		case '"', '\\':
			out = append(out, '\\', c)
		case '\n':
			out = append(out, '\\', 'n')
		case '\r':
			out = append(out, '\\', 'r')
		case '\t':
			out = append(out, '\\', 't')
		case '\b':
			out = append(out, '\\', 'b')
		case '\f':
			out = append(out, '\\', 'f')
		default:
			out = append(out, '\\', 'u', '0', '0', hexDigit[c>>4], hexDigit[c&15])
		}
		start = i + 1
	}
	out = append(out, s[start:]...)
	return append(out, '"')
}

const hexDigit = "0123456789abcdef"

// anyJSON renders an Any as protojson does when its type URL names a
// message of the schema (or a well-known type): {"@type": url, fields...}.
// An Any whose type is unknown keeps its bytes: {"@type": url, "value":
// base64}, where protojson would fail.
func (st *state) anyJSON(col *avroarrow.Column, b []byte, base int) bool {
	a := &anypb.Any{}
	if err := (proto.UnmarshalOptions{RecursionLimit: MaxDepth - st.depth}).Unmarshal(b, a); err != nil {
		st.failf(base, "", "Any: %v", err)
		return false
	}
	out, err := protojson.MarshalOptions{Resolver: anyResolver{st.dec.anyTypes()}}.Marshal(a)
	if err == nil {
		var buf bytes.Buffer
		if err = json.Compact(&buf, out); err == nil {
			out = buf.Bytes()
		}
	}
	if err != nil {
		if !validUTF8([]byte(a.TypeUrl)) {
			st.failf(base, "", "Any type URL is not valid UTF-8")
			return false
		}
		out = appendJSONString([]byte(`{"@type":`), []byte(a.TypeUrl))
		out = append(out, `,"value":"`...)
		out = base64.StdEncoding.AppendEncode(out, a.Value)
		out = append(out, `"}`...)
	}
	if !col.AppendBytes(out) {
		st.failf(base, "", "%d bytes do not fit the batch column's 2 GiB", len(out))
		return false
	}
	return true
}

// anyResolver finds Any's types among the schema's messages, then the
// well-known types.
type anyResolver struct{ types *protoregistry.Types }

func (r anyResolver) FindMessageByName(name protoreflect.FullName) (protoreflect.MessageType, error) {
	if mt, err := r.types.FindMessageByName(name); err == nil {
		return mt, nil
	}
	return protoregistry.GlobalTypes.FindMessageByName(name)
}

func (r anyResolver) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	if mt, err := r.types.FindMessageByURL(url); err == nil {
		return mt, nil
	}
	return protoregistry.GlobalTypes.FindMessageByURL(url)
}

func (r anyResolver) FindExtensionByName(name protoreflect.FullName) (protoreflect.ExtensionType, error) {
	return protoregistry.GlobalTypes.FindExtensionByName(name)
}

func (r anyResolver) FindExtensionByNumber(message protoreflect.FullName, field protoreflect.FieldNumber) (protoreflect.ExtensionType, error) {
	return protoregistry.GlobalTypes.FindExtensionByNumber(message, field)
}

// dynamicMessageType is the message type of md for Any's resolver.
func dynamicMessageType(md protoreflect.MessageDescriptor) protoreflect.MessageType {
	return dynamicpb.NewMessageType(md)
}
