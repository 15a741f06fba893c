package jsonarrow

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/avroarrow"
)

// MetaNotNull is "true" on a top-level field of FromJSONSchema's result
// whose property is required and whose schema admits no null: top-level
// columns are all nullable (tombstones, on_error=null), so the Encoder
// reads here what the field's nullability no longer says.
const MetaNotNull = "kafarr.json.not_null"

// CompileEncoder compiles an encoder from the bound columns in to the
// target value schema target: an Arrow schema as FromJSONSchema (or
// FromAvro) returns it, whose field metadata (MetaType, MetaRequired,
// MetaNotNull, enum symbols) says what JSON each property takes. A nil
// target means plain JSON: every column is written under its own name in
// its natural JSON form, nulls as null. See Encoder for the rules. Errors
// are *avroarrow.EncodeError naming the column or property.
func CompileEncoder(in *arrow.Schema, target *arrow.Schema, opts EncoderOptions) (*Encoder, error) {
	if in == nil {
		return nil, &EncodeError{Row: -1, Msg: "nil Arrow schema"}
	}
	c := &encCompiler{strict: opts.Coerce == avroarrow.CoerceStrict}
	e := &Encoder{in: in, root: &enode{kind: ekStruct}}
	var err *EncodeError
	switch {
	case target == nil:
		err = c.members(e.root, in.Fields(), nil, encPath{}, true)
	case isRootValue(target):
		err = c.whole(e, target)
	default:
		err = c.members(e.root, in.Fields(), target.Fields(), encPath{}, true)
	}
	if err != nil {
		return nil, err
	}
	return e, nil
}

func isRootValue(s *arrow.Schema) bool {
	v, ok := s.Metadata().GetValue(MetaRoot)
	return ok && v == RootValue && s.NumFields() == 1
}

// whole compiles a target whose message is the value of its one column.
// A column named "value", or the only column, is that value. When the
// target takes any object (JSON text: {"type":"object"}, {}, true) or is
// a map (additionalProperties), the columns are instead its members:
// every column in its natural form, or in the map's value type.
func (c *encCompiler) whole(e *Encoder, target *arrow.Schema) *EncodeError {
	t := target.Field(0)
	col := -1
	if idx := e.in.FieldIndices(ValueColumnName); len(idx) == 1 {
		col = idx[0]
	}
	mt, isMap := t.Type.(*arrow.MapType)
	if col < 0 {
		switch {
		case isJSONText(t):
			return c.members(e.root, e.in.Fields(), nil, encPath{}, true)
		case isMap:
			return c.mapMembers(e.root, e.in.Fields(), mt.ItemField())
		case e.in.NumFields() == 1:
			col = 0
		default:
			return &EncodeError{Row: -1, Msg: fmt.Sprintf("the target schema is not an object of properties: its message is one %s, so the batch needs one column or one named %q, not %d columns", describeTarget(t), ValueColumnName, e.in.NumFields())}
		}
	}
	for i, other := range e.in.Fields() {
		if i != col {
			return (encPath{other.Name, ""}).errf("the target's message is the single value of column %q: this column has no place in it", e.in.Field(col).Name)
		}
	}
	f := e.in.Field(col)
	n, err := c.node(f, &t, encPath{f.Name, ""})
	if err != nil {
		return err
	}
	n.setNullOK(t.Nullable && !metaTrue(t, MetaNotNull))
	e.root.kids, e.root.cols, e.whole = []*enode{n}, []int{col}, true
	return nil
}

// mapMembers compiles the columns into members of a root map whose values
// are item: each column must fit item; a null is written as null when
// item admits it, else the member is left out.
func (c *encCompiler) mapMembers(n *enode, cols []arrow.Field, item arrow.Field) *EncodeError {
	for i, f := range cols {
		p := encPath{f.Name, f.Name}
		for _, prev := range cols[:i] {
			if prev.Name == f.Name {
				return p.errf("two columns have this name")
			}
		}
		kid, err := c.node(f, &item, p)
		if err != nil {
			return err
		}
		kid.setNullOK(item.Nullable)
		kid.omit = !item.Nullable
		key, _ := appendString([]byte{','}, f.Name)
		n.kids, n.cols, n.keys = append(n.kids, kid), append(n.cols, i), append(n.keys, append(key, ':'))
	}
	return nil
}

// encCompiler compiles encoder nodes.
type encCompiler struct {
	strict bool
}

// encPath locates a node: the Arrow column path and the property path.
type encPath struct{ col, prop string }

func (p encPath) child(col, prop string) encPath {
	join := func(base, name string) string {
		if base == "" {
			return name
		}
		return base + "." + name
	}
	return encPath{join(p.col, col), join(p.prop, prop)}
}

func (p encPath) errf(format string, args ...any) *EncodeError {
	return &EncodeError{Column: p.col, Field: p.prop, Row: -1, Msg: fmt.Sprintf(format, args...)}
}

func metaTrue(f arrow.Field, key string) bool {
	v, ok := f.Metadata.GetValue(key)
	return ok && v == "true"
}

// members compiles the columns cols into the members of object n, matched
// by name to the properties props (nil: plain JSON, one member per
// column). Members are written in the properties' order.
func (c *encCompiler) members(n *enode, cols, props []arrow.Field, p encPath, top bool) *EncodeError {
	byName := make(map[string]int, len(cols))
	for i, f := range cols {
		if _, dup := byName[f.Name]; dup {
			return p.child(f.Name, "").errf("two columns have this name")
		}
		byName[f.Name] = i
	}
	add := func(col int, prop string, kid *enode) {
		key, _ := appendString([]byte{','}, prop)
		n.kids, n.cols, n.keys = append(n.kids, kid), append(n.cols, col), append(n.keys, append(key, ':'))
	}
	if props == nil {
		for i, f := range cols {
			kid, err := c.node(f, nil, p.child(f.Name, f.Name))
			if err != nil {
				return err
			}
			kid.setNullOK(true)
			add(i, f.Name, kid)
		}
		return nil
	}
	matched := make(map[string]bool, len(props))
	for _, t := range props {
		i, ok := byName[t.Name]
		if !ok {
			if metaTrue(t, MetaRequired) {
				return &EncodeError{Field: p.child("", t.Name).prop, Row: -1, Msg: "the property is required but no column has its name"}
			}
			continue
		}
		if matched[t.Name] {
			continue // FromJSONSchema keeps one field per name
		}
		matched[t.Name] = true
		kid, err := c.node(cols[i], &t, p.child(cols[i].Name, t.Name))
		if err != nil {
			return err
		}
		switch {
		case metaTrue(t, MetaRequired):
			kid.setNullOK(t.Nullable && !(top && metaTrue(t, MetaNotNull)))
		case t.Nullable:
			kid.omit = true
		default:
			kid.setNullOK(false) // an Avro default would replace a missing value
		}
		add(i, t.Name, kid)
	}
	for _, f := range cols {
		if !matched[f.Name] {
			return p.child(f.Name, "").errf("the target schema has no property of this name (columns must match properties; the JSON form of a schema keeps no additionalProperties to allow more)")
		}
	}
	return nil
}

// setNullOK says whether a null is written as null; a dictionary's
// value node follows its dictionary.
func (n *enode) setNullOK(ok bool) {
	n.nullOK = ok
	if n.kind == ekDict {
		n.kids[0].setNullOK(ok)
	}
}
