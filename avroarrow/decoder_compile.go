package avroarrow

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// DecoderOptions tunes CompileDecoder.
type DecoderOptions struct {
	// MapOptions picks the Arrow representation of unions.
	MapOptions
	// Projection names the top-level reader fields to materialize, in
	// column order; nil means every field in reader order. Writer data of
	// other fields is skipped without decoding, and their types need not
	// resolve. It must be nil for a reader schema that is not a record.
	Projection []string
	// MaxItems bounds the array and map items that take no bytes (nulls,
	// empty records, fixed(0)) one message may materialize; items that
	// take bytes are bounded by the message's length. 0 means
	// DefaultMaxItems.
	MaxItems int
}

// ResolveError reports a writer schema that cannot be read with a reader
// schema under Avro's schema resolution rules.
type ResolveError struct {
	// Path locates the reader field, e.g. "order.items[].price"; empty
	// for the schemas as a whole.
	Path string
	// Msg says why.
	Msg string
}

func (e *ResolveError) Error() string {
	if e.Path == "" {
		return "avro schema resolution: " + e.Msg
	}
	return "avro schema resolution: " + e.Path + ": " + e.Msg
}

// CompileDecoder compiles a decoder for data written with writer and read
// as reader, per Avro schema resolution: record fields match by name or
// by the reader field's aliases (or the writer field's), writer fields the
// reader lacks are skipped, reader fields the writer lacks take their
// default; int, long and float promote to wider numbers, string and bytes
// to each other; enum symbols match by name, unknown ones taking the
// reader's default (or failing when met, without one); unions match
// branch by branch, first by type and then by promotion; named types
// match by unqualified name or alias; fixed sizes and decimal precision
// and scale must be equal; logical types resolve through their underlying
// types. Pairs that cannot resolve are a *ResolveError naming the field.
func CompileDecoder(writer, reader *Schema, opts DecoderOptions) (*Decoder, error) {
	if opts.Projection != nil && reader.Type != TypeRecord {
		return nil, &ResolveError{Msg: fmt.Sprintf("a projection needs a record reader schema, not %s", reader.Type)}
	}
	fields, err := valueFields(reader, opts.Projection, opts.MapOptions)
	if err != nil {
		return nil, err
	}
	return compileDecoder(writer, reader, opts, arrow.NewSchema(fields, nil))
}

// compileDecoder compiles against an already mapped value schema, which
// DecoderCache shares between its decoders.
func compileDecoder(writer, reader *Schema, opts DecoderOptions, schema *arrow.Schema) (*Decoder, error) {
	cp := &compiler{opts: opts, skips: map[*Schema]*node{}, sizes: map[*Schema]int{}, zeros: map[*Schema]bool{}}
	root, err := cp.root(writer, reader)
	if err != nil {
		return nil, err
	}
	maxItems := opts.MaxItems
	if maxItems <= 0 {
		maxItems = DefaultMaxItems
	}
	return &Decoder{writer: writer, reader: reader, schema: schema, root: root, maxItems: maxItems}, nil
}

type compiler struct {
	opts  DecoderOptions
	skips map[*Schema]*node // skip programs by writer schema; recursive types share
	sizes map[*Schema]int   // fewest bytes a value takes; -1 while computing
	zeros map[*Schema]bool  // whether values take no bytes at all
}

func resolveErrorf(path, format string, args ...any) error {
	return &ResolveError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// root compiles the top level: the batch's value columns are the children
// of a struct, so a record reader is an ordinary record node with the
// projection applied, and any other reader is a one-field record.
func (cp *compiler) root(w, r *Schema) (*node, error) {
	if r.Type != TypeRecord {
		inner, err := cp.compile(w, r, ValueColumnName)
		if err != nil {
			return nil, err
		}
		return &node{op: opRecord, steps: []step{{op: inner.op, node: inner, child: 0, name: ValueColumnName}}}, nil
	}
	proj := make([]int, len(r.Fields))
	if cp.opts.Projection == nil {
		for i := range proj {
			proj[i] = i
		}
	} else {
		for i := range proj {
			proj[i] = slices.Index(cp.opts.Projection, r.Fields[i].Name)
		}
	}
	rec := func(w *Schema) (*node, error) {
		if w.Type != TypeRecord {
			return nil, resolveErrorf("", "writer schema %s cannot be read as record %q", describe(w), r.Name)
		}
		if !namesMatch(w, r) {
			return nil, resolveErrorf("", "writer record %q does not match reader record %q by name or alias", w.Name, r.Name)
		}
		return cp.record(w, r, "", proj)
	}
	if w.Type == TypeUnion {
		return cp.writerUnion(w, "", rec)
	}
	return rec(w)
}

// compile resolves writer schema w against reader schema r.
func (cp *compiler) compile(w, r *Schema, path string) (*node, error) {
	if w.Type == TypeUnion {
		return cp.writerUnion(w, path, func(wb *Schema) (*node, error) { return cp.toReader(wb, r, path) })
	}
	return cp.toReader(w, r, path)
}

// writerUnion compiles each writer branch with each; a branch that cannot
// resolve fails only when a message takes it, as the specification says,
// unless no branch resolves at all.
func (cp *compiler) writerUnion(w *Schema, path string, each func(*Schema) (*node, error)) (*node, error) {
	n := &node{op: opWriterUnion, branches: make([]*node, len(w.Branches))}
	var firstErr error
	for i, wb := range w.Branches {
		bn, err := each(wb)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			bn = &node{op: opFail, err: fmt.Errorf("writer union branch %d (%s) cannot be read: %w", i, wb.BranchName(), err)}
		}
		n.branches[i] = bn
	}
	for _, b := range n.branches {
		if b.op != opFail {
			return n, nil
		}
	}
	return nil, firstErr
}

