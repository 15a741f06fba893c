package sqlparse_test

import (
	"testing"

	"github.com/kafarr/kafarr/internal/testenv"
)

// TestMain fails the package if a goroutine of kafarr or a franz-go client
// outlives its tests.
func TestMain(m *testing.M) { testenv.VerifyMain(m) }
