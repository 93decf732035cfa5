package tagpack_test

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/plumetrace/plume/source/tagpack"
)

// sentinels are the errors every *tagpack.Error must wrap one of.
var sentinels = []error{
	tagpack.ErrSyntax, tagpack.ErrEmpty, tagpack.ErrTooLarge, tagpack.ErrMissingField,
	tagpack.ErrUnknownField, tagpack.ErrBadValue, tagpack.ErrBadAddress, tagpack.ErrDuplicate,
	tagpack.ErrTooManyErrors,
}

// FuzzParse feeds arbitrary bytes to Parse. Whatever the input, it must
// return, not panic; every error must be an ErrorList of positioned errors
// wrapping a sentinel; and what it returns must be consistent.
func FuzzParse(f *testing.F) {
	zaif, err := os.ReadFile("testdata/zaif.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(zaif),
		head + "- label: x\n  address: " + thief + "\n- label: x\n  address: " + thief + "\n",
		head + "- label: x\n  network: testnet4\n  tx_hash: " + theftTx + "\n",
		head + "- label: x\n  address: " + testnet + "\n  context: {a: [1, 2]}\n",
		"header:\n  title: t\n  creator: c\nconfidence: sure\ntags:\n- {label: x, source: s, currency: ETH, address: '0x1'}\n",
		billionLaughs,
		"- a\n",
		"title: [\n",
		"",
		"---\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pack, err := tagpack.Parse(bytes.NewReader(data), "fuzz.yaml", tagpack.Options{MaxSize: 1 << 16, MaxErrors: 20})
		if err != nil {
			var list tagpack.ErrorList
			if !errors.As(err, &list) || len(list) == 0 || len(list) > 21 {
				t.Fatalf("error %v is not an ErrorList of 1 to 21 errors", err)
			}
			for _, e := range list {
				if e.File != "fuzz.yaml" || e.Line < 0 || e.Tag < tagpack.NoTag {
					t.Fatalf("error without a place: %+v", e)
				}
				if !isSentinel(e) {
					t.Fatalf("error %v wraps no sentinel", e)
				}
			}
		} else if pack == nil {
			t.Fatal("no error and no TagPack")
		}
		if pack == nil {
			return
		}
		last := -1
		for _, tg := range pack.Tags {
			if tg.Index <= last || tg.Line < 1 {
				t.Fatalf("tag %d (line %d) after tag %d", tg.Index, tg.Line, last)
			}
			last = tg.Index
			if tg.Label == "" || tg.Source == "" || tg.Currency == "" || tg.Network == "" || tg.Confidence.ID == "" {
				t.Fatalf("valid tag lacks a required field: %+v", tg)
			}
			if (tg.AddressText == "") == (tg.TxHashText == "") {
				t.Fatalf("valid tag without exactly one subject: %+v", tg)
			}
			if tg.Supported() && !tg.IsTx() && tg.Address.IsZero() {
				t.Fatalf("supported address tag without an Address: %+v", tg)
			}
		}
	})
}

func isSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
