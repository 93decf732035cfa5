package sim

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// onChain is the replayed default-scale chain with what the services
// tests look up: each address's owner, each block's time, and who spent
// each address's coins.
type onChain struct {
	st    *ledgerState
	truth *Truth
	times []time.Time        // by height
	owner map[string]ownedBy // address → service and wallet
	// spentBy lists, for each address, the transactions that spend its
	// coins, in chain order.
	spentBy map[string][]chainhash.Hash
}

type ownedBy struct {
	service *Service
	wallet  string // "hot", "cold" or "deposit"
}

func replayed(t *testing.T) *onChain {
	t.Helper()
	r := simulate(t, DefaultScale)
	st, err := replay(r.blocks)
	if err != nil {
		t.Fatal(err)
	}
	c := &onChain{st: st, truth: r.truth, owner: map[string]ownedBy{}}
	for _, raw := range r.blocks {
		var h wire.BlockHeader
		if err := h.Deserialize(bytes.NewReader(raw)); err != nil {
			t.Fatal(err)
		}
		c.times = append(c.times, h.Timestamp)
	}
	for i := range r.truth.Services {
		sv := &r.truth.Services[i]
		for wallet, list := range map[string][]string{"hot": sv.Hot, "cold": sv.Cold, "deposit": sv.Deposits} {
			for _, a := range list {
				c.owner[a] = ownedBy{sv, wallet}
			}
		}
	}
	var ordered []chainhash.Hash
	for h, tx := range st.txs {
		if !chain.IsCoinbase(tx) {
			ordered = append(ordered, h)
		}
	}
	slices.SortFunc(ordered, c.order)
	c.spentBy = map[string][]chainhash.Hash{}
	for _, h := range ordered {
		for _, u := range st.spent[h] {
			a := addrOf(u.script)
			if l := c.spentBy[a]; len(l) == 0 || l[len(l)-1] != h {
				c.spentBy[a] = append(l, h)
			}
		}
	}
	return c
}

// order sorts transactions by height, then hash.
func (c *onChain) order(a, b chainhash.Hash) int {
	if d := c.st.height[a] - c.st.height[b]; d != 0 {
		return int(d)
	}
	return bytes.Compare(a[:], b[:])
}

func addrOf(script []byte) string { return chain.Regtest.Format(chain.AddressOf(script)) }

// spenders returns the transactions, in chain order, that spend a coin
// of one of addrs.
func (c *onChain) spenders(addrs []string) []chainhash.Hash {
	var out []chainhash.Hash
	for _, a := range addrs {
		out = append(out, c.spentBy[a]...)
	}
	slices.SortFunc(out, c.order)
	return slices.Compact(out)
}

// TestServices checks the background services against the shapes doc.go
// and exchange.go document, on the default-scale chain: each exchange's
// sweeps of its deposit addresses, batch withdrawals and refills, and the
// pools' coinbases, sales and miner payouts.
func TestServices(t *testing.T) {
	c := replayed(t)
	t.Run("exchanges", func(t *testing.T) { checkExchanges(t, c) })
	t.Run("pools", func(t *testing.T) { checkPools(t, c) })
}

func checkExchanges(t *testing.T, c *onChain) {
	theft := map[string]bool{}
	for _, tx := range c.truth.Theft {
		theft[tx.Txid] = true
	}
	n := 0
	for i := range c.truth.Services {
		if sv := &c.truth.Services[i]; sv.Kind == ExitExchange {
			n++
			t.Run(sv.Name, func(t *testing.T) { checkExchange(t, c, sv, theft) })
		}
	}
	if n != 3 {
		t.Errorf("%d exchanges, want the victim, the cash-out exchange and a bystander", n)
	}
}

