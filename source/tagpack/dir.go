package tagpack

import (
	"context"
	"io/fs"
	"iter"
	"path/filepath"
	"strings"
)

// LoadDir loads every TagPack file under dir, in lexical path order, and
// yields each with its error as Load returns them: a file with errors does
// not stop the others, and a yielded TagPack may be partial (see Parse). A
// directory that cannot be read is yielded as (nil, err) and walking goes
// on. When ctx is done, LoadDir yields (nil, ctx.Err()) and stops.
//
// It reads the files GraphSense's tool reads in a TagPack repository:
// names ending in ".yaml", except config.yaml (the repository's
// configuration), *actorpack.yaml (ActorPacks, another format) and
// header.yaml (header fragments, included with !include, which this
// package does not support). Names starting with "." are skipped, and
// hidden directories with them.
func LoadDir(ctx context.Context, dir string, opts Options) iter.Seq2[*TagPack, error] {
	return func(yield func(*TagPack, error) bool) {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if ctxErr := ctx.Err(); ctxErr != nil {
				yield(nil, ctxErr)
				return filepath.SkipAll
			}
			if err != nil {
				if !yield(nil, err) {
					return filepath.SkipAll
				}
				return nil
			}
			name := d.Name()
			if path != dir && strings.HasPrefix(name, ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() || !isPackFile(name) {
				return nil
			}
			if !yield(Load(path, opts)) {
				return filepath.SkipAll
			}
			return nil
		})
	}
}

// isPackFile reports whether a file called name is a TagPack by
// GraphSense's conventions.
func isPackFile(name string) bool {
	return strings.HasSuffix(name, ".yaml") &&
		name != "config.yaml" && name != "header.yaml" &&
		!strings.HasSuffix(name, "actorpack.yaml")
}
