package trace_test

import (
	"context"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace"
)

// TestTaggedExits labels Hal Finney's address as if it were an exchange:
// the stop predicate ends the trail there, and the exits built from the
// labels count his 10 BTC as having left.
func TestTaggedExits(t *testing.T) {
	rc := loadReal(t)
	hal := mustAddr(t, "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3")
	peeled := mustAddr(t, "1LzBzVqEeuQyjD2mRWHes3dgWrT9titxvq") // block 182's payment, spent in block 221
	label := func(a chain.Address) (string, bool) {
		switch a {
		case hal:
			return "Hal's exchange", true
		case peeled:
			return "a shop", true
		}
		return "", false
	}
	seed, _ := trace.ParseSeed(chain.Mainnet, peelAddress)
	res, err := trace.Follow(context.Background(), rc.db, []trace.Seed{seed}, trace.Options{Stop: trace.StopAt(label)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Contains(chain.MakeTxID(221, 1)) || !res.Contains(chain.MakeTxID(248, 1)) {
		t.Errorf("StopAt: block 221 in the flow %v, 248 %v", res.Contains(chain.MakeTxID(221, 1)), res.Contains(chain.MakeTxID(248, 1)))
	}
	exits := trace.ExitsFrom(res.Flow, label)
	if len(exits) != 2 || exits[hal] != "Hal's exchange" {
		t.Fatalf("exits %v", exits)
	}
	tn := taintOf(t, res, trace.Haircut, exits)
	if tot := tn.Totals(); tot.Exited != 11e8 {
		t.Errorf("exited %d, want Hal's 10 BTC and the shop's 1 BTC", tot.Exited)
	}
}
