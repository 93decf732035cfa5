package chain_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdata"
)

// The real blocks the tests run on, read once per test binary.

// records splits a Bitcoin Core record file (4-byte magic, 4-byte
// little-endian length, block) into blocks. It stops at the zero padding
// that ends a preallocated file.
func records(t testing.TB, raw []byte) [][]byte {
	t.Helper()
	var blocks [][]byte
	for off := 0; off+8 <= len(raw); {
		magic := wire.BitcoinNet(binary.LittleEndian.Uint32(raw[off:]))
		if magic == 0 {
			break
		}
		if magic != chain.Mainnet.Net {
			t.Fatalf("record at byte %d: magic %v, want %v", off, magic, chain.Mainnet.Net)
		}
		n := int(binary.LittleEndian.Uint32(raw[off+4:]))
		if off+8+n > len(raw) {
			t.Fatalf("record at byte %d: length %d runs past the end of the file", off, n)
		}
		blocks = append(blocks, raw[off+8:off+8+n])
		off += 8 + n
	}
	return blocks
}

func readBtcdata(t testing.TB, rel string) []byte {
	t.Helper()
	p, err := btcdata.Path(rel)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

var early struct {
	once   sync.Once
	raw    [][]byte
	blocks []*chain.Block
	err    error
}

// earlyBlocks returns mainnet heights 0..14131 decoded, and their raw bytes.
func earlyBlocks(t testing.TB) ([]*chain.Block, [][]byte) {
	t.Helper()
	early.once.Do(func() {
		raw := readBtcdata(t, btcdata.Blocks0To14131)
		early.raw = records(t, raw)
		for h, r := range early.raw {
			b, err := chain.DecodeBlock(r, int32(h))
			if err != nil {
				early.err = err
				return
			}
			early.blocks = append(early.blocks, b)
		}
	})
	if early.err != nil {
		t.Fatal(early.err)
	}
	if early.blocks == nil {
		t.Fatal("blocks 0..14131 did not load")
	}
	return early.blocks, early.raw
}

// earlyTx finds a transaction of the early blocks by its txid.
func earlyTx(t testing.TB, height int32, txid string) *wire.MsgTx {
	t.Helper()
	blocks, _ := earlyBlocks(t)
	b := blocks[height]
	for i, h := range b.TxHashes {
		if h.String() == txid {
			return b.Txs[i]
		}
	}
	t.Fatalf("tx %s not in block %d", txid, height)
	return nil
}

// rawBlock reads one of btcd's unframed raw blocks and returns it with the
// block hash its file name carries.
func rawBlock(t testing.TB, rel string) ([]byte, chainhash.Hash) {
	t.Helper()
	name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(rel), "block-"), ".blk")
	want, err := chainhash.NewHashFromStr(name)
	if err != nil {
		t.Fatalf("file name %s: %v", rel, err)
	}
	return readBtcdata(t, rel), *want
}

var segwit struct {
	once  sync.Once
	raw   []byte
	block *chain.Block
	err   error
}

// block574200 returns the real segwit-era block 574200 decoded.
func block574200(t testing.TB) *chain.Block {
	t.Helper()
	segwit.once.Do(func() {
		segwit.raw, _ = rawBlock(t, btcdata.Block574200)
		segwit.block, segwit.err = chain.DecodeBlock(segwit.raw, 574200)
	})
	if segwit.err != nil {
		t.Fatal(segwit.err)
	}
	return segwit.block
}

func TestDecodeBlockEarlyMainnet(t *testing.T) {
	blocks, _ := earlyBlocks(t)
	if len(blocks) != 14132 {
		t.Fatalf("%d blocks, want 14132 (heights 0..14131)", len(blocks))
	}
	if blocks[0].Hash != chain.Mainnet.GenesisHash {
		t.Errorf("block 0 hash %v, want the genesis hash %v", blocks[0].Hash, chain.Mainnet.GenesisHash)
	}
	var txs, nonCoinbase, multiIn int
	for h, b := range blocks {
		if b.Height != int32(h) {
			t.Fatalf("block %d: Height %d", h, b.Height)
		}
		if h > 0 && b.Header.PrevBlock != blocks[h-1].Hash {
			t.Fatalf("block %d does not build on block %d: records out of order", h, h-1)
		}
		if len(b.TxHashes) != len(b.Txs) || len(b.Spans) != len(b.Txs) {
			t.Fatalf("block %d: %d txs, %d hashes, %d spans", h, len(b.Txs), len(b.TxHashes), len(b.Spans))
		}
		for i, tx := range b.Txs {
			txs++
			if b.TxID(i) != chain.MakeTxID(int32(h), i) {
				t.Fatalf("block %d: TxID(%d) = %v", h, i, b.TxID(i))
			}
			if got := chain.IsCoinbase(tx); got != (i == 0) {
				t.Fatalf("block %d tx %d: IsCoinbase %v", h, i, got)
			}
			if i > 0 {
				nonCoinbase++
				if len(tx.TxIn) > 1 {
					multiIn++
				}
			}
		}
	}
	// The counts the project's reference notes give for this file.
	if txs != 14247 || nonCoinbase != 115 || multiIn != 72 {
		t.Errorf("%d txs, %d non-coinbase, %d with several inputs; want 14247, 115, 72", txs, nonCoinbase, multiIn)
	}
}

