package trace_test

import "os"

// benchDir is a directory for the benchmark store that outlives a single
// benchmark function (b.TempDir would not); it is removed by TestMain.
func benchDir() (string, error) {
	d, err := os.MkdirTemp("", "plume-trace-bench-")
	if err == nil {
		benchDirs = append(benchDirs, d)
	}
	return d, err
}

var benchDirs []string
