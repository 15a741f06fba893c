package jsonarrow

import (
	"math"
	"math/rand"
	"strconv"
	"testing"
)

// TestAppendFloatShortest checks appendFloat's fast path for decimals of
// up to six places against strconv's shortest formatting, which the slow
// path uses: prices, small and large values, random bits.
func TestAppendFloatShortest(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	ref := func(f float64) string {
		abs := math.Abs(f)
		if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
			b := strconv.AppendFloat(nil, f, 'e', -1, 64)
			if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
				b[n-2] = b[n-1]
				b = b[:n-1]
			}
			return string(b)
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	check := func(f float64) {
		if got, want := string(appendFloat(nil, f, 64)), ref(f); got != want {
			t.Fatalf("%v (bits %#x): got %s, want %s", f, math.Float64bits(f), got, want)
		}
	}
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 1e-6, -1e-6, 0.1, 0.3, 1.0712, 999999999.999999, 1e15 / 1e6, 123456789.123456, 8.9e8, 1e21, 1e20, 5e-324, math.MaxFloat64} {
		check(f)
	}
	for range 500_000 {
		check(float64(r.Int63n(1e15)-5e14) / math.Pow10(r.Intn(8)))
		check(float64(r.Intn(1e8)) / 1e5)
		check(math.Float64frombits(r.Uint64()&^(0x7ff<<52) | uint64(1000+r.Intn(100))<<52))
	}
}