func TestDecodeBlock170(t *testing.T) {
	blocks, _ := earlyBlocks(t)
	b := blocks[170]
	const halTx = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
	i := -1
	for j, h := range b.TxHashes {
		if h.String() == halTx {
			i = j
		}
	}
	if i < 0 {
		t.Fatalf("block 170 txids %v lack %s", b.TxHashes, halTx)
	}
	tx := b.Txs[i]
	var got []int64
	for _, o := range tx.TxOut {
		got = append(got, o.Value)
	}
	if len(got) != 2 || got[0] != 10e8 || got[1] != 40e8 {
		t.Errorf("outputs %v, want [10 BTC, 40 BTC]", got)
	}
	// It spends the block-9 coinbase.
	if prev := tx.TxIn[0].PreviousOutPoint; prev.Hash != blocks[9].TxHashes[0] || prev.Index != 0 {
		t.Errorf("spends %v, want block 9's coinbase output 0", prev)
	}
}

func TestDecodeBlockSegwit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		file   string
		height int32
		txs    int
	}{
		{"574200", btcdata.Block574200, 574200, 3315},
		{"540107", btcdata.Block540107, 540107, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, want := rawBlock(t, tc.file)
			b, err := chain.DecodeBlock(raw, tc.height)
			if err != nil {
				t.Fatal(err)
			}
			if b.Hash != want {
				t.Errorf("hash %v, want %v from the file name", b.Hash, want)
			}
			if tc.txs != 0 && len(b.Txs) != tc.txs {
				t.Errorf("%d txs, want %d", len(b.Txs), tc.txs)
			}
			if !bytes.Equal(b.Raw, raw) {
				t.Error("Raw is not the block's bytes")
			}
			witness := 0
			next := uint32(80 + wire.VarIntSerializeSize(uint64(len(b.Txs))))
			for i, tx := range b.Txs {
				if tx.HasWitness() {
					witness++
				}
				if b.TxHashes[i] != tx.TxHash() {
					t.Fatalf("tx %d: TxHashes %v, TxHash %v", i, b.TxHashes[i], tx.TxHash())
				}
				if b.Spans[i].Off != next {
					t.Fatalf("tx %d starts at byte %d, want %d right after the previous one", i, b.Spans[i].Off, next)
				}
				next += b.Spans[i].Len
				var re wire.MsgTx
				if err := re.Deserialize(bytes.NewReader(b.RawTx(i))); err != nil {
					t.Fatalf("tx %d: RawTx does not decode: %v", i, err)
				}
				if re.TxHash() != tx.TxHash() || re.WitnessHash() != tx.WitnessHash() {
					t.Fatalf("tx %d: RawTx decodes to another tx", i)
				}
				if re.SerializeSize() != int(b.Spans[i].Len) {
					t.Fatalf("tx %d: span of %d bytes, tx serializes to %d", i, b.Spans[i].Len, re.SerializeSize())
				}
			}
			if int(next) != len(raw) {
				t.Errorf("spans end at byte %d of %d", next, len(raw))
			}
			if witness == 0 {
				t.Error("no witness transactions: the witness txid path is untested")
			}
		})
	}
}

