package graph_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
)

// theftFlow is the flow of ExampleNew: a theft of 1 BTC at 800000:5, then
// a payment of 0.3 BTC to a mule at 800001:2 with the change back to the
// thief.
func theftFlow() (f *graph.Flow, theft, payment chain.TxID) {
	victim := chain.Address{Kind: chain.KindP2WPKH, Hash: [32]byte{0x11}}
	thief := chain.Address{Kind: chain.KindP2WPKH, Hash: [32]byte{0x22}}
	mule := chain.Address{Kind: chain.KindP2WPKH, Hash: [32]byte{0x33}}
	t := &chain.Tx{
		ID:       chain.MakeTxID(800000, 5),
		Time:     time.Date(2023, 7, 24, 12, 0, 0, 0, time.UTC),
		Msg:      wire.NewMsgTx(2),
		Prevouts: []chain.Prevout{{Out: chain.MakeTxID(799990, 7).Out(3), Value: 100_010_000, Script: victim.Script(), Addr: victim, Resolved: true}},
	}
	t.Msg.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{1}, 3), nil, nil))
	t.Msg.AddTxOut(wire.NewTxOut(100_000_000, thief.Script()))
	t.Hash = t.Msg.TxHash()
	p := &chain.Tx{
		ID:       chain.MakeTxID(800001, 2),
		Time:     time.Date(2023, 7, 24, 12, 10, 0, 0, time.UTC),
		Msg:      wire.NewMsgTx(2),
		Prevouts: []chain.Prevout{{Out: t.ID.Out(0), Value: 100_000_000, Script: thief.Script(), Addr: thief, Resolved: true}},
	}
	p.Msg.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&t.Hash, 0), nil, nil))
	p.Msg.AddTxOut(wire.NewTxOut(30_000_000, mule.Script()))
	p.Msg.AddTxOut(wire.NewTxOut(69_990_000, thief.Script()))
	p.Hash = p.Msg.TxHash()
	f = graph.New(chain.Mainnet, true, []chain.OutPoint{t.ID.Out(0)}, []graph.Member{{Tx: t, Hop: 0}, {Tx: p, Hop: 1}})
	return f, t.ID, p.ID
}

// The CSV files load into Neo4j with neo4j-admin database import. Taint
// comes from a taint model through ExportOptions; here every output after
// the theft is all stolen (the poison model), and the victim's own output
// is left unannotated.
func ExampleFlow_WriteCSV() {
	f, theft, payment := theftFlow()
	stolen := map[chain.OutPoint]int64{
		theft.Out(0):   100_000_000,
		payment.Out(0): 30_000_000,
		payment.Out(1): 69_990_000,
	}
	opt := graph.ExportOptions{Taint: func(o chain.OutPoint) (int64, bool) {
		t, ok := stolen[o]
		return t, ok
	}}
	var nodes, rels strings.Builder
	if err := f.WriteCSV(&nodes, &rels, opt); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(nodes.String(), "\n", rels.String())
	// Output:
	// id:ID,:LABEL,txid,height:int,time:datetime,hop:int,outpoint,address,value:long,seed:boolean,taint:long
	// 109949788388982788,Output,,,,,0000000000000000000000000000000000000000000000000000000000000001:3,bc1qzyqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqt25w9a,100010000,false,
	// 109951162778255360,Tx,171ef7304e131c86287fec1c199c19d2b359d9ecded6129e03b41d64bb806316,800000,2023-07-24T12:00:00Z,0,,,,,
	// 109951162778255361,Output,,,,,171ef7304e131c86287fec1c199c19d2b359d9ecded6129e03b41d64bb806316:0,bc1qygqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqek2f02,100000000,true,100000000
	// 109951300216815616,Tx,15e1185d79debe5e5989a24974212034327759c6aaa305fb8189b1a7395d4657,800001,2023-07-24T12:10:00Z,1,,,,,
	// 109951300216815617,Output,,,,,15e1185d79debe5e5989a24974212034327759c6aaa305fb8189b1a7395d4657:0,bc1qxvqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqh9qnf8,30000000,false,30000000
	// 109951300216815618,Output,,,,,15e1185d79debe5e5989a24974212034327759c6aaa305fb8189b1a7395d4657:1,bc1qygqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqek2f02,69990000,false,69990000
	//
	// :START_ID,:END_ID,:TYPE,value:long
	// 109949788388982788,109951162778255360,SPENT_BY,100010000
	// 109951162778255360,109951162778255361,PAYS,100000000
	// 109951162778255361,109951300216815616,SPENT_BY,100000000
	// 109951300216815616,109951300216815617,PAYS,30000000
	// 109951300216815616,109951300216815618,PAYS,69990000
}

