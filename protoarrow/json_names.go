package protoarrow

import "google.golang.org/protobuf/types/descriptorpb"

// fillJSONNames gives every field of fdp without a json_name the one protoc
// would have written. json_name is optional in a FileDescriptorProto, and
// descriptors built in code (rather than by protoc) usually leave it out;
// protocompile then sees an empty custom JSON name on every such field,
// and refuses the file for the conflicts between them.
func fillJSONNames(fdp *descriptorpb.FileDescriptorProto) {
	for _, m := range fdp.GetMessageType() {
		fillMessageJSONNames(m)
	}
	fillFieldJSONNames(fdp.GetExtension())
}

func fillMessageJSONNames(m *descriptorpb.DescriptorProto) {
	fillFieldJSONNames(m.GetField())
	fillFieldJSONNames(m.GetExtension())
	for _, n := range m.GetNestedType() {
		fillMessageJSONNames(n)
	}
}

func fillFieldJSONNames(fields []*descriptorpb.FieldDescriptorProto) {
	for _, f := range fields {
		if f.GetJsonName() == "" {
			name := jsonCamelCase(f.GetName())
			f.JsonName = &name
		}
	}
}

// jsonCamelCase is protoc's default JSON name of a field: each '_' is
// dropped and the letter after it upper-cased.
func jsonCamelCase(s string) string {
	b := make([]byte, 0, len(s))
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			upper = true
			continue
		}
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		upper = false
		b = append(b, c)
	}
	return string(b)
}
