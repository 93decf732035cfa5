package tagpack

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// field numbers the tag fields of the TagPack schema (graphsense-tagpack-
// tool src/tagpack/conf/tagpack_schema.yaml), so that which fields a tag or
// the header set fits in a bit set.
type field uint8

const (
	fLabel field = iota
	fSource
	fCurrency
	fNetwork
	fContext
	fConfidence
	fIsClusterDefiner
	fLastmod
	fCategory
	fAbuse
	fAddress
	fTxHash
	fActor
	fConcepts
	fTagType
	numFields
)

type fieldSet uint32

func (s fieldSet) has(f field) bool { return s&(1<<f) != 0 }
func (s *fieldSet) add(f field)     { *s |= 1 << f }

// tagFields describes each tag field: its name and how its value is read
// into a Tag. A setter returns an error wrapping ErrBadValue.
var tagFields = [numFields]struct {
	name string
	set  func(t *Tag, n *yaml.Node, o *Options) error
}{
	fLabel:    {"label", func(t *Tag, n *yaml.Node, _ *Options) (err error) { t.Label, err = text(n); return }},
	fSource:   {"source", func(t *Tag, n *yaml.Node, _ *Options) (err error) { t.Source, err = text(n); return }},
	fCurrency: {"currency", func(t *Tag, n *yaml.Node, _ *Options) (err error) { t.Currency, err = text(n); return }},
	fNetwork:  {"network", func(t *Tag, n *yaml.Node, _ *Options) (err error) { t.Network, err = text(n); return }},
	fContext:  {"context", func(t *Tag, n *yaml.Node, _ *Options) (err error) { t.Context, err = contextJSON(n); return }},
	fConfidence: {"confidence", func(t *Tag, n *yaml.Node, _ *Options) error {
		s, err := text(n)
		if err != nil {
			return err
		}
		c, ok := ConfidenceByID(s)
		if !ok {
			return fmt.Errorf("%w: unknown confidence %q (known: %s)", ErrBadValue, clip(s), confidenceIDs())
		}
		t.Confidence = c
		return nil
	}},
	fIsClusterDefiner: {"is_cluster_definer", func(t *Tag, n *yaml.Node, _ *Options) (err error) {
		t.IsClusterDefiner, err = boolean(n)
		return
	}},
	fLastmod:  {"lastmod", func(t *Tag, n *yaml.Node, _ *Options) (err error) { t.Lastmod, err = date(n); return }},
	fCategory: {"category", func(t *Tag, n *yaml.Node, o *Options) (err error) { t.Category, err = concept(n, o); return }},
	fAbuse:    {"abuse", func(t *Tag, n *yaml.Node, o *Options) (err error) { t.Abuse, err = concept(n, o); return }},
	fAddress:  {"address", func(t *Tag, n *yaml.Node, _ *Options) (err error) { t.AddressText, err = text(n); return }},
	fTxHash:   {"tx_hash", func(t *Tag, n *yaml.Node, _ *Options) (err error) { t.TxHashText, err = text(n); return }},
	fActor:    {"actor", func(t *Tag, n *yaml.Node, _ *Options) (err error) { t.Actor, err = text(n); return }},
	fConcepts: {"concepts", func(t *Tag, n *yaml.Node, o *Options) error {
		if n.Kind != yaml.SequenceNode {
			return fmt.Errorf("%w: want a list of concepts, got %s", ErrBadValue, describe(n))
		}
		t.Concepts = make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			s, err := concept(c, o)
			if err != nil {
				return err
			}
			t.Concepts = append(t.Concepts, s)
		}
		return nil
	}},
	fTagType: {"tag_type", func(t *Tag, n *yaml.Node, _ *Options) error {
		s, err := text(n)
		if err != nil {
			return err
		}
		if t.TagType, err = vocabulary(s, tagTypeID, "tag type", tagTypes); err != nil {
			return err
		}
		return nil
	}},
}

// tagField returns the tag field called name.
func tagField(name string) (field, bool) {
	for f := range numFields {
		if tagFields[f].name == name {
			return f, true
		}
	}
	return 0, false
}

