package avroarrow

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// CompileEncoder compiles an encoder that writes batches of schema in with
// the Avro record schema writer. Columns match the writer's fields by name,
// in any order, and extra columns are ignored; a field with no column takes
// its default (for a union, a value of the first branch), and a field with
// neither is an error. Struct columns match nested records the same way.
// Every type decision, and every narrowing that opts forbids, is settled
// here; docs/ingest-types.md lists what each Avro type accepts. Errors are
// *EncodeError values naming the column, the field and both types.
func CompileEncoder(in *arrow.Schema, writer *Schema, opts EncoderOptions) (*Encoder, error) {
	if in == nil {
		return nil, &EncodeError{Row: -1, Msg: "nil Arrow schema"}
	}
	if writer == nil || writer.Type != TypeRecord {
		what := "nil"
		if writer != nil {
			what = encAvroDesc(writer)
		}
		return nil, &EncodeError{Row: -1, Msg: fmt.Sprintf("the writer schema is %s; ingest needs an Avro record", what)}
	}
	c := &encCompiler{strict: opts.Coerce == CoerceStrict}
	fields, _, err := c.fields(in.Fields(), writer, encPath{})
	if err != nil {
		return nil, err
	}
	return &Encoder{in: in, fields: fields}, nil
}

// encCompiler builds the node tree.
type encCompiler struct {
	strict bool // CoerceStrict: narrowing conversions are compile errors
}

func (c *encCompiler) errf(p encPath, format string, args ...any) *EncodeError {
	return &EncodeError{Column: p.col, Field: p.field, Row: -1, Msg: fmt.Sprintf(format, args...)}
}

func (c *encCompiler) mismatch(dt arrow.DataType, s *Schema, p encPath) *EncodeError {
	return c.errf(p, "%s cannot be encoded as %s", dt, encAvroDesc(s))
}

// narrowing vets a conversion that can fail for some values: it is an
// error under CoerceStrict, else allowed and reported to the caller, so a
// union can prefer a branch that needs none.
func (c *encCompiler) narrowing(dt arrow.DataType, s *Schema, p encPath) *EncodeError {
	if c.strict {
		return c.errf(p, "%s into %s is a narrowing conversion, which coerce=strict refuses", dt, encAvroDesc(s))
	}
	return nil
}

// leaf returns the common part of a node at p writing s.
func (c *encCompiler) leaf(s *Schema, p encPath) encLeaf {
	return encLeaf{path: p, avro: encAvroDesc(s)}
}

// fields compiles the writer fields of record rec from the Arrow fields
// cols (top-level columns or a struct's children).
func (c *encCompiler) fields(cols []arrow.Field, rec *Schema, p encPath) ([]encField, bool, *EncodeError) {
	byName := make(map[string]int, len(cols))
	dup := map[string]bool{}
	for i, f := range cols {
		if _, ok := byName[f.Name]; ok {
			dup[f.Name] = true
		}
		byName[f.Name] = i
	}
	out := make([]encField, 0, len(rec.Fields))
	narrow := false
	for _, f := range rec.Fields {
		fp := p.child(f.Name, f.Name)
		i, ok := byName[f.Name]
		if !ok {
			if !f.HasDefault {
				return nil, false, &EncodeError{Field: fp.field, Row: -1, Msg: fmt.Sprintf("no column named %q and the field has no default", f.Name)}
			}
			def, err := encDefault(nil, f.Type, f.Default, 0)
			if err != nil {
				return nil, false, &EncodeError{Field: fp.field, Row: -1, Msg: "cannot encode the default: " + err.Error()}
			}
			out = append(out, encField{col: -1, def: def})
			continue
		}
		if dup[f.Name] {
			return nil, false, c.errf(fp, "two columns are named %q", f.Name)
		}
		n, nw, err := c.compile(cols[i].Type, f.Type, fp)
		if err != nil {
			return nil, false, err
		}
		narrow = narrow || nw
		out = append(out, encField{col: i, node: n})
	}
	return out, narrow, nil
}

