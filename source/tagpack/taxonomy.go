package tagpack

import "strings"

// concepts are the concept IDs of GraphSense's concepts taxonomy (version
// 0.1.0 of 2023-01-27, graphsense-tagpack-tool src/tagpack/db/concepts.yaml,
// derived from the INTERPOL Darknet and Cryptoasset taxonomy). It merged
// the older separate entity and abuse taxonomies, so every value those
// allowed is here too. GraphSense checks category, abuse and each entry of
// concepts against this one list; so does Parse, unless
// Options.AnyConcept is set. Only the IDs are kept: checking a value needs
// no labels or hierarchy.
var concepts = strings.Fields(`
	concept behaviour source mention forum_mention website_mention
	abuse gray_usage mixing white_usage
	sexual_abuse child_sexual_abuse violence torture scam financial_crime
	investment_fraud ponzi_scheme pyramid_scheme money_laundering extortion
	sextortion phishing service_hack payment_card_fraud ransomware sanction
	extremism terrorism dark_web
	entity organization user service victim perpetrator donation
	exchange wallet_service escrow_wallet ico_wallet cold_wallet hot_wallet
	warm_wallet filesharing index market messaging_service mixing_service
	coinjoin miner mining_service gambling search_engine shop faucet
	payment_processor atm hosting vpn defi defi_lending defi_dex
	defi_derivative defi_bridge item collectible
`)

// Concepts returns the concept IDs that category, abuse and concepts may
// take. The slice is the caller's.
func Concepts() []string { return append([]string(nil), concepts...) }

// conceptID returns the canonical form of a concept ID, ignoring case:
// older public TagPacks write "Exchange" or "Organization".
func conceptID(s string) (string, bool) {
	for _, c := range concepts {
		if strings.EqualFold(c, s) {
			return c, true
		}
	}
	return "", false
}

// tagTypes are the values of tag_type (GraphSense tag_types.csv): the tag
// names the actor behind an address, an event it took part in, or a
// mention of it somewhere.
var tagTypes = []string{"actor", "event", "mention"}

func tagTypeID(s string) (string, bool) {
	for _, t := range tagTypes {
		if strings.EqualFold(t, s) {
			return t, true
		}
	}
	return "", false
}
