package esplora

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// Client answers trace's Source interface from an Esplora server. It is
// safe for concurrent use.
type Client struct {
	opts       Options
	base       string // Options.URL without credentials
	user, pass string
	http       *http.Client
	closer     func() // releases the client's own idle connections
	limit      *limiter
	keys       map[[20]byte][]byte // Options.PubKeys by hash160

	netMu sync.Mutex
	netOK bool

	heights *lru[int32, chainhash.Hash]
	blocks  *lru[chainhash.Hash, *blockInfo]
	places  *lru[chainhash.Hash, located]
	fetches flight[chainhash.Hash, *blockInfo]
}

// blockInfo is what the client needs of a block to place its
// transactions: its txids in order and its time. Both are facts of the
// block itself, so an entry never goes stale.
type blockInfo struct {
	txids []chainhash.Hash
	time  time.Time
}

// located is where a transaction is: its TxID and its block's time.
type located struct {
	id   chain.TxID
	time time.Time
}

// New returns a client of the Esplora server at opts.URL. It sends
// nothing: the first request of the first call checks the server's
// network (see Check).
func New(opts Options) (*Client, error) {
	o := opts.withDefaults()
	base, user, pass, err := endpoint(o.URL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		opts: o, base: base, user: user, pass: pass, http: o.HTTPClient, limit: newLimiter(o.RateLimit),
		keys:    make(map[[20]byte][]byte),
		heights: newLRU[int32, chainhash.Hash](1 << 16),
		blocks:  newLRU[chainhash.Hash, *blockInfo](o.BlockCache),
		places:  newLRU[chainhash.Hash, located](1 << 18),
	}
	c.closer = func() {}
	if c.http == nil {
		// A trace reads with several goroutines; keep their connections
		// (the default transport keeps two per host).
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 16
		c.http = &http.Client{Transport: tr}
		c.closer = tr.CloseIdleConnections
	}
	for _, k := range o.PubKeys {
		if !isPubKey(k) {
			return nil, fmt.Errorf("esplora: Options.PubKeys: %x is not a public key (33 bytes from 02 or 03, or 65 from 04)", k)
		}
		c.keys[[20]byte(btcutil.Hash160(k))] = slices.Clone(k)
	}
	return c, nil
}

// isPubKey reports whether k has the form of a public key in a
// pay-to-pubkey script (the forms chain.AddressOf maps to P2PKH).
func isPubKey(k []byte) bool {
	switch len(k) {
	case 33:
		return k[0] == 2 || k[0] == 3
	case 65:
		return k[0] == 4 || k[0] == 6 || k[0] == 7
	}
	return false
}

// Close releases idle connections. Calls made after Close still work.
func (c *Client) Close() error {
	c.closer()
	return nil
}

// Params returns the client's network.
func (c *Client) Params() *chain.Params { return c.opts.Params }

// URL returns the server's base URL without credentials.
func (c *Client) URL() string { return c.base }

// Check compares the server's genesis block with Options.Params's and
// fails with ErrWrongNetwork if they differ: a mainnet address asked of a
// testnet server would otherwise just have no history. Every call makes
// the check before its first request until it has passed once.
func (c *Client) Check(ctx context.Context) error {
	c.netMu.Lock()
	defer c.netMu.Unlock()
	if c.netOK {
		return nil
	}
	const path = "/block-height/0"
	body, err := c.fetch(ctx, path)
	if err != nil {
		return err
	}
	h, err := parseHash(string(bytes.TrimSpace(body)))
	if err != nil {
		return c.bad(path, "%v", err)
	}
	if want := c.opts.Params.GenesisHash; h != want {
		return c.fail(path, 1, fmt.Errorf("%w: its genesis block is %v, not %v (%s)", ErrWrongNetwork, h, want, c.opts.Params.Name))
	}
	c.netOK = true
	c.heights.put(0, h, 1)
	return nil
}

