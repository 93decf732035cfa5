package cmdmain

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFile: the file appears whole or not at all; a failed write
// keeps the file that was there and leaves no temporary; a replaced file
// keeps its mode and a new one gets os.Create's.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	abs, err := WriteFile(path, write("first"))
	if err != nil || abs != path {
		t.Fatalf("WriteFile = %q, %v", abs, err)
	}
	ref := filepath.Join(dir, "ref")
	f, err := os.Create(ref)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if got, want := mode(t, path), mode(t, ref); got != want {
		t.Errorf("new file mode %v, os.Create gives %v", got, want)
	}

	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk full")
	if _, err := WriteFile(path, func(w io.Writer) error {
		io.WriteString(w, "half a rep")
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("failed write: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "first" {
		t.Fatalf("after a failed write the file holds %q", b)
	}
	if _, err := WriteFile(path, write("second")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "second" || mode(t, path) != 0o600 {
		t.Fatalf("replaced file holds %q with mode %v, want second, 0600", b, mode(t, path))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("directory holds %d files, want the report and ref: a temporary was left", len(entries))
	}
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}
