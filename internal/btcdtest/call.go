package btcdtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// RPCError is an error object btcd answered with.
type RPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *RPCError) Error() string { return fmt.Sprintf("btcd error %d: %s", e.Code, e.Message) }

// Call sends a JSON-RPC call and decodes its result into result (nil
// discards it). It is the harness's own minimal client, independent of
// source/rpc, which the tests check against it.
func (n *Node) Call(result any, method string, params ...any) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return n.call(ctx, result, method, params...)
}

func (n *Node) call(ctx context.Context, result any, method string, params ...any) error {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "1.0", "id": n.id.Add(1), "method": method, "params": params})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+n.rpcAddr, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.SetBasicAuth(n.User, n.Pass)
	resp, err := n.http.Do(req)
	if err != nil {
		return fmt.Errorf("btcdtest: %s: %w", method, err)
	}
	defer resp.Body.Close()
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  *RPCError       `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("btcdtest: %s: HTTP %d: %w", method, resp.StatusCode, err)
	}
	if r.Error != nil {
		return fmt.Errorf("btcdtest: %s: %w", method, r.Error)
	}
	if result != nil {
		return json.Unmarshal(r.Result, result)
	}
	return nil
}

// must makes a call and fails the test if it fails.
func (n *Node) must(result any, method string, params ...any) {
	n.t.Helper()
	if err := n.Call(result, method, params...); err != nil {
		n.t.Fatal(err)
	}
}

// Generate mines n blocks and returns their hashes.
func (n *Node) Generate(blocks int) []chainhash.Hash {
	n.t.Helper()
	var ids []string
	n.must(&ids, "generate", blocks)
	hashes := make([]chainhash.Hash, len(ids))
	for i, s := range ids {
		h, err := chainhash.NewHashFromStr(s)
		if err != nil {
			n.t.Fatal(err)
		}
		hashes[i] = *h
	}
	return hashes
}

// Tip returns the height and hash of the node's best block.
func (n *Node) Tip() (int32, chainhash.Hash) {
	n.t.Helper()
	var info struct {
		Blocks        int32  `json:"blocks"`
		BestBlockHash string `json:"bestblockhash"`
	}
	n.must(&info, "getblockchaininfo")
	h, err := chainhash.NewHashFromStr(info.BestBlockHash)
	if err != nil {
		n.t.Fatal(err)
	}
	return info.Blocks, *h
}

// BlockHash returns the hash of the best chain's block at height.
func (n *Node) BlockHash(height int32) chainhash.Hash {
	n.t.Helper()
	var s string
	n.must(&s, "getblockhash", height)
	h, err := chainhash.NewHashFromStr(s)
	if err != nil {
		n.t.Fatal(err)
	}
	return *h
}

// Block returns the block with hash, decoded by btcd's wire package.
func (n *Node) Block(hash chainhash.Hash) *wire.MsgBlock {
	n.t.Helper()
	var s string
	n.must(&s, "getblock", hash.String(), 0)
	var b wire.MsgBlock
	if err := b.Deserialize(hexReader(n.t, s)); err != nil {
		n.t.Fatal(err)
	}
	return &b
}

// Mempool returns the txids in the node's mempool.
func (n *Node) Mempool() []string {
	n.t.Helper()
	var ids []string
	n.must(&ids, "getrawmempool")
	return ids
}
