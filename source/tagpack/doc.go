// Package tagpack reads GraphSense TagPacks: YAML files of attribution tags
// that say who controls an address (an exchange, a thief, a mixer) or what
// a transaction was, with where the claim comes from and how far to trust
// it. Investigators already keep tags in this form; plume's store imports
// them, and tracing stops at, or reports, the tagged addresses.
//
// Parse reads one pack from a reader, Load one file, and LoadDir every
// pack under a directory. Each returns the pack's header and its tags, with
// each tag's address parsed to a chain.Address for its network, after
// checking the file against the TagPack schema of GraphSense's
// tagpack-tool (tagpack_schema.yaml) as strictly as that tool does.
//
// # Format
//
// A TagPack is one YAML mapping. Its header holds
//
//	field        type     required  meaning
//	title        text     yes       what the pack is
//	creator      text     yes       who made it
//	description  text     no
//	owner        text     no        who maintains it
//	is_public    boolean  no        deprecated in GraphSense
//	tags         list     yes       the tags (may be empty)
//
// and each tag, a mapping in the tags list, holds
//
//	field               type          required  meaning
//	label               text          yes       the name given to the address
//	source              text          yes       a URL or a description of the origin
//	currency            text          yes       the asset: BTC, ETH, USDT, ...
//	network             text          no        the chain; defaults to currency
//	address             text          one of    the address tagged
//	tx_hash             text          these     or the transaction tagged
//	confidence          text          no        a level of Confidences; defaults to "unknown"
//	category            concept       no        the kind of entity (exchange, perpetrator, ...)
//	abuse               concept       no        the kind of abuse (service_hack, ransomware, ...)
//	concepts            concept list  no        further concepts
//	tag_type            text          no        actor, event or mention
//	actor               text          no        an ActorPack actor ID
//	context             JSON text     no        or a mapping, stored as JSON
//	is_cluster_definer  boolean       no        the tag applies to the address's cluster
//	lastmod             date          no        when the tag last changed
//
// Any tag field may also stand in the header, where it is a default for
// every tag that does not set the field itself (TagPack.Defaults). GraphSense
// also reads the fields of a "header" mapping at the top level as header
// fields; so does Parse.
//
// Text must be a YAML string: an unquoted 1337, 2019-07-03 or 0xFA8E... is
// a number, a date or a hexadecimal integer to YAML, and GraphSense rejects
// it, so must a tag's label. Booleans are true and false and, as PyYAML
// reads them, unquoted yes, no, on and off. Dates are YAML timestamps,
// quoted or not (2018-09-14, 2018-09-14T17:33:27+09:00), kept in UTC.
// Confidence IDs, concepts and tag types are matched without case and
// kept in their canonical lower-case form, since older public packs write
// "Exchange"; unknown ones are errors, unless Options.AnyConcept admits any
// concept for packs written against a newer or private taxonomy. The
// confidence levels (GraphSense's confidence.csv) and concept IDs
// (GraphSense's concepts taxonomy, which absorbed the older entity and
// abuse taxonomies) are built in; see Confidences and Concepts.
//
// # Networks
//
// GraphSense names chains by ticker. A tag whose network is "BTC" is for
// Bitcoin's main network, whatever its currency (USDT on Omni lives at
// Bitcoin addresses); plume's own network names ("testnet3", "testnet4",
// "signet", "regtest", as in chain.Params.Name) select the test networks,
// so that packs for test chains can be written. For these, the address is
// parsed with chain.Params.Parse and the tx_hash as a 64-digit hash, and a
// failure is an error. Tags for any other chain (ETH, BCH, LTC, MONA, ...)
// are kept with their address or hash as text and a nil Params (see
// Tag.Supported), not rejected: a pack mixing chains is normal, and plume
// will follow more of them (chain.Params already knows CashAddr).
//
// # Errors
//
// Parse collects every problem in a file, up to Options.MaxErrors, and
// returns them as an ErrorList of *Error values, each naming the file, the
// tag's position in the tags list (0-based, or NoTag for the header and the
// file as a whole), the YAML line and the field:
//
//	tagpack: zaif.yaml: tag 12 (line 88): field "address": bad address: chain: address "tb1q…" (mainnet): prefix "tb" is a testnet3/testnet4/signet address
//
// Each wraps one sentinel to branch on with errors.Is: ErrMissingField,
// ErrUnknownField, ErrBadValue, ErrBadAddress (which for addresses also
// wraps the *chain.AddressError, so chain.ErrWrongNetwork is visible),
// ErrDuplicate, and for a file that is not a TagPack at all ErrSyntax,
// ErrEmpty or ErrTooLarge. When a file is a TagPack with some invalid tags,
// Parse returns the TagPack with the valid ones along with the errors, so a
// caller may report the problems and import the rest; a tag that inherits
// an invalid header field is left out too. Two tags with the same network,
// address (compared as parsed) or transaction, label and source are
// duplicates, as in GraphSense; the later one is reported and left out.
//
// # Not supported
//
// YAML aliases and merge keys are refused (ErrSyntax): a TagPack shares
// values through its header instead, and refusing them keeps parsing
// linear in the input, so a "billion laughs" file costs nothing. So are
// several documents in one file, and local tags such as !include, with
// which GraphSense's tool splices header.yaml files into packs (LoadDir
// skips header.yaml files accordingly). ActorPacks are another format.
// Fields of older schemas that the current one dropped, such as created,
// are unknown fields.
//
// # Limits
//
// yaml.v3 builds a file's whole node tree in memory, at a few hundred
// bytes a node. Options.MaxSize bounds the bytes of a file and, by a scan
// made before parsing, its number of nodes (see Options), so that parsing
// any input allocates at most about 90 times MaxSize: 720 MB at the
// default of 8 MiB, which holds about 125,000 tags.
//
// # Concurrency
//
// Parse, Load and LoadDir keep no state between calls and may run
// concurrently. What they return belongs to the caller.
package tagpack
