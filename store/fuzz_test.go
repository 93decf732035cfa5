package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"github.com/plumetrace/plume/chain"
)

// noPosResolver answers every outpoint from a map, without chain
// positions, so that a store holds inputs resolved without one.
type noPosResolver map[wire.OutPoint]chain.Prevout

func (m noPosResolver) PrevOut(_ context.Context, op wire.OutPoint) (chain.Prevout, error) {
	p, ok := m[op]
	if !ok {
		return p, ErrNotFound
	}
	p.Out = chain.OutPoint{}
	return p, nil
}

// seedStores returns the entries of three small stores of real blocks
// that together hold every kind of key and value: blocks 0..600 (resolved
// inputs with positions, address clusters), blocks 100..600 (an unresolved input), and the
// same resolved without positions.
var seedStores = sync.OnceValues(func() ([]KV, error) {
	var out []KV
	all := realBlocksFrom(nopTB{}, 0, 600)
	outs := map[wire.OutPoint]chain.Prevout{}
	for _, b := range all {
		for i, tx := range b.Txs {
			for v, o := range tx.TxOut {
				outs[wire.OutPoint{Hash: b.TxHashes[i], Index: uint32(v)}] = chain.Prevout{Value: o.Value, Script: o.PkScript, Resolved: true}
			}
		}
	}
	for _, c := range []struct {
		from int
		res  Resolver
	}{{0, nil}, {100, nil}, {100, noPosResolver(outs)}} {
		db, err := Open("", Options{InMemory: true, Resolver: c.res})
		if err != nil {
			return nil, err
		}
		if _, err := db.Ingest(context.Background(), sliceSeq(all[c.from:]), nil); err != nil {
			return nil, err
		}
		d, err := Dump(db)
		db.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, d...)
	}
	return out, nil
})

// nopTB lets realBlocksFrom run outside a test; it panics on failure.
type nopTB struct{ testing.TB }

func (nopTB) Helper()               {}
func (nopTB) Fatal(args ...any)     { panic(fmt.Sprint(args...)) }
func (nopTB) Fatalf(string, ...any) { panic("realBlocksFrom failed") }

func seeds(tb testing.TB) []KV {
	kvs, err := seedStores()
	if err != nil {
		tb.Fatal(err)
	}
	return kvs
}

