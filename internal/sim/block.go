package sim

import (
	"bytes"
	"container/heap"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// Block limits the simulation keeps well inside of: btcd rejects a block
// whose stripped size passes 1,000,000 bytes or whose legacy signature
// operations, counted four times, pass 80,000 (every P2PKH output counts
// one). Transactions that do not fit wait for the next block.
const (
	maxBlockVSize  = 900_000
	maxBlockSigOps = 19_000
	// regtestBits is regtest's proof-of-work limit, the target every block
	// claims: about one hash in two meets it.
	regtestBits  = 0x207fffff
	blockVersion = 0x20000000 // BIP 9 with no bits set; >= 4 as BIP 65 wants
)

// draft is the block being filled: its transactions after the coinbase,
// which is made last because it claims the fees.
type draft struct {
	height int32
	time   time.Time
	txs    []*wire.MsgTx
	hashes []chainhash.Hash
	fees   int64
	vsize  int
	sigops int
}

func (d *draft) fits(vsize, sigops int) bool {
	return d.vsize+vsize <= maxBlockVSize && d.sigops+sigops <= maxBlockSigOps
}

// subsidy returns the block subsidy at height h on regtest: 50 BTC halved
// every 150 blocks (a shift of 64 or more gives 0 in Go).
func subsidy(h int32) int64 { return 50e8 >> uint(h/150) }

// finish makes the coinbase, paying the subsidy and the fees to one of the
// pools, commits to the witnesses, grinds the nonce and returns the
// serialized block.
func (s *sim) finish(d *draft) []byte {
	pool := s.pickPool()
	cb := wire.NewMsgTx(1)
	sig, _ := txscript.NewScriptBuilder().AddInt64(int64(d.height)).Script() // BIP 34
	sig = append(sig, s.pools[pool].tag...)
	sig = binary.LittleEndian.AppendUint32(sig, s.rng.Uint32()) // extranonce
	var reserved [32]byte
	in := wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{}, wire.MaxPrevOutIndex), sig, wire.TxWitness{reserved[:]})
	cb.AddTxIn(in)
	payTo := s.pools[pool].addr
	cb.AddTxOut(wire.NewTxOut(subsidy(d.height)+d.fees, s.led.addrs[payTo].script))
	wtxids := make([]chainhash.Hash, len(d.txs)+1)
	for i, tx := range d.txs {
		wtxids[i+1] = tx.WitnessHash()
	}
	root := chain.MerkleRoot(wtxids)
	c := chainhash.DoubleHashH(append(root[:], reserved[:]...))
	cb.AddTxOut(wire.NewTxOut(0, append([]byte{txscript.OP_RETURN, txscript.OP_DATA_36, 0xaa, 0x21, 0xa9, 0xed}, c[:]...)))
	cbHash := cb.TxHash()
	if v := cb.TxOut[0].Value; v > 0 {
		// Once regtest's subsidy is gone (height 4,950) an empty block's
		// coinbase pays nothing; such an output is not worth tracking.
		s.led.addCoin(wire.OutPoint{Hash: cbHash, Index: 0}, v, payTo, d.height, true)
	}

	blk := wire.MsgBlock{
		Header: wire.BlockHeader{
			Version:    blockVersion,
			PrevBlock:  s.prev,
			MerkleRoot: chain.MerkleRoot(append([]chainhash.Hash{cbHash}, d.hashes...)),
			Timestamp:  d.time,
			Bits:       regtestBits,
		},
		Transactions: append([]*wire.MsgTx{cb}, d.txs...),
	}
	grind(&blk.Header)
	var buf bytes.Buffer
	buf.Grow(blk.SerializeSize())
	if err := blk.Serialize(&buf); err != nil {
		panic(fmt.Sprintf("sim: serializing block %d: %v", d.height, err))
	}
	s.prev = blk.Header.BlockHash()
	return buf.Bytes()
}

// grind finds a nonce whose block hash meets regtest's target. The target
// 0x7fffff·2^232 is met by any hash whose top byte is below 0x7f, a test
// slightly stricter than the rule and free of big integers.
func grind(h *wire.BlockHeader) {
	for h.Nonce = 0; ; h.Nonce++ {
		if hash := h.BlockHash(); hash[31] < 0x7f {
			return
		}
	}
}

// task is a thing to do once the chain reaches a time: a step of the
// theft or of a service. Tasks due at the same time run in the order they
// were scheduled.
type task struct {
	at  time.Time
	seq uint64
	// run does the task in the block being built and returns false to be
	// tried again in the next block (its coins are not spendable yet, or
	// the block is full).
	run func() bool
}

type tasks []task

func (q tasks) Len() int { return len(q) }
func (q tasks) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q tasks) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *tasks) Push(x any)   { *q = append(*q, x.(task)) }
func (q *tasks) Pop() any {
	old := *q
	t := old[len(old)-1]
	*q = old[:len(old)-1]
	return t
}

// at schedules run for time t.
func (s *sim) at(t time.Time, run func() bool) {
	s.seq++
	heap.Push(&s.tasks, task{at: t, seq: s.seq, run: run})
}

// runDue runs every task due by the block's time. A task that asks to
// wait is tried again in the next block.
func (s *sim) runDue() {
	var later []task
	for s.tasks.Len() > 0 && !s.tasks[0].at.After(s.blk.time) {
		t := heap.Pop(&s.tasks).(task)
		if !t.run() {
			later = append(later, t)
		}
	}
	for _, t := range later {
		t.at = s.blk.time.Add(time.Second)
		heap.Push(&s.tasks, t)
	}
}

// rawGenesis returns regtest's genesis block serialized.
func rawGenesis() []byte {
	var buf bytes.Buffer
	if err := chain.Regtest.Genesis.Serialize(&buf); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
