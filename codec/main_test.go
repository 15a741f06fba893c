package codec

import (
	"testing"

	"github.com/kafarr/kafarr/internal/testenv"
)

// TestMain fails the package if a driver goroutine or a franz-go client
// outlives its tests.
func TestMain(m *testing.M) { testenv.VerifyMain(m) }
