package main

import (
	"io"
	"path/filepath"
	"strings"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/spf13/cobra"

	"github.com/plumetrace/plume/internal/cmdmain"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace"
	"github.com/plumetrace/plume/trace/report"
)

func newReport(a *app) *cobra.Command {
	var name, format, out, bucket, title string
	var maxNodes int
	cmd := &cobra.Command{
		Use:   "report --case NAME",
		Short: "Write a case report: self-contained HTML (default), Markdown or JSON",
		Long: `Write the report of a saved case: summary, destinations, the dispersion
timeline, the flow graph (interactive in HTML, which needs no network to
view), and provenance: the store's tip when traced, plume's version, the
options, and for each exit the path of transactions from the seed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			write, ext, err := reportWriter(format)
			if err != nil {
				return err
			}
			b, err := parseBucket(bucket)
			if err != nil {
				return err
			}
			if name == "" {
				return usagef("--case is required (plume case list shows the saved cases)")
			}
			if out == "" {
				out = fileName(name) + ext
			}
			return a.withCase(cmd.Context(), name, func(_ *store.DB, inv *investigation) error {
				opts := inv.reportOptions()
				opts.Title, opts.Bucket, opts.MaxNodes = title, b, maxNodes
				rep, err := report.New(inv.res, inv.taint, opts)
				if err != nil {
					return err
				}
				return a.writeFile(out, "report", func(w io.Writer) error { return write(w, rep) })
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "case", "", "the saved case")
	f.StringVar(&format, "format", "html", "html, markdown or json")
	f.StringVarP(&out, "output", "o", "", "file to write (default: the case's name with the format's extension; - for stdout)")
	f.StringVar(&bucket, "bucket", "hour", "timeline step: block, hour or day")
	f.StringVar(&title, "title", "", "the report's title")
	f.IntVar(&maxNodes, "max-nodes", 0, "most transactions the flow graph draws (0: the default, negative: all)")
	return cmd
}

func reportWriter(format string) (func(io.Writer, *report.Report) error, string, error) {
	switch strings.ToLower(format) {
	case "html":
		return report.WriteHTML, ".html", nil
	case "markdown", "md":
		return report.WriteMarkdown, ".md", nil
	case "json":
		return report.WriteJSON, ".json", nil
	}
	return nil, "", usagef("--format %q: html, markdown or json", format)
}

func parseBucket(s string) (trace.Bucket, error) {
	switch strings.ToLower(s) {
	case "block":
		return trace.ByBlock, nil
	case "hour":
		return trace.ByHour, nil
	case "day":
		return trace.ByDay, nil
	}
	return 0, usagef("--bucket %q: block, hour or day", s)
}

func (c *caseDoc) reportTip() report.Tip {
	h, err := chainhash.NewHashFromStr(c.Tip.Hash)
	if err != nil {
		return report.Tip{}
	}
	return report.Tip{Height: c.Tip.Height, Hash: *h}
}

// fileName makes a case name safe as a file name.
func fileName(name string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '-' || r == '_' || r == '.' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return r
		}
		return '_'
	}, name)
}

// writeFile writes what write produces to path ("-": stdout) and says
// where on stderr; a failed write leaves no half file behind.
func (a *app) writeFile(path, what string, write func(io.Writer) error) error {
	if path == "-" {
		return write(a.stdout)
	}
	path, err := cmdmain.WriteFile(path, write)
	if err != nil {
		return err
	}
	a.wrote(what, path)
	return nil
}

// wrote tells where output went, as JSON with --json.
func (a *app) wrote(what, path string) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	if a.json {
		a.printJSON(map[string]string{what: path})
		return
	}
	a.printf("%s written to %s\n", what, path)
}
