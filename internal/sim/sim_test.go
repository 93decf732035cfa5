package sim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"
)

// TestDeterminism: the same seed and scale give byte-identical blocks and
// ground truth; another seed gives another chain.
func TestDeterminism(t *testing.T) {
	const scale = 0.01
	a := simulate(t, scale)
	b, err := generate(Options{Seed: 1, Scale: scale})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.blocks) != len(b.blocks) {
		t.Fatalf("%d blocks, then %d", len(a.blocks), len(b.blocks))
	}
	for i := range a.blocks {
		if !bytes.Equal(a.blocks[i], b.blocks[i]) {
			t.Fatalf("block %d differs between two runs", i)
		}
	}
	ja, _ := json.Marshal(a.truth)
	jb, _ := json.Marshal(b.truth)
	if !bytes.Equal(ja, jb) {
		t.Fatal("ground truth differs between two runs")
	}
	c, err := generate(Options{Seed: 2, Scale: scale})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.blocks[1], c.blocks[1]) || a.truth.Seeds.FirstAddress == c.truth.Seeds.FirstAddress {
		t.Error("seeds 1 and 2 give the same chain")
	}
}

// TestFigures checks the injected theft against the public record at
// several scales, with the tolerances each figure is stated to hold to.
func TestFigures(t *testing.T) {
	for _, scale := range []float64{0.005, 0.02, 0.05} {
		t.Run(fmt.Sprint(scale), func(t *testing.T) {
			r := simulate(t, scale)
			f := r.truth.Figures
			t.Logf("scale %v: %d blocks, %d txs in %v; figures %+v", scale, len(r.blocks), r.truth.Txs, r.took.Round(time.Millisecond), f)
			btcs := func(v float64) int64 { return btc(v * scale) }
			within := func(name string, got, want int64, tol float64) {
				t.Helper()
				if math.Abs(float64(got-want)) > tol*float64(want) {
					t.Errorf("%s %d, want %d ± %.0f%%", name, got, want, tol*100)
				}
			}
			// The theft: 5,966.1 BTC (exactly, scaled) in 10 transactions
			// between 17:33:27 and 18:42:30 JST, the first 131 inputs and
			// 5,000 BTC.
			if f.Stolen != btcs(5966.1) {
				t.Errorf("stolen %d, want %d", f.Stolen, btcs(5966.1))
			}
			if f.TheftTxs != 10 || len(r.truth.Theft) != 10 {
				t.Errorf("%d theft transactions, want 10", f.TheftTxs)
			}
			var sum int64
			for _, tx := range r.truth.Theft {
				sum += tx.Value
			}
			if sum != f.Stolen {
				t.Errorf("theft transactions pay %d, stolen %d", sum, f.Stolen)
			}
			if f.FirstTheftInputs != 131 {
				t.Errorf("first theft transaction has %d inputs, want 131", f.FirstTheftInputs)
			}
			within("first theft value", f.FirstTheftValue, btcs(5000), 0.02)
			if d := f.TheftFirst.Sub(theftFirst); d < 0 || d > 2*time.Minute {
				t.Errorf("theft starts at %v, want just after %v", f.TheftFirst, theftFirst)
			}
			if w := f.TheftLast.Sub(f.TheftFirst); w < 60*time.Minute || w > 75*time.Minute {
				t.Errorf("theft lasts %v, want about 69 minutes", w)
			}
			// The fan-out: more than 30,000 addresses on 15 Sep JST.
			if want := int(math.Ceil(30_000 * scale)); f.FanoutAddresses < want || f.FanoutAddresses > want*3/2 {
				t.Errorf("%d fan-out addresses, want more than %d (and not half as many again)", f.FanoutAddresses, want)
			}
			// The cash-out exchange: about 800 deposits of 1.90-1.99 BTC,
			// about 1,549.31 BTC in all, over the following weeks.
			if want := max(1, int(math.Round(800*scale))); f.Deposits != want {
				t.Errorf("%d deposits, want %d", f.Deposits, want)
			}
			if f.DepositMin < btc(1.90) || f.DepositMax > btc(1.99) {
				t.Errorf("deposits from %d to %d, want 1.90 to 1.99 BTC", f.DepositMin, f.DepositMax)
			}
			within("deposit value", f.DepositValue, btcs(1549.31), 0.05)
			var first, last time.Time
			for _, e := range r.truth.Exits {
				if e.Kind == ExitExchange {
					if first.IsZero() || e.Time.Before(first) {
						first = e.Time
					}
					last = maxTime(last, e.Time)
				}
			}
			if first.Before(FanoutDeadline) || last.After(depositEnd.Add(24*time.Hour)) || (f.Deposits >= 8 && last.Sub(first) < 14*24*time.Hour) {
				t.Errorf("deposits from %v to %v, want weeks after the fan-out", first, last)
			}
			// The mixer: 875.75 BTC (exact), in about 300 deposits.
			if f.MixerValue != btcs(875.75) {
				t.Errorf("mixer value %d, want %d", f.MixerValue, btcs(875.75))
			}
			if want := max(1, int(math.Round(300*scale))); f.MixerDeposits != want {
				t.Errorf("%d mixer deposits, want %d", f.MixerDeposits, want)
			}
			// 30% dormant, and every satoshi accounted for.
			if d := float64(f.Dormant) / float64(f.Stolen); d < 0.28 || d > 0.32 {
				t.Errorf("dormant share %.3f, want 0.30 ± 0.02", d)
			}
			if f.Fees < 0 || f.Fees > f.Stolen/1000 {
				t.Errorf("the thief paid %d in fees of %d", f.Fees, f.Stolen)
			}
			if f.DepositValue+f.MixerValue+f.Dormant+f.Moving+f.Fees != f.Stolen {
				t.Error("the destinations do not add up to the stolen value")
			}
			if len(r.truth.Seeds.TheftTxids) != 10 || r.truth.Thief.Addresses[0] != r.truth.Seeds.FirstAddress {
				t.Error("seeds: want the ten theft txids and the first address first among the thief's")
			}
		})
	}
}

