package graph

import (
	"encoding/xml"
	"io"
)

// xmlStream writes an XML document token by token through encoding/xml,
// which escapes text and attributes and checks that tags balance, so the
// GraphML and GEXF writers never hold more than a buffer of the document.
// The first error sticks: later calls do nothing and walks stop on it.
type xmlStream struct {
	w     io.Writer
	enc   *xml.Encoder
	attrs []xml.Attr // reused: EncodeToken does not keep them
	err   error
}

func newXMLStream(w io.Writer) *xmlStream {
	x := &xmlStream{w: w}
	// The declaration goes straight to w, ahead of the encoder's buffer,
	// so that the root element starts on a line of its own.
	_, x.err = io.WriteString(w, xml.Header)
	x.enc = xml.NewEncoder(w)
	x.enc.Indent("", " ")
	return x
}

// start opens element name with attributes given as name, value pairs.
// Prefixed names ("xmlns:viz", "viz:color") are written as given: the
// writers declare the prefixes on the root element, as XML namespaces
// expect, since encoding/xml would otherwise repeat an xmlns on every
// element.
func (x *xmlStream) start(name string, attrs ...string) {
	if x.err != nil {
		return
	}
	x.attrs = x.attrs[:0]
	for i := 0; i+1 < len(attrs); i += 2 {
		x.attrs = append(x.attrs, xml.Attr{Name: xml.Name{Local: attrs[i]}, Value: attrs[i+1]})
	}
	x.err = x.enc.EncodeToken(xml.StartElement{Name: xml.Name{Local: name}, Attr: x.attrs})
}

func (x *xmlStream) end(name string) {
	if x.err != nil {
		return
	}
	x.err = x.enc.EncodeToken(xml.EndElement{Name: xml.Name{Local: name}})
}

// empty writes an element without content.
func (x *xmlStream) empty(name string, attrs ...string) {
	x.start(name, attrs...)
	x.end(name)
}

// text writes an element holding text.
func (x *xmlStream) text(name, text string, attrs ...string) {
	x.start(name, attrs...)
	if x.err == nil {
		x.err = x.enc.EncodeToken(xml.CharData(text))
	}
	x.end(name)
}

// close flushes the encoder and returns the first error.
func (x *xmlStream) close() error {
	if x.err == nil {
		x.err = x.enc.Close()
	}
	if x.err == nil {
		_, x.err = io.WriteString(x.w, "\n")
	}
	return x.err
}