// toReader resolves a non-union writer schema against r, picking the
// reader union's branch when r is a union.
func (cp *compiler) toReader(w, r *Schema, path string) (*node, error) {
	if r.Type != TypeUnion {
		return cp.value(w, r, path)
	}
	k := matchBranch(w, r)
	if k < 0 {
		return nil, resolveErrorf(path, "writer type %s matches no branch of reader union %s", describe(w), describe(r))
	}
	inner, err := cp.value(w, r.Branches[k], path)
	if err != nil {
		return nil, err
	}
	if _, _, ok := r.NullableBranch(); ok {
		// [null, T] is a nullable T column: nulls and values go straight
		// to it.
		return inner, nil
	}
	if cp.opts.UnionMode == UnionDense {
		return &node{op: opDenseBranch, child: k, inner: inner}, nil
	}
	if r.Branches[k].Type == TypeNull {
		return inner, nil // the struct itself is null
	}
	child := 0
	for _, b := range r.Branches[:k] {
		if b.Type != TypeNull {
			child++
		}
	}
	return &node{op: opStructBranch, child: child, inner: inner}, nil
}

// matchBranch returns the reader union branch that a writer value of type w
// goes to: the first of the same type (and name), else the first w
// promotes to, else -1.
func matchBranch(w, r *Schema) int {
	for k, b := range r.Branches {
		if b.Type == w.Type && (!w.Type.Named() || namesMatch(w, b)) {
			return k
		}
	}
	for k, b := range r.Branches {
		if promotes(w.Type, b.Type) {
			return k
		}
	}
	return -1
}

// promotes reports whether Avro promotes writer type w to reader type r.
func promotes(w, r Type) bool {
	switch w {
	case TypeInt:
		return r == TypeLong || r == TypeFloat || r == TypeDouble
	case TypeLong:
		return r == TypeFloat || r == TypeDouble
	case TypeFloat:
		return r == TypeDouble
	case TypeString:
		return r == TypeBytes
	case TypeBytes:
		return r == TypeString
	}
	return false
}

// namesMatch reports whether named types w and r match: by unqualified
// name, or when an alias of either names the other.
func namesMatch(w, r *Schema) bool {
	if w.ShortName() == r.ShortName() {
		return true
	}
	aliasOf := func(aliases []string, s *Schema) bool {
		for _, a := range aliases {
			if a == s.Name || shortName(a) == s.ShortName() {
				return true
			}
		}
		return false
	}
	return aliasOf(r.Aliases, w) || aliasOf(w.Aliases, r)
}

func shortName(full string) string {
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		return full[i+1:]
	}
	return full
}

// describe names a schema in messages: its full name or type, with the
// logical type.
func describe(s *Schema) string {
	switch {
	case s.Type == TypeUnion:
		names := make([]string, len(s.Branches))
		for i, b := range s.Branches {
			names[i] = describe(b)
		}
		return "[" + strings.Join(names, ", ") + "]"
	case s.Type.Named():
		return fmt.Sprintf("%s %q", s.Type, s.Name)
	case s.Logical != "":
		return s.Type.String() + " (" + s.Logical + ")"
	}
	return s.Type.String()
}

