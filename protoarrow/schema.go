package protoarrow

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/kafarr/kafarr/kafkaio"
)

// Limits of a schema's references.
const (
	// MaxSchemaFiles bounds the files one schema may pull in through its
	// references, itself included.
	MaxSchemaFiles = 1024
	// MaxReferenceDepth bounds the chain of references from a schema to a
	// file it imports indirectly.
	MaxReferenceDepth = 64
)

// ResolveFunc fetches the schema a reference names (a subject and version
// of the registry). Its errors are returned by Compile as they are, so a
// registry that cannot be reached keeps its status.
type ResolveFunc func(ctx context.Context, ref kafkaio.SchemaReference) (kafkaio.SchemaInfo, error)

// SchemaError reports a schema that cannot be compiled: text that does not
// parse, a descriptor that does not decode, a reference that is missing or
// circular, a message that is not there.
type SchemaError struct {
	// ID is the registry id of the schema, 0 when unknown.
	ID int
	// Msg says why.
	Msg string
}

func (e *SchemaError) Error() string {
	if e.ID != 0 {
		return fmt.Sprintf("protobuf schema id %d: %s", e.ID, e.Msg)
	}
	return "protobuf schema: " + e.Msg
}

// Schema is a compiled Protobuf schema: a registry schema and every file it
// imports, linked. It is immutable and safe for concurrent use.
type Schema struct {
	id   int
	file protoreflect.FileDescriptor
	// types holds the messages of the schema and its imports, for
	// resolving google.protobuf.Any values.
	types *protoregistry.Types
}

// bundled are the files every schema may import without a reference:
// Confluent's own types. The google/protobuf/*.proto files come from
// protocompile's standard imports, as compiled into the protobuf module.
var bundled = map[string]string{
	// Confluent's decimal type: the unscaled value as big-endian two's
	// complement bytes, with the value's precision and scale.
	"confluent/type/decimal.proto": `syntax = "proto3";
package confluent.type;
message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}
`,
	// The same type under the path newer Confluent clients use.
	"confluent/types/decimal.proto": `syntax = "proto3";
package confluent.type;
message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}
`,
	// Confluent's schema annotations (field 1088 of the descriptor
	// options): a doc string, string parameters, tags and rules. Schemas
	// that annotate fields with (confluent.field_meta) import it.
	"confluent/meta.proto": `syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
  repeated Rule rules = 4;
}
message Rule {
  string name = 1;
  string doc = 2;
  string expr = 3;
  string sql = 4;
}
extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }
`,
}

// isBundled reports whether a schema may import path without a
// reference.
func isBundled(path string) bool {
	_, ok := bundled[path]
	return ok || strings.HasPrefix(path, "google/protobuf/")
}

// source is one file of a schema: .proto text or a serialized descriptor.
type source struct {
	text  string
	proto *descriptorpb.FileDescriptorProto
}

// parseSource tells the two forms the registry holds apart: a
// FileDescriptorProto serialized and base64-encoded (what
// confluent-kafka-python registers) or .proto text. Text is never valid
// base64: it has spaces, braces and semicolons.
func parseSource(text string) (source, error) {
	t := strings.TrimSpace(text)
	if t == "" {
		return source{}, errors.New("the schema is empty")
	}
	raw, err := base64.StdEncoding.DecodeString(t)
	if err != nil {
		return source{text: text}, nil
	}
	fdp := &descriptorpb.FileDescriptorProto{}
	if err := proto.Unmarshal(raw, fdp); err != nil {
		return source{}, fmt.Errorf("the schema is base64 but not a serialized FileDescriptorProto: %v", err)
	}
	fillJSONNames(fdp)
	return source{proto: fdp}, nil
}