// The address view in GraphML, which yEd, Cytoscape and networkx read.
func ExampleAddrGraph_WriteGraphML() {
	f, _, _ := theftFlow()
	if err := f.Addresses().WriteGraphML(os.Stdout, graph.ExportOptions{Name: "case 7"}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">
	//  <key id="g_name" for="graph" attr.name="name" attr.type="string"></key>
	//  <key id="g_network" for="graph" attr.name="network" attr.type="string"></key>
	//  <key id="g_direction" for="graph" attr.name="direction" attr.type="string"></key>
	//  <key id="n_kind" for="node" attr.name="kind" attr.type="string"></key>
	//  <key id="n_label" for="node" attr.name="label" attr.type="string"></key>
	//  <key id="n_address" for="node" attr.name="address" attr.type="string"></key>
	//  <key id="n_received" for="node" attr.name="received" attr.type="long"></key>
	//  <key id="n_sent" for="node" attr.name="sent" attr.type="long"></key>
	//  <key id="n_self_value" for="node" attr.name="self_value" attr.type="long"></key>
	//  <key id="n_txs" for="node" attr.name="txs" attr.type="int"></key>
	//  <key id="n_seed" for="node" attr.name="seed" attr.type="boolean"></key>
	//  <key id="e_value" for="edge" attr.name="value" attr.type="long"></key>
	//  <graph id="addresses" edgedefault="directed">
	//   <data key="g_name">case 7</data>
	//   <data key="g_network">mainnet</data>
	//   <data key="g_direction">forward</data>
	//   <node id="109949788388982788">
	//    <data key="n_kind">address</data>
	//    <data key="n_label">bc1qzyqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqt25w9a</data>
	//    <data key="n_address">bc1qzyqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqt25w9a</data>
	//    <data key="n_received">0</data>
	//    <data key="n_sent">100010000</data>
	//    <data key="n_self_value">0</data>
	//    <data key="n_txs">1</data>
	//    <data key="n_seed">false</data>
	//   </node>
	//   <node id="109951162778255361">
	//    <data key="n_kind">address</data>
	//    <data key="n_label">bc1qygqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqek2f02</data>
	//    <data key="n_address">bc1qygqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqek2f02</data>
	//    <data key="n_received">169990000</data>
	//    <data key="n_sent">100000000</data>
	//    <data key="n_self_value">69990000</data>
	//    <data key="n_txs">2</data>
	//    <data key="n_seed">true</data>
	//   </node>
	//   <node id="109951300216815617">
	//    <data key="n_kind">address</data>
	//    <data key="n_label">bc1qxvqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqh9qnf8</data>
	//    <data key="n_address">bc1qxvqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqh9qnf8</data>
	//    <data key="n_received">30000000</data>
	//    <data key="n_sent">0</data>
	//    <data key="n_self_value">0</data>
	//    <data key="n_txs">1</data>
	//    <data key="n_seed">false</data>
	//   </node>
	//   <edge source="109949788388982788" target="109951162778255361">
	//    <data key="e_value">100000000</data>
	//   </edge>
	//   <edge source="109951162778255361" target="109951300216815617">
	//    <data key="e_value">30000000</data>
	//   </edge>
	//  </graph>
	// </graphml>
}
