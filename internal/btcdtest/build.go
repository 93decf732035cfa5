package btcdtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// btcdModule is the module whose main package is the node. plume's go.mod
// requires it (recorded as a tool), so its source is in the module cache
// and builds offline.
const btcdModule = "github.com/btcsuite/btcd"

// The binary is built at most once per test process: every node of every
// test runs the same one.
var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Binary returns the path of a btcd binary, building it the first time
// (about 30 s on two cores with a cold build cache). It skips the test when
// the go command is not on PATH, since then nothing can be built.
//
// The binary is kept under os.TempDir(), keyed by the btcd version, the Go
// version and the platform, so later test runs reuse it; concurrent test
// processes (go test ./... runs packages in parallel) wait for the one
// that builds it. A btcd replaced in go.mod is built afresh every time.
func Binary(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		Unavailable(t, "btcdtest: the go command is not on PATH, so btcd cannot be built for this test: %v", err)
	}
	buildOnce.Do(func() { buildPath, buildErr = build() })
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// MandatoryEnv, set to 1, makes the node tests fail where they would skip
// (.ci/run sets it): a CI machine that cannot run them is broken.
const MandatoryEnv = "PLUME_NODE_TESTS"

// Unavailable skips the test, saying why, or fails it when MandatoryEnv
// is 1.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(MandatoryEnv) == "1" {
		t.Fatalf(format+" ("+MandatoryEnv+"=1 makes this a failure)", args...)
	}
	t.Skipf(format, args...)
}

func build() (string, error) {
	out, err := goCmd("list", "-m", "-f", "{{.Version}} {{if .Replace}}replaced{{end}}", btcdModule)
	if err != nil {
		return "", err
	}
	version, replaced, _ := strings.Cut(strings.TrimSpace(out), " ")
	env, err := goCmd("env", "GOVERSION", "GOOS", "GOARCH")
	if err != nil {
		return "", err
	}
	key := "btcd-" + version + "-" + strings.Join(strings.Fields(env), "-")
	if replaced != "" || version == "" {
		dir, err := os.MkdirTemp("", "btcdtest-")
		if err != nil {
			return "", err
		}
		return compile(filepath.Join(dir, "btcd"))
	}
	dir := filepath.Join(os.TempDir(), "plume-btcdtest", key)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("btcdtest: %w", err)
	}
	path := filepath.Join(dir, "btcd")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	unlock, err := lockFile(filepath.Join(dir, "lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(path); err == nil { // built while we waited
		return path, nil
	}
	return compile(path)
}

// compile builds btcd into path through a temporary name, so that no
// process ever runs a half-written binary.
func compile(path string) (string, error) {
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	cmd := exec.Command("go", "build", "-o", tmp, btcdModule)
	// btcd needs no cgo; without it no C compiler is needed either.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("btcdtest: go build %s: %v\n%s", btcdModule, err, stderr.Bytes())
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("btcdtest: %w", err)
	}
	return path, nil
}

func goCmd(args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("btcdtest: go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out), nil
}

var errNoLock = errors.New("btcdtest: cannot lock")
