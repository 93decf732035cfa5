// Command plume indexes blocks into a store, traces stolen coins through
// it, and hands the results to people and tools.
//
//	plume ingest blocks ~/.bitcoin/blocks          # or: plume ingest rpc --rpc http://127.0.0.1:8332
//	plume tags import packs/                       # GraphSense TagPacks: exchanges, mixers, ...
//	plume trace --case zaif --seed 1FmwHh6pgkf4meCMoqo8fHH3GNRF571f9w --model haircut
//	plume report --case zaif                       # a self-contained HTML report
//	plume export --case zaif --format gexf -o zaif.gexf
//	plume cluster 1FmwHh6pgkf4meCMoqo8fHH3GNRF571f9w
//	plume watch --case zaif --rpc http://127.0.0.1:8332 --webhook https://alerts.example/plume
//
// Every command works on the store in --data (default ./plume-data, or
// $PLUME_DATA) for --network (default mainnet, or $PLUME_NETWORK). trace
// saves its case in the store under --case; report, export and watch
// reuse it without tracing again, and refuse it if the chain was
// reorganised under it. --json makes every command print one JSON
// document for tools. Progress bars appear on long work when stderr is a
// terminal.
//
// # Exit codes
//
//	0    success
//	1    failure: a node, file or store error
//	2    usage: a bad flag, seed, address or case name, or the wrong network
//	3    not found: no store in --data, no such case, an address or
//	     transaction the store does not hold
//	4    the store is held by another process (a running watch or ingest)
//	130  interrupted before the command finished its work
//
// watch and ingest rpc --follow run until interrupted: an interrupt is
// how they end, so they stop cleanly (the store resumes where it was
// left) and exit 0.
package main
