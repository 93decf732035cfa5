package cmdmain

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Progress shows a bar on a terminal and nothing otherwise, so output stays
// clean when piped or tested. The zero value and a nil *Progress show
// nothing.
type Progress struct {
	on    bool
	w     io.Writer
	bar   *progressbar.ProgressBar
	label string
}

// NewProgress returns a Progress that draws on w if on.
func NewProgress(on bool, w io.Writer) *Progress { return &Progress{on: on, w: w} }

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Step shows n of total done at the stage label; a new label starts a new
// bar. total -1 means unknown (a spinner).
func (p *Progress) Step(label string, n, total int64) {
	if p == nil || !p.on {
		return
	}
	if p.bar == nil || p.label != label {
		p.Done()
		p.label = label
		p.bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(p.w), progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(), progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish())
	}
	p.bar.Set64(n)
}

// Done clears the current bar.
func (p *Progress) Done() {
	if p != nil && p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}
