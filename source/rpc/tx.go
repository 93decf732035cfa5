package rpc

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// RawTx returns the transaction hash from the node's mempool or its
// chain. Confirmed transactions need the node's transaction index
// (Core's -txindex): without one the error wraps ErrNoTxIndex. A
// transaction the node does not know gives an error wrapping
// chain.ErrNotFound.
func (c *Client) RawTx(ctx context.Context, hash chainhash.Hash) (*wire.MsgTx, error) {
	raw, err := c.callHex(ctx, "getrawtransaction", hash.String(), 0)
	if err != nil {
		return nil, absent(err, "no transaction "+hash.String(), codeInvalidAddress)
	}
	return c.decodeTx("getrawtransaction", raw, hash)
}

// MempoolTx returns a transaction of the node's mempool, as listed by
// Mempool. One that has left the mempool gives an error wrapping
// chain.ErrNotFound, unless it was mined and the node has a transaction
// index, which then returns it all the same.
func (c *Client) MempoolTx(ctx context.Context, hash chainhash.Hash) (*wire.MsgTx, error) {
	raw, err := c.callHex(ctx, "getrawtransaction", hash.String(), 0)
	if err != nil {
		// Without an index Core's -5 says "use -txindex": for a mempool
		// lookup that means the transaction left the mempool.
		if re := rpcError(err); re != nil && re.Code == codeInvalidAddress {
			return nil, c.fail("getrawtransaction", 1, fmt.Errorf("%w: %v is not in the mempool: %w", chain.ErrNotFound, hash, re))
		}
		return nil, err
	}
	return c.decodeTx("getrawtransaction", raw, hash)
}

// Mempool returns the txids in the node's mempool, in the node's order.
func (c *Client) Mempool(ctx context.Context) ([]chainhash.Hash, error) {
	var ids []string
	if err := c.call(ctx, "getrawmempool", &ids); err != nil {
		return nil, err
	}
	hashes := make([]chainhash.Hash, len(ids))
	for i, s := range ids {
		h, err := parseHash(s)
		if err != nil {
			return nil, c.fail("getrawmempool", 1, err)
		}
		hashes[i] = h
	}
	return hashes, nil
}

// PrevOut returns the output op, for a store that ingests from above
// genesis (it satisfies store.Resolver): value, script and address from
// the transaction, which needs the node's transaction index (else
// ErrNoTxIndex). A missing transaction or output gives an error wrapping
// chain.ErrNotFound.
//
// Prevout.Out, the output's chain position, is filled for a confirmed
// transaction unless Options.SkipPositions is set. The node tells which
// block holds the transaction but not where in it, so PrevOut asks for
// the block's transaction list (getblock verbosity 1) and keeps the last
// Options.BlockCache lists. That call costs the node about as much as
// reading and hashing the whole block, against reading one transaction
// for the output itself: resolving the inputs of a mainnet block, which
// spend outputs of hundreds of distinct older blocks, is then several
// times slower. SkipPositions trades the positions for that speed; a
// store accepts Out zero.
func (c *Client) PrevOut(ctx context.Context, op wire.OutPoint) (chain.Prevout, error) {
	var v struct {
		Hex       string `json:"hex"`
		BlockHash string `json:"blockhash"`
	}
	if err := c.call(ctx, "getrawtransaction", &v, op.Hash.String(), 1); err != nil {
		return chain.Prevout{}, absent(err, "no transaction "+op.Hash.String(), codeInvalidAddress)
	}
	raw, err := hex.DecodeString(v.Hex)
	if err != nil {
		return chain.Prevout{}, c.fail("getrawtransaction", 1, fmt.Errorf("%w: hex: %v", ErrBadResponse, err))
	}
	tx, err := c.decodeTx("getrawtransaction", raw, op.Hash)
	if err != nil {
		return chain.Prevout{}, err
	}
	if int64(op.Index) >= int64(len(tx.TxOut)) {
		return chain.Prevout{}, c.fail("getrawtransaction", 1, fmt.Errorf("%w: output %v: the transaction has %d outputs", chain.ErrNotFound, op, len(tx.TxOut)))
	}
	out := tx.TxOut[op.Index]
	p := chain.Prevout{Value: out.Value, Script: out.PkScript, Addr: chain.AddressOf(out.PkScript), Resolved: true}
	if c.opts.SkipPositions || v.BlockHash == "" { // unconfirmed
		return p, nil
	}
	block, err := parseHash(v.BlockHash)
	if err != nil {
		return chain.Prevout{}, c.fail("getrawtransaction", 1, err)
	}
	id, err := c.position(ctx, block, op.Hash)
	if err != nil {
		return chain.Prevout{}, err
	}
	p.Out = id.Out(op.Index)
	return p, nil
}

// position returns the TxID of transaction tx in block.
func (c *Client) position(ctx context.Context, block, tx chainhash.Hash) (chain.TxID, error) {
	e, ok := c.blocks.get(block)
	if !ok {
		var v struct {
			Height int32    `json:"height"`
			Tx     []string `json:"tx"`
		}
		if err := c.call(ctx, "getblock", &v, block.String(), 1); err != nil {
			return 0, err
		}
		if v.Height < 0 || v.Height >= chain.MaxHeight || len(v.Tx) == 0 || len(v.Tx) >= chain.MaxTxsPerBlock {
			return 0, c.fail("getblock", 1, fmt.Errorf("%w: block %v at height %d with %d transactions", ErrBadResponse, block, v.Height, len(v.Tx)))
		}
		e = &blockTxs{height: v.Height, txids: make([]chainhash.Hash, len(v.Tx))}
		for i, s := range v.Tx {
			h, err := parseHash(s)
			if err != nil {
				return 0, c.fail("getblock", 1, err)
			}
			e.txids[i] = h
		}
		c.blocks.put(block, e)
	}
	for i, h := range e.txids {
		if h == tx {
			return chain.MakeTxID(e.height, i), nil
		}
	}
	return 0, c.fail("getblock", 1, fmt.Errorf("%w: block %v does not list transaction %v that the node placed in it", ErrBadResponse, block, tx))
}

// decodeTx decodes a serialized transaction and checks that it is the
// one asked for and that its values are possible.
func (c *Client) decodeTx(method string, raw []byte, hash chainhash.Hash) (*wire.MsgTx, error) {
	tx := new(wire.MsgTx)
	r := bytes.NewReader(raw)
	if err := tx.Deserialize(r); err != nil {
		return nil, c.fail(method, 1, fmt.Errorf("%w: transaction %v: %v", ErrBadResponse, hash, err))
	}
	if r.Len() != 0 {
		return nil, c.fail(method, 1, fmt.Errorf("%w: transaction %v: %d bytes after it", ErrBadResponse, hash, r.Len()))
	}
	if got := tx.TxHash(); got != hash {
		return nil, c.fail(method, 1, fmt.Errorf("%w: asked for transaction %v, got %v", ErrBadResponse, hash, got))
	}
	for i, o := range tx.TxOut {
		if o.Value < 0 || o.Value > chain.MaxSatoshi {
			return nil, c.fail(method, 1, fmt.Errorf("%w: transaction %v output %d has value %d", ErrBadResponse, hash, i, o.Value))
		}
	}
	return tx, nil
}
