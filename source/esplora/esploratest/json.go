package esploratest

import (
	"encoding/hex"
	"math/big"
	"slices"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
)

// The JSON shapes below follow the "Transaction format" and "Block format"
// sections of Esplora's API.md, field for field and in electrs's order.

type statusJSON struct {
	Confirmed   bool   `json:"confirmed"`
	BlockHeight *int32 `json:"block_height,omitempty"`
	BlockHash   string `json:"block_hash,omitempty"`
	BlockTime   *int64 `json:"block_time,omitempty"`
}

type txJSON struct {
	Txid     string      `json:"txid"`
	Version  uint32      `json:"version"`
	Locktime uint32      `json:"locktime"`
	Vin      []vinJSON   `json:"vin"`
	Vout     []voutJSON  `json:"vout"`
	Size     int         `json:"size"`
	Weight   int         `json:"weight"`
	Fee      int64       `json:"fee"`
	Status   *statusJSON `json:"status,omitempty"`
}

type vinJSON struct {
	Txid         string    `json:"txid"`
	Vout         uint32    `json:"vout"`
	Prevout      *voutJSON `json:"prevout"`
	Scriptsig    string    `json:"scriptsig"`
	ScriptsigAsm string    `json:"scriptsig_asm"`
	Witness      []string  `json:"witness,omitempty"`
	IsCoinbase   bool      `json:"is_coinbase"`
	Sequence     uint32    `json:"sequence"`
}

type voutJSON struct {
	Scriptpubkey        string `json:"scriptpubkey"`
	ScriptpubkeyAsm     string `json:"scriptpubkey_asm"`
	ScriptpubkeyType    string `json:"scriptpubkey_type"`
	ScriptpubkeyAddress string `json:"scriptpubkey_address,omitempty"`
	Value               int64  `json:"value"`
}

type outspendJSON struct {
	Spent  bool        `json:"spent"`
	Txid   string      `json:"txid,omitempty"`
	Vin    *uint32     `json:"vin,omitempty"`
	Status *statusJSON `json:"status,omitempty"`
}

type blockJSON struct {
	ID                string  `json:"id"`
	Height            int32   `json:"height"`
	Version           uint32  `json:"version"`
	Timestamp         int64   `json:"timestamp"`
	TxCount           int     `json:"tx_count"`
	Size              int     `json:"size"`
	Weight            int     `json:"weight"`
	MerkleRoot        string  `json:"merkle_root"`
	PreviousBlockHash *string `json:"previousblockhash"`
	MedianTime        int64   `json:"mediantime"`
	Nonce             uint32  `json:"nonce"`
	Bits              uint32  `json:"bits"`
	Difficulty        float64 `json:"difficulty"`
}

func (s *Server) status(at place, known bool) *statusJSON {
	if !known {
		return &statusJSON{}
	}
	b := s.block(at.height)
	h, t := b.Height, b.Header.Timestamp.Unix()
	return &statusJSON{Confirmed: true, BlockHeight: &h, BlockHash: b.Hash.String(), BlockTime: &t}
}

func (s *Server) outspend(op wire.OutPoint) outspendJSON {
	sp, ok := s.spends[op]
	if !ok {
		return outspendJSON{}
	}
	vin := sp.vin
	return outspendJSON{Spent: true, Txid: sp.txid.String(), Vin: &vin, Status: s.status(sp.at, true)}
}

// txJSON renders the transaction at, with its status unless it is part of
// a block listing (which, in electrs, leaves status out).
func (s *Server) txJSON(at place, withStatus bool) txJSON {
	b := s.block(at.height)
	tx := b.Txs[at.pos]
	j := txJSON{
		Txid:     b.TxHashes[at.pos].String(),
		Version:  uint32(tx.Version),
		Locktime: tx.LockTime,
		Vin:      make([]vinJSON, len(tx.TxIn)),
		Vout:     make([]voutJSON, len(tx.TxOut)),
		Size:     tx.SerializeSize(),
		Weight:   tx.SerializeSizeStripped()*3 + tx.SerializeSize(),
	}
	coinbase := chain.IsCoinbase(tx)
	var in, out int64
	for i, ti := range tx.TxIn {
		v := vinJSON{
			Txid:         ti.PreviousOutPoint.Hash.String(),
			Vout:         ti.PreviousOutPoint.Index,
			Scriptsig:    hex.EncodeToString(ti.SignatureScript),
			ScriptsigAsm: asm(ti.SignatureScript),
			IsCoinbase:   coinbase,
			Sequence:     ti.Sequence,
		}
		for _, w := range ti.Witness {
			v.Witness = append(v.Witness, hex.EncodeToString(w))
		}
		if prev := s.outs[ti.PreviousOutPoint]; prev != nil && !coinbase {
			p := s.vout(prev)
			v.Prevout = &p
			in += prev.Value
		}
		j.Vin[i] = v
	}
	for i, o := range tx.TxOut {
		j.Vout[i] = s.vout(o)
		out += o.Value
	}
	if !coinbase {
		j.Fee = in - out
	}
	if withStatus {
		j.Status = s.status(at, true)
	}
	return j
}

