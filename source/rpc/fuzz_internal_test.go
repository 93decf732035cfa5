package rpc

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
)

// FuzzAnswer feeds arbitrary answers through everything that reads what
// a node sends: the JSON-RPC envelope, hex results, hashes and
// transactions. None may panic, and whatever is not a result must be an
// error that says what kind of failure it is.
func FuzzAnswer(f *testing.F) {
	f.Add(200, []byte(`{"result":"00","error":null,"id":1}`))
	f.Add(500, []byte(`{"result":null,"error":{"code":-5,"message":"use -txindex"},"id":1}`))
	f.Add(404, []byte(`{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":1}`))
	f.Add(503, []byte(`Work queue depth exceeded`))
	f.Add(200, []byte(`{"result":"`+chain.Regtest.GenesisHash.String()+`","error":null,"id":1}`))
	f.Add(200, []byte(`{"result":"0100000001000000000000000000000000000000000000000000000000000000000000000000ffffffff00ffffffff0100f2052a010000000000000000","error":null,"id":1}`))
	f.Add(200, []byte(`{"result":"\u0030\u0030","id":"1"}`))
	f.Fuzz(func(t *testing.T, code int, body []byte) {
		c := &Client{url: "http://node"}
		res, ae := c.interpret(code, body, 1)
		if ae != nil {
			if ae.err == nil {
				t.Fatal("a failed answer without an error")
			}
			return
		}
		if raw, err := decodeHexResult(res); err == nil {
			var h chainhash.Hash
			if _, err := c.decodeTx("getrawtransaction", raw, h); err != nil && !errors.Is(err, ErrBadResponse) {
				t.Fatalf("decodeTx: %v is not ErrBadResponse", err)
			}
			chain.DecodeBlock(raw, 1)
			parseHash(hex.EncodeToString(raw))
		} else if !errors.Is(err, ErrBadResponse) {
			t.Fatalf("decodeHexResult: %v is not ErrBadResponse", err)
		}
	})
}

// TestParseHash: nodes write hashes byte-reversed, and a short one is not
// a hash (chainhash.NewHashFromStr would pad it).
func TestParseHash(t *testing.T) {
	want := chain.Mainnet.GenesisHash
	if h, err := parseHash(want.String()); err != nil || h != want {
		t.Fatalf("parseHash = %v %v, want %v", h, err, want)
	}
	for _, s := range []string{"", "00", want.String()[1:], want.String() + "00", "zz" + want.String()[2:]} {
		if _, err := parseHash(s); !errors.Is(err, ErrBadResponse) {
			t.Errorf("parseHash(%q) = %v, want ErrBadResponse", s, err)
		}
	}
}
