//go:build duckdb_arrow

package main

import (
	"testing"

	"github.com/kafarr/kafarr/internal/testenv"
)

// TestMain fails the package if a driver goroutine outlives its tests
// (the in-process produces of the acceptance tests).
func TestMain(m *testing.M) { testenv.VerifyMain(m) }
