package tagpack_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/plumetrace/plume/source/tagpack"
)

// packDir writes a TagPack repository in the layout GraphSense uses, with
// the files LoadDir must skip.
func packDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	valid := head + "- label: x\n  address: " + thief + "\n"
	files := map[string]string{
		"b.yaml":                  valid,
		"a.yaml":                  head + "- label: x\n  address: nonsense\n", // an error
		"sub/2018/zaif.yaml":      valid,
		"config.yaml":             "baseURI: https://example.org\n",
		"sub/header.yaml":         "title: fragment\n",
		"actors/x.actorpack.yaml": "id: x\n",
		".git/c.yaml":             valid,
		".hidden.yaml":            valid,
		"notes.txt":               "not a pack",
		"tags.yml":                valid, // GraphSense reads .yaml only
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadDir(t *testing.T) {
	dir := packDir(t)
	var got []string
	for pack, err := range tagpack.LoadDir(context.Background(), dir, tagpack.Options{}) {
		if pack == nil {
			t.Fatalf("no pack: %v", err)
		}
		rel, _ := filepath.Rel(dir, pack.File)
		rel = filepath.ToSlash(rel)
		got = append(got, rel)
		switch {
		case rel == "a.yaml" && !errors.Is(err, tagpack.ErrBadAddress):
			t.Errorf("a.yaml: got %v, want a bad address", err)
		case rel != "a.yaml" && (err != nil || len(pack.Tags) != 1):
			t.Errorf("%s: %v, %d tags", rel, err, len(pack.Tags))
		}
	}
	if want := []string{"a.yaml", "b.yaml", "sub/2018/zaif.yaml"}; !slices.Equal(got, want) {
		t.Errorf("loaded %q, want %q", got, want)
	}
}

func TestLoadDirStops(t *testing.T) {
	dir := packDir(t)
	n := 0
	for range tagpack.LoadDir(context.Background(), dir, tagpack.Options{}) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("ranged %d times after break", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var errs []error
	for pack, err := range tagpack.LoadDir(ctx, dir, tagpack.Options{}) {
		if pack != nil {
			t.Errorf("loaded %s after cancel", pack.File)
		}
		errs = append(errs, err)
	}
	if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
		t.Errorf("got %v, want one context.Canceled", errs)
	}

	for pack, err := range tagpack.LoadDir(context.Background(), filepath.Join(dir, "missing"), tagpack.Options{}) {
		if pack != nil || !errors.Is(err, os.ErrNotExist) {
			t.Errorf("missing directory: got %v, %v", pack, err)
		}
	}
}

func TestLoadTooLarge(t *testing.T) {
	_, err := tagpack.Load("testdata/zaif.yaml", tagpack.Options{MaxSize: 100})
	var e *tagpack.Error
	if !errors.Is(err, tagpack.ErrTooLarge) || !errors.As(err, &e) || e.File != "testdata/zaif.yaml" {
		t.Errorf("got %v", err)
	}
	if _, err := tagpack.Load("testdata/missing.yaml", tagpack.Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v", err)
	}
}
