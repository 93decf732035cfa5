package main

import (
	"io"
	"os"
	"path/filepath"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/plumetrace/plume/internal/cmdmain"
	"github.com/plumetrace/plume/trace"
)

// writeChart draws the hourly dispersion as a PNG: the stolen value held
// and exited, and the number of holders. It returns the chart's absolute
// path, or "" when nothing was traced.
func writeChart(path string, cs *caseData) (string, error) {
	steps := cs.taint.Timeline(trace.ByHour)
	if len(steps) == 0 {
		return "", nil
	}
	held := make(plotter.XYs, len(steps))
	exited := make(plotter.XYs, len(steps))
	holders := make(plotter.XYs, len(steps))
	for i, s := range steps {
		x := float64(s.Start.Unix())
		held[i] = plotter.XY{X: x, Y: float64(s.Held) / 1e8}
		exited[i] = plotter.XY{X: x, Y: float64(s.Exited) / 1e8}
		holders[i] = plotter.XY{X: x, Y: float64(s.Holders)}
	}
	value := plot.New()
	value.Title.Text = "Stolen BTC, hour by hour"
	value.Y.Label.Text = "BTC"
	value.X.Tick.Marker = plot.TimeTicks{Format: "Jan 02", Time: func(t float64) time.Time { return time.Unix(int64(t), 0).UTC() }}
	h, err := plotter.NewLine(held)
	if err != nil {
		return "", err
	}
	e, err := plotter.NewLine(exited)
	if err != nil {
		return "", err
	}
	e.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
	value.Add(h, e)
	value.Legend.Add("held by the thief", h)
	value.Legend.Add("left through exits", e)
	value.Legend.Top = true

	count := plot.New()
	count.Title.Text = "Addresses holding stolen coins"
	count.X.Tick.Marker = value.X.Tick.Marker
	c, err := plotter.NewLine(holders)
	if err != nil {
		return "", err
	}
	count.Add(c)

	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return savePlots(path, [][]*plot.Plot{{value}, {count}}, 10*vg.Inch, 7*vg.Inch)
}

// savePlots draws plots, a grid of rows, into one PNG.
func savePlots(path string, plots [][]*plot.Plot, w, h vg.Length) (string, error) {
	img := vgimg.New(w, h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(plots), Cols: len(plots[0]), PadX: vg.Millimeter, PadY: 3 * vg.Millimeter}
	canvases := plot.Align(plots, tiles, dc)
	for r := range plots {
		for c := range plots[r] {
			plots[r][c].Draw(canvases[r][c])
		}
	}
	return cmdmain.WriteFile(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
}