// Tip returns the height and hash of the server's best block.
func (c *Client) Tip(ctx context.Context) (int32, chainhash.Hash, error) {
	const path = "/blocks/tip/height"
	body, err := c.get(ctx, path)
	if err != nil {
		return 0, chainhash.Hash{}, err
	}
	h, err := strconv.ParseInt(string(bytes.TrimSpace(body)), 10, 32)
	if err != nil || h < 0 || h >= chain.MaxHeight {
		return 0, chainhash.Hash{}, c.bad(path, "tip height %q", prefix(body))
	}
	hash, err := c.getHash(ctx, fmt.Sprintf("/block-height/%d", h))
	return int32(h), hash, err
}

// blockHash returns the hash of the best chain's block at height.
func (c *Client) blockHash(ctx context.Context, height int32) (chainhash.Hash, error) {
	if h, ok := c.heights.get(height); ok {
		return h, nil
	}
	h, err := c.getHash(ctx, fmt.Sprintf("/block-height/%d", height))
	if err == nil {
		c.heights.put(height, h, 1)
	}
	return h, err
}

// block returns the txids and time of the block hash. The list
// is checked against the block's header (merkle root) and the header
// against the hash, so a position the client computes is the block's own.
func (c *Client) block(ctx context.Context, hash chainhash.Hash) (*blockInfo, error) {
	if b, ok := c.blocks.get(hash); ok {
		return b, nil
	}
	return c.fetches.do(ctx, hash, func() (*blockInfo, error) {
		path := "/block/" + hash.String() + "/txids"
		var ids []string
		if err := c.getJSON(ctx, path, &ids); err != nil {
			return nil, err
		}
		if len(ids) == 0 || len(ids) > chain.MaxTxsPerBlock {
			return nil, c.bad(path, "%d txids", len(ids))
		}
		b := &blockInfo{txids: make([]chainhash.Hash, len(ids))}
		for i, s := range ids {
			var err error
			if b.txids[i], err = parseHash(s); err != nil {
				return nil, c.bad(path, "txid %d: %v", i, err)
			}
		}
		hpath := "/block/" + hash.String() + "/header"
		body, err := c.get(ctx, hpath)
		if err != nil {
			return nil, err
		}
		raw, err := hex.DecodeString(string(bytes.TrimSpace(body)))
		var hdr wire.BlockHeader
		if err != nil || len(raw) != wire.MaxBlockHeaderPayload || hdr.Deserialize(bytes.NewReader(raw)) != nil {
			return nil, c.bad(hpath, "not an 80-byte header in hex")
		}
		if hdr.BlockHash() != hash {
			return nil, c.bad(hpath, "header of block %v", hdr.BlockHash())
		}
		if chain.MerkleRoot(b.txids) != hdr.MerkleRoot {
			return nil, c.bad(path, "the txids do not match the block's merkle root")
		}
		b.time = hdr.Timestamp.UTC()
		c.blocks.put(hash, b, len(b.txids))
		return b, nil
	})
}

// place returns where the transaction txid is, which the server says is
// in block hash at height.
func (c *Client) place(ctx context.Context, txid chainhash.Hash, height int32, hash chainhash.Hash) (l located, err error) {
	if l, ok := c.places.get(txid); ok {
		return l, nil
	}
	if later, ok := c.bip30Later(txid); ok && later.Height() != height {
		// The later copy is the one the node's index, and every later
		// spend, refers to.
		if hash, err = c.blockHash(ctx, later.Height()); err != nil {
			return located{}, err
		}
		height = later.Height()
	}
	b, err := c.block(ctx, hash)
	if err != nil {
		return located{}, err
	}
	i := slices.Index(b.txids, txid)
	if i < 0 {
		return located{}, c.fail("/block/"+hash.String()+"/txids", 1, fmt.Errorf("%w: block %d does not hold transaction %v", ErrChainChanged, height, txid))
	}
	l = located{chain.MakeTxID(height, i), b.time}
	c.places.put(txid, l, 1)
	return l, nil
}

