// Package esploratest serves the Esplora REST API from a slice of blocks,
// so that clients of Esplora (source/esplora, and programs built on it) are
// tested without a network and against known answers.
//
//	srv := httptest.NewServer(esploratest.New(blocks, esploratest.Options{}))
//	c, err := esplora.New(esplora.Options{URL: srv.URL})
//
// The server answers the read-only endpoints of Blockstream's Esplora
// (electrs) with the response shapes of its API documentation: JSON
// transactions with resolved prevouts and a status, outspends, raw and hex
// transactions, block hashes by height, block headers, block txid lists,
// the tip, and address and scripthash histories paged newest first (up to
// 50 mempool transactions, always none here, plus PageSize confirmed ones,
// then /txs/chain/:last_seen_txid pages). It indexes what electrs indexes:
// a history is that of one exact script, so the P2PKH address of a key
// does not list the key's pay-to-pubkey outputs, which only their
// scripthash finds; inside one block, history entries come in electrs's
// order (by kind and txid), not block order. Errors are text/plain with
// electrs's status codes: 404 for an unknown transaction, block or route,
// 400 for a malformed hash, number or address. A transaction the server
// does not know has status {"confirmed": false}, as in electrs.
//
// Options.Fault injects failures (429 with or without Retry-After, 5xx)
// before a request is served; Requests and Paths count what clients asked.
//
// A Server is safe for concurrent use; the blocks must not change after New.
package esploratest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// Options configure a Server. The zero value serves mainnet with Esplora's
// page size.
type Options struct {
	// Params formats scriptpubkey_address and parses /address/ paths. nil
	// means chain.Mainnet.
	Params *chain.Params
	// PageSize is how many confirmed transactions a history page holds.
	// 0 means 25, as in electrs; tests page small histories with less.
	PageSize int
	// Fault, if set, is asked before each request is served, with the
	// request's number (1 for the first the server receives). A non-nil
	// Fault is answered instead of the request.
	Fault func(n int64, r *http.Request) *Fault
}

// Fault is an answer that replaces a request's.
type Fault struct {
	Status int
	// RetryAfter, if set, is sent as the Retry-After header.
	RetryAfter string
	Body       string
}

// Server is an http.Handler answering Esplora's API from fixed blocks.
type Server struct {
	opts   Options
	blocks []*chain.Block // by height - base
	base   int32
	byHash map[chainhash.Hash]int32
	txs    map[chainhash.Hash]place // the later copy of a BIP30 duplicate wins, as in a node
	outs   map[wire.OutPoint]*wire.TxOut
	spends map[wire.OutPoint]spend
	hist   map[[32]byte][]chainhash.Hash // scripthash -> txids, newest first

	requests atomic.Int64
	mu       sync.Mutex
	paths    []string
}

type place struct {
	height int32
	pos    int
}

type spend struct {
	txid chainhash.Hash
	vin  uint32
	at   place
}

// New indexes blocks, which must be consecutive heights of one chain.
func New(blocks []*chain.Block, opts Options) *Server {
	if opts.Params == nil {
		opts.Params = chain.Mainnet
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 25
	}
	s := &Server{opts: opts, blocks: blocks, byHash: map[chainhash.Hash]int32{}, txs: map[chainhash.Hash]place{},
		outs: map[wire.OutPoint]*wire.TxOut{}, spends: map[wire.OutPoint]spend{}}
	if len(blocks) > 0 {
		s.base = blocks[0].Height
	}
	// An electrs history row is (scripthash, height, funding or spending,
	// txid); rows sort in that order and are read back in reverse.
	type row struct {
		height int32
		kind   int
		txid   chainhash.Hash
	}
	rows := map[[32]byte][]row{}
	for _, b := range blocks {
		s.byHash[b.Hash] = b.Height
		for i, tx := range b.Txs {
			txid := b.TxHashes[i]
			at := place{b.Height, i}
			s.txs[txid] = at
			if i > 0 {
				for vin, in := range tx.TxIn {
					prev := s.outs[in.PreviousOutPoint]
					if prev == nil {
						continue // an output from below the first block
					}
					s.spends[in.PreviousOutPoint] = spend{txid, uint32(vin), at}
					sh := sha256.Sum256(prev.PkScript)
					rows[sh] = append(rows[sh], row{b.Height, 1, txid})
				}
			}
			for vout, out := range tx.TxOut {
				s.outs[wire.OutPoint{Hash: txid, Index: uint32(vout)}] = out
				sh := sha256.Sum256(out.PkScript)
				rows[sh] = append(rows[sh], row{b.Height, 0, txid})
			}
		}
	}
	s.hist = make(map[[32]byte][]chainhash.Hash, len(rows))
	for sh, rs := range rows {
		slices.SortFunc(rs, func(a, b row) int {
			if a.height != b.height {
				return int(a.height - b.height)
			}
			if a.kind != b.kind {
				return a.kind - b.kind
			}
			return strings.Compare(a.txid.String(), b.txid.String())
		})
		seen := map[chainhash.Hash]bool{}
		var ids []chainhash.Hash
		for i := len(rs) - 1; i >= 0; i-- {
			if !seen[rs[i].txid] {
				seen[rs[i].txid] = true
				ids = append(ids, rs[i].txid)
			}
		}
		s.hist[sh] = ids
	}
	return s
}

