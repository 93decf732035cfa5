package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace"
	"github.com/plumetrace/plume/trace/report"
)

// TestProvenanceStop: the report says what the stop predicate did when the
// caller describes it, that one was set when it does not, and none when
// there was none; the caller's settings and PreferRemainder appear in
// every form of the report.
func TestProvenanceStop(t *testing.T) {
	never := func(*chain.Tx, int) bool { return false }
	settings := []report.Setting{{Name: "Deposit addresses as exits", Value: "no"}}
	for _, c := range []struct {
		gc   genesisCase
		want string // the stop predicate in words
	}{
		{genesisCase{opts: trace.Options{MaxHops: 3}}, "none"},
		{genesisCase{opts: trace.Options{MaxHops: 3, Stop: never}}, "set (not described)"},
		{genesisCase{opts: trace.Options{MaxHops: 3, PreferRemainder: true},
			ropts: report.Options{Stop: "at exits tagged in the store", Settings: settings}}, "at exits tagged in the store"},
	} {
		rep, _, _ := c.gc.build(t)
		tr := rep.Provenance.Trace
		if tr.Stop != (c.want != "none") || tr.StopPredicate != c.gc.ropts.Stop || tr.PreferRemainder != c.gc.opts.PreferRemainder {
			t.Errorf("%s: trace provenance %+v", c.want, tr)
		}
		if len(rep.Provenance.Settings) != len(c.gc.ropts.Settings) {
			t.Errorf("%s: settings %+v", c.want, rep.Provenance.Settings)
		}
		var html, md bytes.Buffer
		if err := report.WriteHTML(&html, rep); err != nil {
			t.Fatal(err)
		}
		if err := report.WriteMarkdown(&md, rep); err != nil {
			t.Fatal(err)
		}
		for name, body := range map[string]string{"html": html.String(), "markdown": md.String()} {
			if !strings.Contains(body, c.want) {
				t.Errorf("%s: %s lacks the stop predicate", c.want, name)
			}
			if strings.Contains(body, "remainders only") != c.gc.opts.PreferRemainder {
				t.Errorf("%s: %s misstates PreferRemainder", c.want, name)
			}
			for _, s := range c.gc.ropts.Settings {
				if !strings.Contains(body, s.Name) {
					t.Errorf("%s: %s lacks setting %q", c.want, name, s.Name)
				}
			}
		}
	}
}
