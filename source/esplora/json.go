package esplora

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// The fields of Esplora's "Transaction format" that the client reads;
// encoding/json ignores the rest (asm, types, addresses, sizes, fee).

type txJSON struct {
	Txid     string      `json:"txid"`
	Version  int64       `json:"version"` // electrs writes the uint32 form
	Locktime uint32      `json:"locktime"`
	Vin      []vinJSON   `json:"vin"`
	Vout     []voutJSON  `json:"vout"`
	Status   *statusJSON `json:"status"`
}

type vinJSON struct {
	Txid      string    `json:"txid"`
	Vout      uint32    `json:"vout"`
	Prevout   *voutJSON `json:"prevout"`
	Scriptsig string    `json:"scriptsig"`
	Witness   []string  `json:"witness"`
	Sequence  uint32    `json:"sequence"`
}

type voutJSON struct {
	Scriptpubkey string `json:"scriptpubkey"`
	Value        int64  `json:"value"`
}

type statusJSON struct {
	Confirmed   bool   `json:"confirmed"`
	BlockHeight *int64 `json:"block_height"`
	BlockHash   string `json:"block_hash"`
	BlockTime   *int64 `json:"block_time"`
}

type outspendJSON struct {
	Spent  bool        `json:"spent"`
	Txid   string      `json:"txid"`
	Vin    *uint32     `json:"vin"`
	Status *statusJSON `json:"status"`
}

// confirmation is where a status says a transaction is.
type confirmation struct {
	height int32
	block  chainhash.Hash
	time   time.Time // zero when the server gave none
}

// confirmed reads a status; ok is false for an unconfirmed (or, in
// electrs, unknown) transaction.
func (s *statusJSON) confirmed() (c confirmation, ok bool, err error) {
	if s == nil || !s.Confirmed {
		return c, false, nil
	}
	if s.BlockHeight == nil || *s.BlockHeight < 0 || *s.BlockHeight >= chain.MaxHeight {
		return c, false, errors.New("confirmed status without a valid block_height")
	}
	c.height = int32(*s.BlockHeight)
	if c.block, err = parseHash(s.BlockHash); err != nil {
		return c, false, fmt.Errorf("status block_hash: %w", err)
	}
	if s.BlockTime != nil {
		c.time = time.Unix(*s.BlockTime, 0).UTC()
	}
	return c, true, nil
}

// parseHash reads a hash in its usual (byte-reversed) hex form. Unlike
// chainhash.NewHashFromStr it takes exactly 64 digits: a short string is
// a bad answer, not a hash with leading zeros.
func parseHash(s string) (chainhash.Hash, error) {
	if len(s) != 2*chainhash.HashSize {
		return chainhash.Hash{}, fmt.Errorf("hash %q is not 64 hex digits", prefix([]byte(s)))
	}
	h, err := chainhash.NewHashFromStr(s)
	if err != nil {
		return chainhash.Hash{}, fmt.Errorf("hash %q: %v", s, err)
	}
	return *h, nil
}

// output decodes an output's script and value.
func (o *voutJSON) output() (*wire.TxOut, error) {
	script, err := hex.DecodeString(o.Scriptpubkey)
	if err != nil {
		return nil, fmt.Errorf("scriptpubkey: %v", err)
	}
	if o.Value < 0 || o.Value > chain.MaxSatoshi {
		return nil, fmt.Errorf("value %d out of range", o.Value)
	}
	return wire.NewTxOut(o.Value, script), nil
}

// msgTx rebuilds the transaction from its JSON form, which holds every
// serialized field, so no second request for the raw bytes is needed; the
// caller checks the result against the txid. (The txid does not commit to
// witnesses, which are taken as given.)
func (j *txJSON) msgTx() (*wire.MsgTx, error) {
	if j.Version < math.MinInt32 || j.Version > math.MaxUint32 {
		return nil, fmt.Errorf("version %d out of range", j.Version)
	}
	if len(j.Vin) == 0 || len(j.Vout) > chain.MaxOutputs {
		return nil, fmt.Errorf("%d inputs and %d outputs", len(j.Vin), len(j.Vout))
	}
	msg := wire.NewMsgTx(int32(uint32(j.Version)))
	msg.LockTime = j.Locktime
	for i := range j.Vin {
		in := &j.Vin[i]
		prev, err := parseHash(in.Txid)
		if err != nil {
			return nil, fmt.Errorf("vin %d txid: %w", i, err)
		}
		sig, err := hex.DecodeString(in.Scriptsig)
		if err != nil {
			return nil, fmt.Errorf("vin %d scriptsig: %v", i, err)
		}
		var wit wire.TxWitness
		for _, w := range in.Witness {
			b, err := hex.DecodeString(w)
			if err != nil {
				return nil, fmt.Errorf("vin %d witness: %v", i, err)
			}
			wit = append(wit, b)
		}
		msg.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: prev, Index: in.Vout}, SignatureScript: sig, Witness: wit, Sequence: in.Sequence})
	}
	for i := range j.Vout {
		out, err := j.Vout[i].output()
		if err != nil {
			return nil, fmt.Errorf("vout %d: %w", i, err)
		}
		msg.AddTxOut(out)
	}
	return msg, nil
}

// prevout decodes the output an input spends; nil JSON means the server
// did not resolve it.
func prevout(p *voutJSON, at chain.OutPoint) (chain.Prevout, error) {
	if p == nil {
		return chain.Prevout{}, nil
	}
	out, err := p.output()
	if err != nil {
		return chain.Prevout{}, err
	}
	return chain.Prevout{Out: at, Value: out.Value, Script: out.PkScript, Addr: chain.AddressOf(out.PkScript), Resolved: true}, nil
}
