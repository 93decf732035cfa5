package main

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows a bar on a terminal and nothing otherwise: the example's
// output stays clean when piped or tested.
type progress struct {
	on    bool
	w     io.Writer
	bar   *progressbar.ProgressBar
	label string
}

func newProgress(on bool, w io.Writer) *progress { return &progress{on: on, w: w} }

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (p *progress) step(label string, n, total int64) {
	if !p.on {
		return
	}
	if p.bar == nil || p.label != label {
		p.done()
		p.label = label
		p.bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(p.w), progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(), progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish())
	}
	p.bar.Set64(n)
}

func (p *progress) done() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}