func TestMerkleRoot(t *testing.T) {
	blocks, _ := earlyBlocks(t)
	// Real blocks of each transaction count the early chain has, so odd and
	// even levels are both checked against what miners wrote in headers.
	byCount := map[int]*chain.Block{}
	for _, b := range blocks {
		if byCount[len(b.Txs)] == nil {
			byCount[len(b.Txs)] = b
		}
	}
	if len(byCount) < 3 {
		t.Fatalf("only %d distinct tx counts in the early blocks", len(byCount))
	}
	seg := block574200(t)
	byCount[len(seg.Txs)] = seg
	for n, b := range byCount {
		t.Run(fmt.Sprintf("%d txs", n), func(t *testing.T) {
			if got := chain.MerkleRoot(b.TxHashes); got != b.Header.MerkleRoot {
				t.Errorf("MerkleRoot %v, header says %v", got, b.Header.MerkleRoot)
			}
		})
	}
	t.Run("empty", func(t *testing.T) {
		if got := chain.MerkleRoot(nil); got != (chainhash.Hash{}) {
			t.Errorf("MerkleRoot(nil) = %v", got)
		}
	})
	t.Run("does not modify its input", func(t *testing.T) {
		in := append([]chainhash.Hash(nil), seg.TxHashes[:5]...)
		chain.MerkleRoot(in[:3:3])
		chain.MerkleRoot(in[:3])
		for i := range in {
			if in[i] != seg.TxHashes[i] {
				t.Fatalf("hash %d changed", i)
			}
		}
	})
}