func TestOptions(t *testing.T) {
	for _, s := range []float64{-1, MinScale / 2, MaxScale * 1.01, math.NaN(), math.Inf(1)} {
		if _, err := New(Options{Scale: s}); !errors.Is(err, ErrScale) {
			t.Errorf("scale %v: %v, want ErrScale", s, err)
		}
		for _, err := range Blocks(context.Background(), Options{Scale: s}) {
			if !errors.Is(err, ErrScale) {
				t.Errorf("Blocks at scale %v: %v, want ErrScale", s, err)
			}
		}
	}
	sc, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sc.opts.Scale != DefaultScale {
		t.Errorf("zero scale became %v, want %v", sc.opts.Scale, DefaultScale)
	}
	if _, err := sc.Truth(); !errors.Is(err, ErrIncomplete) {
		t.Errorf("Truth before Blocks: %v, want ErrIncomplete", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	for b, err := range sc.Blocks(ctx) {
		if err != nil {
			if !errors.Is(err, context.Canceled) || n != 3 {
				t.Errorf("after %d blocks: %v, want context.Canceled after 3", n, err)
			}
			break
		}
		if n++; n == 3 {
			cancel()
		}
		_ = b
	}
	for _, err := range sc.Blocks(context.Background()) {
		if !errors.Is(err, ErrUsed) {
			t.Errorf("Blocks again: %v, want ErrUsed", err)
		}
	}
}

// TestProgress: the callback sees the heights rise to the tip.
func TestProgress(t *testing.T) {
	var last Progress
	calls := 0
	o := Options{Seed: 3, Scale: MinScale, Progress: func(p Progress) {
		if p.Height <= last.Height || p.Total != last.Total && calls > 0 {
			t.Errorf("progress %+v after %+v", p, last)
		}
		last = p
		calls++
	}}
	for _, err := range Blocks(context.Background(), o) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if calls < 10 || last.Height != last.Total || last.Time.Before(chainEnd.Add(-2*time.Hour)) {
		t.Errorf("%d calls, last %+v", calls, last)
	}
}

// TestModelPinned pins the chain that this Version of the model makes at
// scale 0.01, seed 1. Cached simulations are reused by Version, so a
// change to the model that keeps the Version would leave users running
// stale chains: this test fails first, and says to bump Version (and then
// this hash).
func TestModelPinned(t *testing.T) {
	const pinnedVersion, pinned = 1, "fbd48caf6bf96309ff563eb128202fea85771a104db6948fd5ba4a24456c4be2"
	r := simulate(t, 0.01)
	h := sha256.New()
	for _, b := range r.blocks {
		h.Write(b)
	}
	ja, err := json.Marshal(r.truth)
	if err != nil {
		t.Fatal(err)
	}
	h.Write(ja)
	if got := hex.EncodeToString(h.Sum(nil)); Version != pinnedVersion || got != pinned {
		t.Fatalf("model version %d makes chain %s at scale 0.01, seed 1; version %d made %s. A change to the model bumps Version (options.go) and then the pin here", Version, got, pinnedVersion, pinned)
	}
}
