package chain

import (
	"fmt"
	"strings"
)

// CashAddr (Bitcoin Cash's address format, spec: github.com/bitcoincashorg
// cashaddr.md) is bech32's alphabet with a 40-bit BCH checksum over the
// prefix. btcutil has no encoder for it, and the whole format is the two
// small functions below.

const cashCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

func cashPolymod(v []byte) uint64 {
	c := uint64(1)
	for _, d := range v {
		c0 := byte(c >> 35)
		c = ((c & 0x07ffffffff) << 5) ^ uint64(d)
		if c0&0x01 != 0 {
			c ^= 0x98f2bc8e61
		}
		if c0&0x02 != 0 {
			c ^= 0x79b76d99e2
		}
		if c0&0x04 != 0 {
			c ^= 0xf33e5fb3c4
		}
		if c0&0x08 != 0 {
			c ^= 0xae2eabe2a8
		}
		if c0&0x10 != 0 {
			c ^= 0x1e4f43e470
		}
	}
	return c ^ 1
}

func cashChecksumInput(prefix string, data5 []byte) []byte {
	v := make([]byte, 0, len(prefix)+1+len(data5)+8)
	for i := 0; i < len(prefix); i++ {
		v = append(v, prefix[i]&0x1f)
	}
	v = append(v, 0)
	return append(v, data5...)
}

// to5 regroups 8-bit bytes into 5-bit groups, zero-padding the last.
func to5(b []byte) []byte {
	var out []byte
	acc, bits := uint32(0), uint(0)
	for _, x := range b {
		acc = acc<<8 | uint32(x)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out = append(out, byte(acc>>bits)&31)
		}
	}
	if bits > 0 {
		out = append(out, byte(acc<<(5-bits))&31)
	}
	return out
}

func encodeCashAddr(prefix string, a Address) string {
	ver := byte(0) // type 0 = P2PKH, size 0 = 160 bits
	if a.Kind == KindP2SH {
		ver = 1 << 3
	}
	data := to5(append([]byte{ver}, a.Bytes()...))
	mod := cashPolymod(append(cashChecksumInput(prefix, data), make([]byte, 8)...))
	var sb strings.Builder
	sb.WriteString(prefix)
	sb.WriteByte(':')
	for _, d := range data {
		sb.WriteByte(cashCharset[d])
	}
	for i := 0; i < 8; i++ {
		sb.WriteByte(cashCharset[(mod>>(5*(7-i)))&31])
	}
	return sb.String()
}

func isCashAddrPrefix(s string) bool {
	return s == "bitcoincash" || s == "bchtest" || s == "bchreg"
}

func (p *Params) parseCashAddr(s string, fail failFunc) (Address, error) {
	if strings.ToLower(s) != s && strings.ToUpper(s) != s {
		return fail(ErrBadAddress, "CashAddr mixes upper and lower case")
	}
	s = strings.ToLower(s)
	i := strings.IndexByte(s, ':')
	prefix, body := s[:i], s[i+1:]
	if prefix != p.CashAddrPrefix && !isCashAddrPrefix(prefix) {
		return fail(ErrBadAddress, "unknown prefix %q", prefix)
	}
	// The checksum covers the prefix, so another network's address is
	// checked as that network's before ErrWrongNetwork vouches for it.
	a, detail := decodeCashAddr(prefix, body)
	if detail != "" {
		return fail(ErrBadAddress, "%s", detail)
	}
	if prefix != p.CashAddrPrefix {
		if p.CashAddrPrefix == "" {
			return fail(ErrWrongNetwork, "%q is a Bitcoin Cash CashAddr prefix", prefix)
		}
		return fail(ErrWrongNetwork, "CashAddr prefix %q, want %q", prefix, p.CashAddrPrefix)
	}
	return a, nil
}

// decodeCashAddr decodes the part of a lower-case CashAddr after the
// prefix and returns its Address, or what is wrong with it.
func decodeCashAddr(prefix, body string) (Address, string) {
	if len(body) < 9 {
		return Address{}, "CashAddr too short"
	}
	data := make([]byte, len(body))
	for j := 0; j < len(body); j++ {
		k := strings.IndexByte(cashCharset, body[j])
		if k < 0 {
			return Address{}, fmt.Sprintf("CashAddr character %q", body[j])
		}
		data[j] = byte(k)
	}
	if cashPolymod(cashChecksumInput(prefix, data)) != 0 {
		return Address{}, "CashAddr checksum mismatch"
	}
	data = data[:len(data)-8]
	var payload []byte
	acc, bits := uint32(0), uint(0)
	for _, d := range data {
		acc = acc<<5 | uint32(d)
		bits += 5
		if bits >= 8 {
			bits -= 8
			payload = append(payload, byte(acc>>bits))
		}
	}
	if bits >= 5 || acc&(1<<bits-1) != 0 {
		return Address{}, "CashAddr padding"
	}
	if len(payload) != 21 || payload[0]&0x07 != 0 {
		return Address{}, "CashAddr payload is not a 160-bit hash"
	}
	switch payload[0] >> 3 {
	case 0:
		return hashAddress(KindP2PKH, payload[1:]), ""
	case 1:
		return hashAddress(KindP2SH, payload[1:]), ""
	}
	return Address{}, fmt.Sprintf("CashAddr type %d", payload[0]>>3)
}
