package chain_test

import (
	"math"
	"slices"
	"testing"

	"github.com/plumetrace/plume/chain"
)

func TestTxID(t *testing.T) {
	for _, tc := range []struct {
		name   string
		height int32
		pos    int
		str    string
	}{
		{"genesis coinbase", 0, 0, "0:0"},
		{"block 170 tx 1", 170, 1, "170:1"},
		{"block 574200 last tx", 574200, 3314, "574200:3314"},
		{"largest position", 1, chain.MaxTxsPerBlock - 1, "1:1048575"},
		{"largest height", chain.MaxHeight - 1, 0, "67108863:0"},
		{"largest both", chain.MaxHeight - 1, chain.MaxTxsPerBlock - 1, "67108863:1048575"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := chain.MakeTxID(tc.height, tc.pos)
			if id < 0 {
				t.Fatalf("MakeTxID = %d, negative", id)
			}
			if id.Height() != tc.height || id.Pos() != tc.pos {
				t.Errorf("Height, Pos = %d, %d; want %d, %d", id.Height(), id.Pos(), tc.height, tc.pos)
			}
			if id.String() != tc.str {
				t.Errorf("String() = %s, want %s", id, tc.str)
			}
			if o, out := chain.NodeOf(id.Node()); out || o.Tx != id || o.Vout != 0 {
				t.Errorf("NodeOf(Node()) = %v, %v", o, out)
			}
			if id.Node() < 0 {
				t.Errorf("Node() = %d, negative", id.Node())
			}
		})
	}
	if chain.MaxHeight != 1<<26 || chain.MaxTxsPerBlock != 1<<20 || chain.MaxOutputs != 1<<17-1 {
		t.Error("the packing bounds changed: IDs in existing stores would be misread")
	}
}

func TestOutPointNode(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    chain.OutPoint
		str  string
	}{
		{"zero", chain.OutPoint{}, "0:0:0"},
		{"hal's output", chain.MakeTxID(170, 1).Out(0), "170:1:0"},
		{"change", chain.MakeTxID(170, 1).Out(1), "170:1:1"},
		{"last output", chain.MakeTxID(574200, 7).Out(chain.MaxOutputs - 1), "574200:7:131070"},
		{"corner", chain.MakeTxID(chain.MaxHeight-1, chain.MaxTxsPerBlock-1).Out(chain.MaxOutputs - 1), "67108863:1048575:131070"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.o.Node()
			if n <= tc.o.Tx.Node() {
				t.Errorf("Node() = %d, not after its tx's node %d", n, tc.o.Tx.Node())
			}
			if n < 0 {
				t.Errorf("Node() = %d, negative", n)
			}
			o, out := chain.NodeOf(n)
			if !out || o != tc.o {
				t.Errorf("NodeOf(%d) = %v, %v; want %v, true", n, o, out, tc.o)
			}
			if tc.o.String() != tc.str {
				t.Errorf("String() = %s, want %s", tc.o, tc.str)
			}
			if tc.o.IsZero() != (tc.o == chain.OutPoint{}) {
				t.Errorf("IsZero() = %v", tc.o.IsZero())
			}
		})
	}
	if n := chain.MakeTxID(chain.MaxHeight-1, chain.MaxTxsPerBlock-1).Out(chain.MaxOutputs - 1).Node(); n != math.MaxInt64 {
		t.Errorf("the largest node is %d, want MaxInt64: the packing leaves bits unused or overflows", n)
	}
}

// TestNodeOrder checks that sorting node IDs sorts by chain order: a tx's
// node, then its outputs in order, then the next tx's node, then the next
// block's.
func TestNodeOrder(t *testing.T) {
	var want []int64
	for _, h := range []int32{0, 1, 170, chain.MaxHeight - 1} {
		for _, pos := range []int{0, 1, chain.MaxTxsPerBlock - 1} {
			id := chain.MakeTxID(h, pos)
			want = append(want, id.Node())
			for _, v := range []uint32{0, 1, 2, chain.MaxOutputs - 1} {
				want = append(want, id.Out(v).Node())
			}
		}
	}
	if !slices.IsSorted(want) {
		t.Fatal("node IDs in chain order are not sorted")
	}
	for i := 1; i < len(want); i++ {
		if want[i] == want[i-1] {
			t.Fatalf("node %d repeats", want[i])
		}
	}
	if !(chain.MakeTxID(5, 9) < chain.MakeTxID(5, 10) && chain.MakeTxID(5, chain.MaxTxsPerBlock-1) < chain.MakeTxID(6, 0)) {
		t.Error("TxIDs do not sort in chain order")
	}
}

func TestInPoint(t *testing.T) {
	p := chain.InPoint{Tx: chain.MakeTxID(181, 1), Vin: 2}
	if p.IsZero() || !(chain.InPoint{}).IsZero() {
		t.Error("IsZero")
	}
	if p.String() != "181:1/in2" {
		t.Errorf("String() = %s", p)
	}
}