func checkExchange(t *testing.T, c *onChain, sv *Service, theft map[string]bool) {
	mine := func(script []byte, wallet string) bool {
		o := c.owner[addrOf(script)]
		return o.service == sv && o.wallet == wallet
	}
	if len(sv.Hot) < 3 || len(sv.Hot) > 5 || len(sv.Cold) != 1 {
		t.Errorf("%d hot and %d cold addresses, want 3 to 5 reused hot ones and one cold", len(sv.Hot), len(sv.Cold))
	}
	halted := func(h chainhash.Hash) bool { return sv.Role == "victim" && !c.times[c.st.height[h]].Before(victimHalt) }

	// Sweeps: deposit addresses are spent by the exchange's sweeps alone,
	// each taking deposits of this exchange only into one hot address,
	// every hour and a half or so.
	sweeps := map[chainhash.Hash]bool{}
	for _, s := range sv.Sweeps {
		h, err := chainhash.NewHashFromStr(s)
		if err != nil {
			t.Fatal(err)
		}
		sweeps[*h] = true
	}
	spent := c.spenders(sv.Deposits)
	if len(spent) == 0 || len(spent) != len(sweeps) {
		t.Fatalf("%d transactions spend deposit addresses; the truth lists %d sweeps", len(spent), len(sweeps))
	}
	clusters := newUnion()
	var gaps []time.Duration
	inputs := 0
	for i, h := range spent {
		tx := c.st.txs[h]
		if !sweeps[h] || halted(h) {
			t.Errorf("%v spends deposit addresses but is not a sweep of an open exchange", h)
		}
		if len(tx.TxOut) != 1 || !mine(tx.TxOut[0].PkScript, "hot") {
			t.Errorf("sweep %v pays %d outputs, not one hot address", h, len(tx.TxOut))
		}
		first := ""
		for _, u := range c.st.spent[h] {
			if !mine(u.script, "deposit") {
				t.Errorf("sweep %v spends %s, not a deposit address of %s", h, addrOf(u.script), sv.Name)
			}
			if a := addrOf(u.script); first == "" {
				first = a
				clusters.add(a)
			} else {
				clusters.join(first, a)
			}
		}
		inputs += len(tx.TxIn)
		if i > 0 {
			gaps = append(gaps, c.times[c.st.height[h]].Sub(c.times[c.st.height[spent[i-1]]]))
		}
	}
	slices.Sort(gaps)
	median := 90 * time.Minute
	if len(gaps) > 0 {
		median = gaps[len(gaps)/2]
	}
	largest := clusters.largest()
	t.Logf("%d sweeps of %.1f deposits on average, median %v apart; the largest cluster joins %d of %d swept deposit addresses",
		len(spent), float64(inputs)/float64(len(spent)), median, largest, clusters.size())
	if median < time.Hour || median > 2*time.Hour {
		t.Errorf("sweeps a median %v apart, want about an hour and a half", median)
	}
	// Common-input clustering joins the deposit addresses into largely
	// one cluster: a customer's address swept twice links two sweeps.
	// Measured: all but a few of the bystanders' (open the whole chain),
	// 77% of the victim's (closed after ten days, so fewer customers
	// deposited twice).
	if float64(largest) < 0.7*float64(clusters.size()) {
		t.Errorf("the largest cluster joins %d of %d swept deposit addresses", largest, clusters.size())
	}

	// Batch withdrawals: the hot wallet's coins (but those the thief
	// took) pay users in batches of up to 80, from up to 20 of its
	// coins, with change back to a hot address.
	batches, multi, most, change := 0, 0, 0, 0
	for _, h := range c.spenders(sv.Hot) {
		if theft[h.String()] {
			continue
		}
		tx := c.st.txs[h]
		for _, u := range c.st.spent[h] {
			if !mine(u.script, "hot") {
				t.Errorf("withdrawal %v spends %s, not a hot address", h, addrOf(u.script))
			}
		}
		outs := tx.TxOut
		if mine(outs[len(outs)-1].PkScript, "hot") {
			change++
			outs = outs[:len(outs)-1]
		}
		for _, o := range outs {
			if c.owner[addrOf(o.PkScript)].service != nil {
				t.Errorf("withdrawal %v pays %s, a service's address", h, addrOf(o.PkScript))
			}
		}
		if len(tx.TxIn) > 20 || len(outs) == 0 || len(outs) > 80 || halted(h) {
			t.Errorf("withdrawal %v: %d inputs, %d payments", h, len(tx.TxIn), len(outs))
		}
		batches++
		most = max(most, len(outs))
		if len(outs) > 1 {
			multi++
		}
	}
	t.Logf("%d withdrawals, %d of them batches, the largest of %d payments; %d with change", batches, multi, most, change)
	if batches == 0 || multi == 0 || most < 10 || change < batches*9/10 {
		t.Errorf("%d withdrawals, %d batches, the largest of %d payments, %d with change to the hot wallet", batches, multi, most, change)
	}

	// Refills: cold storage pays the hot wallet, change back to cold.
	refills := 0
	for _, h := range c.spenders(sv.Cold) {
		hot := 0
		for _, o := range c.st.txs[h].TxOut {
			switch {
			case mine(o.PkScript, "hot"):
				hot++
			case !mine(o.PkScript, "cold"):
				t.Errorf("refill %v pays %s, outside the exchange", h, addrOf(o.PkScript))
			}
		}
		if hot == 0 {
			t.Errorf("cold storage spent by %v, which pays no hot address", h)
		}
		refills++
	}
	if refills == 0 {
		t.Error("the hot wallet was never refilled from cold storage")
	}
}