// Compile compiles a registry schema of type PROTOBUF, in either form the
// registry holds: .proto text or a base64 serialized FileDescriptorProto.
// References are fetched through resolve, recursively; the well-known
// types (google/protobuf/*.proto) and Confluent's confluent/type/decimal.proto
// and confluent/meta.proto need none. A schema that does not compile, or
// whose references are missing, circular, or more than MaxSchemaFiles, is
// a *SchemaError; errors of resolve are returned as they are.
func Compile(ctx context.Context, info kafkaio.SchemaInfo, resolve ResolveFunc) (*Schema, error) {
	main, err := parseSource(info.Schema)
	if err != nil {
		return nil, &SchemaError{ID: info.ID, Msg: err.Error()}
	}
	mainName := fmt.Sprintf("kafarr-schema-%d.proto", info.ID)
	if main.proto != nil && main.proto.GetName() != "" {
		mainName = main.proto.GetName()
	}
	files := map[string]source{mainName: main}
	if err := fetchReferences(ctx, info, resolve, files, nil); err != nil {
		var se *SchemaError
		if errors.As(err, &se) {
			se.ID = info.ID
		}
		return nil, err
	}
	c := protocompile.Compiler{
		MaxParallelism: 1,
		Resolver: protocompile.WithStandardImports(protocompile.ResolverFunc(func(path string) (protocompile.SearchResult, error) {
			if s, ok := files[path]; ok {
				if s.proto != nil {
					fdp := s.proto
					if fdp.GetName() != path {
						// The import path is the file's name, whatever
						// name the descriptor was registered with.
						fdp = proto.CloneOf(fdp)
						fdp.Name = proto.String(path)
					}
					return protocompile.SearchResult{Proto: fdp}, nil
				}
				return protocompile.SearchResult{Source: strings.NewReader(s.text)}, nil
			}
			if text, ok := bundled[path]; ok {
				return protocompile.SearchResult{Source: strings.NewReader(text)}, nil
			}
			return protocompile.SearchResult{}, fs.ErrNotExist
		})),
	}
	out, err := c.Compile(ctx, mainName)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &SchemaError{ID: info.ID, Msg: err.Error()}
	}
	fd := out[0]
	types := &protoregistry.Types{}
	registerTypes(types, fd, map[string]bool{})
	return &Schema{id: info.ID, file: fd, types: types}, nil
}

// fetchReferences adds the files info refers to, and theirs, to files.
// chain is the path of references from the schema, for cycles and depth.
func fetchReferences(ctx context.Context, info kafkaio.SchemaInfo, resolve ResolveFunc, files map[string]source, chain []string) error {
	if len(chain) > MaxReferenceDepth {
		return &SchemaError{Msg: fmt.Sprintf("references nested deeper than %d: %s", MaxReferenceDepth, strings.Join(chain, " -> "))}
	}
	for _, ref := range info.References {
		if isBundled(ref.Name) {
			continue // kafarr's own copy serves
		}
		for _, c := range chain {
			if c == ref.Name {
				return &SchemaError{Msg: fmt.Sprintf("circular references: %s -> %s", strings.Join(chain, " -> "), ref.Name)}
			}
		}
		if _, ok := files[ref.Name]; ok {
			continue // met through another path
		}
		if len(files) >= MaxSchemaFiles {
			return &SchemaError{Msg: fmt.Sprintf("more than %d files through references", MaxSchemaFiles)}
		}
		if resolve == nil {
			return &SchemaError{Msg: fmt.Sprintf("reference %q (subject %q version %d) cannot be resolved here", ref.Name, ref.Subject, ref.Version)}
		}
		ri, err := resolve(ctx, ref)
		if err != nil {
			return err
		}
		if ri.Type != "" && ri.Type != "PROTOBUF" {
			return &SchemaError{Msg: fmt.Sprintf("reference %q (subject %q version %d) is a %s schema, not PROTOBUF", ref.Name, ref.Subject, ref.Version, ri.Type)}
		}
		src, err := parseSource(ri.Schema)
		if err != nil {
			return &SchemaError{Msg: fmt.Sprintf("reference %q (subject %q version %d): %v", ref.Name, ref.Subject, ref.Version, err)}
		}
		files[ref.Name] = src
		if err := fetchReferences(ctx, ri, resolve, files, append(chain, ref.Name)); err != nil {
			return err
		}
	}
	return nil
}