// Requests returns how many requests the server has received, faults
// included.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Paths returns the paths requested so far, in order of arrival.
func (s *Server) Paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.paths)
}

// Reset forgets the requests counted so far.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests.Store(0)
	s.paths = nil
}

// httpError is an answer other than 200.
type httpError struct {
	status int
	msg    string
}

func notFound(msg string) *httpError { return &httpError{http.StatusNotFound, msg} }
func badRequest(msg string) *httpError {
	return &httpError{http.StatusBadRequest, msg}
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	s.mu.Lock()
	s.paths = append(s.paths, r.URL.Path)
	s.mu.Unlock()
	if s.opts.Fault != nil {
		if f := s.opts.Fault(n, r); f != nil {
			if f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(f.Status)
			fmt.Fprint(w, f.Body)
			return
		}
	}
	if r.Method != http.MethodGet {
		writeError(w, &httpError{http.StatusMethodNotAllowed, "Invalid method"})
		return
	}
	body, isJSON, herr := s.route(strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/"))
	if herr != nil {
		writeError(w, herr)
		return
	}
	switch {
	case isJSON:
		w.Header().Set("Content-Type", "application/json")
	case strings.HasSuffix(r.URL.Path, "/raw"):
		w.Header().Set("Content-Type", "application/octet-stream")
	default:
		w.Header().Set("Content-Type", "text/plain")
	}
	w.Write(body)
}

func writeError(w http.ResponseWriter, e *httpError) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(e.status)
	fmt.Fprint(w, e.msg)
}