// The fields only a header may hold.
var headerFields = []string{"title", "creator", "description", "owner", "is_public", "tags"}

func isHeaderField(name string) bool {
	for _, h := range headerFields {
		if h == name {
			return true
		}
	}
	return false
}

// text reads a non-empty string. Like GraphSense, it takes only YAML
// strings: an unquoted 1337 or 2019-03-15 is a number or a date, and an
// unquoted 0x... Ethereum address is a hexadecimal integer, so such values
// must be quoted. Surrounding space is trimmed.
func text(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return "", fmt.Errorf("%w: want text, got %s", ErrBadValue, describe(n))
	}
	s := strings.TrimSpace(n.Value)
	if s == "" {
		return "", fmt.Errorf("%w: empty text", ErrBadValue)
	}
	return s, nil
}

// boolean reads true or false, and also the YAML 1.1 words yes, no, on and
// off unquoted, which GraphSense's PyYAML loader reads as booleans.
func boolean(n *yaml.Node) (bool, error) {
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!bool":
			return strings.EqualFold(n.Value, "true"), nil
		case "!!str":
			if n.Style == 0 {
				switch n.Value {
				case "yes", "Yes", "YES", "on", "On", "ON":
					return true, nil
				case "no", "No", "NO", "off", "Off", "OFF":
					return false, nil
				}
			}
		}
	}
	return false, fmt.Errorf("%w: want true or false, got %s", ErrBadValue, describe(n))
}

// dateLayouts are the forms of a YAML timestamp (yaml.org/type/timestamp),
// which is what GraphSense's loader reads as a date, with one-digit months,
// days and hours allowed as the YAML regular expression allows them.
var dateLayouts = []string{
	"2006-1-2",
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2T15:4:5.999999999",
}

// date reads a date or timestamp, unquoted or quoted (GraphSense parses
// quoted dates too). A date without a time or zone is UTC midnight.
func date(n *yaml.Node) (time.Time, error) {
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!timestamp" || n.ShortTag() == "!!str") {
		s := strings.TrimSpace(n.Value)
		for _, layout := range dateLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC(), nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("%w: want a date such as 2018-09-20, got %s", ErrBadValue, describe(n))
}

// contextJSON reads the context field: JSON text, or a YAML mapping, which
// GraphSense turns into JSON and so does this (keys sorted).
func contextJSON(n *yaml.Node) (string, error) {
	if n.Kind == yaml.MappingNode {
		var v map[string]any
		if err := n.Decode(&v); err != nil {
			return "", fmt.Errorf("%w: context mapping: %v", ErrBadValue, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("%w: context mapping is not expressible as JSON: %v", ErrBadValue, err)
		}
		return string(b), nil
	}
	s, err := text(n)
	if err != nil {
		return "", err
	}
	if !json.Valid([]byte(s)) {
		return "", fmt.Errorf("%w: context is not JSON: %q", ErrBadValue, clip(s))
	}
	return s, nil
}

// concept reads a concept ID, canonicalised to lower case, or with
// Options.AnyConcept any text as written.
func concept(n *yaml.Node, o *Options) (string, error) {
	s, err := text(n)
	if err != nil || o.AnyConcept {
		return s, err
	}
	return vocabulary(s, conceptID, "concept", nil)
}

// vocabulary looks s up with find and reports a miss, listing known
// values when there are few enough to read.
func vocabulary(s string, find func(string) (string, bool), what string, known []string) (string, error) {
	if id, ok := find(s); ok {
		return id, nil
	}
	if known != nil {
		return "", fmt.Errorf("%w: unknown %s %q (known: %s)", ErrBadValue, what, clip(s), strings.Join(known, ", "))
	}
	return "", fmt.Errorf("%w: unknown %s %q (see tagpack.Concepts)", ErrBadValue, what, clip(s))
}

func confidenceIDs() string {
	var ids []string
	for _, c := range Confidences() {
		ids = append(ids, c.ID)
	}
	return strings.Join(ids, ", ")
}
