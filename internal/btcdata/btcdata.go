// Package btcdata finds the real mainnet blocks that ship inside the btcd
// module plume depends on, so tests, benchmarks and examples run on real
// data without a download.
package btcdata

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
)

const module = "github.com/btcsuite/btcd"

// Files in the btcd module, relative to its root.
const (
	// Blocks0To14131 is a Bitcoin Core record file with mainnet heights
	// 0..14131, zero-padded at the end.
	Blocks0To14131 = "blockchain/testdata/blk_0_to_14131.dat"
	// Blocks1To255 is a bzip2 record file with mainnet heights 1..255.
	Blocks1To255 = "database/testdata/blocks1-256.bz2"
	// Block277647 is a bzip2 record file holding mainnet block 277647.
	Block277647 = "blockchain/testdata/277647.dat.bz2"
	// Block574200 and Block540107 are raw (unframed) mainnet blocks.
	Block574200 = "wire/testdata/block-0000000000000000001602407ac49862a7bca9d00f7f402db20b7be2f5de59d2.blk"
	Block540107 = "wire/testdata/block-00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab.blk"
)

var (
	once   sync.Once
	dir    string
	dirErr error
)

// Dir returns the directory of the btcd module in the module cache.
func Dir() (string, error) {
	once.Do(func() { dir, dirErr = find() })
	return dir, dirErr
}

// Path returns the path of a file in the btcd module, e.g. Path(Blocks0To14131).
func Path(rel string) (string, error) {
	d, err := Dir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(d, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("btcdata: %w (is the btcd module complete in the module cache?)", err)
	}
	return p, nil
}

func find() (string, error) {
	// Inside the module (tests, go run) the go command knows the exact
	// directory; a built binary falls back to its build info and the cache.
	if out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module).Output(); err == nil {
		if d := strings.TrimSpace(string(out)); d != "" {
			return d, nil
		}
	}
	version := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == module {
				version = m.Version
				if m.Replace != nil {
					version = m.Replace.Version
				}
			}
		}
	}
	if version == "" {
		return "", errors.New("btcdata: cannot tell which btcd version this program was built with; run it with `go run` inside the plume module or pass the blocks file explicitly")
	}
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
			cache = strings.TrimSpace(string(out))
		}
	}
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, "go", "pkg", "mod")
	}
	d := filepath.Join(cache, "github.com", "btcsuite", "btcd@"+version)
	if _, err := os.Stat(d); err != nil {
		return "", fmt.Errorf("btcdata: btcd %s not in the module cache at %s: run `go mod download %s`", version, d, module)
	}
	return d, nil
}
