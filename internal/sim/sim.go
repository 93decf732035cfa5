package sim

import (
	"context"
	"encoding/binary"
	"errors"
	"iter"
	"math"
	"math/rand/v2"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
)

// ErrUsed is returned by Scenario.Blocks ranged a second time: a
// simulation runs once.
var ErrUsed = errors.New("sim: the scenario's blocks were already generated")

// ErrIncomplete is returned by Scenario.Truth before Blocks has yielded
// the last block.
var ErrIncomplete = errors.New("sim: the simulation has not run to its end")

// Scenario is one simulation: the blocks of a seed and scale, and the
// ground truth they make. It is not for concurrent use.
type Scenario struct {
	opts  Options
	s     *sim
	used  bool
	truth *Truth
}

// New prepares the simulation of opts (Dir is for Run only). It fails
// only for a scale out of range, with an error wrapping ErrScale.
func New(opts Options) (*Scenario, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Scenario{opts: o, s: newSim(o)}, nil
}

// Tip returns the height of the last block the simulation makes.
func (sc *Scenario) Tip() int32 { return int32(len(sc.s.times)) }

// Blocks yields the regtest genesis block at height 0 and then every
// simulated block, decoded by chain.DecodeBlock. Each Block is new and
// belongs to the caller. The sequence can be ranged once; ctx is checked
// between blocks, and its error ends the sequence.
func (sc *Scenario) Blocks(ctx context.Context) iter.Seq2[*chain.Block, error] {
	return func(yield func(*chain.Block, error) bool) {
		if sc.used {
			yield(nil, ErrUsed)
			return
		}
		sc.used = true
		g, err := genesis()
		if err != nil || !yield(g, err) {
			return
		}
		s := sc.s
		for h := int32(1); h <= sc.Tip(); h++ {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			raw := s.block(h)
			b, err := chain.DecodeBlock(raw, h)
			if err == nil && sc.opts.Progress != nil && (h%64 == 0 || h == sc.Tip()) {
				sc.opts.Progress(Progress{Height: h, Total: sc.Tip(), Txs: s.nTxs + int(h), Time: b.Header.Timestamp})
			}
			if err != nil {
				// Every block is the simulation's own: failing to decode
				// one is a bug, reported rather than hidden.
				err = errors.Join(errors.New("sim: a simulated block does not decode"), err)
			}
			if !yield(b, err) || err != nil {
				return
			}
		}
		sc.truth = s.finalTruth()
	}
}

// Truth returns the ground truth once Blocks has yielded every block.
func (sc *Scenario) Truth() (*Truth, error) {
	if sc.truth == nil {
		return nil, ErrIncomplete
	}
	return sc.truth, nil
}

// Blocks yields the blocks of the simulation of opts, from the regtest
// genesis block on (see Scenario.Blocks). An out-of-range scale is yielded
// as the only error.
func Blocks(ctx context.Context, opts Options) iter.Seq2[*chain.Block, error] {
	return func(yield func(*chain.Block, error) bool) {
		sc, err := New(opts)
		if err != nil {
			yield(nil, err)
			return
		}
		for b, err := range sc.Blocks(ctx) {
			if !yield(b, err) || err != nil {
				return
			}
		}
	}
}

func genesis() (*chain.Block, error) {
	return chain.DecodeBlock(rawGenesis(), 0)
}

// sim is the state of a simulation: the ledger of who owns which coin,
// the actors, and the queue of things to do.
type sim struct {
	scale float64
	// rng drives the economy, trng the thief's choices, sigRng the bytes
	// of signatures. Separate streams keep the theft's plan from moving
	// when the background economy changes, and vice versa.
	rng, trng, sigRng *rand.Rand
	keys              *keyring
	led               ledger
	tasks             tasks
	seq               uint64
	times             []time.Time
	blk               *draft
	prev              chainhash.Hash
	feeRate           float64 // sat/vB, a random walk from block to block
	nTxs              int     // transactions made, coinbases not counted
	truth             *recorder
	// txRole is the role of the thief's transaction being committed, for
	// the ground truth.
	txRole string

	pools  []*pool
	users  []int32
	recent [recentBlocks][]coinRef // user coins made in each of the last blocks
	ex     []*exchange             // victim, cashOut, bystander
	mix    *mixer
	cj     *coinjoins
	th     *thief
}

// recentBlocks is the age below which a spend counts as "recent": half of
// mainnet's spends take outputs less than 10 blocks old.
const recentBlocks = 10

func stream(seed uint64, name string) *rand.Rand {
	var b [8]byte
	copy(b[:], name)
	return rand.New(rand.NewPCG(seed, binary.LittleEndian.Uint64(b[:])))
}

func newSim(o Options) *sim {
	s := &sim{
		scale:   o.Scale,
		rng:     stream(o.Seed, "economy"),
		trng:    stream(o.Seed, "thief"),
		sigRng:  stream(o.Seed, "sigs"),
		keys:    newKeyring(o.Seed),
		prev:    chain.Regtest.GenesisHash,
		feeRate: 5,
	}
	s.led.keys = s.keys
	s.times = blockTimes(stream(o.Seed, "calendar"), theftFirst, theftLast)
	s.truth = newRecorder(o)
	s.setupPools()
	s.setupUsers()
	s.setupExchanges()
	s.setupMixer()
	s.setupCoinJoins()
	s.setupThief()
	return s
}

// block makes block h and returns it serialized.
func (s *sim) block(h int32) []byte {
	t := s.times[h-1]
	prevT := chainStart
	if h > 1 {
		prevT = s.times[h-2]
	}
	s.blk = &draft{height: h, time: t}
	// Fee rates of 2018 drifted between 1 and a few tens of sat/vB.
	s.feeRate = min(max(s.feeRate*math.Exp(0.1*s.rng.NormFloat64()), 1), 40)
	s.recent[h%recentBlocks] = s.recent[h%recentBlocks][:0]
	s.runDue()
	s.background(t.Sub(prevT))
	return s.finish(s.blk)
}

// scaled returns x·scale rounded, and at least lo.
func (s *sim) scaled(x float64, lo int) int {
	return max(lo, int(math.Round(x*s.scale)))
}

// btc converts coins to satoshi.
func btc(v float64) int64 { return int64(math.Round(v * 1e8)) }

// lognormal returns a value with the given median and spread (sigma of the
// logarithm).
func lognormal(rng *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*rng.NormFloat64())
}