// TestCodecsRealStore decodes every entry of the seed stores with its
// table's decoder and re-encodes it: the encoders' output is canonical, so
// the bytes must come back identical.
func TestCodecsRealStore(t *testing.T) {
	counts := map[string]int{}
	for _, e := range seeds(t) {
		k, v := e.Key, e.Value
		var kind string
		var gotK, gotV []byte
		switch k[0] {
		case tMeta:
			continue
		case tBlock:
			h, err := decodeBlockKey(k)
			r, err2 := decodeBlockRecord(v)
			if err != nil || err2 != nil {
				t.Fatalf("block %x: %v %v", k, err, err2)
			}
			kind, gotK, gotV = "block", blockKey(nil, h), encodeBlockRecord(r)
		case tTx:
			node, err := decodeNodeKey(k)
			if err != nil {
				t.Fatal(err)
			}
			gotK = nodeKey(nil, node)
			if _, isOut := chain.NodeOf(node); isOut {
				ip, err := decodeSpend(v)
				if err != nil {
					t.Fatalf("spend %x: %v", k, err)
				}
				kind, gotV = "spend", appendSpend(nil, ip)
			} else {
				r, err := decodeTxRecord(v)
				if err != nil {
					t.Fatalf("record %x: %v", k, err)
				}
				kind, gotV = "record", appendTxRecord(nil, &r.hash, r.raw, r.prevs, r.outIDs)
				for _, p := range r.prevs {
					switch {
					case !p.Resolved:
						kind = "record-unresolved"
					case p.Out.IsZero() && kind == "record":
						kind = "record-no-position"
					}
				}
			}
		case tHash:
			h, id, err := decodeHashKey(k)
			if err != nil || len(v) != 0 {
				t.Fatalf("txid %x=%x: %v", k, v, err)
			}
			kind, gotK, gotV = "txid", hashKey(nil, &h, id), nil
		case tAddr:
			e, err := decodeAddrKey(k)
			if err != nil {
				t.Fatal(err)
			}
			val, prev, err := decodeAddrValue(v)
			if err != nil {
				t.Fatalf("address %x=%x: %v", k, v, err)
			}
			kind, gotK, gotV = fmt.Sprintf("address-%d-%v", e.dir, prev.IsZero()), addrKey(nil, e.addr, e.tx, e.dir, e.index), appendAddrValue(nil, val, prev)
		case tName:
			a, err := decodeNameKey(k)
			if err != nil || len(v) != 8 {
				t.Fatalf("name %x=%x: %v", k, v, err)
			}
			kind, gotK, gotV = "name", nameKey(nil, a), appendU64(nil, binary.BigEndian.Uint64(v))
		case tID:
			id, err := decodeIDKey(k)
			a, first, err2 := decodeIDValue(v)
			if err != nil || err2 != nil {
				t.Fatalf("address ID %x=%x: %v %v", k, v, err, err2)
			}
			kind, gotK, gotV = fmt.Sprintf("id-%v", first.IsZero()), idKey(nil, id), appendIDValue(nil, a, first)
		case tJoin:
			h, err := decodeJoinKey(k)
			groups, err2 := groupsOf(v)
			if err != nil || err2 != nil {
				t.Fatalf("join %x=%x: %v %v", k, v, err, err2)
			}
			kind, gotK, gotV = "join", joinKey(nil, h), appendGroups(nil, groups)
		case tPending:
			id, vin, err := decodePendingKey(k)
			op, err2 := decodePending(v)
			if err != nil || err2 != nil {
				t.Fatalf("pending %x=%x: %v %v", k, v, err, err2)
			}
			kind, gotK, gotV = "pending", pendingKey(nil, id, vin), appendPending(nil, op)
		default:
			t.Fatalf("key %x in no table", k)
		}
		if !bytes.Equal(gotK, k) || !bytes.Equal(gotV, v) {
			t.Fatalf("%s %x=%x re-encodes as %x=%x", kind, k, v, gotK, gotV)
		}
		counts[kind]++
	}
	for _, kind := range []string{"block", "spend", "record", "record-unresolved", "record-no-position", "txid",
		"address-0-false", "address-0-true", "address-1-true", "pending", "name", "id-false", "id-true", "join"} {
		if counts[kind] == 0 {
			t.Errorf("the seed stores hold no %s entry: %v", kind, counts)
		}
	}
}

// encodeBlockRecord re-encodes a decoded block record through
// appendBlockRecord; nil if its transaction count is too large to fake.
func encodeBlockRecord(r blockRecord) []byte {
	if r.ntx > 1<<16 {
		return nil
	}
	var hdr bytes.Buffer
	if err := r.header.Serialize(&hdr); err != nil {
		return nil
	}
	return appendBlockRecord(nil, &chain.Block{Hash: r.hash, Raw: hdr.Bytes(), Txs: make([]*wire.MsgTx, r.ntx)}, r.firstID)
}