// locate returns where the confirmed transaction txid is, asking the
// server for its status unless the client knows already.
func (c *Client) locate(ctx context.Context, txid chainhash.Hash) (located, error) {
	if l, ok := c.places.get(txid); ok {
		return l, nil
	}
	path := "/tx/" + txid.String() + "/status"
	var st statusJSON
	if err := c.getJSON(ctx, path, &st); err != nil {
		return located{}, err
	}
	conf, ok, err := st.confirmed()
	if err != nil {
		return located{}, c.bad(path, "%v", err)
	}
	if !ok {
		return located{}, c.unconfirmed(ctx, txid)
	}
	return c.place(ctx, txid, conf.height, conf.block)
}

// unconfirmed tells an unconfirmed transaction from one the server does
// not know, which electrs's status does not (both are "not confirmed").
func (c *Client) unconfirmed(ctx context.Context, txid chainhash.Hash) error {
	path := "/tx/" + txid.String() + "/hex"
	if _, err := c.get(ctx, path); err != nil {
		return err // chain.ErrNotFound for an unknown transaction
	}
	return c.fail(path, 1, fmt.Errorf("%w: %w: transaction %v has no chain position yet", chain.ErrNotFound, ErrUnconfirmed, txid))
}

// TxIDs returns the TxID of the transaction with this txid (the two of a
// BIP30 duplicate on mainnet). An unconfirmed transaction has none: the
// error wraps ErrUnconfirmed and chain.ErrNotFound.
func (c *Client) TxIDs(ctx context.Context, hash chainhash.Hash) ([]chain.TxID, error) {
	if ids := c.bip30(hash); ids != nil {
		return slices.Clone(ids), nil
	}
	l, err := c.locate(ctx, hash)
	if err != nil {
		return nil, err
	}
	return []chain.TxID{l.id}, nil
}

// Tx returns the transaction at chain position id, with the outputs its
// inputs spend (and their positions) and, for each output, the input of a
// confirmed transaction that spends it, as the server knows now. A
// position past the end of the chain or of its block gives an error
// wrapping chain.ErrNotFound.
func (c *Client) Tx(ctx context.Context, id chain.TxID) (*chain.Tx, error) {
	if id < 0 || id.Height() >= chain.MaxHeight {
		return nil, fmt.Errorf("esplora: transaction %v: %w", id, chain.ErrNotFound)
	}
	hash, err := c.blockHash(ctx, id.Height())
	if err != nil {
		return nil, err
	}
	b, err := c.block(ctx, hash)
	if err != nil {
		return nil, err
	}
	if id.Pos() >= len(b.txids) {
		return nil, fmt.Errorf("esplora: transaction %v: %w: block %d holds %d transactions", id, chain.ErrNotFound, id.Height(), len(b.txids))
	}
	txid := b.txids[id.Pos()]
	path := "/tx/" + txid.String()
	var j txJSON
	if err := c.getJSON(ctx, path, &j); err != nil {
		return nil, err
	}
	if j.Txid != txid.String() {
		return nil, c.bad(path, "answer for transaction %q", prefix([]byte(j.Txid)))
	}
	conf, ok, err := j.Status.confirmed()
	if err != nil {
		return nil, c.bad(path, "%v", err)
	}
	dup := c.bip30(txid)
	if (!ok || conf.block != hash) && !slices.Contains(dup, id) {
		return nil, c.fail(path, 1, fmt.Errorf("%w: the server places transaction %v in block %v, not in block %d (%v)", ErrChainChanged, txid, conf.block, id.Height(), hash))
	}
	msg, err := c.msgTx(ctx, txid, &j)
	if err != nil {
		return nil, err
	}
	tx := &chain.Tx{ID: id, Hash: txid, Time: b.time, Msg: msg}
	if !chain.IsCoinbase(msg) {
		if len(j.Vin) != len(msg.TxIn) {
			return nil, c.bad(path, "%d vin for %d inputs", len(j.Vin), len(msg.TxIn))
		}
		tx.Prevouts = make([]chain.Prevout, len(msg.TxIn))
		for i, in := range msg.TxIn {
			op := in.PreviousOutPoint
			l, err := c.locate(ctx, op.Hash)
			if err != nil {
				return nil, err
			}
			if tx.Prevouts[i], err = prevout(j.Vin[i].Prevout, l.id.Out(op.Index)); err != nil {
				return nil, c.bad(path, "vin %d prevout: %v", i, err)
			}
		}
	}
	if len(dup) == 2 && dup[0] == id {
		// The later copy overwrote this one's outputs before any was
		// spent: nothing can spend them, and the server's outspends are
		// the later copy's.
		tx.SpentBy = make([]chain.InPoint, len(msg.TxOut))
	} else if tx.SpentBy, err = c.spentBy(ctx, txid, len(msg.TxOut)); err != nil {
		return nil, err
	}
	if dup == nil {
		c.places.put(txid, located{id, b.time}, 1)
	}
	return tx, nil
}