// value resolves two non-union schemas.
func (cp *compiler) value(w, r *Schema, path string) (*node, error) {
	mismatch := func() error {
		return resolveErrorf(path, "writer type %s cannot be read as reader type %s", describe(w), describe(r))
	}
	if w.Logical == LogicalDecimal && r.Logical == LogicalDecimal && (w.Precision != r.Precision || w.Scale != r.Scale) {
		return nil, resolveErrorf(path, "writer decimal(%d,%d) does not match reader decimal(%d,%d)", w.Precision, w.Scale, r.Precision, r.Scale)
	}
	if r.Type.Named() && w.Type == r.Type && !namesMatch(w, r) {
		return nil, resolveErrorf(path, "writer %s does not match reader %s by name or alias", describe(w), describe(r))
	}
	switch r.Type {
	case TypeNull:
		if w.Type == TypeNull {
			return &node{op: opNull}, nil
		}
	case TypeBoolean:
		if w.Type == TypeBoolean {
			return &node{op: opBool}, nil
		}
	case TypeInt:
		if w.Type == TypeInt {
			return &node{op: opInt}, nil
		}
	case TypeLong:
		switch w.Type {
		case TypeInt:
			return &node{op: opIntToLong}, nil
		case TypeLong:
			return &node{op: opLong}, nil
		}
	case TypeFloat:
		switch w.Type {
		case TypeInt:
			return &node{op: opIntToFloat}, nil
		case TypeLong:
			return &node{op: opLongToFloat}, nil
		case TypeFloat:
			return &node{op: opFloat}, nil
		}
	case TypeDouble:
		switch w.Type {
		case TypeInt:
			return &node{op: opIntToDouble}, nil
		case TypeLong:
			return &node{op: opLongToDouble}, nil
		case TypeFloat:
			return &node{op: opFloatToDouble}, nil
		case TypeDouble:
			return &node{op: opDouble}, nil
		}
	case TypeBytes:
		if w.Type == TypeBytes || w.Type == TypeString {
			if r.Logical == LogicalDecimal {
				return &node{op: opDecimalBytes}, nil
			}
			return &node{op: opBinary}, nil
		}
	case TypeString:
		if w.Type == TypeBytes || w.Type == TypeString {
			return &node{op: opUTF8}, nil
		}
	case TypeFixed:
		if w.Type != TypeFixed {
			break
		}
		if w.Size != r.Size {
			return nil, resolveErrorf(path, "writer %s of %d bytes does not match reader %s of %d bytes", describe(w), w.Size, describe(r), r.Size)
		}
		switch r.Logical {
		case LogicalDecimal:
			return &node{op: opDecimalFixed, size: w.Size}, nil
		case LogicalUUID:
			return &node{op: opUUIDFixed}, nil
		case LogicalDuration:
			return &node{op: opDuration}, nil
		}
		return &node{op: opFixed, size: w.Size}, nil
	case TypeEnum:
		if w.Type == TypeEnum {
			return enumNode(w, r), nil
		}
	case TypeRecord:
		if w.Type == TypeRecord {
			return cp.record(w, r, path, nil)
		}
	case TypeArray:
		if w.Type == TypeArray {
			items, err := cp.compile(w.Items, r.Items, path+"[]")
			if err != nil {
				return nil, err
			}
			return &node{op: opArray, items: items, size: cp.minSize(w.Items)}, nil
		}
	case TypeMap:
		if w.Type == TypeMap {
			values, err := cp.compile(w.Values, r.Values, path+"{}")
			if err != nil {
				return nil, err
			}
			return &node{op: opMap, items: values, size: 1 + cp.minSize(w.Values)}, nil
		}
	}
	return nil, mismatch()
}

// enumNode maps writer symbols to reader indices by name; a symbol the
// reader lacks maps to the reader's default, or to -1 (an error when met).
func enumNode(w, r *Schema) *node {
	m := make([]int32, len(w.Symbols))
	def := -1
	if r.HasEnumDefault {
		def = slices.Index(r.Symbols, r.EnumDefault)
	}
	for i, sym := range w.Symbols {
		k := slices.Index(r.Symbols, sym)
		if k < 0 {
			k = def
		}
		m[i] = int32(k)
	}
	return &node{op: opEnum, enumMap: m, symbols: w.Symbols, reader: r.Name}
}