// FuzzKeyCodecs feeds arbitrary bytes to every key and value decoder. None
// may panic. What a fixed-width decoder accepts must re-encode to the same
// bytes; what the variable-length ones (records, address values) accept
// must re-encode to bytes that decode to the same values. Seeds are every
// key and value of real stores.
func FuzzKeyCodecs(f *testing.F) {
	seen := map[string]bool{}
	for _, e := range seeds(f) {
		for _, b := range [][]byte{e.Key, e.Value} {
			if !seen[string(b)] {
				seen[string(b)] = true
				f.Add(b)
			}
		}
	}
	f.Add([]byte{})
	f.Add([]byte{tTx})
	f.Fuzz(func(t *testing.T, b []byte) {
		same := func(what string, got []byte) {
			if !bytes.Equal(got, b) {
				t.Fatalf("%s %x re-encodes as %x", what, b, got)
			}
		}
		if node, err := decodeNodeKey(b); err == nil {
			same("node key", nodeKey(nil, node))
		}
		if h, id, err := decodeHashKey(b); err == nil {
			same("txid key", hashKey(nil, &h, id))
		}
		if e, err := decodeAddrKey(b); err == nil {
			same("address key", addrKey(nil, e.addr, e.tx, e.dir, e.index))
		}
		if id, vin, err := decodePendingKey(b); err == nil {
			same("unresolved key", pendingKey(nil, id, vin))
		}
		if h, err := decodeBlockKey(b); err == nil {
			same("block key", blockKey(nil, h))
		}
		if a, err := decodeNameKey(b); err == nil {
			same("name key", nameKey(nil, a))
		}
		if id, err := decodeIDKey(b); err == nil {
			same("address ID key", idKey(nil, id))
		}
		if a, first, err := decodeIDValue(b); err == nil {
			same("address ID value", appendIDValue(nil, a, first))
		}
		if h, err := decodeJoinKey(b); err == nil {
			same("join key", joinKey(nil, h))
		}
		if g, err := groupsOf(b); err == nil {
			same("join groups", appendGroups(nil, g))
		}
		if ip, err := decodeSpend(b); err == nil {
			same("spend", appendSpend(nil, ip))
		}
		if op, err := decodePending(b); err == nil {
			same("unresolved input", appendPending(nil, op))
		}
		if r, err := decodeBlockRecord(b); err == nil {
			if enc := encodeBlockRecord(r); enc != nil {
				same("block record", enc)
			}
		}
		if val, prev, err := decodeAddrValue(b); err == nil {
			enc := appendAddrValue(nil, val, prev)
			val2, prev2, err := decodeAddrValue(enc)
			if err != nil || val2 != val || prev2 != prev {
				t.Fatalf("address value %x = %d %v re-encodes as %x = %d %v, %v", b, val, prev, enc, val2, prev2, err)
			}
		}
		if r, err := decodeTxRecord(b); err == nil {
			enc := appendTxRecord(nil, &r.hash, r.raw, r.prevs, r.outIDs)
			r2, err := decodeTxRecord(enc)
			if err != nil {
				t.Fatalf("record %x re-encodes as %x, which does not decode: %v", b, enc, err)
			}
			if err := sameRecord(r2, r); err != nil {
				t.Fatalf("record %x re-encodes as %x: %v", b, enc, err)
			}
		}
	})
}

func sameRecord(got, want *txRecord) error {
	if got.hash != want.hash || !bytes.Equal(got.raw, want.raw) || got.msg.TxHash() != want.msg.TxHash() || len(got.prevs) != len(want.prevs) {
		return fmt.Errorf("got %v, %d prevs; want %v, %d", got.hash, len(got.prevs), want.hash, len(want.prevs))
	}
	for i, w := range want.prevs {
		if !w.Resolved {
			w = chain.Prevout{} // nothing of an unresolved input is stored
		}
		g := got.prevs[i]
		if g.Resolved != w.Resolved || g.Out != w.Out || g.Value != w.Value || !bytes.Equal(g.Script, w.Script) || g.Resolved && g.Addr != chain.AddressOf(g.Script) || !g.Resolved && !g.Addr.IsZero() {
			return fmt.Errorf("input %d: got %+v, want %+v", i, g, w)
		}
	}
	if !slices.Equal(got.outIDs, want.outIDs) {
		return fmt.Errorf("output address IDs %v, want %v", got.outIDs, want.outIDs)
	}
	return nil
}

