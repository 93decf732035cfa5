package chain

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/btcsuite/btcd/btcutil/bech32"
	"github.com/btcsuite/btcd/txscript"
)

// Errors a caller can branch on, wrapped in an *AddressError.
var (
	// ErrWrongNetwork means the text is a valid address of another network.
	ErrWrongNetwork = errors.New("address of another network")
	// ErrBadAddress means the text is not an address of any known form.
	ErrBadAddress = errors.New("malformed address")
)

// AddressError reports text that Params.Parse could not accept.
type AddressError struct {
	Input   string // the text as given
	Network string // the network it was parsed for
	Detail  string // what is wrong, for people
	Err     error  // ErrWrongNetwork or ErrBadAddress
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("chain: address %q (%s): %s", e.Input, e.Network, e.Detail)
}

func (e *AddressError) Unwrap() error { return e.Err }

// Format writes a in the form this network's users know: base58 for P2PKH
// and P2SH (CashAddr when p.CashAddrPrefix is set), bech32 or bech32m for
// segwit, and the "<kind>:<hex>" form of Address.String for script-hash
// kinds and for segwit addresses on a network without segwit.
func (p *Params) Format(a Address) string {
	switch a.Kind {
	case KindP2PKH, KindP2SH:
		if p.CashAddrPrefix != "" {
			return encodeCashAddr(p.CashAddrPrefix, a)
		}
		v := p.PubKeyHashAddrID
		if a.Kind == KindP2SH {
			v = p.ScriptHashAddrID
		}
		return base58.CheckEncode(a.Bytes(), v)
	case KindP2WPKH, KindP2WSH, KindP2TR:
		if p.Bech32HRP == "" {
			break
		}
		ver := byte(0)
		if a.Kind == KindP2TR {
			ver = 1
		}
		s, err := encodeSegwit(p.Bech32HRP, ver, a.Bytes())
		if err == nil {
			return s
		}
	}
	return a.String()
}

func encodeSegwit(hrp string, ver byte, prog []byte) (string, error) {
	conv, err := bech32.ConvertBits(prog, 8, 5, true)
	if err != nil {
		return "", err
	}
	data := append([]byte{ver}, conv...)
	if ver == 0 {
		return bech32.Encode(hrp, data)
	}
	return bech32.EncodeM(hrp, data)
}

// Parse reads an address written for network p. It accepts the forms
// Format writes, for P2SH also p.LegacyScriptHashAddrID, and the
// network-free "<kind>:<hex>" form of Address.String. A valid address of
// another known network is rejected with ErrWrongNetwork and names it.
func (p *Params) Parse(s string) (Address, error) {
	fail := func(err error, format string, args ...any) (Address, error) {
		return Address{}, &AddressError{Input: s, Network: p.Name, Detail: fmt.Sprintf(format, args...), Err: err}
	}
	in := strings.TrimSpace(s)
	if in == "" {
		return fail(ErrBadAddress, "empty")
	}
	if len(in) > maxAddressLen {
		// Base58 decoding is quadratic in the length: refuse long input
		// (a pasted file, a hostile tag) before it costs seconds.
		return fail(ErrBadAddress, "%d bytes, longer than any address", len(in))
	}
	if i := strings.IndexByte(in, ':'); i > 0 {
		if k, ok := kindByName(in[:i]); ok {
			return parseKeyForm(k, in[i+1:], fail)
		}
		if p.CashAddrPrefix != "" || isCashAddrPrefix(strings.ToLower(in[:i])) {
			return p.parseCashAddr(in, fail)
		}
		return fail(ErrBadAddress, "unknown prefix %q", in[:i])
	}
	if hrp, ok := bech32HRP(in); ok {
		return p.parseSegwit(in, hrp, fail)
	}
	payload, ver, err := base58.CheckDecode(in)
	if err != nil {
		if p.CashAddrPrefix != "" {
			// CashAddr may omit its prefix; supply it in the input's case
			// so that an all upper-case address stays one case.
			prefix := p.CashAddrPrefix
			if strings.ToUpper(in) == in {
				prefix = strings.ToUpper(prefix)
			}
			return p.parseCashAddr(prefix+":"+in, fail)
		}
		return fail(ErrBadAddress, "not base58check, bech32 or <kind>:<hex> (%v)", err)
	}
	if len(payload) != 20 {
		return fail(ErrBadAddress, "base58 payload is %d bytes, want 20", len(payload))
	}
	switch {
	case ver == p.PubKeyHashAddrID:
		return hashAddress(KindP2PKH, payload), nil
	case ver == p.ScriptHashAddrID || (p.LegacyScriptHashAddrID != 0 && ver == p.LegacyScriptHashAddrID):
		return hashAddress(KindP2SH, payload), nil
	}
	var others []string
	for _, o := range Networks() {
		if o.PubKeyHashAddrID == ver || o.ScriptHashAddrID == ver {
			others = append(others, o.Name)
		}
	}
	if len(others) > 0 {
		return fail(ErrWrongNetwork, "version byte 0x%02x is a %s address", ver, strings.Join(others, "/"))
	}
	return fail(ErrBadAddress, "unknown base58 version byte 0x%02x", ver)
}

