package tagpack_test

import (
	"strings"
	"testing"
	"time"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/tagpack"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func mustParse(t *testing.T, params *chain.Params, s string) chain.Address {
	t.Helper()
	a, err := params.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestLoadZaif loads the realistic pack in testdata and checks every tag.
func TestLoadZaif(t *testing.T) {
	pack, err := tagpack.Load("testdata/zaif.yaml", tagpack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if pack.File != "testdata/zaif.yaml" || pack.Title != "Zaif hot wallet theft, 14 September 2018" ||
		pack.Creator != "plume test data" || pack.Owner != "plume" || pack.IsPublic ||
		!strings.HasPrefix(pack.Description, "The addresses that first received") || strings.HasSuffix(pack.Description, "\n") {
		t.Errorf("header: %+v", pack)
	}
	if d := pack.Defaults; d.Index != tagpack.NoTag || d.Currency != "BTC" || d.Label != "Zaif hack 2018" ||
		d.Confidence != tagpack.ConfidenceForensic || !d.Lastmod.Equal(day(2018, 10, 23)) {
		t.Errorf("defaults: %+v", d)
	}
	if len(pack.Tags) != 6 {
		t.Fatalf("got %d tags, want 6", len(pack.Tags))
	}
	const impress = "https://crypto.watch.impress.co.jp/docs/news/1154907.html"

	thiefTag := pack.Tags[0]
	if thiefTag.Index != 0 || thiefTag.Line != 16 || thiefTag.Label != "Zaif hack 2018" || thiefTag.Source != impress ||
		thiefTag.Currency != "BTC" || thiefTag.Network != "BTC" || thiefTag.Params != chain.Mainnet ||
		thiefTag.Address != mustParse(t, chain.Mainnet, thief) || thiefTag.AddressText != thief || thiefTag.IsTx() ||
		thiefTag.Category != "perpetrator" || thiefTag.Abuse != "service_hack" || !thiefTag.IsClusterDefiner ||
		thiefTag.Confidence.Level != 50 || !strings.Contains(thiefTag.Context, `"5966.1 BTC"`) {
		t.Errorf("tag 0: %+v", thiefTag)
	}

	tx := pack.Tags[1]
	if !tx.IsTx() || !tx.Supported() || tx.TxHash.String() != theftTx || !tx.Address.IsZero() || tx.TagType != "event" ||
		tx.Context != `{"inputs":131,"note":"Zaif hot wallet addresses to the thief's first address"}` {
		t.Errorf("tag 1: %+v", tx)
	}

	for _, i := range []int{2, 3, 4} {
		if tg := pack.Tags[i]; tg.Supported() || !tg.Address.IsZero() || tg.AddressText == "" || tg.Network != tg.Currency {
			t.Errorf("tag %d is for %s, which plume does not follow yet: %+v", i, tg.Network, tg)
		}
	}
	if tg := pack.Tags[3]; tg.Label != "Zaif hack 2018 (second hop)" || !tg.Lastmod.Equal(day(2018, 10, 24)) {
		t.Errorf("tag 3 (quoted date): %+v", tg)
	}

	exchange := pack.Tags[5]
	if exchange.Label != "Binance" || exchange.Category != "exchange" || exchange.Abuse != "" ||
		exchange.Confidence != tagpack.ConfidenceWebCrawl || exchange.Address != mustParse(t, chain.Mainnet, binance) ||
		!exchange.Lastmod.Equal(day(2019, 7, 3)) || !strings.Contains(exchange.Source, "coindesk") {
		t.Errorf("tag 5: %+v", exchange)
	}
}

// TestInheritance checks that tags take the header's tag fields unless
// they set their own, and GraphSense's two other defaults: network is the
// currency, and confidence is "unknown".
func TestInheritance(t *testing.T) {
	in := `title: Inheritance
creator: c
currency: BTC
label: Thief
source: https://example.org/a
confidence: ownership
lastmod: 2020-01-02
is_cluster_definer: true
category: perpetrator
concepts: [perpetrator, service_hack]
context: {case: zaif}
tags:
- address: ` + thief + `
- address: ` + binance + `
  label: Binance
  source: https://example.org/b
  confidence: service_data
  lastmod: 2021-02-03T04:05:06+09:00
  is_cluster_definer: false
  category: Exchange
  concepts: [exchange]
  context: '{"k": 1}'
- address: "0xFA8E3920daF271daB92Be9B87d9998DDd94FEF08"
  currency: ETH
`
	pack, err := tagpack.Parse(strings.NewReader(in), "inherit.yaml", tagpack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inherited, own, eth := pack.Tags[0], pack.Tags[1], pack.Tags[2]
	if inherited.Label != "Thief" || inherited.Source != "https://example.org/a" || inherited.Confidence != tagpack.ConfidenceOwnership ||
		!inherited.Lastmod.Equal(day(2020, 1, 2)) || !inherited.IsClusterDefiner || inherited.Category != "perpetrator" ||
		strings.Join(inherited.Concepts, ",") != "perpetrator,service_hack" || inherited.Context != `{"case":"zaif"}` ||
		inherited.Network != "BTC" || inherited.Params != chain.Mainnet {
		t.Errorf("inheriting tag: %+v", inherited)
	}
	if own.Label != "Binance" || own.Source != "https://example.org/b" || own.Confidence != tagpack.ConfidenceServiceData ||
		!own.Lastmod.Equal(time.Date(2021, 2, 2, 19, 5, 6, 0, time.UTC)) || own.IsClusterDefiner ||
		own.Category != "exchange" || strings.Join(own.Concepts, ",") != "exchange" || own.Context != `{"k": 1}` {
		t.Errorf("overriding tag: %+v", own)
	}
	// The tag's own currency also sets its network, not the header's.
	if eth.Currency != "ETH" || eth.Network != "ETH" || eth.Supported() || eth.AddressText != "0xFA8E3920daF271daB92Be9B87d9998DDd94FEF08" {
		t.Errorf("ETH tag: %+v", eth)
	}
	// Inherited slices are each tag's own.
	pack.Tags[0].Concepts[0] = "changed"
	if pack.Tags[2].Concepts[0] != "perpetrator" || pack.Defaults.Concepts[0] != "perpetrator" {
		t.Errorf("tags share the header's concepts slice")
	}

	in = "title: t\ncreator: c\ntags:\n- {label: x, source: s, currency: BTC, address: " + thief + "}\n"
	pack, err = tagpack.Parse(strings.NewReader(in), "default.yaml", tagpack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tg := pack.Tags[0]; tg.Confidence != tagpack.ConfidenceUnknown || tg.Network != "BTC" || pack.Defaults.Confidence.ID != "" {
		t.Errorf("defaults: tag %+v, header %+v", tg, pack.Defaults)
	}
}

// TestNetworks checks which chain a tag's address is parsed for.
func TestNetworks(t *testing.T) {
	regtestAddr := chain.Regtest.Format(mustParse(t, chain.Mainnet, thief))
	tests := []struct {
		name, fields string
		params       *chain.Params
		addr         string
	}{
		{"BTC", "currency: BTC\n  address: " + thief, chain.Mainnet, thief},
		{"lower-case btc", "currency: btc\n  address: " + thief, chain.Mainnet, thief},
		{"testnet4", "currency: BTC\n  network: testnet4\n  address: " + testnet, chain.Testnet4, testnet},
		{"regtest", "currency: BTC\n  network: Regtest\n  address: " + regtestAddr, chain.Regtest, regtestAddr},
		{"USDT on Omni", "currency: USDT\n  network: BTC\n  address: " + thief, chain.Mainnet, thief},
		{"BTC on Ethereum", "currency: BTC\n  network: ETH\n  address: '0x2260fac5e5542a773aa44fbcfedf7c193bc2c599'", nil, ""},
		{"BCH", "currency: BCH\n  address: bitcoincash:qrn0jwaq3at5hhxsne8gmg5uemudl57r05pdzu2nyd", nil, ""},
		{"testnet4 transaction", "currency: BTC\n  network: testnet4\n  tx_hash: " + theftTx, chain.Testnet4, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := "title: t\ncreator: c\ntags:\n- label: x\n  source: s\n  " + tt.fields + "\n"
			pack, err := tagpack.Parse(strings.NewReader(in), "net.yaml", tagpack.Options{})
			if err != nil {
				t.Fatal(err)
			}
			tg := pack.Tags[0]
			if tg.Params != tt.params || tg.Supported() != (tt.params != nil) {
				t.Fatalf("Params %v, want %v", tg.Params, tt.params)
			}
			if tt.addr != "" && tg.Address != mustParse(t, tt.params, tt.addr) {
				t.Errorf("Address %v, want %s", tg.Address, tt.addr)
			}
			if tt.params == nil && !tg.Address.IsZero() {
				t.Errorf("an unsupported tag has Address %v", tg.Address)
			}
		})
	}
}

// TestValueForms checks the spellings GraphSense's loader also accepts: a
// nested header mapping, YAML 1.1 booleans, quoted and timed dates, and a
// canonicalised confidence.
func TestValueForms(t *testing.T) {
	in := `header:
  title: Forms
  creator: c
is_public: yes
tags:
- label: x
  source: s
  currency: BTC
  address: ` + thief + `
  is_cluster_definer: On
  confidence: Forensic
  lastmod: "2018-9-14 17:33:27"
`
	pack, err := tagpack.Parse(strings.NewReader(in), "forms.yaml", tagpack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tg := pack.Tags[0]
	if pack.Title != "Forms" || !pack.IsPublic || !tg.IsClusterDefiner || tg.Confidence != tagpack.ConfidenceForensic ||
		!tg.Lastmod.Equal(time.Date(2018, 9, 14, 17, 33, 27, 0, time.UTC)) {
		t.Errorf("got %+v, tag %+v", pack, tg)
	}
}

// TestConfidences checks the table against GraphSense's confidence.csv.
func TestConfidences(t *testing.T) {
	levels := map[string]int{
		"override": 100, "ownership": 100, "manual_transaction": 90, "service_api": 70, "authority_data": 60,
		"trusted_provider": 50, "service_data": 50, "forensic": 50, "untrusted_transaction": 40,
		"web_crawl": 20, "heuristic": 10, "unknown": 5,
	}
	all := tagpack.Confidences()
	if len(all) != len(levels) {
		t.Fatalf("%d levels, want %d", len(all), len(levels))
	}
	for i, c := range all {
		if levels[c.ID] != c.Level || c.Label == "" || i > 0 && c.Level > all[i-1].Level {
			t.Errorf("%+v: want level %d, ordered highest first", c, levels[c.ID])
		}
		if got, ok := tagpack.ConfidenceByID(strings.ToUpper(c.ID)); !ok || got != c {
			t.Errorf("ConfidenceByID(%q) = %v, %v", c.ID, got, ok)
		}
	}
	if _, ok := tagpack.ConfidenceByID("manual"); ok {
		t.Errorf("ConfidenceByID accepts a level GraphSense does not define")
	}
	for _, c := range []string{"exchange", "perpetrator", "service_hack", "mixing_service", "defi_bridge", "sanction"} {
		if !strings.Contains(" "+strings.Join(tagpack.Concepts(), " ")+" ", " "+c+" ") {
			t.Errorf("Concepts lacks %q", c)
		}
	}
}
