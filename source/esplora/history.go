package esplora

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"iter"
	"slices"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// History streams the appearances of addr in confirmed transactions, in
// chain order: each output that paid it, and each input that spent such
// an output, a spend before a receipt of the same transaction.
//
// Esplora lists a history newest first, 25 transactions a page, so History
// reads every page before it yields the first appearance: it holds the
// address's appearances in memory (about 100 bytes each), not its
// transactions. Each page is one request, plus one past the end (an empty
// page ends a history, whatever the server's page size); placing the
// transactions costs a txid list per block not yet cached, and a spend of
// an output the history does not itself hold costs a status request.
//
// The address is asked for by scripthash (the SHA-256 of its script),
// which every kind of plume Address has, bare multisig and nonstandard
// scripts included. A P2PKH address also stands for the pay-to-pubkey
// outputs of its key, which Esplora indexes under their own script: their
// history is read too for every key in Options.PubKeys and every key the
// address's own spends reveal in their signature scripts.
func (c *Client) History(ctx context.Context, addr chain.Address) iter.Seq2[chain.Appearance, error] {
	return func(yield func(chain.Appearance, error) bool) {
		apps, err := c.history(ctx, addr)
		if err != nil {
			yield(chain.Appearance{}, err)
			return
		}
		for _, a := range apps {
			if !yield(a, nil) {
				return
			}
		}
	}
}

// historyScan is the state of one History.
type historyScan struct {
	c       *Client
	addr    chain.Address
	scripts [][32]byte                 // scripthashes to read, growing as keys are revealed
	seen    map[chainhash.Hash]bool    // transactions already read
	ids     map[chainhash.Hash]located // where they are
	apps    []chain.Appearance         // found so far
	spends  map[int]wire.OutPoint      // apps index of a spend -> the outpoint it spends
	keys    map[[20]byte]bool          // keys whose P2PK history is queued
}

func (c *Client) history(ctx context.Context, addr chain.Address) ([]chain.Appearance, error) {
	h := &historyScan{c: c, addr: addr, seen: map[chainhash.Hash]bool{}, ids: map[chainhash.Hash]located{},
		spends: map[int]wire.OutPoint{}, keys: map[[20]byte]bool{}}
	switch addr.Kind {
	case chain.KindNone:
		return nil, nil
	case chain.KindMultisig, chain.KindOpReturn, chain.KindNonstandard:
		h.scripts = append(h.scripts, addr.Hash) // the hash is the script's SHA-256
	default:
		h.scripts = append(h.scripts, sha256.Sum256(addr.Script()))
	}
	if addr.Kind == chain.KindP2PKH {
		if k, ok := c.keys[[20]byte(addr.Bytes())]; ok {
			h.addKey(k)
		}
	}
	for i := 0; i < len(h.scripts); i++ {
		if err := h.read(ctx, h.scripts[i]); err != nil {
			return nil, err
		}
	}
	for i, op := range h.spends {
		l, ok := h.ids[op.Hash]
		if !ok {
			var err error
			if l, err = c.locate(ctx, op.Hash); err != nil {
				return nil, err
			}
		}
		h.apps[i].Prev = l.id.Out(op.Index)
	}
	slices.SortFunc(h.apps, func(a, b chain.Appearance) int {
		if a.Tx != b.Tx {
			return cmp.Compare(a.Tx, b.Tx)
		}
		if a.Spend != b.Spend {
			if a.Spend {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Index, b.Index)
	})
	return h.apps, nil
}

// addKey queues the history of the pay-to-pubkey script of key.
func (h *historyScan) addKey(key []byte) {
	k := [20]byte(btcutil.Hash160(key))
	if h.keys[k] {
		return
	}
	h.keys[k] = true
	script := append(append([]byte{byte(len(key))}, key...), txscript.OP_CHECKSIG)
	h.scripts = append(h.scripts, sha256.Sum256(script))
}

// read pages through the confirmed history of one scripthash.
func (h *historyScan) read(ctx context.Context, sh [32]byte) error {
	base := "/scripthash/" + hex.EncodeToString(sh[:]) + "/txs/chain"
	inPages := map[chainhash.Hash]bool{}
	last := ""
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		path := base
		if last != "" {
			path += "/" + last
		}
		var page []txJSON
		if err := h.c.getJSON(ctx, path, &page); err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		fresh := false
		for k := range page {
			t := &page[k]
			txid, err := parseHash(t.Txid)
			if err != nil {
				return h.c.bad(path, "%v", err)
			}
			if inPages[txid] {
				continue
			}
			inPages[txid], fresh = true, true
			if err := h.add(ctx, path, txid, t); err != nil {
				return err
			}
		}
		if !fresh {
			// A server that ignored last_seen_txid would page forever.
			return h.c.bad(path, "the page after %s repeats transactions already listed", last)
		}
		last = page[len(page)-1].Txid
	}
}

// add records the appearances of addr in one transaction of a page.
func (h *historyScan) add(ctx context.Context, path string, txid chainhash.Hash, t *txJSON) error {
	if h.seen[txid] {
		return nil // in the history of another of the address's scripts
	}
	h.seen[txid] = true
	conf, ok, err := t.Status.confirmed()
	if err != nil {
		return h.c.bad(path, "transaction %v: %v", txid, err)
	}
	if !ok {
		return nil // no chain position yet; the chain pages hold none
	}
	l, err := h.c.place(ctx, txid, conf.height, conf.block)
	if err != nil {
		return err
	}
	h.ids[txid] = l
	for i := range t.Vout {
		out, err := t.Vout[i].output()
		if err != nil {
			return h.c.bad(path, "transaction %v vout %d: %v", txid, i, err)
		}
		if chain.AddressOf(out.PkScript) == h.addr {
			h.apps = append(h.apps, chain.Appearance{Tx: l.id, Index: uint32(i), Value: out.Value, Time: l.time})
		}
	}
	for i := range t.Vin {
		in := &t.Vin[i]
		if in.Prevout == nil {
			continue
		}
		out, err := in.Prevout.output()
		if err != nil {
			return h.c.bad(path, "transaction %v vin %d: %v", txid, i, err)
		}
		if chain.AddressOf(out.PkScript) != h.addr {
			continue
		}
		prev, err := parseHash(in.Txid)
		if err != nil {
			return h.c.bad(path, "transaction %v vin %d: %v", txid, i, err)
		}
		h.spends[len(h.apps)] = wire.OutPoint{Hash: prev, Index: in.Vout}
		h.apps = append(h.apps, chain.Appearance{Tx: l.id, Index: uint32(i), Spend: true, Value: out.Value, Time: l.time})
		if h.addr.Kind == chain.KindP2PKH && len(out.PkScript) == 25 {
			h.reveal(in.Scriptsig)
		}
	}
	return nil
}

// reveal queues the P2PK history of the key a P2PKH spend pushes last
// in its signature script, if it is the address's key.
func (h *historyScan) reveal(scriptsig string) {
	sig, err := hex.DecodeString(scriptsig)
	if err != nil {
		return
	}
	pushes, err := txscript.PushedData(sig)
	if err != nil || len(pushes) == 0 {
		return
	}
	key := pushes[len(pushes)-1]
	if isPubKey(key) && [20]byte(btcutil.Hash160(key)) == [20]byte(h.addr.Bytes()) {
		h.addKey(key)
	}
}
