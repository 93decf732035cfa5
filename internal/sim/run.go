package sim

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/plumetrace/plume/chain"
)

// Result describes a simulation on disk.
type Result struct {
	Dir       string // Options.Dir, defaulted
	BlocksDir string // Dir/blocks: blk00000.dat, ... (records of regtest magic, length, block)
	TruthFile string // Dir/truth.json
	Tip       int32  // the last block's height
	TipHash   string
	Txs       int // transactions, coinbases included
	// Cached is true when Run found the simulation in Dir and did not
	// simulate.
	Cached bool
	Truth  *Truth
	// Params is the network of the blocks: chain.Regtest.
	Params *chain.Params
}

// manifest is Dir/sim.json, written last: a simulation is complete, and
// reusable, when the manifest names its seed, scale and Version and every
// file it lists has the size it records.
type manifest struct {
	Version int         `json:"version"`
	Seed    uint64      `json:"seed"`
	Scale   float64     `json:"scale"`
	Tip     int32       `json:"tip"`
	TipHash string      `json:"tip_hash"`
	Txs     int         `json:"txs"`
	Files   []fileEntry `json:"files"` // relative to Dir
}

type fileEntry struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
}

const (
	blocksDir    = "blocks"
	truthFile    = "truth.json"
	manifestFile = "sim.json"
	// maxFileSize is where a new blkNNNNN.dat begins, as Bitcoin Core's
	// 128 MiB block files.
	maxFileSize = 128 << 20
	tmpPrefix   = ".sim-tmp-"
)

// Run simulates opts into opts.Dir, or finds it there already: when Dir
// holds a complete simulation of the same seed, scale and Version, Run
// reads its ground truth and returns without simulating (Result.Cached).
// Otherwise it replaces Dir/blocks, Dir/truth.json and Dir/sim.json and
// nothing else in Dir. The blocks directory holds the regtest genesis
// block and every simulated block, in order, as Bitcoin Core writes
// blk*.dat files (without obfuscation), for source/blkfile with
// chain.Regtest. Run cancelled or failed leaves no manifest, so the next
// Run starts over. Two Runs must not share a Dir at the same time.
func Run(ctx context.Context, opts Options) (*Result, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if res, err := cached(o); err == nil {
		if o.Progress != nil {
			o.Progress(Progress{Height: res.Tip, Total: res.Tip, Txs: res.Txs, Cached: true})
		}
		return res, nil
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	// Whatever was here is stale or incomplete: the manifest goes first,
	// so a crash from here on leaves no simulation that looks complete.
	for _, name := range []string{manifestFile, truthFile} {
		if err := os.Remove(filepath.Join(o.Dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("sim: %w", err)
		}
	}
	if err := removeTemps(o.Dir); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(o.Dir, tmpPrefix)
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	defer os.RemoveAll(tmp)
	sc, err := New(o)
	if err != nil {
		return nil, err
	}
	m := manifest{Version: Version, Seed: o.Seed, Scale: o.Scale}
	files, err := writeBlocks(ctx, sc, filepath.Join(tmp, blocksDir), &m)
	if err != nil {
		return nil, err
	}
	truth, err := sc.Truth()
	if err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(truth, "", " ")
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, truthFile), js, 0o644); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	for _, f := range files {
		m.Files = append(m.Files, fileEntry{Name: filepath.Join(blocksDir, f.Name), Size: f.Size})
	}
	m.Files = append(m.Files, fileEntry{Name: truthFile, Size: int64(len(js))})
	// Move the finished files into place, the manifest last.
	if err := os.RemoveAll(filepath.Join(o.Dir, blocksDir)); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	for _, name := range []string{blocksDir, truthFile} {
		if err := os.Rename(filepath.Join(tmp, name), filepath.Join(o.Dir, name)); err != nil {
			return nil, fmt.Errorf("sim: %w", err)
		}
	}
	mj, _ := json.MarshalIndent(m, "", " ")
	if err := writeAtomic(filepath.Join(o.Dir, manifestFile), mj); err != nil {
		return nil, err
	}
	return result(o, m, truth, false), nil
}

func result(o Options, m manifest, t *Truth, cached bool) *Result {
	return &Result{Dir: o.Dir, BlocksDir: filepath.Join(o.Dir, blocksDir), TruthFile: filepath.Join(o.Dir, truthFile),
		Tip: m.Tip, TipHash: m.TipHash, Txs: m.Txs, Cached: cached, Truth: t, Params: chain.Regtest}
}

// cached returns the simulation of o found in o.Dir, or an error saying
// why there is none.
func cached(o Options) (*Result, error) {
	mj, err := os.ReadFile(filepath.Join(o.Dir, manifestFile))
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(mj, &m); err != nil {
		return nil, err
	}
	if m.Version != Version || m.Seed != o.Seed || m.Scale != o.Scale {
		return nil, errors.New("another simulation")
	}
	for _, f := range m.Files {
		st, err := os.Stat(filepath.Join(o.Dir, f.Name))
		if err != nil || st.Size() != f.Size {
			return nil, fmt.Errorf("%s is missing or changed", f.Name)
		}
	}
	tj, err := os.ReadFile(filepath.Join(o.Dir, truthFile))
	if err != nil {
		return nil, err
	}
	t := new(Truth)
	if err := json.Unmarshal(tj, t); err != nil {
		return nil, err
	}
	return result(o, m, t, true), nil
}

// writeBlocks writes the scenario's blocks as Core-style record files in
// dir and fills in the manifest's tip.
func writeBlocks(ctx context.Context, sc *Scenario, dir string, m *manifest) ([]fileEntry, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	var files []fileEntry
	var f *os.File
	var w *bufio.Writer
	closeFile := func() error {
		if f == nil {
			return nil
		}
		err := w.Flush()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		f = nil
		return err
	}
	defer closeFile()
	var hdr [8]byte
	binary.LittleEndian.PutUint32(hdr[:4], uint32(chain.Regtest.Net))
	for b, err := range sc.Blocks(ctx) {
		if err != nil {
			return nil, err
		}
		rec := int64(len(hdr) + len(b.Raw))
		if f == nil || files[len(files)-1].Size+rec > maxFileSize {
			if err := closeFile(); err != nil {
				return nil, fmt.Errorf("sim: %w", err)
			}
			name := fmt.Sprintf("blk%05d.dat", len(files))
			if f, err = os.Create(filepath.Join(dir, name)); err != nil {
				return nil, fmt.Errorf("sim: %w", err)
			}
			w = bufio.NewWriterSize(f, 1<<20)
			files = append(files, fileEntry{Name: name})
		}
		binary.LittleEndian.PutUint32(hdr[4:], uint32(len(b.Raw)))
		w.Write(hdr[:])
		if _, err := w.Write(b.Raw); err != nil {
			return nil, fmt.Errorf("sim: %w", err)
		}
		files[len(files)-1].Size += rec
		m.Tip, m.TipHash = b.Height, b.Hash.String()
		m.Txs += len(b.Txs)
	}
	if err := closeFile(); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	return files, nil
}

// removeTemps removes what an interrupted Run left in dir.
func removeTemps(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("sim: %w", err)
			}
		}
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	return nil
}
