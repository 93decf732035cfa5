package cmdmain

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/plumetrace/plume/trace"
	"github.com/plumetrace/plume/trace/report"
)

// Run calls run with the process's arguments and standard streams and a
// context cancelled on an interrupt, prints its error prefixed with name,
// and exits 1 on failure. A -h request exits 1 without repeating the
// usage the flag package already printed.
func Run(name string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		}
		os.Exit(1)
	}
}

// Strings is a repeatable string flag: each use appends.
type Strings []string

var _ flag.Value = (*Strings)(nil)

func (s *Strings) String() string     { return strings.Join(*s, ",") }
func (s *Strings) Set(v string) error { *s = append(*s, v); return nil }

// WriteHTMLReport writes the case report of res and taint (nil: none) to
// path and says where on w; a failed write leaves no half report behind.
func WriteHTMLReport(path string, res *trace.Result, taint *trace.Taint, opts report.Options, w io.Writer) error {
	rep, err := report.New(res, taint, opts)
	if err != nil {
		return err
	}
	path, err = WriteFile(path, func(out io.Writer) error { return report.WriteHTML(out, rep) })
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "report written to %s\n", path)
	return nil
}
