package sim

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdtest"
)

// TestAddblock feeds the simulated blocks to btcd's importer, the
// addblock tool recorded in go.mod, which connects each block with
// ProcessBlock(BFFastAdd): it checks proof of work, timestamps, merkle
// roots, transaction sanity, signature operation limits and block
// versions, and that every input spends an existing unspent output (what
// fast-add skips, replay checks). It builds addblock from the module cache
// (about 30 s the first time, cached after) and runs it with HOME in a
// temporary directory, as btcd writes ~/.btcd whatever its data directory.
func TestAddblock(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		btcdtest.Unavailable(t, "skipping: the go command is not on PATH, so btcd's addblock cannot be built")
	}
	r := simulate(t, DefaultScale)
	dir := t.TempDir()
	bin := filepath.Join(dir, "addblock")
	build := exec.CommandContext(t.Context(), goTool, "build", "-o", bin, "github.com/btcsuite/btcd/cmd/addblock")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building addblock: %v\n%s", err, out)
	}
	processed, imported, out, err := addblock(t, bin, r.blocks)
	if err != nil {
		t.Fatalf("addblock: %v\n%s", err, tail(out))
	}
	// The genesis block is already known to a new node.
	if processed != len(r.blocks) || imported != len(r.blocks)-1 {
		t.Errorf("addblock processed %d and imported %d blocks, want %d and %d", processed, imported, len(r.blocks), len(r.blocks)-1)
	}
	t.Logf("addblock imported %d blocks", imported)

	// The same importer refuses a block changed after it was mined, so
	// the acceptance above means something.
	broken := slices.Clone(r.blocks[:102])
	broken[101] = slices.Clone(broken[101])
	broken[101][len(broken[101])-1] ^= 1
	if _, imported, out, err := addblock(t, bin, broken); err == nil || imported > 100 {
		t.Errorf("addblock accepted a corrupted block 101: imported %d\n%s", imported, tail(out))
	}
}

// addblock runs btcd's importer on a new regtest node with blocks and
// returns the totals it reports.
func addblock(t *testing.T, bin string, blocks [][]byte) (processed, imported int, out []byte, err error) {
	dir := t.TempDir()
	// The bootstrap file: the blk*.dat record format, all blocks in one.
	file := filepath.Join(dir, "bootstrap.dat")
	var buf bytes.Buffer
	for _, raw := range blocks {
		var hdr [8]byte
		binary.LittleEndian.PutUint32(hdr[:4], uint32(chain.Regtest.Net))
		binary.LittleEndian.PutUint32(hdr[4:], uint32(len(raw)))
		buf.Write(hdr[:])
		buf.Write(raw)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), bin, "--regtest", "-b", filepath.Join(dir, "data"), "-i", file, "-p", "0")
	cmd.Env = append(os.Environ(), "HOME="+filepath.Join(dir, "home"))
	out, err = cmd.CombinedOutput()
	m := regexp.MustCompile(`Processed a total of (\d+) blocks \((\d+) imported, (\d+) already known\)`).FindSubmatch(out)
	if m == nil {
		if err == nil {
			err = errors.New("addblock did not report its totals")
		}
		return 0, 0, out, err
	}
	processed, _ = strconv.Atoi(string(m[1]))
	imported, _ = strconv.Atoi(string(m[2]))
	return processed, imported, out, err
}

// tail returns the end of a long output.
func tail(b []byte) []byte {
	if len(b) > 4000 {
		return b[len(b)-4000:]
	}
	return b
}
