//go:build !unix

package jsonarrow

// processCPUTime is unavailable here; benchmarks then report no CPU time.
func processCPUTime() int64 { return 0 }
