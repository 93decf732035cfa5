package main

import (
	"context"
	"slices"

	"github.com/spf13/cobra"

	"github.com/plumetrace/plume/store"
)

func newCase(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "case", Short: "List, show and delete saved cases", Args: cobra.NoArgs}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the saved cases",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.open(false, store.Options{})
			if err != nil {
				return err
			}
			defer db.Close()
			names, err := db.Cases(cmd.Context())
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(map[string]any{"cases": append([]string{}, names...)})
			}
			for _, n := range names {
				a.printf("%s\n", n)
			}
			return nil
		},
	}
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Summarise a saved case: its trace, and where the stolen value is",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withCase(cmd.Context(), args[0], func(_ *store.DB, inv *investigation) error { return a.showCase(inv) })
		},
	}
	del := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a saved case",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := a.open(false, store.Options{})
			if err != nil {
				return err
			}
			defer db.Close()
			// Only the name is checked, not the document: a case this
			// plume cannot read (corrupt, or of a newer format) can still
			// be deleted.
			names, err := db.Cases(cmd.Context())
			if err != nil {
				return err
			}
			if !slices.Contains(names, args[0]) {
				return noCase(args[0], names)
			}
			if err := db.DeleteCase(cmd.Context(), args[0]); err != nil {
				return err
			}
			if a.json {
				return a.printJSON(map[string]string{"deleted": args[0]})
			}
			a.printf("case %q deleted\n", args[0])
			return nil
		},
	}
	cmd.AddCommand(list, show, del)
	return cmd
}

// withCase opens the store, restores the case called name from it, and
// calls f while both are open.
func (a *app) withCase(ctx context.Context, name string, f func(*store.DB, *investigation) error) error {
	db, err := a.open(false, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	return caseIn(ctx, db, name, f)
}

// caseIn is withCase on a store the caller has open.
func caseIn(ctx context.Context, db *store.DB, name string, f func(*store.DB, *investigation) error) error {
	doc, err := loadCase(ctx, db, name)
	if err != nil {
		return err
	}
	snap := db.Snapshot()
	defer snap.Close()
	inv, err := doc.open(ctx, snap, db.Params())
	if err != nil {
		return err
	}
	return f(db, inv)
}
