package trace

import "github.com/plumetrace/plume/chain"

// indexed is a source that numbers its transactions 0..Len()-1 in chain
// order, as graph.Flow does. Tracing such a source keeps its state in
// slices indexed by that number instead of maps: the in-memory fast path.
type indexed interface {
	Source
	Len() int
	At(i int) *chain.Tx
	Index(id chain.TxID) int
}

// visits records what a trace knows of each transaction: nothing, queued
// (to read at the next hop), or its index among the trace's members.
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

func (v *visits) get(id chain.TxID) (int32, bool) {
	if v.ix == nil {
		s, ok := v.m[id]
		return s, ok
	}
	i := v.ix.Index(id)
	if i < 0 || v.dense[i] == 0 {
		return 0, false
	}
	return v.dense[i] - 2, true
}

func (v *visits) set(id chain.TxID, state int32) {
	if v.ix == nil {
		v.m[id] = state
		return
	}
	if i := v.ix.Index(id); i >= 0 {
		v.dense[i] = state + 2
		return
	}
	// A transaction the source does not hold: remember it in the map so
	// the trace does not ask again.
	if v.m == nil {
		v.m = make(map[chain.TxID]int32)
	}
	v.m[id] = state
}
