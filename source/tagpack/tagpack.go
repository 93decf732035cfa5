package tagpack

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/plumetrace/plume/chain"
)

// TagPack is one TagPack file: its header and its tags, each tag with the
// header's tag fields already applied.
type TagPack struct {
	// File is the name the pack was parsed under (the path, for Load).
	File string

	Title       string
	Creator     string
	Description string
	// Owner is who maintains the pack; GraphSense does not store it.
	Owner string
	// IsPublic is the deprecated is_public header field: GraphSense now
	// decides visibility when importing, and so should plume's store.
	IsPublic bool

	// Defaults holds the tag fields set in the header, which every tag
	// inherits unless it sets them itself: the header's lastmod is
	// Defaults.Lastmod. Its Index is NoTag; its address fields are
	// unparsed (an address is parsed for each tag's network).
	Defaults Tag

	// Tags are the tags in file order. When Parse also returns an error,
	// tags with errors of their own, or that inherit a header field with
	// an error, are left out, so Tag.Index may skip numbers.
	Tags []Tag
}

// Tag is one attribution: a label for an address, or for a transaction,
// with where it comes from and how far to trust it.
type Tag struct {
	// Index is the tag's 0-based position in the file's tags list, and
	// Line the YAML line where it begins.
	Index int
	Line  int

	Label  string
	Source string // a URL or a description of where the tag comes from
	// Currency is the asset (BTC, ETH, USDT, ...) and Network the chain
	// it lives on; Network defaults to Currency, as in GraphSense. Both
	// are kept as written.
	Currency string
	Network  string

	// Params is the plume network the tag's address or transaction
	// belongs to, or nil when the tag is for a chain plume does not
	// follow (ETH, BCH, ...): such tags are kept, with only the text of
	// their address or transaction. See Supported.
	Params *chain.Params

	// AddressText is the address as written, or "" for a transaction tag;
	// Address is it parsed for Params (zero when Params is nil).
	AddressText string
	Address     chain.Address
	// TxHashText is the transaction hash as written, or "" for an address
	// tag; TxHash is it parsed (zero when Params is nil).
	TxHashText string
	TxHash     chainhash.Hash

	Confidence Confidence
	// Category is the kind of entity that controls the address and Abuse
	// what it was involved in, both concept IDs (see Concepts); Concepts
	// lists further concept IDs. Empty when not given.
	Category string
	Abuse    string
	Concepts []string
	// TagType is "actor", "event" or "mention", or "" when not given.
	TagType string
	// Actor is the ID of an actor in a GraphSense ActorPack, not checked.
	Actor string
	// Context is further information as JSON text, or "".
	Context string
	// IsClusterDefiner says whether the tag applies to the address's whole
	// cluster, not just the address.
	IsClusterDefiner bool
	// Lastmod is when the tag was last changed (UTC), or zero.
	Lastmod time.Time
}

// Supported reports whether the tag is for a Bitcoin network plume
// follows, so that Address or TxHash holds a parsed value.
func (t *Tag) Supported() bool { return t.Params != nil }

// IsTx reports whether the tag is about a transaction rather than an
// address.
func (t *Tag) IsTx() bool { return t.TxHashText != "" }

// Defaults for the zero values of Options.
const (
	DefaultMaxSize   = 8 << 20
	DefaultMaxErrors = 100
)

// Options configures Parse, Load and LoadDir. The zero value validates
// strictly against GraphSense's schema and taxonomy, reads files up to
// DefaultMaxSize and reports up to DefaultMaxErrors errors a file.
type Options struct {
	// MaxSize bounds the bytes of one file; 0 or less means
	// DefaultMaxSize. Through it, it also bounds the YAML nodes parsed:
	// at most one of the characters that can begin a node (, [ { - : ? and
	// line breaks) per nodeBytes (8) bytes of MaxSize. yaml.v3 holds a file's
	// whole node tree at a few hundred bytes a node, so a file of
	// one-character items would otherwise cost over 300 times its size;
	// real packs average more than 10 bytes a node and meet the byte
	// limit first. Parsing allocates about 50 times the size of a real
	// pack (8 MiB, 125,000 tags: 420 MB, 1 s) and at most about 90 times
	// MaxSize for any input (720 MB at the default). Raise it for large
	// generated packs (GraphSense's tool stops at 200 MB).
	MaxSize int64
	// MaxErrors bounds the errors collected for one file; 0 or less means
	// DefaultMaxErrors. Validation stops when it is reached.
	MaxErrors int
	// AnyConcept accepts any text as category, abuse and concepts, for
	// packs written against a newer or private taxonomy, instead of only
	// the concept IDs of GraphSense's taxonomy.
	AnyConcept bool
}

func (o *Options) maxSize() int64 {
	if o.MaxSize <= 0 {
		return DefaultMaxSize
	}
	return o.MaxSize
}

func (o *Options) maxErrors() int {
	if o.MaxErrors <= 0 {
		return DefaultMaxErrors
	}
	return o.MaxErrors
}

// Parse reads one TagPack from r; name is used in errors and as
// TagPack.File.
//
// Problems with the content are returned as an ErrorList of *Error values
// (see the package documentation). When the file is not a TagPack at all
// (not YAML, empty, too large) the TagPack is nil. When it is one with
// invalid parts, Parse returns the TagPack with the valid tags together
// with the errors, so a caller may report the errors and still import the
// rest. An error reading r is returned wrapped, as it is.
func Parse(r io.Reader, name string, opts Options) (*TagPack, error) {
	max := opts.maxSize()
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("tagpack: %s: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, fatal(name, 0, fmt.Errorf("%w: more than %d bytes (Options.MaxSize)", ErrTooLarge, max))
	}
	if n, limit := nodeStarts(data), max/nodeBytes; n > limit {
		return nil, fatal(name, 0, fmt.Errorf("%w: %d YAML separators, more than %d (Options.MaxSize/%d)", ErrTooLarge, n, limit, nodeBytes))
	}
	root, line, err := decode(data)
	if err != nil {
		return nil, fatal(name, line, err)
	}
	p := &parser{opts: &opts, errs: collector{file: name, max: opts.maxErrors()}}
	pack := p.pack(root, name)
	return pack, p.errs.err()
}

// Load reads the TagPack file at path, as Parse does; errors name the file
// by path.
func Load(path string, opts Options) (*TagPack, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tagpack: %w", err)
	}
	defer f.Close()
	// Refuse an oversized file before reading it; Parse checks again, for
	// files that grow or are not regular.
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > opts.maxSize() {
		return nil, fatal(path, 0, fmt.Errorf("%w: %d bytes, more than %d (Options.MaxSize)", ErrTooLarge, fi.Size(), opts.maxSize()))
	}
	return Parse(f, path, opts)
}
