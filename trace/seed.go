package trace

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
)

// Seed is where a trace starts: every output an address received (within
// an optional time window), every output of a transaction, or one output.
type Seed struct {
	kind seedKind
	addr chain.Address
	hash chainhash.Hash
	vout uint32
	// From and To, when set, limit an address seed to outputs received in
	// blocks timed within [From, To].
	From, To time.Time
	// Amount, when positive, is how much of the seed's outputs is stolen
	// (a theft that landed on an address that also held other coins): the
	// outputs are tainted in chain order until Amount is covered, the last
	// one in part. Zero taints them whole. Follow ignores it; taint uses it.
	Amount int64
	text   string
}

type seedKind uint8

const (
	seedAddr seedKind = iota + 1
	seedTx
	seedOut
)

// AddressSeed seeds with every output addr received.
func AddressSeed(addr chain.Address) Seed { return Seed{kind: seedAddr, addr: addr} }

// TxSeed seeds with every output of the transaction with this txid.
func TxSeed(hash chainhash.Hash) Seed { return Seed{kind: seedTx, hash: hash} }

// OutSeed seeds with output vout of the transaction with this txid.
func OutSeed(hash chainhash.Hash, vout uint32) Seed {
	return Seed{kind: seedOut, hash: hash, vout: vout}
}

// ErrBadSeed is wrapped by ParseSeed's errors.
var ErrBadSeed = errors.New("bad seed")

// ParseSeed reads a seed as people write them: an address of network p, a
// txid (64 hex digits), or txid:vout.
func ParseSeed(p *chain.Params, s string) (Seed, error) {
	s = strings.TrimSpace(s)
	hashPart, voutPart, hasVout := strings.Cut(s, ":")
	if len(hashPart) == 64 && isHex(hashPart) {
		h, err := chainhash.NewHashFromStr(hashPart)
		if err != nil {
			return Seed{}, fmt.Errorf("trace: seed %q: %w: %v", s, ErrBadSeed, err)
		}
		if !hasVout {
			return Seed{kind: seedTx, hash: *h, text: s}, nil
		}
		v, err := strconv.ParseUint(voutPart, 10, 32)
		if err != nil || v >= chain.MaxOutputs {
			return Seed{}, fmt.Errorf("trace: seed %q: %w: output index %q is not a number below %d", s, ErrBadSeed, voutPart, chain.MaxOutputs)
		}
		return Seed{kind: seedOut, hash: *h, vout: uint32(v), text: s}, nil
	}
	a, err := p.Parse(s)
	if err != nil {
		return Seed{}, fmt.Errorf("trace: seed %q is not a txid, txid:vout or address: %w", s, err)
	}
	return Seed{kind: seedAddr, addr: a, text: s}, nil
}

func isHex(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// String returns the seed as it was parsed, or a canonical form.
func (s Seed) String() string {
	if s.text != "" {
		return s.text
	}
	switch s.kind {
	case seedAddr:
		return s.addr.String()
	case seedTx:
		return s.hash.String()
	case seedOut:
		return fmt.Sprintf("%v:%d", s.hash, s.vout)
	}
	return "invalid seed"
}

// resolveSeeds turns seeds into the set of outputs they stand for, in chain
// order without duplicates.
func resolveSeeds(ctx context.Context, src Source, seeds []Seed) ([]chain.OutPoint, error) {
	var outs []chain.OutPoint
	for _, s := range seeds {
		switch s.kind {
		case seedAddr:
			for a, err := range src.History(ctx, s.addr) {
				if err != nil {
					return nil, fmt.Errorf("trace: seed %v: %w", s, err)
				}
				if a.Spend || (!s.From.IsZero() && a.Time.Before(s.From)) || (!s.To.IsZero() && a.Time.After(s.To)) {
					continue
				}
				outs = append(outs, a.Tx.Out(a.Index))
			}
		case seedTx, seedOut:
			ids, err := src.TxIDs(ctx, s.hash)
			if err != nil {
				return nil, fmt.Errorf("trace: seed %v: %w", s, err)
			}
			id := ids[len(ids)-1]
			tx, err := src.Tx(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("trace: seed %v: %w", s, err)
			}
			if s.kind == seedOut {
				if int(s.vout) >= len(tx.Msg.TxOut) {
					return nil, fmt.Errorf("trace: seed %v: %w: the transaction has %d outputs", s, chain.ErrNotFound, len(tx.Msg.TxOut))
				}
				outs = append(outs, id.Out(s.vout))
				continue
			}
			for v := range tx.Msg.TxOut {
				outs = append(outs, id.Out(uint32(v)))
			}
		default:
			return nil, fmt.Errorf("trace: %w: zero Seed", ErrBadSeed)
		}
	}
	slices.SortFunc(outs, func(a, b chain.OutPoint) int { return cmp.Compare(a.Node(), b.Node()) })
	return slices.Compact(outs), nil
}
