package main

import (
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
	"github.com/plumetrace/plume/store"
)

// exporter is what graph's flow and address views both write.
type exporter interface {
	WriteDOT(io.Writer, graph.ExportOptions) error
	WriteGraphML(io.Writer, graph.ExportOptions) error
	WriteGEXF(io.Writer, graph.ExportOptions) error
	WriteJSON(io.Writer, ...graph.ExportOptions) error
	WriteCSVDir(string, graph.ExportOptions) error
}

var exportExt = map[string]string{"dot": ".dot", "graphml": ".graphml", "gexf": ".gexf", "json": ".json", "csv": ""}

func newExport(a *app) *cobra.Command {
	var name, format, out, level string
	cmd := &cobra.Command{
		Use:   "export --case NAME --format FORMAT",
		Short: "Export a case's flow: DOT (Graphviz), GraphML, GEXF (Gephi), CSV (Neo4j admin import) or JSON",
		Long: `Export the flow of a saved case, at transaction level (transactions and
outputs) or --level address (addresses, with the value between them). With a
taint model, outputs and addresses carry the stolen satoshi they hold. CSV
writes nodes.csv and relationships.csv in Neo4j's admin-import form into the
directory -o names.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format = strings.ToLower(format)
			ext, ok := exportExt[format]
			if !ok {
				return usagef("--format %q: dot, graphml, gexf, csv or json", format)
			}
			if level != "tx" && level != "address" {
				return usagef("--level %q: tx or address", level)
			}
			if format == "csv" && out == "-" {
				return usagef("csv writes two files: give -o a directory")
			}
			if name == "" {
				return usagef("--case is required (plume case list shows the saved cases)")
			}
			if out == "" {
				out = fileName(name) + map[string]string{"tx": "", "address": "-addresses"}[level] + ext
				if format == "csv" {
					out += "-csv"
				}
			}
			return a.withCase(cmd.Context(), name, func(_ *store.DB, inv *investigation) error {
				var g exporter = inv.res.Flow
				if level == "address" {
					g = inv.res.Addresses()
				}
				opts := graph.ExportOptions{Name: name}
				if t := inv.taint; t != nil {
					opts.Taint = func(o chain.OutPoint) (int64, bool) { return t.Output(o), true }
				}
				if format == "csv" {
					if err := os.MkdirAll(out, 0o755); err != nil {
						return err
					}
					if err := g.WriteCSVDir(out, opts); err != nil {
						return err
					}
					a.wrote("export", out)
					return nil
				}
				return a.writeFile(out, "export", func(w io.Writer) error {
					switch format {
					case "dot":
						return g.WriteDOT(w, opts)
					case "graphml":
						return g.WriteGraphML(w, opts)
					case "gexf":
						return g.WriteGEXF(w, opts)
					}
					return g.WriteJSON(w, opts)
				})
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "case", "", "the saved case")
	f.StringVar(&format, "format", "gexf", "dot, graphml, gexf, csv or json")
	f.StringVar(&level, "level", "tx", "tx or address")
	f.StringVarP(&out, "output", "o", "", "file (a directory for csv) to write; - for stdout (default: from the case's name)")
	return cmd
}
