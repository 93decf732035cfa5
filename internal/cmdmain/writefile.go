package cmdmain

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// WriteFile writes what write produces to path through a temporary file
// in the same directory, synced and renamed into place only once
// complete: a failed or killed write leaves the file that was there
// before (a report is evidence; half of one must never replace a whole
// one) and no stray temporary. A file it replaces keeps its mode, so a
// report kept private stays private; a new one gets the mode os.Create
// gives. It returns path made absolute, for saying where the file went.
func WriteFile(path string, write func(io.Writer) error) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	f, err := createTemp(abs)
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(f, 64<<10)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if fi, serr := os.Stat(abs); err == nil && serr == nil {
		err = f.Chmod(fi.Mode().Perm())
	}
	if err == nil {
		err = f.Sync()
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

// createTemp creates a new file beside path with the mode os.Create would
// give it (0666 less the umask), which os.CreateTemp's 0600 is not.
func createTemp(path string) (*os.File, error) {
	for {
		name := fmt.Sprintf("%s.tmp-%08x", filepath.Join(filepath.Dir(path), "."+filepath.Base(path)), rand.Uint32())
		f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
}
