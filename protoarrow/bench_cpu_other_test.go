//go:build !unix

package protoarrow

// processCPUTime is unavailable here; benchmarks then report no CPU time.
func processCPUTime() int64 { return 0 }
