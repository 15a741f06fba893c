// Package protoarrow reads Protobuf into Arrow.
package protoarrow