// maxAddressLen is more than the longest text Parse accepts: bech32 stops
// at 90 characters, the key form at 76, CashAddr at 54 plus the prefix.
const maxAddressLen = 128

type failFunc func(err error, format string, args ...any) (Address, error)

func kindByName(name string) (Kind, bool) {
	for k := KindP2PKH; k < numKinds; k++ {
		if strings.EqualFold(kindNames[k], name) {
			return k, true
		}
	}
	return KindNone, false
}

func parseKeyForm(k Kind, h string, fail failFunc) (Address, error) {
	b, err := hex.DecodeString(h)
	if err != nil {
		return fail(ErrBadAddress, "hash is not hex: %v", err)
	}
	if len(b) != k.HashLen() {
		return fail(ErrBadAddress, "%s hash is %d bytes, want %d", k, len(b), k.HashLen())
	}
	return hashAddress(k, b), nil
}

// bech32HRP reports whether s looks like bech32 (one case, a separator) and
// returns its human-readable part, so that other networks' segwit addresses
// are told apart from garbage.
func bech32HRP(s string) (string, bool) {
	if strings.ToLower(s) != s && strings.ToUpper(s) != s {
		return "", false
	}
	i := strings.LastIndexByte(s, '1')
	if i < 1 || len(s)-i < 7 {
		return "", false
	}
	for _, c := range strings.ToLower(s[i+1:]) {
		if !strings.ContainsRune("qpzry9x8gf2tvdw0s3jn54khce6mua7l", c) {
			return "", false
		}
	}
	return strings.ToLower(s[:i]), true
}

func (p *Params) parseSegwit(s, hrp string, fail failFunc) (Address, error) {
	var others []string
	if hrp != p.Bech32HRP {
		for _, o := range Networks() {
			if o.Bech32HRP == hrp && !contains(others, o.Name) {
				others = append(others, o.Name)
			}
		}
		if len(others) == 0 {
			if p.Bech32HRP == "" {
				return fail(ErrBadAddress, "network has no segwit addresses")
			}
			return fail(ErrBadAddress, "prefix %q, want %q", hrp, p.Bech32HRP)
		}
	}
	// Decode fully before naming another network: ErrWrongNetwork promises
	// a valid address, and a mistyped one is not.
	a, detail := decodeSegwit(s)
	if detail != "" {
		return fail(ErrBadAddress, "%s", detail)
	}
	if len(others) > 0 {
		return fail(ErrWrongNetwork, "prefix %q is a %s address", hrp, strings.Join(others, "/"))
	}
	return a, nil
}

// decodeSegwit decodes a segwit address of any network (BIP 173, BIP 350)
// and returns its Address, or what is wrong with it.
func decodeSegwit(s string) (Address, string) {
	_, data, ver, err := bech32.DecodeGeneric(s)
	if err != nil {
		return Address{}, fmt.Sprintf("bech32: %v", err)
	}
	if len(data) < 1 {
		return Address{}, "no witness version"
	}
	wv := data[0]
	prog, err := bech32.ConvertBits(data[1:], 5, 8, false)
	if err != nil {
		return Address{}, fmt.Sprintf("bech32 program: %v", err)
	}
	switch {
	case wv > 16:
		return Address{}, fmt.Sprintf("witness version %d", wv)
	case wv == 0 && ver != bech32.Version0, wv != 0 && ver != bech32.VersionM:
		return Address{}, fmt.Sprintf("witness version %d with the wrong checksum (BIP 350)", wv)
	case len(prog) < 2 || len(prog) > 40:
		return Address{}, fmt.Sprintf("witness program is %d bytes", len(prog))
	case wv == 0 && len(prog) == 20:
		return hashAddress(KindP2WPKH, prog), ""
	case wv == 0 && len(prog) == 32:
		return hashAddress(KindP2WSH, prog), ""
	case wv == 0:
		return Address{}, fmt.Sprintf("witness v0 program is %d bytes, want 20 or 32", len(prog))
	case wv == 1 && len(prog) == 32:
		return hashAddress(KindP2TR, prog), ""
	}
	// Future witness versions are valid addresses without a kind of their
	// own: key them as AddressOf keys their script.
	op, _ := txscript.NewScriptBuilder().AddOp(txscript.OP_1 - 1 + wv).AddData(prog).Script()
	return AddressOf(op), ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
