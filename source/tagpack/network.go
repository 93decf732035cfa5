package tagpack

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
)

// networkParams returns the plume network a tag's network field names, or
// nil for a chain plume does not follow. GraphSense names chains by ticker,
// and its "BTC" is Bitcoin's main network; plume's own network names
// (chain.Params.Name: "testnet4", "regtest", ...) name the others, so that
// packs for test networks can be written too. Case is ignored.
func networkParams(network string) *chain.Params {
	if strings.EqualFold(network, "BTC") {
		return chain.Mainnet
	}
	for _, p := range chain.Networks() {
		if strings.EqualFold(p.Name, network) {
			return p
		}
	}
	return nil
}

// subject checks that f names exactly one address or transaction and, for
// a network plume follows, parses it.
func (p *parser) subject(f *fields) {
	hasAddr, hasTx := f.set.has(fAddress), f.set.has(fTxHash)
	switch {
	case hasAddr && hasTx:
		p.errs.add(f.Index, f.lines[fTxHash], "tx_hash", fmt.Errorf("%w: a tag is about an address or a transaction, not both", ErrBadValue))
		return
	case !hasAddr && !hasTx:
		p.errs.add(f.Index, f.Line, "address", fmt.Errorf("%w: address or tx_hash", ErrMissingField))
		return
	case f.bad.has(fAddress) || f.bad.has(fTxHash) || !f.set.has(fNetwork) || f.bad.has(fNetwork):
		return // reported already
	}
	params := networkParams(f.Network)
	if params == nil {
		return
	}
	if hasAddr {
		a, err := params.Parse(f.AddressText)
		if err != nil {
			// Wrap both, so that callers can ask errors.Is(err,
			// ErrBadAddress) and errors.Is(err, chain.ErrWrongNetwork).
			p.errs.add(f.Index, f.lines[fAddress], "address", fmt.Errorf("%w: %w", ErrBadAddress, err))
			return
		}
		f.Params, f.Address = params, a
		return
	}
	h, err := parseTxHash(f.TxHashText)
	if err != nil {
		p.errs.add(f.Index, f.lines[fTxHash], "tx_hash", err)
		return
	}
	f.Params, f.TxHash = params, h
}

// parseTxHash reads a transaction hash in the byte order explorers show.
// chainhash.NewHashFromStr alone would take a short string and pad it.
func parseTxHash(s string) (chainhash.Hash, error) {
	if _, err := hex.DecodeString(s); err != nil || len(s) != 2*chainhash.HashSize {
		return chainhash.Hash{}, fmt.Errorf("%w: transaction hash %q is not %d hex digits", ErrBadAddress, clip(s), 2*chainhash.HashSize)
	}
	h, err := chainhash.NewHashFromStr(s)
	if err != nil {
		return chainhash.Hash{}, fmt.Errorf("%w: transaction hash %q: %v", ErrBadAddress, clip(s), err)
	}
	return *h, nil
}

// dupKey identifies a tag within a file as GraphSense does: the same
// address (or transaction) on the same network with the same label and
// source, compared without case. A parsed address is compared as parsed,
// so two spellings of one address (bech32 in upper and lower case) match.
type dupKey struct {
	network, subject, label, source string
}

type tagRef struct{ index, line int }

// unique reports f if it repeats an earlier tag in dups, and records it
// otherwise.
func (p *parser) unique(dups map[dupKey]tagRef, f *fields) bool {
	k := dupKey{label: strings.ToLower(f.Label), source: strings.ToLower(f.Source)}
	field := "address"
	switch {
	case f.Params != nil && f.IsTx():
		k.network, k.subject, field = f.Params.Name, "tx:"+f.TxHash.String(), "tx_hash"
	case f.Params != nil:
		k.network, k.subject = f.Params.Name, f.Address.String()
	case f.IsTx():
		k.network, k.subject, field = strings.ToLower(f.Network), "tx:"+strings.ToLower(f.TxHashText), "tx_hash"
	default:
		k.network, k.subject = strings.ToLower(f.Network), strings.ToLower(f.AddressText)
	}
	if first, ok := dups[k]; ok {
		p.errs.add(f.Index, f.Line, field, fmt.Errorf("%w: repeats tag %d (line %d)", ErrDuplicate, first.index, first.line))
		return false
	}
	dups[k] = tagRef{f.Index, f.Line}
	return true
}