// FuzzCodecsRoundTrip encodes keys and values from arbitrary positions,
// amounts, addresses and scripts, and decodes them back to the same values.
func FuzzCodecsRoundTrip(f *testing.F) {
	f.Add(uint32(170), uint32(1), uint32(1), uint32(0), uint8(1), []byte("hash160 of a key.."), uint64(40e8), []byte{0x76, 0xa9}, true, true)
	f.Add(uint32(0), uint32(0), uint32(0), uint32(0), uint8(0), []byte{}, uint64(0), []byte{}, false, false)
	f.Add(uint32(1<<26-1), uint32(1<<20-1), uint32(1<<17-2), uint32(1<<32-1), uint8(8), bytes.Repeat([]byte{0xff}, 32), uint64(1<<63-1), bytes.Repeat([]byte{0x6a}, 80), true, false)
	f.Fuzz(func(t *testing.T, height, pos, vout, vin uint32, kind uint8, hash []byte, value uint64, script []byte, resolved, hasPos bool) {
		id := chain.MakeTxID(int32(height%chain.MaxHeight), int(pos%chain.MaxTxsPerBlock))
		out := id.Out(vout % chain.MaxOutputs)
		val := int64(value >> 1)
		var h chainhash.Hash
		copy(h[:], hash)
		k := chain.Kind(kind%8) + 1
		addr, _, err := chain.AddressFromKey(append([]byte{byte(k)}, append(h[:], h[:]...)...))
		if err != nil {
			t.Fatal(err)
		}
		check := func(what string, ok bool, err error) {
			if err != nil || !ok {
				t.Fatalf("%s does not round-trip (%v): id %v out %v vin %d addr %v", what, err, id, out, vin, addr)
			}
		}
		n, err := decodeNodeKey(nodeKey(nil, id.Node()))
		check("tx node key", n == id.Node(), err)
		n, err = decodeNodeKey(nodeKey(nil, out.Node()))
		o, isOut := chain.NodeOf(n)
		check("output node key", isOut && o == out, err)
		h2, id2, err := decodeHashKey(hashKey(nil, &h, id))
		check("txid key", h2 == h && id2 == id, err)
		e, err := decodeAddrKey(addrKey(nil, addr, id, byte(vin%2), vin))
		check("address key", e.addr == addr && e.tx == id && e.dir == byte(vin%2) && e.index == vin, err)
		id2, vin2, err := decodePendingKey(pendingKey(nil, id, vin))
		check("unresolved key", id2 == id && vin2 == vin, err)
		bh, err := decodeBlockKey(blockKey(nil, id.Height()))
		check("block key", bh == id.Height(), err)
		ip, err := decodeSpend(appendSpend(nil, chain.InPoint{Tx: id, Vin: vin}))
		check("spend", ip == chain.InPoint{Tx: id, Vin: vin}, err)
		op, err := decodePending(appendPending(nil, wire.OutPoint{Hash: h, Index: vin}))
		check("unresolved input", op == wire.OutPoint{Hash: h, Index: vin}, err)
		v2, prev2, err := decodeAddrValue(appendAddrValue(nil, val, out))
		check("address value", v2 == val && prev2 == out, err)

		// A record of a two-input transaction whose first input is as
		// fuzzed and whose second is resolved with a position.
		tx := wire.NewMsgTx(2)
		tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: h, Index: vin}, script, nil))
		tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: h, Index: vout}, nil, nil))
		tx.AddTxOut(wire.NewTxOut(val, script))
		var raw bytes.Buffer
		if err := tx.Serialize(&raw); err != nil {
			t.Fatal(err)
		}
		p := chain.Prevout{Value: val, Script: script, Resolved: resolved}
		if hasPos {
			p.Out = out
		}
		prevs := []chain.Prevout{p, {Out: chain.MakeTxID(1, 0).Out(vout % chain.MaxOutputs), Value: 1, Script: h[:], Resolved: true}}
		txh := tx.TxHash()
		outIDs := []AddrID{AddrID(vout)}
		r, err := decodeTxRecord(appendTxRecord(nil, &txh, raw.Bytes(), prevs, outIDs))
		if err == nil {
			err = sameRecord(r, &txRecord{hash: txh, raw: raw.Bytes(), msg: tx, prevs: prevs, outIDs: outIDs})
		}
		check("transaction record", true, err)

		hdr := wire.BlockHeader{Version: int32(vin), PrevBlock: h, Nonce: vout, Bits: pos}
		var hb bytes.Buffer
		hdr.Serialize(&hb)
		blk := &chain.Block{Hash: h, Raw: hb.Bytes(), Txs: make([]*wire.MsgTx, kind)}
		br, err := decodeBlockRecord(appendBlockRecord(nil, blk, AddrID(pos)))
		check("block record", br.hash == h && br.header.BlockHash() == hdr.BlockHash() && br.ntx == uint32(kind), err)
	})
}

// groupsOf decodes the groups of a join entry.
func groupsOf(v []byte) ([][]AddrID, error) {
	var gs [][]AddrID
	err := decodeGroups(v, nil, func(g []uint32) {
		ids := make([]AddrID, len(g))
		for i, id := range g {
			ids[i] = AddrID(id)
		}
		gs = append(gs, ids)
	})
	return gs, err
}
