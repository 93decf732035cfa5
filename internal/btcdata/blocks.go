package btcdata

import (
	"context"
	"iter"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/blkfile"
)

// Blocks2009 streams the real mainnet blocks 0..14131 of Blocks0To14131 in
// chain order: the chain most tests and examples run on.
func Blocks2009(ctx context.Context) iter.Seq2[*chain.Block, error] {
	return func(yield func(*chain.Block, error) bool) {
		path, err := Path(Blocks0To14131)
		if err != nil {
			yield(nil, err)
			return
		}
		r, err := blkfile.Open(ctx, path, blkfile.Options{})
		if err != nil {
			yield(nil, err)
			return
		}
		defer r.Close()
		for b, err := range r.Blocks(ctx, 0) {
			if !yield(b, err) || err != nil {
				return
			}
		}
	}
}
