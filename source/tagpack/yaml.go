package tagpack

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"
)

// decode parses data as one YAML document and returns its top-level
// mapping, or an error and the line it concerns (0 when unknown).
//
// The node tree is checked for aliases and merge keys before anything reads
// it. yaml.v3 keeps aliases unexpanded in a node tree, so they cost nothing
// here, but every reader of the tree would have to expand them with a
// budget to survive a "billion laughs" file, and TagPacks have their own
// way to share values (header fields). Refusing them keeps the work linear
// in the size of the input, which Options.MaxSize bounds.
func decode(data []byte) (root *yaml.Node, line int, err error) {
	defer func() {
		// yaml.v3 reports errors by panicking internally and recovering at
		// its API; should a malformed input ever escape that, it is still a
		// malformed input, not a reason to bring the caller down.
		if r := recover(); r != nil {
			root, line, err = nil, 0, fmt.Errorf("%w: yaml: %v", ErrSyntax, r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, 0, ErrEmpty
		}
		return nil, 0, fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, next.Line, fmt.Errorf("%w: more than one YAML document", ErrSyntax)
	case !errors.Is(err, io.EOF):
		return nil, 0, fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, doc.Line, ErrEmpty
	}
	root = doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil, root.Line, ErrEmpty
	}
	if root.Kind != yaml.MappingNode {
		return nil, root.Line, fmt.Errorf("%w: the top level is %s, want a mapping", ErrSyntax, describe(root))
	}
	if n := findAlias(root); n != nil {
		if n.Kind == yaml.AliasNode {
			return nil, n.Line, fmt.Errorf("%w: YAML aliases (*%s) are not supported", ErrSyntax, n.Value)
		}
		return nil, n.Line, fmt.Errorf("%w: YAML merge keys (<<) are not supported", ErrSyntax)
	}
	return root, 0, nil
}

// nodeBytes is the fewest bytes of Options.MaxSize that each YAML
// separator must account for (see Options.MaxSize).
const nodeBytes = 8

// nodeStarts counts the characters after which a YAML node can begin.
// Every node but the first two (the document and its root) follows one of
// them, and no more than two nodes follow one (a key and its empty value
// in a flow mapping), so the count bounds the node tree yaml.v3 would
// build, at the cost of a scan, before it builds it. Separators inside
// quotes and comments count too: the bound is conservative.
func nodeStarts(data []byte) int64 {
	var n int64
	for _, c := range []byte(",[{-:?\n") {
		n += int64(bytes.Count(data, []byte{c}))
	}
	return n
}

// findAlias returns the first alias or merge key under n, or nil. It walks
// with an explicit stack: yaml.v3 allows nesting 10,000 deep.
func findAlias(n *yaml.Node) *yaml.Node {
	stack := []*yaml.Node{n}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Kind == yaml.AliasNode {
			return n
		}
		if n.Kind == yaml.MappingNode {
			// A plain "<<" resolves to !!merge wherever it stands; only as
			// a key does it merge.
			for i := 0; i < len(n.Content); i += 2 {
				if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
					return k
				}
			}
		}
		// Push in reverse so the first in document order is found first.
		for i := len(n.Content) - 1; i >= 0; i-- {
			stack = append(stack, n.Content[i])
		}
	}
	return nil
}

// entry is one key and value of a mapping.
type entry struct {
	key       string
	line      int // the key's line
	val       *yaml.Node
	keyIsText bool
}

// entries returns the pairs of mapping m in order. A key given twice is
// reported through dup with the later entry's line and left out: YAML
// forbids it, and GraphSense's loader rejects it rather than let the last
// one win silently.
func entries(m *yaml.Node, dup func(key string, line, first int)) []entry {
	out := make([]entry, 0, len(m.Content)/2)
	seen := make(map[string]int, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		e := entry{key: k.Value, line: k.Line, val: m.Content[i+1], keyIsText: k.Kind == yaml.ScalarNode}
		if !e.keyIsText {
			e.key = ""
		}
		if first, ok := seen[e.key]; ok && e.keyIsText {
			dup(e.key, e.line, first)
			continue
		}
		seen[e.key] = e.line
		out = append(out, e)
	}
	return out
}

// describe names the kind of value n holds, for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	switch t := n.ShortTag(); t {
	case "!!str":
		return fmt.Sprintf("text %q", clip(n.Value))
	case "!!int", "!!float":
		return "the number " + clip(n.Value)
	case "!!bool":
		return "the boolean " + n.Value
	case "!!null":
		return "nothing"
	case "!!timestamp":
		return "the date " + clip(n.Value)
	default:
		return fmt.Sprintf("a value tagged %s, which is not supported", clip(t))
	}
}

// clip shortens s for a message: a hostile file may hold a megabyte in one
// value, and messages are read by people.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	for i := max; i > 0; i-- {
		// Cut at a rune boundary so the message stays valid UTF-8.
		if s[i]&0xc0 != 0x80 {
			return s[:i] + "…"
		}
	}
	return s[:max] + "…"
}
