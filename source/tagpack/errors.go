package tagpack

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, for errors.Is. Each comes wrapped in an *Error that says
// where in which file; a file's errors come together in an ErrorList.
var (
	// ErrSyntax: the input is not YAML, or is YAML this package does not
	// take: several documents, a top level that is not a mapping, aliases,
	// merge keys or local tags such as !include.
	ErrSyntax = errors.New("not a TagPack document")
	// ErrEmpty: the input holds no YAML document, or an empty one.
	ErrEmpty = errors.New("empty file")
	// ErrTooLarge: the input is longer than Options.MaxSize.
	ErrTooLarge = errors.New("file too large")
	// ErrMissingField: a required field is absent from the header, or from
	// a tag and the header both.
	ErrMissingField = errors.New("missing required field")
	// ErrUnknownField: a field the TagPack schema does not define, or a
	// header-only field inside a tag.
	ErrUnknownField = errors.New("unknown field")
	// ErrBadValue: a field of the wrong type (text, boolean, date, list),
	// empty, given twice, or outside its vocabulary (confidence, concept,
	// tag type); also address and tx_hash given together.
	ErrBadValue = errors.New("bad value")
	// ErrBadAddress: an address or transaction hash that does not parse for
	// the tag's network. Address errors also wrap the *chain.AddressError,
	// so errors.Is(err, chain.ErrWrongNetwork) tells a valid address of
	// another network from a malformed one.
	ErrBadAddress = errors.New("bad address")
	// ErrDuplicate: a tag repeats an earlier tag of the same file (same
	// network, address or transaction, label and source).
	ErrDuplicate = errors.New("duplicate tag")
	// ErrTooManyErrors: validation stopped after Options.MaxErrors errors;
	// the file may hold more.
	ErrTooManyErrors = errors.New("too many errors")
)

// NoTag is Error.Tag for errors that are not about one tag: the header, or
// the file as a whole.
const NoTag = -1

// Error reports one problem in a TagPack file. Tag is the 0-based position
// of the tag in the tags list, or NoTag; Line is the 1-based YAML line of
// the offending value (of the tag for a missing field), or 0 when unknown;
// Field is the TagPack field, or "" when the problem is not about one.
type Error struct {
	File  string
	Tag   int
	Line  int
	Field string
	Err   error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("tagpack: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	switch {
	case e.Tag >= 0 && e.Line > 0:
		fmt.Fprintf(&b, "tag %d (line %d): ", e.Tag, e.Line)
	case e.Tag >= 0:
		fmt.Fprintf(&b, "tag %d: ", e.Tag)
	case e.Field != "" && e.Line > 0:
		fmt.Fprintf(&b, "header (line %d): ", e.Line)
	case e.Field != "":
		b.WriteString("header: ")
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, "field %q: ", e.Field)
	}
	b.WriteString(fmt.Sprint(e.Err))
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorList is every problem found in one file, in document order. Parse
// and Load return one as their error, so that a whole file can be fixed
// in one pass; errors.Is and errors.As look through all of its entries.
type ErrorList []*Error

// Error returns the errors one per line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap returns the entries, for errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// collector gathers a file's errors up to a limit. Once the limit is
// reached it records ErrTooManyErrors and reports full, and callers stop
// validating: a generated file with one mistake repeated on every line
// should not produce a million messages.
type collector struct {
	file string
	max  int
	errs ErrorList
	full bool
}

// add records an error about tag (or NoTag) at line for field.
func (c *collector) add(tag, line int, field string, err error) {
	if c.full {
		return
	}
	if len(c.errs) == c.max {
		c.errs = append(c.errs, &Error{File: c.file, Tag: NoTag, Err: fmt.Errorf("%w: stopped after %d", ErrTooManyErrors, c.max)})
		c.full = true
		return
	}
	c.errs = append(c.errs, &Error{File: c.file, Tag: tag, Line: line, Field: field, Err: err})
}

// err returns the errors, or nil when there are none.
func (c *collector) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return c.errs
}

// fatal returns an ErrorList of one error about the whole file.
func fatal(file string, line int, err error) error {
	return ErrorList{{File: file, Tag: NoTag, Line: line, Err: err}}
}
