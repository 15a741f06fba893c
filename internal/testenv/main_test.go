package testenv

import "testing"

// TestMain fails the package if a franz-go client outlives its tests: the
// leak check checks its own tests too.
func TestMain(m *testing.M) { VerifyMain(m) }