func checkPools(t *testing.T, c *onChain) {
	shares := map[string]float64{"pool-a": 0.35, "pool-b": 0.30, "pool-c": 0.20, "pool-d": 0.15}
	byAddr := map[string]*Service{}
	for i := range c.truth.Services {
		if sv := &c.truth.Services[i]; sv.Kind == "pool" {
			if len(sv.Hot) != 1 {
				t.Errorf("%s has %d addresses, want one reused", sv.Name, len(sv.Hot))
			}
			byAddr[sv.Hot[0]] = sv
		}
	}
	if len(byAddr) != len(shares) {
		t.Fatalf("%d pools, want %d", len(byAddr), len(shares))
	}

	// Coinbases: each pays one pool's address and carries its tag, in
	// proportion to the pools' hash rates.
	mined := map[string]int{}
	blocks := 0
	for _, tx := range c.st.txs {
		if !chain.IsCoinbase(tx) || tx.TxOut[0].Value == 0 {
			continue
		}
		blocks++
		sv := byAddr[addrOf(tx.TxOut[0].PkScript)]
		if sv == nil || !bytes.Contains(tx.TxIn[0].SignatureScript, []byte("/"+sv.Name+"/")) {
			t.Fatalf("a coinbase pays %s, not a pool by its tag", addrOf(tx.TxOut[0].PkScript))
		}
		mined[sv.Name]++
	}
	for name, want := range shares {
		if got := share(mined[name], blocks); got < want-0.03 || got > want+0.03 {
			t.Errorf("%s mined %.3f of the blocks, want %.2f", name, got, want)
		}
	}

	// Spends: a sale of up to 25 matured coins to one service's treasury,
	// or a payout to 10 to 60 miners from up to 5, change to the pool.
	// Sales are few (ten at the default scale: each fills much of a
	// treasury), so they are counted over all pools.
	sales := 0
	for addr, sv := range byAddr {
		payouts, late := 0, 0
		for _, h := range c.spenders([]string{addr}) {
			tx := c.st.txs[h]
			for _, u := range c.st.spent[h] {
				if addrOf(u.script) != addr {
					t.Errorf("%s's transaction %v spends %s", sv.Name, h, addrOf(u.script))
				}
			}
			outs := tx.TxOut
			if addrOf(outs[len(outs)-1].PkScript) == addr {
				outs = outs[:len(outs)-1]
			}
			services := 0
			for _, o := range outs {
				if c.owner[addrOf(o.PkScript)].service != nil {
					services++
				}
			}
			switch {
			case len(outs) == 1 && services == 1 && len(tx.TxIn) <= 25:
				sales++
			case len(outs) >= 10 && len(outs) <= 60 && services == 0 && len(tx.TxIn) <= 5:
				payouts++
				if !c.times[c.st.height[h]].Before(bootstrapEnd) {
					late++
				}
			default:
				t.Errorf("%s's transaction %v: %d inputs, %d outputs, %d to services: neither a sale nor a payout", sv.Name, h, len(tx.TxIn), len(outs), services)
			}
		}
		t.Logf("%s: %d blocks, %d payouts (%d after the first days)", sv.Name, mined[sv.Name], payouts, late)
		if payouts == 0 || late == 0 {
			t.Errorf("%s: %d payouts, %d of them after %v", sv.Name, payouts, late, bootstrapEnd)
		}
	}
	t.Logf("%d sales to the services' treasuries", sales)
	if sales == 0 {
		t.Error("no pool sold coins to a service's treasury")
	}
}

// union is a union-find over addresses.
type union map[string]string

func newUnion() union { return union{} }

func (u union) add(a string) {
	if _, ok := u[a]; !ok {
		u[a] = a
	}
}

func (u union) find(a string) string {
	u.add(a)
	for u[a] != a {
		u[a] = u[u[a]]
		a = u[a]
	}
	return a
}

func (u union) join(a, b string) { u[u.find(a)] = u.find(b) }

func (u union) size() int { return len(u) }

func (u union) largest() int {
	n := map[string]int{}
	best := 0
	for a := range u {
		r := u.find(a)
		n[r]++
		best = max(best, n[r])
	}
	return best
}
