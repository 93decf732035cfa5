package trace

import (
	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
)

// ExitsFrom builds TaintOptions.Exits from a labelling of addresses, such
// as the tags in a store (store.DB.Label with a context): every address
// the flow pays that label names becomes an exit under its label.
func ExitsFrom(f *graph.Flow, label func(chain.Address) (string, bool)) map[chain.Address]string {
	exits := map[chain.Address]string{}
	seen := map[chain.Address]bool{}
	for _, tx := range f.Txs() {
		for v := range tx.Msg.TxOut {
			a := tx.OutAddr(v)
			if seen[a] {
				continue
			}
			seen[a] = true
			if l, ok := label(a); ok {
				exits[a] = l
			}
		}
	}
	return exits
}

// StopAt returns a Stop predicate for Options that ends the trail at
// every output paying an address label names: tagged entities such as
// exchanges, whose later transactions are theirs, not the thief's.
func StopAt(label func(chain.Address) (string, bool)) func(tx *chain.Tx, index int) bool {
	return func(tx *chain.Tx, index int) bool {
		_, ok := label(tx.OutAddr(index))
		return ok
	}
}
