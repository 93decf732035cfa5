package main

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
)

// writeFile writes what write produces to path through a temporary file
// in the same directory, renamed into place only once complete, so that a
// failed write leaves neither a partial file nor a stray temporary, and
// keeps whatever path held before. It returns path made absolute, as the
// report prints it.
func writeFile(path string, write func(io.Writer) error) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".tmp-*")
	if err != nil {
		return "", err
	}
	w := bufio.NewWriter(f)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	// Readable like a file os.Create makes, not 0600 as CreateTemp's.
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), abs)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return abs, nil
}
