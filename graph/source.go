package graph

import (
	"context"
	"fmt"
	"iter"
	"slices"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
)

// A Flow is itself a source of transactions (it satisfies trace.Source), so
// a region loaded once from a store can be traced again in memory, with
// other seeds or limits, at memory speed. Lookups outside the region fail
// with an error wrapping chain.ErrNotFound.

// Tx returns the transaction id if it is in the flow.
func (f *Flow) Tx(ctx context.Context, id chain.TxID) (*chain.Tx, error) {
	if i := f.Index(id); i >= 0 {
		return f.txs[i], nil
	}
	return nil, fmt.Errorf("graph: transaction %v outside the flow: %w", id, chain.ErrNotFound)
}

// hashIndex and addrIndex are built on first use, separately: re-tracing
// a region by txid needs only the first, and the second costs much more.
func (f *Flow) hashIndex() {
	f.hashOnce.Do(func() {
		f.byHash = make(map[[32]byte][]chain.TxID, len(f.txs))
		for _, tx := range f.txs {
			f.byHash[tx.Hash] = append(f.byHash[tx.Hash], tx.ID)
		}
	})
}

func (f *Flow) addrIndex() {
	f.addrOnce.Do(func() {
		f.byAddr = make(map[chain.Address][]chain.Appearance)
		for _, tx := range f.txs {
			for vin, p := range tx.Prevouts {
				if p.Resolved {
					f.byAddr[p.Addr] = append(f.byAddr[p.Addr], chain.Appearance{Tx: tx.ID, Index: uint32(vin), Spend: true, Value: p.Value, Prev: p.Out, Time: tx.Time})
				}
			}
			for vout, o := range tx.Msg.TxOut {
				a := chain.AddressOf(o.PkScript)
				f.byAddr[a] = append(f.byAddr[a], chain.Appearance{Tx: tx.ID, Index: uint32(vout), Value: o.Value, Time: tx.Time})
			}
		}
	})
}

// TxIDs returns the IDs of the flow's transactions with this txid.
func (f *Flow) TxIDs(ctx context.Context, hash chainhash.Hash) ([]chain.TxID, error) {
	f.hashIndex()
	if ids := f.byHash[hash]; len(ids) > 0 {
		return slices.Clone(ids), nil
	}
	return nil, fmt.Errorf("graph: txid %v outside the flow: %w", hash, chain.ErrNotFound)
}

// History streams the appearances of addr within the flow, in chain order.
func (f *Flow) History(ctx context.Context, addr chain.Address) iter.Seq2[chain.Appearance, error] {
	f.addrIndex()
	return func(yield func(chain.Appearance, error) bool) {
		for _, a := range f.byAddr[addr] {
			if err := ctx.Err(); err != nil {
				yield(chain.Appearance{}, err)
				return
			}
			if !yield(a, nil) {
				return
			}
		}
	}
}
