package tagpack_test

import (
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/plumetrace/plume/source/tagpack"
)

// Parse reads a TagPack; tags take the header's fields unless they set
// their own, and tags for chains plume does not follow are kept unparsed.
func ExampleParse() {
	const pack = `
title: Zaif hot wallet theft, 14 September 2018
creator: an analyst
source: https://crypto.watch.impress.co.jp/docs/news/1154907.html
label: Zaif hack 2018
abuse: service_hack
confidence: forensic
currency: BTC
tags:
  - address: 1FmwHh6pgkf4meCMoqo8fHH3GNRF571f9w
    is_cluster_definer: true
  - address: bitcoincash:qrn0jwaq3at5hhxsne8gmg5uemudl57r05pdzu2nyd
    currency: BCH
`
	p, err := tagpack.Parse(strings.NewReader(pack), "zaif.yaml", tagpack.Options{})
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range p.Tags {
		if t.Supported() {
			fmt.Printf("%s %s: %q (%s, %d)\n", t.Params, t.Address, t.Label, t.Confidence, t.Confidence.Level)
		} else {
			fmt.Printf("%s %s: not a chain plume follows\n", t.Network, t.AddressText)
		}
	}
	// Output:
	// mainnet p2pkh:a211616530e6501b49804c451cc9d26507b52948: "Zaif hack 2018" (forensic, 50)
	// BCH bitcoincash:qrn0jwaq3at5hhxsne8gmg5uemudl57r05pdzu2nyd: not a chain plume follows
}

// Every problem in a file is reported with the tag and line it concerns;
// errors.Is tells the kinds apart.
func ExampleErrorList() {
	const pack = `title: Mistakes
creator: an analyst
currency: BTC
source: https://example.org
tags:
  - label: thief
    address: tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx
  - label: exchange
    confidence: certain
    address: 1NDyJtNTjmwk5xPNhjgAMu4HDHigtobu1s
`
	_, err := tagpack.Parse(strings.NewReader(pack), "mistakes.yaml", tagpack.Options{})
	var list tagpack.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Printf("tag %d, line %d, %s: address error %t\n", e.Tag, e.Line, e.Field, errors.Is(e, tagpack.ErrBadAddress))
		}
	}
	// Output:
	// tag 0, line 7, address: address error true
	// tag 1, line 9, confidence: address error false
}
