package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/plumetrace/plume/source/tagpack"
	"github.com/plumetrace/plume/store"
)

func newTags(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "tags", Short: "Import GraphSense TagPacks and show an address's tags", Args: cobra.NoArgs}
	var partial, anyConcept bool
	imp := &cobra.Command{
		Use:   "import PATH...",
		Short: "Import TagPack files, or every pack in a directory (a TagPack repository)",
		Long: `Import the address tags of GraphSense TagPacks for --network. Tags for
other chains and transaction tags are counted and left out. A file with errors
is reported line by line and not imported, unless --partial imports its valid
tags; either way the command then exits 1. Importing a pack again replaces its
tags.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.importTags(cmd.Context(), args, tagpack.Options{AnyConcept: anyConcept}, partial)
		},
	}
	imp.Flags().BoolVar(&partial, "partial", false, "import the valid tags of a file with errors")
	imp.Flags().BoolVar(&anyConcept, "any-concept", false, "accept categories and abuses outside GraphSense's taxonomy")
	show := &cobra.Command{
		Use:   "show ADDRESS",
		Short: "List an address's tags, its own and those its cluster inherits",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, addr, err := a.openAt(args[0])
			if err != nil {
				return err
			}
			defer db.Close()
			p := db.Params()
			tags, err := db.Tags(cmd.Context(), addr)
			if err != nil {
				return err
			}
			docs := tagDocs(tags)
			if a.json {
				return a.printJSON(map[string]any{"address": p.Format(addr), "tags": docs})
			}
			a.printTags(docs)
			return nil
		},
	}
	cmd.AddCommand(imp, show)
	return cmd
}

type importStats struct {
	Files       int `json:"files"`
	Imported    int `json:"imported"`
	OtherChains int `json:"other_chains"`
	TxTags      int `json:"transaction_tags"`
	BadFiles    int `json:"files_with_errors"`
}

func (a *app) importTags(ctx context.Context, paths []string, opts tagpack.Options, partial bool) error {
	db, err := a.open(false, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	p := db.Params()
	var st importStats
	add := func(pack *tagpack.TagPack, perr error) error {
		if pack == nil {
			st.BadFiles++
			fmt.Fprintln(a.stderr, perr)
			return nil
		}
		st.Files++
		if perr != nil {
			st.BadFiles++
			fmt.Fprintln(a.stderr, perr)
			if !partial {
				return nil
			}
		}
		var tags []store.Tag
		for _, t := range pack.Tags {
			switch {
			case t.IsTx():
				st.TxTags++
			case t.Params != p:
				st.OtherChains++
			default:
				tags = append(tags, store.Tag{Address: t.Address, Label: t.Label, Category: t.Category, Abuse: t.Abuse, Actor: t.Actor,
					Source: t.Source, Confidence: t.Confidence.Level, ClusterDefiner: t.IsClusterDefiner, Pack: packName(pack)})
			}
		}
		st.Imported += len(tags)
		return db.AddTags(ctx, tags)
	}
	for _, path := range paths {
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			if err := add(tagpack.Load(path, opts)); err != nil {
				return err
			}
			continue
		}
		for pack, perr := range tagpack.LoadDir(ctx, path, opts) {
			if errors.Is(perr, context.Canceled) {
				return perr
			}
			if err := add(pack, perr); err != nil {
				return err
			}
		}
	}
	if a.json {
		if err := a.printJSON(st); err != nil {
			return err
		}
	} else {
		a.printf("%d tags imported from %d files", st.Imported, st.Files)
		if st.OtherChains+st.TxTags > 0 {
			a.printf("; left out %d tags for other chains than %s and %d transaction tags", st.OtherChains, p.Name, st.TxTags)
		}
		a.printf("\n")
	}
	if st.BadFiles > 0 {
		return fmt.Errorf("%d TagPack files had errors (listed above)", st.BadFiles)
	}
	return nil
}

// packName names a pack in its tags: its title, or its file.
func packName(p *tagpack.TagPack) string {
	if p.Title != "" {
		return p.Title
	}
	return p.File
}

type tagDoc struct {
	Label          string `json:"label"`
	Category       string `json:"category,omitempty"`
	Abuse          string `json:"abuse,omitempty"`
	Actor          string `json:"actor,omitempty"`
	Source         string `json:"source,omitempty"`
	Confidence     int    `json:"confidence"`
	ClusterDefiner bool   `json:"cluster_definer,omitempty"`
	Pack           string `json:"pack,omitempty"`
	Inherited      bool   `json:"inherited,omitempty"`
}

func tagDocs(tags []store.Tag) []tagDoc {
	docs := make([]tagDoc, len(tags))
	for i, t := range tags {
		docs[i] = tagDoc{Label: t.Label, Category: t.Category, Abuse: t.Abuse, Actor: t.Actor, Source: t.Source,
			Confidence: t.Confidence, ClusterDefiner: t.ClusterDefiner, Pack: t.Pack, Inherited: t.Inherited}
	}
	return docs
}

func (a *app) printTags(tags []tagDoc) {
	if len(tags) == 0 {
		a.printf("no tags\n")
		return
	}
	a.printf("tags\n")
	for _, t := range tags {
		how := ""
		if t.Inherited {
			how = ", through its cluster"
		}
		a.printf("  %s (%s; confidence %d; %s%s)\n", t.Label, orDash(t.Category), t.Confidence, orDash(t.Pack), how)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
