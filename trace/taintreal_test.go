package trace_test

import (
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace"
)

// TestTaintReal applies every model to the real 2009 flow of
// examples/genesis. The 50 BTC block-9 coinbase is stolen; no transaction
// of the era paid a fee. Block 170 pays Hal Finney 10 BTC out of the
// stolen coins only, so every model taints it whole; block 496 merges 1
// and 10 stolen BTC with a clean 50 BTC coinbase into one 61 BTC output:
// 11 BTC of it stolen, or all 61 under poison.
func TestTaintReal(t *testing.T) {
	rc := loadReal(t)
	seed, err := trace.ParseSeed(chain.Mainnet, peelAddress)
	if err != nil {
		t.Fatal(err)
	}
	res := follow(t, rc.db, seed)
	hal := chain.MakeTxID(170, 1).Out(0)
	merge := chain.MakeTxID(496, 1).Out(0)
	for _, m := range trace.Models() {
		tn := taintOf(t, res, m, nil)
		if err := checkTaint(tn); err != nil {
			t.Fatalf("%v: %v", m, err)
		}
		want := int64(11e8)
		if m == trace.Poison {
			want = 61e8
		}
		if tn.Output(hal) != 10e8 || tn.Output(merge) != want {
			t.Errorf("%v: Hal's output %d, block 496's %d (want 10e8, %d)", m, tn.Output(hal), tn.Output(merge), want)
		}
		tot := tn.Totals()
		if tot.Injected != 50e8 || tot.Fees != 0 || tot.Beyond != 0 || tot.Held != 50e8+tot.Absorbed {
			t.Errorf("%v: totals %+v", m, tot)
		}
		// 1BBz9Z… received block 496's 61 BTC output and nothing else.
		if a := tn.Address(mustAddr(t, "1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs")); a.Held != want || a.Received != want || a.Value != 61e8 || a.Share() != float64(want)/61e8 {
			t.Errorf("%v: 1BBz9Z… %+v share %v", m, a, a.Share())
		}
		if s := tn.Share(merge); m != trace.Poison && s != 11.0/61 {
			t.Errorf("%v: share of block 496's output %v", m, s)
		}
	}
}

func mustAddr(t testing.TB, s string) chain.Address {
	t.Helper()
	a, err := chain.Mainnet.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