// compile returns the node writing Arrow type dt as Avro schema s. narrow
// reports a conversion that may fail for some values.
func (c *encCompiler) compile(dt arrow.DataType, s *Schema, p encPath) (encNode, bool, *EncodeError) {
	if ext, ok := dt.(arrow.ExtensionType); ok {
		// Extension arrays (pyarrow's uuid, say) are read through their
		// storage; bind unwraps them.
		dt = ext.StorageType()
	}
	if s.Type == TypeUnion {
		return c.union(dt, s, p)
	}
	if d, ok := dt.(*arrow.DictionaryType); ok {
		return c.dictionary(d, s, p)
	}
	if dt.ID() == arrow.NULL {
		if s.Type == TypeNull {
			return &encNothing{encLeaf: c.leaf(s, p)}, false, nil
		}
		return nil, false, c.errf(p, "a column of nulls (Arrow null type) cannot be encoded as non-nullable %s", encAvroDesc(s))
	}
	switch s.Type {
	case TypeBoolean:
		if dt.ID() == arrow.BOOL {
			return &encBool{encLeaf: c.leaf(s, p)}, false, nil
		}
	case TypeInt, TypeLong:
		return c.integer(dt, s, p)
	case TypeFloat, TypeDouble:
		return c.floating(dt, s, p)
	case TypeBytes:
		if s.Logical == LogicalDecimal {
			return c.decimal(dt, s, p)
		}
		if encBinaryLike(dt) || encStringLike(dt) {
			return &encBytes{encLeaf: c.leaf(s, p)}, false, nil
		}
	case TypeString:
		if s.Logical == LogicalUUID {
			return c.uuidString(dt, s, p)
		}
		if encStringLike(dt) {
			return &encBytes{encLeaf: c.leaf(s, p)}, false, nil
		}
		if encBinaryLike(dt) {
			return &encBytes{encLeaf: c.leaf(s, p), utf8: true}, false, nil
		}
	case TypeFixed:
		switch s.Logical {
		case LogicalDecimal:
			return c.decimal(dt, s, p)
		case LogicalDuration:
			return c.duration(dt, s, p)
		case LogicalUUID:
			if encStringLike(dt) {
				return &encUUIDParse{encLeaf: c.leaf(s, p)}, false, nil
			}
		}
		if fsb, ok := dt.(*arrow.FixedSizeBinaryType); ok && fsb.ByteWidth == s.Size {
			return &encFixed{encLeaf: c.leaf(s, p), size: s.Size}, false, nil
		}
		if encBinaryLike(dt) {
			return &encFixed{encLeaf: c.leaf(s, p), size: s.Size}, false, nil
		}
	case TypeEnum:
		if encStringLike(dt) {
			return newEncEnum(c.leaf(s, p), s), false, nil
		}
	case TypeRecord:
		if st, ok := dt.(*arrow.StructType); ok {
			fields, narrow, err := c.fields(st.Fields(), s, p)
			if err != nil {
				return nil, false, err
			}
			return &encStruct{encLeaf: c.leaf(s, p), fields: fields}, narrow, nil
		}
	case TypeArray:
		if item, ok := encListItem(dt); ok {
			n, narrow, err := c.compile(item, s.Items, p.items())
			if err != nil {
				return nil, false, err
			}
			return &encList{encLeaf: c.leaf(s, p), items: n}, narrow, nil
		}
	case TypeMap:
		if mt, ok := dt.(*arrow.MapType); ok && encStringLike(mt.KeyType()) {
			n, narrow, err := c.compile(mt.ItemType(), s.Values, p.values())
			if err != nil {
				return nil, false, err
			}
			return &encMap{encLeaf: c.leaf(s, p), values: n}, narrow, nil
		}
	}
	return nil, false, c.mismatch(dt, s, p)
}

