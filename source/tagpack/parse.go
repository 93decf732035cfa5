package tagpack

import (
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"
)

// parser validates one document's node tree into a TagPack, collecting
// errors as it goes.
type parser struct {
	opts *Options
	errs collector
}

// fields is a tag being assembled: the Tag, which fields it set itself or
// inherited (set), which of those failed (bad), and the line of each
// field's value, for errors found after the fields are read.
type fields struct {
	Tag
	set   fieldSet
	bad   fieldSet
	lines [numFields]int
}

func (p *parser) pack(root *yaml.Node, name string) *TagPack {
	pack := &TagPack{File: name}
	hdr := fields{Tag: Tag{Index: NoTag, Line: root.Line}}
	var tags *yaml.Node
	seen := map[string]int{}
	var header func(m *yaml.Node, nested bool)
	header = func(m *yaml.Node, nested bool) {
		for _, e := range entries(m, p.dupField(NoTag)) {
			if !e.keyIsText {
				p.errs.add(NoTag, e.line, "", fmt.Errorf("%w: a key that is not text", ErrUnknownField))
				continue
			}
			if first, ok := seen[e.key]; ok {
				// The same field in the top level and in a nested header.
				p.dupField(NoTag)(e.key, e.line, first)
				continue
			}
			seen[e.key] = e.line
			switch {
			case e.key == "header" && !nested:
				// GraphSense reads the fields of a "header" mapping as if
				// they stood at the top level.
				if e.val.Kind != yaml.MappingNode {
					p.errs.add(NoTag, e.val.Line, e.key, fmt.Errorf("%w: want a mapping, got %s", ErrBadValue, describe(e.val)))
					continue
				}
				header(e.val, true)
			case e.key == "tags":
				tags = e.val
				if tags.Kind != yaml.SequenceNode {
					p.errs.add(NoTag, tags.Line, e.key, fmt.Errorf("%w: want a list of tags, got %s", ErrBadValue, describe(tags)))
				}
			case isHeaderField(e.key):
				p.headerField(pack, e)
			default:
				p.tagField(&hdr, NoTag, e)
			}
		}
	}
	header(root, false)
	for _, f := range []string{"title", "creator", "tags"} {
		if _, ok := seen[f]; !ok {
			p.errs.add(NoTag, root.Line, f, ErrMissingField)
		}
	}
	pack.Defaults = hdr.Tag
	if tags == nil || tags.Kind != yaml.SequenceNode {
		return pack
	}

	dups := map[dupKey]tagRef{}
	pack.Tags = make([]Tag, 0, len(tags.Content))
	for i, n := range tags.Content {
		if p.errs.full {
			break
		}
		before := len(p.errs.errs)
		t, ok := p.tag(&hdr, i, n)
		// A tag with errors is left out, and so not compared for
		// duplicates: its fields may be half read.
		if ok && len(p.errs.errs) == before && p.unique(dups, &t) {
			pack.Tags = append(pack.Tags, t.Tag)
		}
	}
	return pack
}

// dupField returns a reporter for keys given twice in one mapping.
func (p *parser) dupField(tag int) func(key string, line, first int) {
	return func(key string, line, first int) {
		p.errs.add(tag, line, key, fmt.Errorf("%w: given twice (first on line %d)", ErrBadValue, first))
	}
}

// headerField reads one header-only field into pack.
func (p *parser) headerField(pack *TagPack, e entry) {
	var err error
	switch e.key {
	case "title":
		pack.Title, err = text(e.val)
	case "creator":
		pack.Creator, err = text(e.val)
	case "description":
		pack.Description, err = text(e.val)
	case "owner":
		pack.Owner, err = text(e.val)
	case "is_public":
		pack.IsPublic, err = boolean(e.val)
	}
	if err != nil {
		p.errs.add(NoTag, e.val.Line, e.key, err)
	}
}

// tagField reads one tag field, of the header (index NoTag) or of tag
// index, into f, and returns which field it was; ok is false for a field
// the schema does not define.
func (p *parser) tagField(f *fields, index int, e entry) (id field, ok bool) {
	id, ok = tagField(e.key)
	if !ok {
		err := ErrUnknownField
		if index != NoTag && isHeaderField(e.key) {
			err = fmt.Errorf("%w: %s belongs in the header", ErrUnknownField, e.key)
		}
		p.errs.add(index, e.line, e.key, err)
		return id, false
	}
	f.set.add(id)
	f.lines[id] = e.val.Line
	if err := tagFields[id].set(&f.Tag, e.val, p.opts); err != nil {
		f.bad.add(id)
		p.errs.add(index, e.val.Line, e.key, err)
	}
	return id, true
}

// tag assembles tag i from node n and the header's fields, and checks
// it, reporting what is wrong. ok is false when it inherits a header field
// that had an error (reported once, for the header); the caller tells
// the tag's own errors by the count of errors collected.
func (p *parser) tag(hdr *fields, i int, n *yaml.Node) (f fields, ok bool) {
	if n.Kind != yaml.MappingNode {
		p.errs.add(i, n.Line, "", fmt.Errorf("%w: a tag is %s, want a mapping", ErrBadValue, describe(n)))
		return f, false
	}
	// Start from the header's fields; what the tag sets overrides them.
	f.Tag = hdr.Tag
	f.Index, f.Line = i, n.Line
	f.lines = hdr.lines
	var own fieldSet
	for _, e := range entries(n, p.dupField(i)) {
		if !e.keyIsText {
			p.errs.add(i, e.line, "", fmt.Errorf("%w: a key that is not text", ErrUnknownField))
			continue
		}
		if id, ok := p.tagField(&f, i, e); ok {
			own.add(id)
		}
	}
	// bad now holds the tag's own failures; add the header's for the
	// fields the tag did not override.
	inheritedBad := hdr.bad &^ own
	f.set |= hdr.set
	if !own.has(fConcepts) && f.Concepts != nil {
		// Each tag gets its own slice, so that a caller changing one tag's
		// concepts does not change every tag's.
		f.Concepts = slices.Clone(f.Concepts)
	}
	f.bad |= inheritedBad

	if !f.set.has(fNetwork) && f.set.has(fCurrency) && !f.bad.has(fCurrency) {
		// GraphSense: a tag without a network is on its currency's chain.
		f.Network = f.Currency
		f.set.add(fNetwork)
		f.lines[fNetwork] = f.lines[fCurrency]
	}
	if !f.set.has(fConfidence) {
		f.Confidence = ConfidenceUnknown
	}
	for _, r := range []field{fLabel, fSource, fCurrency} {
		if !f.set.has(r) {
			p.errs.add(i, n.Line, tagFields[r].name, ErrMissingField)
		}
	}
	p.subject(&f)
	return f, inheritedBad == 0
}