// serialize builds a block from parts so corruptions can be placed exactly.
func serialize(t testing.TB, hdr wire.BlockHeader, txs []*wire.MsgTx) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := hdr.Serialize(&buf); err != nil {
		t.Fatal(err)
	}
	if err := wire.WriteVarInt(&buf, 0, uint64(len(txs))); err != nil {
		t.Fatal(err)
	}
	for _, tx := range txs {
		if err := tx.Serialize(&buf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func TestDecodeBlockRejects(t *testing.T) {
	blocks, raws := earlyBlocks(t)
	b170, raw170 := blocks[170], raws[170]
	seg := block574200(t)

	// Block 574200 has an odd number of txs: listing the last one twice
	// keeps the header's merkle root (CVE-2012-2459).
	dupTxs := append(append([]*wire.MsgTx(nil), seg.Txs...), seg.Txs[len(seg.Txs)-1])
	dup := serialize(t, seg.Header, dupTxs)

	// A coinbase with more outputs than plume can address, with a header
	// whose merkle root matches, so only the output limit rejects it.
	wide := blocks[1].Txs[0].Copy()
	wide.TxOut = make([]*wire.TxOut, chain.MaxOutputs+1)
	for i := range wide.TxOut {
		wide.TxOut[i] = &wire.TxOut{Value: 1}
	}
	wideHdr := blocks[1].Header
	wideHdr.MerkleRoot = wide.TxHash()

	// Block 1 with its coinbase paying v, the merkle root redone.
	paying := func(v int64) []byte {
		cb := blocks[1].Txs[0].Copy()
		cb.TxOut[0].Value = v
		hdr := blocks[1].Header
		hdr.MerkleRoot = cb.TxHash()
		return serialize(t, hdr, []*wire.MsgTx{cb})
	}

	// Block 1 with two coinbase outputs of v each: each is in range, the sum
	// is not.
	payingTwice := func(v int64) []byte {
		cb := blocks[1].Txs[0].Copy()
		cb.TxOut[0].Value = v
		cb.TxOut = append(cb.TxOut, &wire.TxOut{Value: v, PkScript: cb.TxOut[0].PkScript})
		hdr := blocks[1].Header
		hdr.MerkleRoot = cb.TxHash()
		return serialize(t, hdr, []*wire.MsgTx{cb})
	}

	flip := func(raw []byte, at int) []byte {
		c := bytes.Clone(raw)
		c[at] ^= 0x01
		return c
	}
	withCount := func(raw []byte, count []byte) []byte {
		c := append(bytes.Clone(raw[:80]), count...)
		return append(c, raw[81:]...) // block 170's count is one byte
	}
	lastScript := int(b170.Spans[1].Off+b170.Spans[1].Len) - 4 - 10 // inside the last output's script
	var forty [8]byte
	binary.LittleEndian.PutUint64(forty[:], 40e8)
	value := int(b170.Spans[1].Off) + bytes.Index(b170.RawTx(1), forty[:]) // the 40 BTC output's value
	if value < int(b170.Spans[1].Off) {
		t.Fatal("block 170 has no 40 BTC output")
	}

	for _, tc := range []struct {
		name   string
		raw    []byte
		height int32
		detail string // a fragment of the message, to tell the check that fired
	}{
		{"empty", nil, 170, "header"},
		{"header only, truncated", raw170[:79], 170, "header"},
		{"no tx count", raw170[:80], 170, "transaction count"},
		{"truncated in the coinbase", raw170[:b170.Spans[0].Off+b170.Spans[0].Len-1], 170, "transaction 0"},
		{"truncated in the last tx", raw170[:len(raw170)-1], 170, "transaction 1"},
		{"truncated segwit", seg.Raw[:len(seg.Raw)/2], 574200, ""},
		{"trailing byte", append(bytes.Clone(raw170), 0), 170, "after the last transaction"},
		{"trailing tx", append(bytes.Clone(raw170), raw170[b170.Spans[1].Off:]...), 170, "after the last transaction"},
		{"flipped byte in a script", flip(raw170, lastScript), 170, "merkle"},
		{"flipped output value", flip(raw170, value+3), 170, "merkle"},
		{"flipped byte in a witness", flip(seg.Raw, witnessByte(t, seg)), 574200, "witness commitment"},
		{"flipped witness commitment", flip(seg.Raw, commitmentByte(t, seg)), 574200, "merkle"},
		{"wrong witness commitment, merkle root redone", recommit(t, seg, func(cb *wire.MsgTx) {
			s := cb.TxOut[commitmentOut(t, cb)].PkScript
			s[len(s)-1] ^= 1
		}), 574200, "witness commitment does not match"},
		{"witness commitment removed, merkle root redone", recommit(t, seg, func(cb *wire.MsgTx) {
			i := commitmentOut(t, cb)
			cb.TxOut = append(cb.TxOut[:i], cb.TxOut[i+1:]...)
		}), 574200, "without a witness commitment"},
		{"witness stripped from the coinbase", stripCoinbaseWitness(t, seg), 574200, "coinbase witness"},
		{"flipped merkle root", flip(raw170, 36), 170, "merkle"},
		{"zero txs", withCount(raw170, []byte{0}), 170, "transaction count"},
		{"absurd tx count", withCount(raw170, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), 170, "transaction count"},
		{"tx count past the bytes", withCount(raw170, []byte{0xfd, 0x00, 0x01}), 170, "transaction count"},
		{"duplicated last tx", dup, 574200, "repeated"},
		{"too many outputs", serialize(t, wideHdr, []*wire.MsgTx{wide}), 1, "outputs"},
		{"negative output value", paying(-1), 1, "value"},
		{"output value past 21 million BTC", paying(chain.MaxSatoshi + 1), 1, "value"},
		{"outputs summing past 21 million BTC", payingTwice(chain.MaxSatoshi/2 + 1), 1, "sum"},
		{"negative height", raw170, -1, "height"},
		{"height past MaxHeight", raw170, chain.MaxHeight, "height"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := chain.DecodeBlock(tc.raw, tc.height)
			if !errors.Is(err, chain.ErrBadBlock) {
				t.Fatalf("err = %v, want ErrBadBlock", err)
			}
			if b != nil {
				t.Error("a block returned with the error")
			}
			if !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("err = %q, want it to mention %q", err, tc.detail)
			}
		})
	}

	t.Run("duplicate keeps the merkle root", func(t *testing.T) {
		hashes := append(append([]chainhash.Hash(nil), seg.TxHashes...), seg.TxHashes[len(seg.TxHashes)-1])
		if chain.MerkleRoot(hashes) != seg.Header.MerkleRoot {
			t.Fatal("the CVE-2012-2459 case above no longer tests the mutation check")
		}
	})
	t.Run("most outputs plume can address", func(t *testing.T) {
		wide.TxOut = wide.TxOut[:chain.MaxOutputs]
		wideHdr.MerkleRoot = wide.TxHash()
		b, err := chain.DecodeBlock(serialize(t, wideHdr, []*wire.MsgTx{wide}), 1)
		if err != nil {
			t.Fatal(err)
		}
		last := b.TxID(0).Out(uint32(len(b.Txs[0].TxOut) - 1))
		if o, out := chain.NodeOf(last.Node()); !out || o != last {
			t.Errorf("last output %v round trips to %v, %v", last, o, out)
		}
	})
	t.Run("re-serialized block still decodes", func(t *testing.T) {
		// The rejections above built with recommit and serialize differ from
		// this block only in what they edit.
		b, err := chain.DecodeBlock(recommit(t, seg, func(*wire.MsgTx) {}), 574200)
		if err != nil {
			t.Fatal(err)
		}
		if b.Hash != seg.Hash {
			t.Errorf("hash %v, want %v", b.Hash, seg.Hash)
		}
	})
	t.Run("output value of 21 million BTC", func(t *testing.T) {
		b, err := chain.DecodeBlock(paying(chain.MaxSatoshi), 1)
		if err != nil {
			t.Fatal(err)
		}
		if v := b.Txs[0].TxOut[0].Value; v != 21e6*1e8 {
			t.Errorf("value %d", v)
		}
	})
	t.Run("MaxHeight-1", func(t *testing.T) {
		b, err := chain.DecodeBlock(raw170, chain.MaxHeight-1)
		if err != nil {
			t.Fatal(err)
		}
		if b.TxID(1).Height() != chain.MaxHeight-1 || b.TxID(1).Pos() != 1 {
			t.Errorf("TxID(1) = %v", b.TxID(1))
		}
	})
}