// union compiles a column into a union. A column of Arrow's null type
// always takes the null branch; [null, T] takes T's column with nulls; an
// Arrow union, or a struct whose children are named after branches (the
// shapes kafarr's reader produces), picks a branch per row; any other
// column goes whole to one branch: its natural type, else the first that
// takes it without narrowing, else the first that takes it at all.
func (c *encCompiler) union(dt arrow.DataType, s *Schema, p encPath) (encNode, bool, *EncodeError) {
	nullIdx := -1
	for i, b := range s.Branches {
		if b.Type == TypeNull {
			nullIdx = i
		}
	}
	if dt.ID() == arrow.NULL {
		if nullIdx < 0 {
			return nil, false, c.errf(p, "a column of nulls (Arrow null type) cannot be encoded as %s, which has no null branch", encAvroDesc(s))
		}
		return newEncBranch(c.leaf(s, p), -1, nullIdx, nil), false, nil
	}
	if branch, ni, ok := s.NullableBranch(); ok {
		n, narrow, err := c.compile(dt, branch, p)
		if err != nil {
			// An Arrow union or a struct of branches also fits [null, T]:
			// kafarr reads [T] that way, and a schema derived from it is
			// [null, T].
			switch t := dt.(type) {
			case arrow.UnionType:
				return c.arrowUnion(t, s, ni, p)
			case *arrow.StructType:
				if encBranchStruct(t, s) {
					return c.branchStruct(t, s, ni, p)
				}
			}
			return nil, false, err
		}
		return newEncBranch(c.leaf(s, p), 1-ni, ni, n), narrow, nil
	}
	switch t := dt.(type) {
	case arrow.UnionType:
		return c.arrowUnion(t, s, nullIdx, p)
	case *arrow.StructType:
		if encBranchStruct(t, s) {
			return c.branchStruct(t, s, nullIdx, p)
		}
	}
	// Rank the branches that take the column: its natural Avro type (the
	// one DeriveSchema would pick) first, then any branch without a
	// narrowing, then the rest; ties go to the earlier branch.
	var natural *Schema
	if nt, err := (&encDeriver{named: map[string]*Schema{}}).dataType(arrow.Field{Type: dt}, "x", p); err == nil {
		natural = nt
	}
	var (
		best     = -1
		bestRank = 3
		bestNode encNode
		firstErr *EncodeError
	)
	for i, b := range s.Branches {
		if b.Type == TypeNull {
			continue
		}
		n, narrow, err := c.compile(dt, b, p)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		rank := 1
		switch {
		case narrow:
			rank = 2
		case natural != nil && natural.Type == b.Type && natural.Logical == b.Logical:
			rank = 0
		}
		if rank < bestRank {
			best, bestRank, bestNode = i, rank, n
		}
	}
	if best >= 0 {
		return newEncBranch(c.leaf(s, p), best, nullIdx, bestNode), bestRank == 2, nil
	}
	if len(s.Branches) == 1 && firstErr != nil {
		return nil, false, firstErr
	}
	return nil, false, c.errf(p, "%s cannot be encoded as any branch of %s", dt, encAvroDesc(s))
}

// encBranchIndex finds the union branch an Arrow child named name stands
// for: the branch's BranchName, or the short name of a named branch.
func encBranchIndex(s *Schema, name string) int {
	for i, b := range s.Branches {
		if b.BranchName() == name || (b.Type.Named() && b.ShortName() == name) {
			return i
		}
	}
	return -1
}

// encBranchStruct reports whether a struct column holds one child per
// union branch, named after the branches, rather than a record value.
func encBranchStruct(st *arrow.StructType, s *Schema) bool {
	if st.NumFields() == 0 {
		// kafarr reads ["null"] as a struct without children.
		return encBranchIndex(s, "null") >= 0
	}
	for _, f := range st.Fields() {
		if encBranchIndex(s, f.Name) < 0 {
			return false
		}
	}
	return true
}

