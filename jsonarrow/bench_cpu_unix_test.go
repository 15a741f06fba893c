//go:build unix

package jsonarrow

import "syscall"

// processCPUTime returns the CPU time the process has used, in
// nanoseconds, user and system; benchmarks report it per message because
// wall time on a shared machine counts the time other processes ran.
func processCPUTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
