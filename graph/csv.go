package graph

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// CSV in the form neo4j-admin's bulk importer reads: a nodes file whose
// header types every column (id:ID, :LABEL, height:int, value:long,
// time:datetime, seed:boolean; untyped columns are strings) and a
// relationships file with :START_ID, :END_ID, :TYPE and value:long. A
// column that does not apply to a row (a transaction's address) is left
// empty, which the importer reads as no property.
//
// Import into an empty database with
//
//	neo4j-admin database import full --nodes=nodes.csv \
//		--relationships=relationships.csv --id-type=integer neo4j
//
// --id-type=integer stores the chain node IDs as integers in the id
// property (strings by default). The two views share IDs (an address's ID
// is an output's), so import them into separate databases.

// The file names WriteCSVDir writes.
const (
	NodesCSV         = "nodes.csv"
	RelationshipsCSV = "relationships.csv"
)

// WriteCSV writes the flow as Neo4j import CSV: nodes labelled Tx and
// Output with the attributes of WriteGraphML, and relationships PAYS
// (transaction -> output) and SPENT_BY (output -> spending transaction)
// with their value in satoshi. The files are streamed.
func (f *Flow) WriteCSV(nodes, rels io.Writer, opt ExportOptions) error {
	return writeCSV(nodes, rels, newFlowView(f, opt))
}

// WriteCSV writes the address projection as Neo4j import CSV: nodes
// labelled Address, relationships SENT with the value moved, rounded to
// the satoshi.
func (g *AddrGraph) WriteCSV(nodes, rels io.Writer, opt ExportOptions) error {
	return writeCSV(nodes, rels, newAddrView(g, opt))
}

// WriteCSVDir writes the flow's CSV files into dir (created if needed) as
// NodesCSV and RelationshipsCSV, replacing them. On error it removes them.
func (f *Flow) WriteCSVDir(dir string, opt ExportOptions) error {
	return writeCSVDir(dir, newFlowView(f, opt))
}

// WriteCSVDir writes the address projection's CSV files into dir like
// Flow.WriteCSVDir.
func (g *AddrGraph) WriteCSVDir(dir string, opt ExportOptions) error {
	return writeCSVDir(dir, newAddrView(g, opt))
}

func writeCSVDir(dir string, v view) (err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	np, rp := filepath.Join(dir, NodesCSV), filepath.Join(dir, RelationshipsCSV)
	nf, err := os.Create(np)
	if err != nil {
		return err
	}
	rf, err := os.Create(rp)
	if err != nil {
		return errors.Join(err, nf.Close(), os.Remove(np))
	}
	err = writeCSV(nf, rf, v)
	err = errors.Join(err, nf.Close(), rf.Close())
	if err != nil {
		// Half a file would import as a smaller graph without a word.
		return errors.Join(err, os.Remove(np), os.Remove(rp))
	}
	return nil
}

func writeCSV(nodes, rels io.Writer, v view) error {
	info := v.info()
	// csv.Writer buffers too, but only 4 KiB; 64 KiB makes fewer,
	// larger writes to files.
	nb, rb := bufio.NewWriterSize(nodes, 64<<10), bufio.NewWriterSize(rels, 64<<10)
	nw, rw := csv.NewWriter(nb), csv.NewWriter(rb)

	row := make([]string, 2+len(info.fields))
	row[0], row[1] = "id:ID", ":LABEL"
	for i, fl := range info.fields {
		row[2+i] = fl.name
		if t := neo4jFieldTypes[fl.typ]; t != "" {
			row[2+i] += ":" + t
		}
	}
	if err := nw.Write(row); err != nil {
		return err
	}
	err := v.eachNode(func(n *nodeRec) error {
		row[0], row[1] = strconv.FormatInt(n.id, 10), neo4jLabels[n.kind]
		copy(row[2:], n.vals)
		return nw.Write(row)
	})
	if err == nil {
		nw.Flush()
		err = nw.Error()
	}
	if err == nil {
		err = nb.Flush()
	}
	if err != nil {
		return err
	}

	row = row[:4]
	copy(row, []string{":START_ID", ":END_ID", ":TYPE", "value:long"})
	if err := rw.Write(row); err != nil {
		return err
	}
	err = v.eachEdge(func(e *edgeRec) error {
		row[0], row[1], row[2], row[3] = strconv.FormatInt(e.from, 10), strconv.FormatInt(e.to, 10), neo4jRelTypes[e.kind], strconv.FormatInt(e.value, 10)
		return rw.Write(row)
	})
	if err == nil {
		rw.Flush()
		err = rw.Error()
	}
	if err == nil {
		err = rb.Flush()
	}
	return err
}