// record resolves two records. proj maps reader field indices to struct
// children (-1: not materialized); nil means the identity.
func (cp *compiler) record(w, r *Schema, path string, proj []int) (*node, error) {
	child := func(ri int) int {
		if proj == nil {
			return ri
		}
		return proj[ri]
	}
	n := &node{op: opRecord}
	matched := make([]bool, len(r.Fields))
	for _, wf := range w.Fields {
		ri := matchField(wf, r, matched)
		if ri < 0 || child(ri) < 0 {
			sk := cp.skip(wf.Type)
			n.steps = append(n.steps, step{op: sk.op, node: sk, child: -1, name: wf.Name})
			continue
		}
		matched[ri] = true
		rf := r.Fields[ri]
		fn, err := cp.compile(wf.Type, rf.Type, joinPath(path, rf.Name))
		if err != nil {
			return nil, err
		}
		n.steps = append(n.steps, step{op: fn.op, node: fn, child: child(ri), name: rf.Name})
	}
	for ri, rf := range r.Fields {
		if matched[ri] || child(ri) < 0 {
			continue
		}
		fpath := joinPath(path, rf.Name)
		if !rf.HasDefault {
			return nil, resolveErrorf(fpath, "reader field %q is missing from writer record %q and has no default", rf.Name, w.Name)
		}
		data, err := encDefault(nil, rf.Type, rf.Default, 0)
		if err != nil {
			return nil, resolveErrorf(fpath, "default of reader field %q: %v", rf.Name, err)
		}
		dn, err := cp.compile(rf.Type, rf.Type, fpath)
		if err != nil {
			return nil, err
		}
		n.defaults = append(n.defaults, defaultValue{node: dn, child: child(ri), data: data})
	}
	return n, nil
}

// matchField finds the reader field for writer field wf: by name, then by
// a reader field alias, then by a writer field alias; -1 if none.
func matchField(wf *Field, r *Schema, matched []bool) int {
	for ri, rf := range r.Fields {
		if !matched[ri] && rf.Name == wf.Name {
			return ri
		}
	}
	for ri, rf := range r.Fields {
		if !matched[ri] && slices.Contains(rf.Aliases, wf.Name) {
			return ri
		}
	}
	for ri, rf := range r.Fields {
		if !matched[ri] && slices.Contains(wf.Aliases, rf.Name) {
			return ri
		}
	}
	return -1
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// skip compiles a program that consumes a writer value of w.
func (cp *compiler) skip(w *Schema) *node {
	if n, ok := cp.skips[w]; ok {
		return n
	}
	n := &node{}
	cp.skips[w] = n // before recursing, so recursive types close the loop
	switch w.Type {
	case TypeNull:
		n.op = opSkipNull
	case TypeBoolean:
		n.op = opSkipBool
	case TypeInt, TypeLong, TypeEnum:
		n.op = opSkipVarint
	case TypeFloat:
		n.op, n.size = opSkipFixed, 4
	case TypeDouble:
		n.op, n.size = opSkipFixed, 8
	case TypeFixed:
		n.op, n.size = opSkipFixed, w.Size
	case TypeBytes, TypeString:
		n.op = opSkipBytes
	case TypeRecord:
		n.op = opSkipRecord
		for _, f := range w.Fields {
			sk := cp.skip(f.Type)
			n.steps = append(n.steps, step{op: sk.op, node: sk, child: -1, name: f.Name})
		}
	case TypeArray:
		n.op, n.size, n.zero = opSkipArray, cp.minSize(w.Items), cp.zeroSize(w.Items)
		n.items = cp.skip(w.Items)
	case TypeMap:
		n.op, n.size = opSkipMap, 1+cp.minSize(w.Values)
		n.items = cp.skip(w.Values)
	case TypeUnion:
		n.op = opSkipUnion
		for _, b := range w.Branches {
			n.branches = append(n.branches, cp.skip(b))
		}
	}
	return n
}

// minSize returns a lower bound of the bytes a value of w takes; inside a
// recursive type it is conservatively 0.
func (cp *compiler) minSize(w *Schema) int {
	if s, ok := cp.sizes[w]; ok {
		return max(s, 0)
	}
	cp.sizes[w] = -1
	s := 0
	switch w.Type {
	case TypeNull:
	case TypeFloat:
		s = 4
	case TypeDouble:
		s = 8
	case TypeFixed:
		s = w.Size
	case TypeRecord:
		for _, f := range w.Fields {
			s += cp.minSize(f.Type)
		}
	default:
		s = 1 // a varint, a length, a block count, a branch index, a boolean
	}
	s = min(s, 1<<20)
	cp.sizes[w] = s
	return s
}

// zeroSize reports whether every value of w takes no bytes (null, fixed(0),
// records of such); inside a recursive type it is conservatively false.
func (cp *compiler) zeroSize(w *Schema) bool {
	if z, ok := cp.zeros[w]; ok {
		return z
	}
	cp.zeros[w] = false
	z := false
	switch w.Type {
	case TypeNull:
		z = true
	case TypeFixed:
		z = w.Size == 0
	case TypeRecord:
		z = true
		for _, f := range w.Fields {
			z = z && cp.zeroSize(f.Type)
		}
	}
	cp.zeros[w] = z
	return z
}
