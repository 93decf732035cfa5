package rpc

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
)

// Client talks to one node. It is safe for concurrent use.
type Client struct {
	opts   Options
	url    string // without credentials: errors show it
	http   *http.Client
	closer func() // releases the client's own connections
	id     atomic.Uint64

	authMu sync.Mutex
	user   string
	pass   string
	// cookie is the cookie file the credentials came from, if any.
	cookie string
	// noCredentials explains, for a 401, why none were sent.
	noCredentials string

	blocks *blockCache // transaction lists for PrevOut positions
}

// Dial connects to the node at opts.URL and checks that it is on
// opts.Params's network by comparing genesis block hashes; a node on
// another one fails with ErrWrongNetwork, naming both. Failing
// credentials give ErrAuth, no answer ErrUnreachable.
func Dial(ctx context.Context, opts Options) (*Client, error) {
	o := opts.withDefaults()
	target, urlUser, urlPass, err := endpoint(o)
	if err != nil {
		return nil, err
	}
	c := &Client{opts: o, url: target, blocks: newBlockCache(o.BlockCache)}
	if o.HTTPClient != nil {
		c.http = o.HTTPClient
		c.closer = func() {}
	} else {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		// Blocks keeps Prefetch calls in flight; keep their connections.
		tr.MaxIdleConnsPerHost = o.Prefetch + 2
		c.http = &http.Client{Transport: tr}
		c.closer = tr.CloseIdleConnections
	}
	hasPassword := o.User != "" || o.Password != "" || urlUser != "" || urlPass != ""
	switch {
	case hasPassword && o.CookieFile != "":
		return nil, errors.New("rpc: set either a user and password or a cookie file, not both")
	case o.User != "" || o.Password != "":
		c.user, c.pass = o.User, o.Password
	case hasPassword:
		c.user, c.pass = urlUser, urlPass
	case o.CookieFile != "":
		if c.user, c.pass, err = readCookie(o.CookieFile); err != nil {
			return nil, err
		}
		c.cookie = o.CookieFile
	default:
		path := defaultCookie(o.Params)
		if path == "" {
			c.noCredentials = "no credentials given"
			break
		}
		if c.user, c.pass, err = readCookie(path); err != nil {
			c.noCredentials = "no credentials given and no cookie at " + path
			break
		}
		c.cookie = path
	}
	genesis, err := c.BlockHash(ctx, 0)
	if err != nil {
		c.Close()
		return nil, err
	}
	if genesis != o.Params.GenesisHash {
		c.Close()
		return nil, c.fail("getblockhash", 1, fmt.Errorf("%w: the node's genesis block is %v (%s), not %v (%s)",
			ErrWrongNetwork, genesis, networkOf(genesis), o.Params.GenesisHash, o.Params.Name))
	}
	return c, nil
}

// networkOf names the known network whose genesis block is h.
func networkOf(h chainhash.Hash) string {
	for _, p := range chain.Networks() {
		if p.GenesisHash == h {
			return p.Name
		}
	}
	return "an unknown network"
}

// Close releases idle connections. Calls made after Close still work.
func (c *Client) Close() error {
	c.closer()
	return nil
}

// URL returns the node's URL without credentials.
func (c *Client) URL() string { return c.url }

// Params returns the node's network.
func (c *Client) Params() *chain.Params { return c.opts.Params }

// Tip returns the height and hash of the node's best block, read together
// (getblockchaininfo), so that they belong to the same block.
func (c *Client) Tip(ctx context.Context) (int32, chainhash.Hash, error) {
	var info struct {
		Blocks        int32  `json:"blocks"`
		BestBlockHash string `json:"bestblockhash"`
	}
	if err := c.call(ctx, "getblockchaininfo", &info); err != nil {
		return 0, chainhash.Hash{}, err
	}
	h, err := parseHash(info.BestBlockHash)
	if err != nil || info.Blocks < 0 {
		return 0, chainhash.Hash{}, c.fail("getblockchaininfo", 1, fmt.Errorf("%w: tip %d %q", ErrBadResponse, info.Blocks, info.BestBlockHash))
	}
	return info.Blocks, h, nil
}

// BlockHash returns the hash of the best chain's block at height. A
// height above the tip gives an error wrapping chain.ErrNotFound.
func (c *Client) BlockHash(ctx context.Context, height int32) (chainhash.Hash, error) {
	if height < 0 || height >= chain.MaxHeight {
		return chainhash.Hash{}, c.fail("getblockhash", 0, fmt.Errorf("height %d out of range", height))
	}
	var s string
	if err := c.call(ctx, "getblockhash", &s, height); err != nil {
		// Core says -8 (invalid parameter); btcd says -1, its code for
		// anything, with "Block number out of range".
		codes := []int{codeInvalidParam}
		if re := rpcError(err); re != nil && strings.Contains(re.Message, "out of range") {
			codes = append(codes, codeMisc)
		}
		return chainhash.Hash{}, absent(err, fmt.Sprintf("no block at height %d", height), codes...)
	}
	h, err := parseHash(s)
	if err != nil {
		return chainhash.Hash{}, c.fail("getblockhash", 1, err)
	}
	return h, nil
}