// unionChildren compiles the children of a struct of branches or an Arrow
// union, each against the branch it is named after. A child named "null"
// of Arrow's null type stands for the null branch and gets no node.
func (c *encCompiler) unionChildren(fields []arrow.Field, s *Schema, p encPath) ([]encUnionChild, bool, *EncodeError) {
	out := make([]encUnionChild, len(fields))
	narrow := false
	for k, f := range fields {
		idx := encBranchIndex(s, f.Name)
		if idx < 0 {
			return nil, false, c.errf(p, "child %q of %s names no branch of %s", f.Name, encTypeName(f.Type), encAvroDesc(s))
		}
		out[k].branch = idx
		if s.Branches[idx].Type == TypeNull {
			if f.Type.ID() != arrow.NULL {
				return nil, false, c.errf(p, "child %q of the union column must have Arrow's null type, not %s", f.Name, f.Type)
			}
			continue
		}
		n, nw, err := c.compile(f.Type, s.Branches[idx], encPath{p.col + "." + f.Name, p.field})
		if err != nil {
			return nil, false, err
		}
		// The union node writes the null branch for a null child value.
		n.base().nullable = true
		out[k].node, narrow = n, narrow || nw
	}
	return out, narrow, nil
}

func (c *encCompiler) branchStruct(st *arrow.StructType, s *Schema, nullIdx int, p encPath) (encNode, bool, *EncodeError) {
	children, narrow, err := c.unionChildren(st.Fields(), s, p)
	if err != nil {
		return nil, false, err
	}
	encUnionPrefixes(children)
	return &encUnionStruct{encLeaf: c.leaf(s, p), nullIdx: nullIdx, children: children}, narrow, nil
}

func (c *encCompiler) arrowUnion(ut arrow.UnionType, s *Schema, nullIdx int, p encPath) (encNode, bool, *EncodeError) {
	children, narrow, err := c.unionChildren(ut.Fields(), s, p)
	if err != nil {
		return nil, false, err
	}
	encUnionPrefixes(children)
	return &encUnionArrow{encLeaf: c.leaf(s, p), nullIdx: nullIdx, children: children, dense: ut.Mode() == arrow.DenseMode}, narrow, nil
}

// dictionary compiles a dictionary-encoded column: into an enum the
// dictionary is mapped to symbols once per batch; otherwise its values are
// encoded as the value type would be.
func (c *encCompiler) dictionary(d *arrow.DictionaryType, s *Schema, p encPath) (encNode, bool, *EncodeError) {
	if !arrow.IsInteger(d.IndexType.ID()) {
		return nil, false, c.mismatch(d, s, p)
	}
	if s.Type == TypeEnum && encStringLike(d.ValueType) {
		return &encEnumDict{encEnum: newEncEnum(c.leaf(s, p), s)}, false, nil
	}
	n, narrow, err := c.compile(d.ValueType, s, p)
	if err != nil {
		return nil, false, err
	}
	return &encDict{encLeaf: c.leaf(s, p), values: n}, narrow, nil
}

func encStringLike(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	}
	return false
}

func encBinaryLike(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		return true
	}
	return false
}

// encListItem returns the element type of a list-like Arrow type.
func encListItem(dt arrow.DataType) (arrow.DataType, bool) {
	switch t := dt.(type) {
	case *arrow.ListType:
		return t.Elem(), true
	case *arrow.LargeListType:
		return t.Elem(), true
	case *arrow.FixedSizeListType:
		return t.Elem(), true
	case *arrow.ListViewType:
		return t.Elem(), true
	case *arrow.LargeListViewType:
		return t.Elem(), true
	}
	return nil, false
}

// encTypeName renders an Arrow type for messages.
func encTypeName(dt arrow.DataType) string { return dt.String() }

// encAvroDesc renders an Avro schema for messages: "Avro int", "Avro
// timestamp-millis", `Avro enum "com.acme.Side"`, "Avro union [null, string,
// long]".
func encAvroDesc(s *Schema) string {
	switch {
	case s.Logical == LogicalDecimal:
		return "Avro decimal(" + strconv.Itoa(s.Precision) + "," + strconv.Itoa(s.Scale) + ")"
	case s.Logical != "":
		return "Avro " + s.Logical
	case s.Type.Named():
		return "Avro " + s.Type.String() + " " + strconv.Quote(s.Name)
	case s.Type == TypeUnion:
		names := make([]string, len(s.Branches))
		for i, b := range s.Branches {
			names[i] = b.BranchName()
		}
		return "Avro union [" + strings.Join(names, ", ") + "]"
	}
	return "Avro " + s.Type.String()
}
