package trace

import "github.com/plumetrace/plume/chain"

// indexed is a source that numbers its transactions 0..Len()-1 in chain
// order and knows its spend links by those numbers, as graph.Flow does.
// Tracing such a source keeps its state in slices and follows links
// without maps or searches: the in-memory fast path.
type indexed interface {
	Source
	Len() int
	At(i int) *chain.Tx
	Index(id chain.TxID) int
	Spenders(i int) []int32
	Funders(i int) []int32
}

// visits records what a trace knows of each transaction: nothing, queued
// (to read at the next hop), or its index among the trace's members.
// Callers pass the transaction's index in an indexed source when they know
// it, else -1.
type visits struct {
	m     map[chain.TxID]int32
	ix    indexed
	dense []int32 // by source index: 0 unseen, else state+2
}

func newVisits(src Source) *visits {
	if ix, ok := src.(indexed); ok {
		return &visits{ix: ix, dense: make([]int32, ix.Len())}
	}
	return &visits{m: make(map[chain.TxID]int32)}
}

// at returns the source index of id, or -1.
func (v *visits) at(id chain.TxID, at int32) int32 {
	if v.ix == nil || at >= 0 {
		return at
	}
	return int32(v.ix.Index(id))
}

func (v *visits) get(id chain.TxID, at int32) (int32, bool) {
	if at = v.at(id, at); at >= 0 {
		s := v.dense[at]
		return s - 2, s != 0
	}
	s, ok := v.m[id]
	return s, ok
}

func (v *visits) set(id chain.TxID, at int32, state int32) {
	if at = v.at(id, at); at >= 0 {
		v.dense[at] = state + 2
		return
	}
	// Not in an indexed source (a spender outside a flow): remember it in
	// the map so the trace does not ask again.
	if v.m == nil {
		v.m = make(map[chain.TxID]int32)
	}
	v.m[id] = state
}