// Block returns the best chain's block at height, decoded and checked by
// chain.DecodeBlock. Its hash is the one BlockHash gave just before; if
// the chain is reorganised in between, it is that block all the same.
func (c *Client) Block(ctx context.Context, height int32) (*chain.Block, error) {
	hash, err := c.BlockHash(ctx, height)
	if err != nil {
		return nil, err
	}
	return c.block(ctx, hash, height)
}

// BlockByHash returns the block with hash, on the best chain or not
// (nodes keep blocks of abandoned branches), with its height.
func (c *Client) BlockByHash(ctx context.Context, hash chainhash.Hash) (*chain.Block, error) {
	var hdr struct {
		Height int32 `json:"height"`
	}
	if err := c.call(ctx, "getblockheader", &hdr, hash.String(), true); err != nil {
		return nil, absent(err, "no block "+hash.String(), codeInvalidAddress)
	}
	return c.block(ctx, hash, hdr.Height)
}

func (c *Client) block(ctx context.Context, hash chainhash.Hash, height int32) (*chain.Block, error) {
	raw, err := c.callHex(ctx, "getblock", hash.String(), 0)
	if err != nil {
		return nil, absent(err, "no block "+hash.String(), codeInvalidAddress)
	}
	b, err := chain.DecodeBlock(raw, height)
	if err != nil {
		return nil, c.fail("getblock", 1, fmt.Errorf("%w: %w", ErrBadResponse, err))
	}
	if b.Hash != hash {
		return nil, c.fail("getblock", 1, fmt.Errorf("%w: asked for block %v, got %v", ErrBadResponse, hash, b.Hash))
	}
	return b, nil
}

// Blocks yields the best chain's blocks from height from up to the tip,
// in order, rereading the tip when it gets there so that blocks mined
// meanwhile are included. It keeps Options.Prefetch requests in flight.
// Each block is new and the caller's to keep.
//
// Every block yielded extends the one before it. If the node's chain is
// reorganised meanwhile, Blocks yields an error wrapping ErrChainChanged
// and stops; the first block is the caller's to check against what it
// holds. Blocks stops after the first error; breaking out of the loop
// cancels the requests in flight.
func (c *Client) Blocks(ctx context.Context, from int32) iter.Seq2[*chain.Block, error] {
	return func(yield func(*chain.Block, error) bool) {
		if from < 0 {
			yield(nil, c.fail("getblock", 0, fmt.Errorf("height %d out of range", from)))
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel() // ends the fetches still in flight
		tip, _, err := c.Tip(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		type result struct {
			b   *chain.Block
			err error
		}
		var (
			pending  []chan result
			next     = from
			prevHash chainhash.Hash
		)
		for {
			for len(pending) < c.opts.Prefetch && next <= tip {
				ch := make(chan result, 1) // never blocks a fetch whose result is abandoned
				go func(h int32) {
					b, err := c.Block(ctx, h)
					ch <- result{b, err}
				}(next)
				pending = append(pending, ch)
				next++
			}
			if len(pending) == 0 {
				t, _, err := c.Tip(ctx)
				if err != nil {
					yield(nil, err)
					return
				}
				if t < next {
					return
				}
				tip = t
				continue
			}
			r := <-pending[0]
			pending = pending[1:]
			if r.err != nil {
				if e := (*Error)(nil); errors.Is(r.err, chain.ErrNotFound) && errors.As(r.err, &e) {
					// The tip was read above this height: the chain shrank.
					r.err = &Error{Method: e.Method, URL: e.URL, Attempts: e.Attempts,
						Err: fmt.Errorf("%w (the tip was at %d): %w", ErrChainChanged, tip, e.Err)}
				}
				yield(nil, r.err)
				return
			}
			b := r.b
			if b.Height > from && b.Header.PrevBlock != prevHash {
				yield(nil, c.fail("getblock", 1, fmt.Errorf("%w: block %d (%v) does not extend block %d (%v)",
					ErrChainChanged, b.Height, b.Hash, b.Height-1, prevHash)))
				return
			}
			prevHash = b.Hash
			if !yield(b, nil) {
				return
			}
		}
	}
}

// parseHash parses a hash as nodes write it. chainhash.NewHashFromStr
// accepts short strings, padding them; a node's hash must be whole.
func parseHash(s string) (chainhash.Hash, error) {
	var h chainhash.Hash
	if len(s) != 2*chainhash.HashSize {
		return h, fmt.Errorf("%w: %q is not a 32-byte hash", ErrBadResponse, s)
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("%w: %q is not a hash", ErrBadResponse, s)
	}
	slices.Reverse(h[:]) // nodes write hashes byte-reversed
	return h, nil
}

// absent turns err, when the node answered with one of codes (and it is
// not a missing index or a pruned block), into an error that also wraps
// chain.ErrNotFound, saying what is absent.
func absent(err error, what string, codes ...int) error {
	var e *Error
	var re *RPCError
	if !errors.As(err, &e) || !errors.As(err, &re) || !slices.Contains(codes, re.Code) ||
		errors.Is(err, ErrNoTxIndex) || errors.Is(err, ErrPruned) {
		return err
	}
	return &Error{Method: e.Method, URL: e.URL, Attempts: e.Attempts, Err: fmt.Errorf("%w: %s: %w", chain.ErrNotFound, what, re)}
}