// msgTx returns the transaction j describes, checked against its txid.
// Should the JSON not rebuild it byte for byte (a server that renders
// some field differently), the raw transaction is fetched instead.
func (c *Client) msgTx(ctx context.Context, txid chainhash.Hash, j *txJSON) (*wire.MsgTx, error) {
	if msg, err := j.msgTx(); err == nil && msg.TxHash() == txid {
		return msg, nil
	}
	path := "/tx/" + txid.String() + "/raw"
	raw, err := c.get(ctx, path)
	if err != nil {
		return nil, err
	}
	msg := new(wire.MsgTx)
	if err := msg.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, c.bad(path, "%v", err)
	}
	if msg.TxHash() != txid {
		return nil, c.bad(path, "the transaction's txid is %v", msg.TxHash())
	}
	return msg, nil
}

// spentBy reads the spenders of the n outputs of txid. A spend in the
// mempool is no spend yet: it has no chain position.
func (c *Client) spentBy(ctx context.Context, txid chainhash.Hash, n int) ([]chain.InPoint, error) {
	path := "/tx/" + txid.String() + "/outspends"
	var outs []outspendJSON
	if err := c.getJSON(ctx, path, &outs); err != nil {
		return nil, err
	}
	if len(outs) != n {
		return nil, c.bad(path, "%d outspends for %d outputs", len(outs), n)
	}
	spent := make([]chain.InPoint, n)
	for i, o := range outs {
		if !o.Spent {
			continue
		}
		conf, ok, err := o.Status.confirmed()
		if err != nil || o.Vin == nil {
			return nil, c.bad(path, "output %d: spent without a valid status and vin", i)
		}
		if !ok {
			continue
		}
		by, err := parseHash(o.Txid)
		if err != nil {
			return nil, c.bad(path, "output %d: %v", i, err)
		}
		l, err := c.place(ctx, by, conf.height, conf.block)
		if err != nil {
			return nil, err
		}
		spent[i] = chain.InPoint{Tx: l.id, Vin: *o.Vin}
	}
	return spent, nil
}

// BIP30 let two early mainnet coinbases repeat the txid of an older one
// whose outputs were unspent: a node's index, and so Esplora's, knows only
// the later copy, which every later spend refers to. The client places
// both copies itself.
var bip30Dups = map[chainhash.Hash][]chain.TxID{
	mustHash("d5d27987d2a3dfc724e359870c6644b40e497bdc0589a033220fe15429d88599"): {chain.MakeTxID(91812, 0), chain.MakeTxID(91842, 0)},
	mustHash("e3bf3d07d4b0375638d5f1db5255fe07ba2c4cb067cd81b84ee974b6585fb468"): {chain.MakeTxID(91722, 0), chain.MakeTxID(91880, 0)},
}

func mustHash(s string) chainhash.Hash {
	h, err := parseHash(s)
	if err != nil {
		panic(err)
	}
	return h
}

// bip30 returns the TxIDs of a duplicated mainnet txid, else nil.
func (c *Client) bip30(txid chainhash.Hash) []chain.TxID {
	if c.opts.Params.GenesisHash != chain.Mainnet.GenesisHash {
		return nil
	}
	return bip30Dups[txid]
}

// bip30Later returns the later copy's TxID of a duplicated txid.
func (c *Client) bip30Later(txid chainhash.Hash) (chain.TxID, bool) {
	if ids := c.bip30(txid); ids != nil {
		return ids[len(ids)-1], true
	}
	return 0, false
}
