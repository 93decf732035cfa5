package sim

import (
	"math/rand/v2"

	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// role says what a wallet is for; the ground truth and the thief's
// bookkeeping branch on it.
type role uint8

const (
	roleUser      role = iota
	rolePool           // a mining pool: receives coinbases, pays miners
	roleHot            // an exchange's hot wallet
	roleCold           // an exchange's or the mixer's treasury
	roleDeposit        // the per-customer deposit addresses of one exchange
	roleMixIn          // the mixer's per-deposit addresses
	roleMixer          // the mixer's reserve, which pays out
	roleFee            // a CoinJoin coordinator's fee address
	roleWhirlpool      // a user's Whirlpool premix and postmix coins
	roleThief
	// roleThiefClean holds what the mixer paid the thief: the thief's, but
	// not reachable from the theft on chain.
	roleThiefClean
)

// coin is an unspent output the simulation knows the owner of. Coins live
// in one slice and are recycled: gen tells a stale reference (a coin spent
// and its slot reused) from the live one.
type coin struct {
	op       wire.OutPoint
	value    int64
	addr     int32
	height   int32
	slot     int32 // index in the owner's coins
	gen      uint32
	live     bool
	coinbase bool
}

// coinRef names a coin at one generation.
type coinRef struct {
	id  int32
	gen uint32
}

// wallet holds the coins and addresses of one owner: a user, a service's
// hot wallet, the thief. Its addresses all have one script kind, as one
// wallet program's do.
type wallet struct {
	role    role
	kind    chain.Kind
	coins   []int32
	addrs   []int32 // receiving addresses, newest last, at most maxAddrs
	balance int64
	// coreStyle wallets set nLockTime to the current height and signal
	// replaceability, as Bitcoin Core does; the others use 0 and final
	// sequences, as most other wallets of 2018 did.
	coreStyle bool
}

// maxAddrs bounds the addresses a wallet remembers for reuse; reuse picks
// among recent ones anyway.
const maxAddrs = 8

type ledger struct {
	keys    *keyring
	coins   []coin
	free    []int32
	addrs   []address
	wallets []*wallet
}

func (l *ledger) newWallet(r role, kind chain.Kind) int32 {
	l.wallets = append(l.wallets, &wallet{role: r, kind: kind})
	return int32(len(l.wallets) - 1)
}

// newAddr returns a fresh address of w's kind.
func (l *ledger) newAddr(w int32) int32 {
	return l.newAddrKind(w, l.wallets[w].kind)
}

func (l *ledger) newAddrKind(w int32, kind chain.Kind) int32 {
	k := l.keys.take(keysFor(kind))
	l.addrs = append(l.addrs, address{script: l.keys.makeScript(kind, k), key: int32(k), owner: w, kind: kind})
	id := int32(len(l.addrs) - 1)
	wl := l.wallets[w]
	if len(wl.addrs) == maxAddrs {
		copy(wl.addrs, wl.addrs[1:])
		wl.addrs = wl.addrs[:maxAddrs-1]
	}
	wl.addrs = append(wl.addrs, id)
	return id
}

// dataAddr returns a new OP_RETURN "address" of wallet w carrying data
// (under 76 bytes): an unspendable output's script.
func (l *ledger) dataAddr(w int32, data []byte) int32 {
	script := append([]byte{0x6a, byte(len(data))}, data...)
	l.addrs = append(l.addrs, address{script: script, key: -1, owner: w, kind: chain.KindOpReturn})
	return int32(len(l.addrs) - 1)
}

// recvAddr returns an address for w to receive at: with probability reuse
// one it has used before, else a fresh one.
func (l *ledger) recvAddr(w int32, rng *rand.Rand, reuse float64) int32 {
	wl := l.wallets[w]
	if len(wl.addrs) > 0 && rng.Float64() < reuse {
		return wl.addrs[rng.IntN(len(wl.addrs))]
	}
	return l.newAddr(w)
}

func (l *ledger) owner(c int32) *wallet { return l.wallets[l.addrs[l.coins[c].addr].owner] }

func (l *ledger) addCoin(op wire.OutPoint, value int64, addr, height int32, coinbase bool) int32 {
	var id int32
	if n := len(l.free); n > 0 {
		id = l.free[n-1]
		l.free = l.free[:n-1]
	} else {
		l.coins = append(l.coins, coin{})
		id = int32(len(l.coins) - 1)
	}
	w := l.wallets[l.addrs[addr].owner]
	c := &l.coins[id]
	*c = coin{op: op, value: value, addr: addr, height: height, slot: int32(len(w.coins)), gen: c.gen + 1, live: true, coinbase: coinbase}
	w.coins = append(w.coins, id)
	w.balance += value
	return id
}

func (l *ledger) removeCoin(id int32) {
	c := &l.coins[id]
	w := l.owner(id)
	last := w.coins[len(w.coins)-1]
	w.coins[c.slot] = last
	l.coins[last].slot = c.slot
	w.coins = w.coins[:len(w.coins)-1]
	w.balance -= c.value
	c.live = false
	l.free = append(l.free, id)
}

func (l *ledger) ref(id int32) coinRef { return coinRef{id, l.coins[id].gen} }

// alive reports whether r still names an unspent coin.
func (l *ledger) alive(r coinRef) bool {
	c := &l.coins[r.id]
	return c.live && c.gen == r.gen
}

// spendable reports whether coin id may be spent in a block at height h:
// outputs become spendable in the block after theirs (so a block never
// spends its own outputs and transaction order inside it stays simple),
// coinbases after 100 confirmations.
func (l *ledger) spendable(id, h int32) bool {
	c := &l.coins[id]
	if c.coinbase {
		return h-c.height >= coinbaseMaturity
	}
	return c.height < h
}

const coinbaseMaturity = 100

// pick removes nothing; it returns up to n distinct spendable coins of w
// chosen at random, first given first if it is one of them (>= 0).
func (l *ledger) pick(w *wallet, h int32, n int, first int32, rng *rand.Rand) []int32 {
	out := make([]int32, 0, n)
	if first >= 0 {
		out = append(out, first)
	}
	if len(w.coins) == 0 {
		return out
	}
	// A few random probes, then a scan: wallets are mostly small, and
	// exchange wallets mostly spendable.
	start := rng.IntN(len(w.coins))
	for k := 0; k < len(w.coins) && len(out) < n; k++ {
		id := w.coins[(start+k)%len(w.coins)]
		if id == first || !l.spendable(id, h) {
			continue
		}
		out = append(out, id)
	}
	return out
}

// spendableBalance returns the value of w's coins spendable at height h.
func (l *ledger) spendableBalance(w *wallet, h int32) int64 {
	var s int64
	for _, id := range w.coins {
		if l.spendable(id, h) {
			s += l.coins[id].value
		}
	}
	return s
}
