package blkfile

import (
	"math/big"
	"math/bits"
)

// work is an amount of proof of work: a 320-bit unsigned integer in
// little-endian 64-bit limbs. One block's work is below 2^256, so the sum
// over any chain the index can hold (under 2^30 blocks) fits without the
// allocations of big.Int on every block.
type work [5]uint64

func (w work) add(v work) work {
	var c uint64
	for i := range w {
		w[i], c = bits.Add64(w[i], v[i], c)
	}
	return w
}

// cmp returns -1, 0 or +1 as w is less than, equal to or more than v.
func (w work) cmp(v work) int {
	for i := len(w) - 1; i >= 0; i-- {
		switch {
		case w[i] < v[i]:
			return -1
		case w[i] > v[i]:
			return +1
		}
	}
	return 0
}

// twoTo256 is the numerator of a block's work.
var twoTo256 = new(big.Int).Lsh(big.NewInt(1), 256)

// blockWork returns the expected number of hashes behind a block with
// compact target nBits: 2^256/(target+1), as Bitcoin Core's GetBlockProof
// computes it. A target that is zero, negative or above 2^256 counts as no
// work, as in Core (such a block is invalid anyway; plume does not check
// proof of work, but it must not let such a block win).
func blockWork(nBits uint32) work {
	t, ok := compactTarget(nBits)
	if !ok {
		return work{}
	}
	q := new(big.Int).Quo(twoTo256, t.Add(t, big.NewInt(1)))
	var b [32]byte
	q.FillBytes(b[:]) // q <= 2^255: target is at least 1
	var w work
	for i := range 4 {
		for j := range 8 {
			w[i] |= uint64(b[31-8*i-j]) << (8 * j)
		}
	}
	return w
}

// compactTarget decodes nBits: a 23-bit mantissa, a sign bit and a base-256
// exponent. ok is false for a target Core would reject: zero, negative or
// wider than 256 bits.
func compactTarget(nBits uint32) (t *big.Int, ok bool) {
	mant := nBits & 0x007fffff
	exp := nBits >> 24
	if mant == 0 || nBits&0x00800000 != 0 {
		return nil, false
	}
	t = new(big.Int).SetUint64(uint64(mant))
	if exp <= 3 {
		t.Rsh(t, uint(8*(3-exp)))
	} else {
		t.Lsh(t, uint(8*(exp-3)))
	}
	if t.Sign() == 0 || t.BitLen() > 256 {
		return nil, false
	}
	return t, true
}