func (s *Server) vout(o *wire.TxOut) voutJSON {
	typ := scriptType(o.PkScript)
	v := voutJSON{
		Scriptpubkey:     hex.EncodeToString(o.PkScript),
		ScriptpubkeyAsm:  asm(o.PkScript),
		ScriptpubkeyType: typ,
		Value:            o.Value,
	}
	switch typ {
	case "p2pkh", "p2sh", "v0_p2wpkh", "v0_p2wsh", "v1_p2tr":
		// rust-bitcoin has no address for pay-to-pubkey, so electrs gives
		// none: explorers that show one derive it themselves.
		v.ScriptpubkeyAddress = s.opts.Params.Format(chain.AddressOf(o.PkScript))
	}
	return v
}

// scriptType names a script as electrs does.
func scriptType(script []byte) string {
	n := len(script)
	switch {
	case n == 0:
		return "empty"
	case script[0] == txscript.OP_RETURN:
		return "op_return"
	case (n == 35 || n == 67) && int(script[0]) == n-2 && script[n-1] == txscript.OP_CHECKSIG:
		return "p2pk"
	case n == 25 && script[0] == txscript.OP_DUP && script[1] == txscript.OP_HASH160 && script[2] == 20 &&
		script[23] == txscript.OP_EQUALVERIFY && script[24] == txscript.OP_CHECKSIG:
		return "p2pkh"
	case n == 23 && script[0] == txscript.OP_HASH160 && script[1] == 20 && script[22] == txscript.OP_EQUAL:
		return "p2sh"
	case n == 22 && script[0] == txscript.OP_0 && script[1] == 20:
		return "v0_p2wpkh"
	case n == 34 && script[0] == txscript.OP_0 && script[1] == 32:
		return "v0_p2wsh"
	case n == 34 && script[0] == txscript.OP_1 && script[1] == 32:
		return "v1_p2tr"
	}
	return "unknown"
}

func asm(script []byte) string {
	s, _ := txscript.DisasmString(script)
	return s
}

func (s *Server) blockJSON(b *chain.Block) blockJSON {
	j := blockJSON{
		ID:         b.Hash.String(),
		Height:     b.Height,
		Version:    uint32(b.Header.Version),
		Timestamp:  b.Header.Timestamp.Unix(),
		TxCount:    len(b.Txs),
		Size:       len(b.Raw),
		MerkleRoot: b.Header.MerkleRoot.String(),
		Nonce:      b.Header.Nonce,
		Bits:       b.Header.Bits,
		Difficulty: difficulty(b.Header.Bits),
	}
	stripped := wire.MaxBlockHeaderPayload + wire.VarIntSerializeSize(uint64(len(b.Txs)))
	for _, tx := range b.Txs {
		stripped += tx.SerializeSizeStripped()
	}
	j.Weight = 3*stripped + j.Size
	if b.Header.PrevBlock != (chainhash.Hash{}) {
		p := b.Header.PrevBlock.String()
		j.PreviousBlockHash = &p
	}
	var times []int64
	for h := b.Height; h > b.Height-11; h-- {
		if pb := s.block(h); pb != nil {
			times = append(times, pb.Header.Timestamp.Unix())
		}
	}
	slices.Sort(times)
	j.MedianTime = times[len(times)/2]
	return j
}

// difficulty is the proof-of-work difficulty of compact target bits: the
// minimum target (bits 0x1d00ffff) divided by this one.
func difficulty(bits uint32) float64 {
	target := func(bits uint32) *big.Float {
		m := new(big.Float).SetInt64(int64(bits & 0x007fffff))
		return m.SetMantExp(m, 8*(int(bits>>24)-3))
	}
	if bits&0x007fffff == 0 {
		return 0
	}
	d, _ := new(big.Float).Quo(target(0x1d00ffff), target(bits)).Float64()
	return d
}
