package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart colours, shared with the page's legend and graph (report.css).
var (
	colHeld   = color.RGBA{R: 0xc0, G: 0x39, B: 0x2b, A: 0xff}
	colExited = color.RGBA{R: 0xe6, G: 0x7e, B: 0x22, A: 0xff}
	colBeyond = color.RGBA{R: 0x7f, G: 0x8c, B: 0x8d, A: 0xff}
	colCount  = color.RGBA{R: 0x29, G: 0x80, B: 0xb9, A: 0xff}
	colUTXO   = color.RGBA{R: 0x16, G: 0xa0, B: 0x85, A: 0xff}
)

// timelineSVG draws the dispersion timeline as an SVG document: above,
// the stolen value held, exited and gone beyond the trace (BTC); below,
// how many addresses and outputs hold it. "" when there is no timeline.
func timelineSVG(tl Timeline) (string, error) {
	if len(tl.Steps) == 0 {
		return "", nil
	}
	x := func(s Step) float64 {
		if tl.Bucket == "block" {
			return float64(s.Height)
		}
		return float64(s.Start.Unix())
	}
	series := func(y func(Step) float64) plotter.XYs {
		xys := make(plotter.XYs, 0, len(tl.Steps)+1)
		for _, s := range tl.Steps {
			xys = append(xys, plotter.XY{X: x(s), Y: y(s)})
		}
		// A step line needs a second point to show the last step.
		last := tl.Steps[len(tl.Steps)-1]
		end := x(last) + 1
		if tl.Bucket != "block" {
			end = float64(last.End.Unix())
		}
		return append(xys, plotter.XY{X: end, Y: y(last)})
	}
	btc := func(sat int64) float64 { return float64(sat) / 1e8 }

	value := plot.New()
	value.Title.Text = "Stolen value by " + tl.Bucket
	value.Y.Label.Text = "BTC"
	value.Y.Min = 0
	counts := plot.New()
	counts.Title.Text = "Holders"
	counts.Y.Label.Text = "count"
	counts.Y.Min = 0
	for _, l := range []struct {
		p    *plot.Plot
		name string
		c    color.Color
		y    func(Step) float64
	}{
		{value, "held", colHeld, func(s Step) float64 { return btc(s.Held) }},
		{value, "exited", colExited, func(s Step) float64 { return btc(s.Exited) }},
		{value, "beyond the trace", colBeyond, func(s Step) float64 { return btc(s.Beyond) }},
		{counts, "addresses", colCount, func(s Step) float64 { return float64(s.Holders) }},
		{counts, "outputs", colUTXO, func(s Step) float64 { return float64(s.UTXOs) }},
	} {
		line, err := plotter.NewLine(series(l.y))
		if err != nil {
			return "", fmt.Errorf("report: chart: %w", err)
		}
		line.StepStyle = plotter.PostStep
		line.Color = l.c
		line.Width = vg.Points(1.5)
		l.p.Add(line)
		l.p.Legend.Add(l.name, line)
	}
	for _, p := range []*plot.Plot{value, counts} {
		p.Legend.Top, p.Legend.Left = true, true
		// Head room above the data for the legend, which would cover the
		// top line otherwise.
		p.Y.Max *= 1.35
		p.Add(plotter.NewGrid())
		switch tl.Bucket {
		case "block":
			p.X.Label.Text = "block height"
			p.X.Tick.Marker = intTicks{}
		case "hour":
			p.X.Label.Text = "time (UTC)"
			p.X.Tick.Marker = plot.TimeTicks{Format: "2006-01-02 15:04"}
		default:
			p.X.Label.Text = "date (UTC)"
			p.X.Tick.Marker = plot.TimeTicks{Format: "2006-01-02"}
		}
	}
	c := vgsvg.New(vg.Points(720), vg.Points(460))
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Points(16), PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(12)}
	plots := [][]*plot.Plot{{value}, {counts}}
	canvases := plot.Align(plots, tiles, draw.New(c))
	value.Draw(canvases[0][0])
	counts.Draw(canvases[1][0])
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("report: chart: %w", err)
	}
	return inlineSVG(buf.String()), nil
}

// inlineSVG makes a standalone SVG document fit inside HTML: the XML
// declaration and comments before the root are dropped, and the root gets
// a class and a role so that CSS can scale it and readers announce it.
func inlineSVG(doc string) string {
	if i := strings.Index(doc, "<svg"); i >= 0 {
		doc = doc[i:]
	}
	return strings.Replace(doc, "<svg ", `<svg class="chart" role="img" aria-label="dispersion timeline" `, 1)
}

// intTicks labels block heights as whole numbers; the default ticks would
// write large heights in exponent form.
type intTicks struct{}

func (intTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		switch v := ticks[i].Value; {
		case ticks[i].Label == "":
		case v != math.Trunc(v): // between two blocks: no label
			ticks[i].Label = ""
		default:
			ticks[i].Label = strconv.FormatFloat(v, 'f', 0, 64)
		}
	}
	return ticks
}
