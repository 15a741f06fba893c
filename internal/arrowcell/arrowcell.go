// Package arrowcell reads single values of Arrow arrays, for the code that
// looks at one row at a time: the read path's row filters and ingest's
// record metadata.
package arrowcell

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Int64 returns row i of an integer column as int64; uint64 values above
// the int64 range clamp to math.MaxInt64, and a column of another type
// gives 0.
func Int64(a arrow.Array, i int) int64 {
	switch a := a.(type) {
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return int64(a.Value(i))
	case *array.Uint16:
		return int64(a.Value(i))
	case *array.Uint32:
		return int64(a.Value(i))
	case *array.Uint64:
		return int64(min(a.Value(i), math.MaxInt64))
	}
	return 0
}
