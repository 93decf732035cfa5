package blkfile

import (
	"math/big"
	"testing"
)

func (w work) big() *big.Int {
	b := new(big.Int)
	for i := len(w) - 1; i >= 0; i-- {
		b.Lsh(b, 64).Or(b, new(big.Int).SetUint64(w[i]))
	}
	return b
}

func TestBlockWork(t *testing.T) {
	// Expected values are 2^256/(target+1) computed with Python's integers.
	for _, tc := range []struct {
		bits uint32
		want string // hex; "0" for a target Core rejects
	}{
		{0x1d00ffff, "100010001"},            // the genesis difficulty: chainwork of block 0
		{0x207fffff, "2"},                    // regtest: target just under 2^255
		{0x1b0404cb, "3fb3ab764c00"},         // a 2011 target
		{0x17053894, "31085d594cb7e26e94b5"}, // a 2018 target
		{0x01003456, "0"}, {0x00000000, "0"}, // target zero
		{0x04923456, "0"},                    // negative
		{0xff123456, "0"}, {0x21010000, "0"}, // wider than 256 bits
		{0x20ffffff, "0"}, // sign bit set: negative
		{0x01010000, "8000000000000000000000000000000000000000000000000000000000000000"}, // target 1
	} {
		want, _ := new(big.Int).SetString(tc.want, 16)
		if got := blockWork(tc.bits).big(); got.Cmp(want) != 0 {
			t.Errorf("blockWork(%#08x) = %x, want %x", tc.bits, got, want)
		}
	}
	// A full chain's worth of the largest work does not overflow.
	var sum work
	one := blockWork(0x01010000)
	for range 1 << 12 {
		sum = sum.add(one)
	}
	if want := new(big.Int).Lsh(big.NewInt(1), 255+12); sum.big().Cmp(want) != 0 {
		t.Errorf("sum = %x, want 2^267", sum.big())
	}
	if sum.cmp(one) != 1 || one.cmp(sum) != -1 || one.cmp(one) != 0 {
		t.Error("cmp is wrong")
	}
}
