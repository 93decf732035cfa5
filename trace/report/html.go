package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// The page is one file: its styles, the chart (SVG), the graph data
// (JSON), Cytoscape.js and the viewer are inlined, and its Content
// Security Policy forbids every fetch, so that a report opens the same
// offline, years later, and cannot call out when an investigator opens
// it.

var (
	//go:embed assets/report.html
	pageHTML string
	//go:embed assets/report.css
	pageCSS string
	//go:embed assets/viewer.js
	viewerJS string
	//go:embed assets/cytoscape.min.js
	cytoscapeJS string
)

// maxTableSteps bounds the timeline rows the HTML and Markdown tables
// show; the chart and the JSON keep every step.
const maxTableSteps = 100

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"btc":        btc,
	"btcPtr":     btcPtr,
	"pct":        pct,
	"when":       when,
	"tipText":    tipText,
	"totalTitle": totalTitle,
	"kindNote":   kindNote,
	"stepName":   stepName,
	"graphNote":  graphNote,
	"limit":      limit[int],
	"yesNo":      yesNo,
	"float":      float,
	"valueWord":  valueWord,
	"hops":       hops,
}).Parse(pageHTML))

type page struct {
	R         *Report
	CSS       template.CSS
	Chart     template.HTML
	Steps     []Step
	Sampled   bool
	Seeds     []SeedOutput
	SeedsMore string
	Dests     []Destination
	DestsMore string
	GraphJSON template.JS
	Cytoscape template.JS
	Viewer    template.JS
}

// WriteHTML writes the report as one self-contained HTML page: summary,
// destinations, the dispersion timeline chart, the interactive flow graph
// and the provenance. It needs no network to view.
func WriteHTML(w io.Writer, rep *Report) error {
	chart, err := timelineSVG(rep.Timeline)
	if err != nil {
		return err
	}
	// encoding/json escapes <, > and & (and U+2028/9), so the data cannot
	// close its script element.
	data, err := json.Marshal(rep.Graph)
	if err != nil {
		return fmt.Errorf("report: graph data: %w", err)
	}
	if strings.Contains(strings.ToLower(cytoscapeJS), "</script") {
		// Checked by a test too; inlined as is, it would end the page's
		// script early.
		return fmt.Errorf("report: the vendored cytoscape.min.js contains </script")
	}
	pg := page{R: rep, CSS: template.CSS(pageCSS), Chart: template.HTML(chart), GraphJSON: template.JS(data),
		Cytoscape: template.JS(cytoscapeJS), Viewer: template.JS(viewerJS)}
	pg.Steps, pg.Sampled = sampleSteps(rep.Timeline.Steps, maxTableSteps)
	var n int
	pg.Seeds, n = head(rep.Summary.Seeds)
	pg.SeedsMore = moreNote(n, "seed outputs", restSeeds(rep.Summary.Seeds), "in all")
	pg.Dests, n = head(rep.Destinations)
	pg.DestsMore = moreNote(n, "destinations", restDestinations(rep.Destinations), valueWord(rep.Summary))
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, pg); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	_, err = buf.WriteTo(w)
	return err
}
