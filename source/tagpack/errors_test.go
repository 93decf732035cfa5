package tagpack_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/tagpack"
)

// The header every case below starts from: five lines, so the first tag
// is on line 6.
const head = `title: t
creator: c
currency: BTC
source: https://example.org/zaif
tags:
`

const (
	thief   = "1FmwHh6pgkf4meCMoqo8fHH3GNRF571f9w" // Zaif's BTC thief
	binance = "1NDyJtNTjmwk5xPNhjgAMu4HDHigtobu1s"
	testnet = "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx" // BIP 173 test vector
	theftTx = "c3b9a4a0831a65523c81e6a04f6ddf5a7a89f344d990e8a13e5278efe57f4280"
)

// want is one expected *tagpack.Error: its sentinel and where it points.
type want struct {
	err   error
	tag   int
	line  int
	field string
}

func TestParseErrors(t *testing.T) {
	const noTag = tagpack.NoTag
	tests := []struct {
		name string
		in   string
		opts tagpack.Options
		want []want
		also []error // further errors.Is targets of the whole error
		tags int     // valid tags in the returned pack; -1: no pack
	}{
		// Missing fields.
		{name: "missing title and creator", in: "tags: []\n",
			want: []want{{tagpack.ErrMissingField, noTag, 1, "title"}, {tagpack.ErrMissingField, noTag, 1, "creator"}}},
		{name: "missing tags", in: "title: t\ncreator: c\n",
			want: []want{{tagpack.ErrMissingField, noTag, 1, "tags"}}, tags: 0},
		{name: "missing label", in: head + "- address: " + thief + "\n",
			want: []want{{tagpack.ErrMissingField, 0, 6, "label"}}},
		{name: "missing source and currency", in: "title: t\ncreator: c\ntags:\n- address: " + thief + "\n  label: x\n",
			want: []want{{tagpack.ErrMissingField, 0, 4, "source"}, {tagpack.ErrMissingField, 0, 4, "currency"}}},
		{name: "neither address nor tx_hash", in: head + "- label: x\n",
			want: []want{{tagpack.ErrMissingField, 0, 6, "address"}}},
		{name: "address and tx_hash", in: head + "- label: x\n  address: " + thief + "\n  tx_hash: " + theftTx + "\n",
			want: []want{{tagpack.ErrBadValue, 0, 8, "tx_hash"}}},

		// Unknown fields.
		{name: "unknown header field", in: "colour: red\n" + head + "- label: x\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrUnknownField, noTag, 1, "colour"}}, tags: 1},
		{name: "unknown tag field", in: head + "- label: x\n  address: " + thief + "\n  created: 2019-01-01\n",
			want: []want{{tagpack.ErrUnknownField, 0, 8, "created"}}},
		{name: "header field in a tag", in: head + "- label: x\n  title: y\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrUnknownField, 0, 7, "title"}}},
		{name: "header keys that are not text", in: "[a]: b\n{c: d}: e\n" + head + "  []\n",
			want: []want{{tagpack.ErrUnknownField, noTag, 1, ""}, {tagpack.ErrUnknownField, noTag, 2, ""}}, tags: 0},
		{name: "key that is not text", in: head + "- label: x\n  [a]: b\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrUnknownField, 0, 7, ""}}},

		// Wrong types.
		{name: "is_public not a boolean", in: "is_public: maybe\n" + head + "- label: x\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrBadValue, noTag, 1, "is_public"}}, tags: 1},
		{name: "is_public quoted", in: "is_public: 'true'\n" + head + "  []\n",
			want: []want{{tagpack.ErrBadValue, noTag, 1, "is_public"}}, tags: 0},
		{name: "label a number", in: head + "- label: 1337\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrBadValue, 0, 6, "label"}}},
		{name: "label empty", in: head + "- label: ''\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrBadValue, 0, 6, "label"}}},
		{name: "label null", in: head + "- label:\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrBadValue, 0, 6, "label"}}},
		{name: "is_cluster_definer text", in: head + "- label: x\n  is_cluster_definer: 'no'\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrBadValue, 0, 7, "is_cluster_definer"}}},
		{name: "tags a mapping", in: head + "  a: b\n",
			want: []want{{tagpack.ErrBadValue, noTag, 6, "tags"}}, tags: 0},
		{name: "tag a string", in: head + "- " + thief + "\n",
			want: []want{{tagpack.ErrBadValue, 0, 6, ""}}},
		{name: "concepts not a list", in: head + "- label: x\n  concepts: exchange\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrBadValue, 0, 7, "concepts"}}},
		{name: "context not JSON", in: head + "- label: x\n  context: '{\"a\": }'\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrBadValue, 0, 7, "context"}}},
		{name: "context a list", in: head + "- label: x\n  context: [1, 2]\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrBadValue, 0, 7, "context"}}},
		{name: "field given twice", in: head + "- label: x\n  label: y\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrBadValue, 0, 7, "label"}}},
		{name: "header given twice through header:", in: "header:\n  title: u\n" + head + "  []\n",
			want: []want{{tagpack.ErrBadValue, noTag, 3, "title"}}, tags: 0},
		{name: "include", in: "header: !include header.yaml\ntags: []\n",
			want: []want{{tagpack.ErrBadValue, noTag, 1, "header"}, {tagpack.ErrMissingField, noTag, 1, "title"}, {tagpack.ErrMissingField, noTag, 1, "creator"}}, tags: 0},

		// Addresses.
		{name: "bad address", in: head + "- label: x\n  address: 1FmwHh6pgkf4meCMoqo8fHH3GNRF571f9x\n",
			want: []want{{tagpack.ErrBadAddress, 0, 7, "address"}}, also: []error{chain.ErrBadAddress}},
		{name: "testnet address in a BTC tag", in: head + "- label: x\n  address: " + testnet + "\n",
			want: []want{{tagpack.ErrBadAddress, 0, 7, "address"}}, also: []error{chain.ErrWrongNetwork}},
		{name: "mainnet address in a testnet4 tag", in: head + "- label: x\n  network: testnet4\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrBadAddress, 0, 8, "address"}}, also: []error{chain.ErrWrongNetwork}},
		{name: "short tx_hash", in: head + "- label: x\n  tx_hash: c3b9a4a0\n",
			want: []want{{tagpack.ErrBadAddress, 0, 7, "tx_hash"}}},
		{name: "ETH address is not checked", in: head + "- label: x\n  currency: ETH\n  address: '0xnothing'\n", tags: 1},

		// Vocabularies and dates.
		{name: "bad confidence", in: head + "- label: x\n  confidence: sure\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrBadValue, 0, 7, "confidence"}}},
		{name: "bad category", in: head + "- label: x\n  category: thief\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrBadValue, 0, 7, "category"}}},
		{name: "any category with AnyConcept", in: head + "- label: x\n  category: thief\n  address: " + thief + "\n",
			opts: tagpack.Options{AnyConcept: true}, tags: 1},
		{name: "bad abuse", in: head + "- label: x\n  abuse: theft\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrBadValue, 0, 7, "abuse"}}},
		{name: "bad concept in list", in: head + "- label: x\n  concepts: [exchange, bank]\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrBadValue, 0, 7, "concepts"}}},
		{name: "bad tag_type", in: head + "- label: x\n  tag_type: rumour\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrBadValue, 0, 7, "tag_type"}}},
		{name: "bad date", in: head + "- label: x\n  lastmod: 2018-13-45\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrBadValue, 0, 7, "lastmod"}}},
		{name: "date not a date", in: head + "- label: x\n  lastmod: yesterday\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrBadValue, 0, 7, "lastmod"}}},

		// Duplicates.
		{name: "duplicate", in: head + "- label: x\n  address: " + thief + "\n- label: X\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrDuplicate, 1, 8, "address"}}, tags: 1},
		{name: "duplicate bech32 in other case", in: head +
			"- label: x\n  address: bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\n- label: x\n  address: BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4\n",
			want: []want{{tagpack.ErrDuplicate, 1, 8, "address"}}, tags: 1},
		{name: "duplicate tx", in: head + "- label: x\n  tx_hash: " + theftTx + "\n- label: x\n  tx_hash: " + strings.ToUpper(theftTx) + "\n",
			want: []want{{tagpack.ErrDuplicate, 1, 8, "tx_hash"}}, tags: 1},
		{name: "same address, other source", in: head + "- label: x\n  address: " + thief + "\n- label: x\n  source: elsewhere\n  address: " + thief + "\n", tags: 2},
		{name: "same address, other network", in: head + "- label: x\n  address: " + binance + "\n- label: x\n  currency: BCH\n  address: " + binance + "\n", tags: 2},

		// Files that are not TagPacks.
		{name: "empty", in: "", want: []want{{tagpack.ErrEmpty, noTag, 0, ""}}, tags: -1},
		{name: "comments only", in: "# nothing\n", want: []want{{tagpack.ErrEmpty, noTag, 0, ""}}, tags: -1},
		{name: "empty document", in: "---\n", want: []want{{tagpack.ErrEmpty, noTag, 2, ""}}, tags: -1},
		{name: "not YAML", in: "title: [\n", want: []want{{tagpack.ErrSyntax, noTag, 0, ""}}, tags: -1},
		{name: "binary", in: "\x00\xff\xfe", want: []want{{tagpack.ErrSyntax, noTag, 0, ""}}, tags: -1},
		{name: "a list", in: "- a\n- b\n", want: []want{{tagpack.ErrSyntax, noTag, 1, ""}}, tags: -1},
		{name: "two documents", in: head + "  []\n---\n" + head + "  []\n", want: []want{{tagpack.ErrSyntax, noTag, 7, ""}}, tags: -1},
		{name: "alias", in: head + "- label: &l x\n  address: " + thief + "\n- label: *l\n  address: " + binance + "\n",
			want: []want{{tagpack.ErrSyntax, noTag, 8, ""}}, tags: -1},
		{name: "merge key", in: "d: &d {label: x}\n" + head + "- <<: {label: x}\n  address: " + thief + "\n",
			want: []want{{tagpack.ErrSyntax, noTag, 7, ""}}, tags: -1},
		{name: "billion laughs", in: billionLaughs, want: []want{{tagpack.ErrSyntax, noTag, 3, ""}}, tags: -1},
		{name: "deep nesting", in: "title: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n",
			want: []want{{tagpack.ErrSyntax, noTag, 0, ""}}, tags: -1},
		{name: "too large", in: head + strings.Repeat("- label: x\n  address: "+thief+"\n", 100),
			opts: tagpack.Options{MaxSize: 1000}, want: []want{{tagpack.ErrTooLarge, noTag, 0, ""}}, tags: -1},
		{name: "too many items", in: "title: t\ncreator: c\ntags: [" + strings.Repeat("a,", 200) + "a]\n",
			opts: tagpack.Options{MaxSize: 1000}, want: []want{{tagpack.ErrTooLarge, noTag, 0, ""}}, tags: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pack, err := tagpack.Parse(strings.NewReader(tt.in), "test.yaml", tt.opts)
			checkErrors(t, err, tt.want)
			for _, target := range tt.also {
				if !errors.Is(err, target) {
					t.Errorf("error does not wrap %v", target)
				}
			}
			switch {
			case tt.tags < 0 && pack != nil:
				t.Errorf("got a TagPack, want none")
			case tt.tags >= 0 && pack == nil:
				t.Errorf("got no TagPack, want one with %d tags", tt.tags)
			case tt.tags >= 0 && len(pack.Tags) != tt.tags:
				t.Errorf("got %d valid tags, want %d", len(pack.Tags), tt.tags)
			}
		})
	}
}

// checkErrors compares err, an ErrorList, with want entry by entry.
func checkErrors(t *testing.T, err error, want []want) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var list tagpack.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error %v (%T) is not an ErrorList", err, err)
	}
	if len(list) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(list), len(want), err)
	}
	for i, w := range want {
		e := list[i]
		if !errors.Is(e, w.err) || e.Tag != w.tag || e.Line != w.line || e.Field != w.field || e.File != "test.yaml" {
			t.Errorf("error %d: got %v (tag %d, line %d, field %q), want %v at tag %d, line %d, field %q",
				i, e, e.Tag, e.Line, e.Field, w.err, w.tag, w.line, w.field)
		}
	}
}

// billionLaughs is the classic YAML bomb: nine levels of ten aliases each,
// a billion strings if expanded.
var billionLaughs = func() string {
	var b strings.Builder
	b.WriteString("title: t\na0: &a0 [lol]\n")
	for i := 1; i <= 9; i++ {
		b.WriteString("a")
		b.WriteString(string(rune('0' + i)))
		b.WriteString(": &a")
		b.WriteString(string(rune('0' + i)))
		b.WriteString(" [")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a")
			b.WriteString(string(rune('0' + i - 1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("creator: c\ntags: []\n")
	return b.String()
}()

// TestErrorMessage pins the form of a message: file, tag, line, field and
// the chain package's own account of the address.
func TestErrorMessage(t *testing.T) {
	in := head + "- label: x\n  address: " + testnet + "\n"
	_, err := tagpack.Parse(strings.NewReader(in), "zaif.yaml", tagpack.Options{})
	want := `tagpack: zaif.yaml: tag 0 (line 7): field "address": bad address: chain: address "` + testnet + `" (mainnet): prefix "tb" is a testnet3/testnet4/signet address`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	var e *tagpack.Error
	if !errors.As(err, &e) || e.Tag != 0 || e.Line != 7 || e.Field != "address" {
		t.Errorf("errors.As: got %+v", e)
	}
	var ae *chain.AddressError
	if !errors.As(err, &ae) || ae.Network != "mainnet" {
		t.Errorf("the chain.AddressError is not reachable: %v", ae)
	}

	in = "colour: red\n" + head + "  []\n"
	_, err = tagpack.Parse(strings.NewReader(in), "zaif.yaml", tagpack.Options{})
	if want := `tagpack: zaif.yaml: header (line 1): field "colour": unknown field`; err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

// TestMaxErrors checks that a file with an error on every tag stops at
// the limit, with ErrTooManyErrors last.
func TestMaxErrors(t *testing.T) {
	in := head + strings.Repeat("- label: x\n  address: nonsense\n", 50)
	_, err := tagpack.Parse(strings.NewReader(in), "test.yaml", tagpack.Options{MaxErrors: 10})
	var list tagpack.ErrorList
	if !errors.As(err, &list) || len(list) != 11 {
		t.Fatalf("got %d errors, want 10 and ErrTooManyErrors: %v", len(list), err)
	}
	if !errors.Is(list[10], tagpack.ErrTooManyErrors) || !errors.Is(list[9], tagpack.ErrBadAddress) {
		t.Errorf("got last errors %v, %v", list[9], list[10])
	}
}

// TestBadHeaderDefault checks that a bad header value is reported once,
// for the header, and that the tags inheriting it are left out without
// errors of their own.
func TestBadHeaderDefault(t *testing.T) {
	in := "confidence: sure\n" + head + "- label: x\n  address: " + thief + "\n" +
		"- label: y\n  confidence: ownership\n  address: " + binance + "\n"
	pack, err := tagpack.Parse(strings.NewReader(in), "test.yaml", tagpack.Options{})
	checkErrors(t, err, []want{{tagpack.ErrBadValue, tagpack.NoTag, 1, "confidence"}})
	if pack == nil || len(pack.Tags) != 1 || pack.Tags[0].Label != "y" || pack.Tags[0].Index != 1 {
		t.Fatalf("got tags %+v, want only tag 1, which sets its own confidence", pack)
	}
}