// witnessByte returns the offset in b.Raw of a byte inside the witness of
// a non-coinbase transaction, which its txid does not cover.
func witnessByte(t testing.TB, b *chain.Block) int {
	t.Helper()
	for i, tx := range b.Txs[1:] {
		w := tx.TxIn[len(tx.TxIn)-1].Witness
		if len(w) == 0 || len(w[len(w)-1]) == 0 {
			continue
		}
		// The witnesses end the tx before its 4-byte lock time, so the byte
		// before the lock time is the last witness item's last byte.
		s := b.Spans[i+1]
		return int(s.Off+s.Len) - 5
	}
	t.Fatal("no witness tx")
	return 0
}

// commitmentByte returns the offset in b.Raw of the last byte of the
// coinbase's witness commitment.
func commitmentByte(t testing.TB, b *chain.Block) int {
	t.Helper()
	raw := b.RawTx(0)
	i := bytes.LastIndex(raw, []byte{0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed})
	if i < 0 {
		t.Fatal("no witness commitment in the coinbase")
	}
	return int(b.Spans[0].Off) + i + 37
}

// commitmentOut returns the index of the witness commitment output of cb.
func commitmentOut(t testing.TB, cb *wire.MsgTx) int {
	t.Helper()
	for i := len(cb.TxOut) - 1; i >= 0; i-- {
		if bytes.HasPrefix(cb.TxOut[i].PkScript, []byte{0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed}) {
			return i
		}
	}
	t.Fatal("no witness commitment in the coinbase")
	return 0
}

// recommit re-serializes b with its coinbase changed by edit and the
// header's merkle root recomputed, so only the witness checks can object.
func recommit(t testing.TB, b *chain.Block, edit func(cb *wire.MsgTx)) []byte {
	t.Helper()
	txs := append([]*wire.MsgTx(nil), b.Txs...)
	txs[0] = txs[0].Copy()
	edit(txs[0])
	hashes := append([]chainhash.Hash(nil), b.TxHashes...)
	hashes[0] = txs[0].TxHash()
	hdr := b.Header
	hdr.MerkleRoot = chain.MerkleRoot(hashes)
	return serialize(t, hdr, txs)
}

// stripCoinbaseWitness re-serializes b with the coinbase's witness removed,
// which leaves every txid and so the merkle root as they were.
func stripCoinbaseWitness(t testing.TB, b *chain.Block) []byte {
	t.Helper()
	txs := append([]*wire.MsgTx(nil), b.Txs...)
	txs[0] = txs[0].Copy()
	txs[0].TxIn[0].Witness = nil
	return serialize(t, b.Header, txs)
}

func FuzzDecodeBlock(f *testing.F) {
	blocks, raws := earlyBlocks(f)
	for _, h := range []int{0, 9, 170} {
		f.Add(raws[h], int32(h))
	}
	// A block with several non-coinbase inputs, and a truncated one.
	for h, b := range blocks {
		if len(b.Txs) >= 3 {
			f.Add(raws[h], int32(h))
			break
		}
	}
	f.Add(raws[170][:150], int32(170))
	f.Fuzz(func(t *testing.T, raw []byte, height int32) {
		b, err := chain.DecodeBlock(raw, height)
		if err != nil {
			if !errors.Is(err, chain.ErrBadBlock) {
				t.Fatalf("error %v does not wrap ErrBadBlock", err)
			}
			return
		}
		if len(b.Txs) == 0 || len(b.TxHashes) != len(b.Txs) || len(b.Spans) != len(b.Txs) {
			t.Fatalf("%d txs, %d hashes, %d spans", len(b.Txs), len(b.TxHashes), len(b.Spans))
		}
		if chain.MerkleRoot(b.TxHashes) != b.Header.MerkleRoot {
			t.Fatal("accepted a block whose merkle root does not match")
		}
		for i, tx := range b.Txs {
			if b.TxHashes[i] != tx.TxHash() {
				t.Fatalf("tx %d: TxHashes %v, TxHash %v", i, b.TxHashes[i], tx.TxHash())
			}
			if len(b.RawTx(i)) != tx.SerializeSize() {
				t.Fatalf("tx %d: span of %d bytes, tx is %d", i, len(b.RawTx(i)), tx.SerializeSize())
			}
		}
		last := b.Spans[len(b.Spans)-1]
		if int(last.Off+last.Len) != len(raw) {
			t.Fatal("accepted trailing bytes")
		}
	})
}