// route answers the path split at its slashes: the body, whether it is
// JSON, or an error.
func (s *Server) route(p []string) ([]byte, bool, *httpError) {
	at := func(i int) string {
		if i < len(p) {
			return p[i]
		}
		return ""
	}
	text := func(v string) ([]byte, bool, *httpError) { return []byte(v), false, nil }
	js := func(v any, err *httpError) ([]byte, bool, *httpError) {
		if err != nil {
			return nil, false, err
		}
		b, jerr := json.Marshal(v)
		if jerr != nil {
			return nil, false, &httpError{http.StatusInternalServerError, jerr.Error()}
		}
		return b, true, nil
	}
	switch n := len(p); {
	case at(0) == "blocks" && at(1) == "tip" && n == 3 && at(2) == "height":
		return text(strconv.Itoa(int(s.tip())))
	case at(0) == "blocks" && at(1) == "tip" && n == 3 && at(2) == "hash":
		if len(s.blocks) == 0 {
			return nil, false, notFound("Block not found")
		}
		return text(s.blocks[len(s.blocks)-1].Hash.String())
	case at(0) == "block-height" && n == 2:
		h, err := strconv.ParseUint(at(1), 10, 31)
		if err != nil {
			return nil, false, badRequest("Invalid number")
		}
		b := s.block(int32(h))
		if b == nil {
			return nil, false, notFound("Block not found")
		}
		return text(b.Hash.String())
	case at(0) == "block" && n >= 2:
		h, err := parseHash(at(1))
		if err != nil {
			return nil, false, err
		}
		height, ok := s.byHash[h]
		if !ok {
			return nil, false, notFound("Block not found")
		}
		b := s.block(height)
		switch {
		case n == 2:
			return js(s.blockJSON(b), nil)
		case n == 3 && at(2) == "header":
			return text(hex.EncodeToString(b.Raw[:wire.MaxBlockHeaderPayload]))
		case n == 3 && at(2) == "txids":
			ids := make([]string, len(b.TxHashes))
			for i, h := range b.TxHashes {
				ids[i] = h.String()
			}
			return js(ids, nil)
		case n == 3 && at(2) == "raw":
			return b.Raw, false, nil
		case n == 4 && at(2) == "txid":
			i, err := strconv.ParseUint(at(3), 10, 31)
			if err != nil {
				return nil, false, badRequest("Invalid number")
			}
			if int(i) >= len(b.TxHashes) {
				return nil, false, notFound("tx index out of range")
			}
			return text(b.TxHashes[i].String())
		}
	case at(0) == "tx" && n >= 2 && n <= 4:
		h, herr := parseHash(at(1))
		if herr != nil {
			return nil, false, herr
		}
		pl, known := s.txs[h]
		switch {
		case n == 3 && at(2) == "status":
			return js(s.status(pl, known), nil)
		case !known:
			return nil, false, notFound("Transaction not found")
		case n == 2:
			return js(s.txJSON(pl, true), nil)
		case n == 3 && at(2) == "hex":
			return text(hex.EncodeToString(s.block(pl.height).RawTx(pl.pos)))
		case n == 3 && at(2) == "raw":
			return s.block(pl.height).RawTx(pl.pos), false, nil
		case n == 3 && at(2) == "outspends":
			tx := s.block(pl.height).Txs[pl.pos]
			out := make([]outspendJSON, len(tx.TxOut))
			for i := range out {
				out[i] = s.outspend(wire.OutPoint{Hash: h, Index: uint32(i)})
			}
			return js(out, nil)
		case n == 4 && at(2) == "outspend":
			v, err := strconv.ParseUint(at(3), 10, 32)
			if err != nil {
				return nil, false, badRequest("Invalid number")
			}
			return js(s.outspend(wire.OutPoint{Hash: h, Index: uint32(v)}), nil)
		}
	case (at(0) == "address" || at(0) == "scripthash") && n >= 3 && at(2) == "txs":
		sh, herr := s.scripthash(at(0), at(1))
		if herr != nil {
			return nil, false, herr
		}
		switch {
		case n == 3: // up to 50 mempool transactions (none) + the first page
			return js(s.page(sh, ""))
		case n == 4 && at(3) == "mempool":
			return js([]txJSON{}, nil)
		case n == 4 && at(3) == "chain":
			return js(s.page(sh, ""))
		case n == 5 && at(3) == "chain":
			return js(s.page(sh, at(4)))
		}
	}
	return nil, false, notFound(fmt.Sprintf("endpoint does not exist %q", "/"+strings.Join(p, "/")))
}

func parseHash(s string) (chainhash.Hash, *httpError) {
	if len(s) != 2*chainhash.HashSize {
		return chainhash.Hash{}, badRequest("Invalid hex string")
	}
	h, err := chainhash.NewHashFromStr(s)
	if err != nil {
		return chainhash.Hash{}, badRequest("Invalid hex string")
	}
	return *h, nil
}

func (s *Server) tip() int32 { return s.base + int32(len(s.blocks)) - 1 }

func (s *Server) block(height int32) *chain.Block {
	if i := height - s.base; i >= 0 && int(i) < len(s.blocks) {
		return s.blocks[i]
	}
	return nil
}

// scripthash reads an /address/ or /scripthash/ path element. As electrs,
// an address stands for the one script it encodes.
func (s *Server) scripthash(kind, v string) ([32]byte, *httpError) {
	var sh [32]byte
	if kind == "scripthash" {
		if len(v) != 64 {
			return sh, badRequest("Invalid scripthash")
		}
		if _, err := hex.Decode(sh[:], []byte(v)); err != nil {
			return sh, badRequest("Invalid scripthash")
		}
		return sh, nil
	}
	a, err := s.opts.Params.Parse(v)
	if err != nil || strings.Contains(v, ":") && s.opts.Params.CashAddrPrefix == "" {
		return sh, badRequest("invalid address")
	}
	script := a.Script()
	if script == nil {
		return sh, badRequest("invalid address")
	}
	return sha256.Sum256(script), nil
}

// page returns the confirmed history page after lastSeen ("" for the
// first). As in electrs, an unknown lastSeen gives an empty page.
func (s *Server) page(sh [32]byte, lastSeen string) ([]txJSON, *httpError) {
	ids := s.hist[sh]
	if lastSeen != "" {
		// electrs reads a malformed last_seen_txid as none at all.
		if h, err := parseHash(lastSeen); err == nil {
			if i := slices.Index(ids, h); i >= 0 {
				ids = ids[i+1:]
			} else {
				ids = nil
			}
		}
	}
	ids = ids[:min(len(ids), s.opts.PageSize)]
	out := make([]txJSON, len(ids))
	for i, id := range ids {
		out[i] = s.txJSON(s.txs[id], true)
	}
	return out, nil
}
