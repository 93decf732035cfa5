package blkfile

import (
	"compress/bzip2"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// blockFile is one record file to read.
type blockFile struct {
	// name is how errors call the file: the path the caller gave or the
	// file in their directory.
	name string
	// path holds the bytes: name itself, or for .bz2 the decompressed
	// temporary copy.
	path string
	size int64
	key  xorKey
}

// open opens f for reading through its obfuscation key.
func (f *blockFile) open() (*os.File, io.ReaderAt, error) {
	h, err := os.Open(f.path)
	if err != nil {
		return nil, nil, fmt.Errorf("blkfile: %w", err)
	}
	if f.key == (xorKey{}) {
		return h, h, nil
	}
	return h, xorReaderAt{r: h, key: f.key}, nil
}

// isBlockFileName reports whether name is a Core block file, blkNNNNN.dat.
// Core numbers them from 0 with five digits, so name order is number order.
func isBlockFileName(name string) bool {
	if len(name) != len("blk00000.dat") || !strings.HasPrefix(name, "blk") || !strings.HasSuffix(name, ".dat") {
		return false
	}
	for _, c := range name[3:8] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// locate lists the record files at path, a blocks directory or one file.
// A .bz2 file is decompressed into tempDir first; the names of the
// temporary files made are returned even on error, for the caller to
// remove.
func locate(ctx context.Context, path, tempDir string) (files []blockFile, temps []string, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("blkfile: %w", err)
	}
	if st.IsDir() {
		files, err = locateDir(path)
		return files, nil, err
	}
	f := blockFile{name: path, path: path, size: st.Size()}
	switch {
	case strings.HasSuffix(strings.ToLower(path), ".bz2"):
		tmp, n, err := decompress(ctx, path, tempDir)
		if tmp != "" {
			temps = append(temps, tmp)
		}
		if err != nil {
			return nil, temps, err
		}
		f.path, f.size = tmp, n
	case isBlockFileName(filepath.Base(path)):
		// A single file taken from a Core 28+ blocks directory still needs
		// that directory's key.
		if f.key, err = readXorKey(filepath.Dir(path)); err != nil {
			return nil, nil, err
		}
	}
	return []blockFile{f}, temps, nil
}

func locateDir(dir string) ([]blockFile, error) {
	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return nil, fmt.Errorf("blkfile: %w", err)
	}
	key, err := readXorKey(dir)
	if err != nil {
		return nil, err
	}
	var files []blockFile
	for _, e := range entries {
		if !isBlockFileName(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		st, err := os.Stat(p) // follows symlinks, unlike e.Info
		if err != nil {
			return nil, fmt.Errorf("blkfile: %w", err)
		}
		if !st.Mode().IsRegular() {
			continue
		}
		files = append(files, blockFile{name: p, path: p, size: st.Size(), key: key})
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("blkfile: %s: %w: no block files (blk00000.dat, blk00001.dat, ...) in the directory", dir, ErrNoChain)
	}
	return files, nil
}

// decompress writes the content of the bzip2 file path to a new temporary
// file in dir, so that blocks can be read back at their offsets. bzip2
// streams cannot be read at an offset, and a blocks file would be
// decompressed again for each pass otherwise.
func decompress(ctx context.Context, path, dir string) (tmp string, n int64, err error) {
	in, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("blkfile: %w", err)
	}
	defer in.Close()
	out, err := os.CreateTemp(dir, "blkfile-*.dat")
	if err != nil {
		return "", 0, fmt.Errorf("blkfile: temporary file for %s: %w", path, err)
	}
	tmp = out.Name()
	n, err = io.Copy(out, ctxReader{ctx, bzip2.NewReader(in)})
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return tmp, n, fmt.Errorf("blkfile: decompressing %s: %w", path, err)
	}
	return tmp, n, nil
}

// ctxReader stops a long copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
