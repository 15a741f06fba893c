package driver

import (
	"context"
	"runtime/debug"
	"strings"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/twmb/franz-go/pkg/kadm"
)

// arrowVersion is the arrow-go module version the driver was built with.
var arrowVersion = func() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/apache/arrow-go/v18" {
				return m.Version
			}
		}
	}
	return "v" + arrow.PkgVersion // test binaries carry no module versions
}()

// GetInfo reports the vendor (Kafka), the driver and the versions. The
// Kafka protocol does not expose the broker's release, so the vendor
// version is franz-go's guess from the API versions the broker supports.
func (c *Connection) GetInfo(ctx context.Context, codes []adbc.InfoCode) (array.RecordReader, error) {
	if err := c.sess.CheckOpen(); err != nil {
		return nil, err
	}
	all := []adbc.InfoCode{
		adbc.InfoVendorName, adbc.InfoVendorVersion, adbc.InfoVendorArrowVersion, adbc.InfoVendorSql,
		adbc.InfoVendorSubstrait, adbc.InfoDriverName, adbc.InfoDriverVersion,
		adbc.InfoDriverArrowVersion, adbc.InfoDriverADBCVersion,
	}
	if len(codes) == 0 {
		codes = all
	}
	b := array.NewRecordBuilder(c.sess.Alloc, adbc.GetInfoSchema)
	defer b.Release()
	names := b.Field(0).(*array.Uint32Builder)
	values := b.Field(1).(*array.DenseUnionBuilder)
	str := func(code adbc.InfoCode, v string) {
		names.Append(uint32(code))
		values.Append(int8(adbc.InfoValueStringType))
		values.Child(int(adbc.InfoValueStringType)).(*array.StringBuilder).Append(v)
	}
	boolean := func(code adbc.InfoCode, v bool) {
		names.Append(uint32(code))
		values.Append(int8(adbc.InfoValueBooleanType))
		values.Child(int(adbc.InfoValueBooleanType)).(*array.BooleanBuilder).Append(v)
	}
	for _, code := range codes {
		switch code {
		case adbc.InfoVendorName:
			str(code, "Kafka")
		case adbc.InfoVendorVersion:
			str(code, c.vendorVersion(ctx))
		case adbc.InfoVendorArrowVersion, adbc.InfoDriverArrowVersion:
			str(code, arrowVersion)
		case adbc.InfoVendorSql:
			boolean(code, true)
		case adbc.InfoVendorSubstrait:
			boolean(code, false)
		case adbc.InfoDriverName:
			str(code, DriverName)
		case adbc.InfoDriverVersion:
			str(code, Version)
		case adbc.InfoDriverADBCVersion:
			names.Append(uint32(code))
			values.Append(int8(adbc.InfoValueInt64Type))
			values.Child(int(adbc.InfoValueInt64Type)).(*array.Int64Builder).Append(adbc.AdbcVersion1_1_0)
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	return array.NewRecordReader(adbc.GetInfoSchema, []arrow.RecordBatch{rec})
}

// vendorVersion describes the cluster as well as the protocol allows.
func (c *Connection) vendorVersion(ctx context.Context) string {
	vs, err := kadm.NewClient(c.sess.Client).ApiVersions(ctx)
	if err != nil {
		return "unknown"
	}
	for _, v := range vs.Sorted() {
		if v.Err == nil {
			// VersionGuess names the newest Kafka release whose API
			// versions the broker matches, e.g. "v4.1".
			return "Apache Kafka " + strings.TrimPrefix(v.VersionGuess(), "v") + " (guessed from API versions)"
		}
	}
	return "unknown"
}