// registerTypes adds the messages of fd and of the files it imports to
// types.
func registerTypes(types *protoregistry.Types, fd protoreflect.FileDescriptor, seen map[string]bool) {
	if seen[fd.Path()] {
		return
	}
	seen[fd.Path()] = true
	var add func(ms protoreflect.MessageDescriptors)
	add = func(ms protoreflect.MessageDescriptors) {
		for i := range ms.Len() {
			md := ms.Get(i)
			if !md.IsMapEntry() {
				_ = types.RegisterMessage(dynamicMessageType(md))
			}
			add(md.Messages())
		}
	}
	add(fd.Messages())
	imps := fd.Imports()
	for i := range imps.Len() {
		registerTypes(types, imps.Get(i).FileDescriptor, seen)
	}
}

// ID returns the registry id of the schema.
func (s *Schema) ID() int { return s.id }

// File returns the schema's own file.
func (s *Schema) File() protoreflect.FileDescriptor { return s.file }

// MessageNames returns the full names of the schema's messages, nested ones
// included, in declaration order (map entries left out).
func (s *Schema) MessageNames() []string {
	var names []string
	var walk func(ms protoreflect.MessageDescriptors)
	walk = func(ms protoreflect.MessageDescriptors) {
		for i := range ms.Len() {
			md := ms.Get(i)
			if md.IsMapEntry() {
				continue
			}
			names = append(names, string(md.FullName()))
			walk(md.Messages())
		}
	}
	walk(s.file.Messages())
	return names
}

// Message returns the message that name designates: the schema's first
// message when name is empty (Confluent's default), else the message of
// that full name (a leading dot is allowed), looked up in the schema's
// file. A missing message is a *SchemaError listing the messages there are.
func (s *Schema) Message(name string) (protoreflect.MessageDescriptor, error) {
	if name == "" {
		if s.file.Messages().Len() == 0 {
			return nil, &SchemaError{ID: s.id, Msg: "the schema defines no message"}
		}
		return s.file.Messages().Get(0), nil
	}
	full := strings.TrimPrefix(name, ".")
	var found protoreflect.MessageDescriptor
	var walk func(ms protoreflect.MessageDescriptors)
	walk = func(ms protoreflect.MessageDescriptors) {
		for i := 0; i < ms.Len() && found == nil; i++ {
			md := ms.Get(i)
			if string(md.FullName()) == full && !md.IsMapEntry() {
				found = md
				return
			}
			walk(md.Messages())
		}
	}
	walk(s.file.Messages())
	if found == nil {
		names := s.MessageNames()
		sort.Strings(names)
		return nil, &SchemaError{ID: s.id, Msg: fmt.Sprintf("message %q is not in the schema; its messages are: %s", name, strings.Join(names, ", "))}
	}
	return found, nil
}

// MessageAt returns the message a Confluent message-index list designates:
// the first index picks a top-level message of the schema's file, each
// next one a message nested in the previous. An empty list means [0].
func (s *Schema) MessageAt(indexes []int) (protoreflect.MessageDescriptor, error) {
	if len(indexes) == 0 {
		indexes = []int{0}
	}
	ms := s.file.Messages()
	var md protoreflect.MessageDescriptor
	for depth, i := range indexes {
		if i < 0 || i >= ms.Len() {
			return nil, &SchemaError{ID: s.id, Msg: fmt.Sprintf("message index %s: index %d at depth %d is out of range for %d messages", formatIndexes(indexes), i, depth, ms.Len())}
		}
		md = ms.Get(i)
		ms = md.Messages()
	}
	return md, nil
}

func formatIndexes(indexes []int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, x := range indexes {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(x))
	}
	b.WriteByte(']')
	return b.String()
}
