// Package store is plume's index of record: blocks, transactions with
// their resolved inputs, spends and address histories, in an embedded
// Badger database.
//
// Open a store, feed Ingest a stream of blocks in chain order (from
// source/blkfile or a simulator), or Sync it with a node (source/rpc), and
// read it back with Tx, TxIDs, Spender, History and Balance, or through a
// Snapshot for many consistent reads. DB satisfies trace.Source without
// importing trace. Cluster and Members answer who controls an address.
//
//	db, err := store.Open(dir, store.Options{Params: chain.Mainnet})
//	r, err := blkfile.Open(ctx, blocksDir, blkfile.Options{})
//	stats, err := db.Ingest(ctx, r.Blocks(ctx, 0), nil)
//	bal, err := db.Balance(ctx, addr)
//
// # Identifiers
//
// Every key is derived from chain position (see package chain): a
// transaction is keyed by its TxID, an output by its OutPoint node ID. A
// store rebuilt from the same blocks holds the same keys and values byte for
// byte, which is what makes ingest idempotent and crash recovery simple.
//
// # Ingest
//
// Ingest resolves each input to the output it spends (value, script,
// address) while it indexes, from a bounded in-memory map of recent
// unspent outputs (Options.UTXOCacheBytes); older outputs are read back
// from their transaction records. An input whose output the store does not
// hold (a store that starts above genesis) is asked of Options.Resolver, and
// failing that stored as unresolved under a U key, never dropped; DB.Resolve
// fills such inputs in later.
//
// Every Options.BatchBytes, a writer goroutine (one batch in flight while
// ingest prepares the next) sorts the batch, writes it through Badger's
// KVLoader, syncs, and only then writes the watermark (the tip). The
// loader keeps the order it is given, and sorted inserts into Badger's
// memtable are several times faster than the random order of a WriteBatch
// (see load.go). Every key and value is a function of the block and the
// outputs it spends (there are no counters to read, modify and write), so
// writing a block again writes the same bytes. The loader writes without
// transaction markers, so a crash keeps some prefix of a batch; every
// transaction record is written before the entries derived from it, so
// after a crash Open finds each stray entry through a record above the
// watermark and deletes it, and the store is exactly as of the tip. Ingest
// then resumes after the tip, and blocks at or below it are skipped after
// their hash is checked. Open also removes the empty log files a kill
// during Badger's own file creation can leave.
//
// # Address IDs and clusters
//
// Every address gets an AddrID when the store first meets it: 0, 1, 2, ...
// in chain order, so the same chain gives the same IDs in every store. Each
// transaction record keeps its outputs' IDs, and the unspent-output cache
// carries them, so ingest needs an ID lookup only for outputs (from an
// in-memory cache of recent addresses, else the 'N' table).
//
// Ingest clusters addresses by common-input ownership as it goes: the
// distinct input addresses of every transaction that is not a CoinJoin
// (trace/heuristic's detectors) are joined in a union-find of four flat
// arrays, 16 bytes an address (see cluster.go). Each block's groups are
// stored ('J'), the arrays are rebuilt from them after Open, and a cluster's
// ID is its smallest member's AddrID, so a rebuilt or reorganised store has
// the same clusters. Disconnect pops a block's unions off an undo log.
//
// A transaction with an input ingest could not resolve joins nothing: an
// input of unknown value and owner leaves a CoinJoin undetectable, and a
// wrong merge joins strangers for good. Resolve completes such inputs
// later but does not cluster them; a store that must cluster from a
// height above genesis ingests with a Resolver (a node), which resolves
// every input as it goes.
//
// # Reorganisations and nodes
//
// Sync finds where the store and a node (ChainSource, which source/rpc's
// client satisfies) agree, Disconnects what the store holds above, and
// ingests the node's blocks. Disconnect moves the watermark first and then
// removes the blocks' entries (the recovery path), so a crash at any point
// leaves a store that Open completes.
//
// # Key layout (schema version 2)
//
// Integers are big-endian so that keys sort in chain order; node is a
// chain node ID: TxID<<17 for a transaction, TxID<<17 | vout+1 for an
// output (see chain.OutPoint.Node).
//
//	table  key bytes                                   value
//	meta   'M' 'm'                                     uvarint schema version, genesis hash (32), network name
//	tip    'M' 't'                                     height (4), block hash (32), next AddrID (8): the watermark
//	load   'M' 'l'                                     empty; rewritten before each batch to take a version
//	block  'B' height(4)                               hash (32), header (80), tx count (4), its first AddrID (8)
//	tx     'T' node(8) of a transaction                record: version (1) = 1, txid (32), uvarint length,
//	                                                   serialized tx with witness, then per input of a
//	                                                   non-coinbase: flags (1: bit0 resolved, bit1 position
//	                                                   known), [uvarint node of the spent output], [uvarint
//	                                                   value, uvarint script length, script]; then per
//	                                                   output the uvarint AddrID of its address
//	spend  'T' node(8) of an output                    spender TxID (8), input index (4)
//	txid   'H' txid(32) TxID(8)                        empty
//	addr   'A' kind(1) hash(20|32) TxID(8) dir(1)      uvarint value; for a spend also uvarint node of the
//	           index(4)                                spent output (absent when unknown)
//	                                                   dir 0 = spent by input index, 1 = received at output index
//	unres  'U' TxID(8) vin(4)                          outpoint by txid: hash (32), index (4)
//	name   'N' kind(1) hash(20|32)                     AddrID (8)
//	id     'I' AddrID(8)                               kind (1), hash (20|32), node (8) of the output it first
//	                                                   appeared at (0 when unknown)
//	join   'J' height(4)                               uvarint group count, then per group a uvarint size and
//	                                                   its AddrIDs ascending as uvarint deltas
//	tag    'G' kind(1) hash(20|32) digest(8)           the tag as JSON; digest of label, source and pack
//	defin  'K' kind(1) hash(20|32)                     empty: the address carries a cluster-defining tag
//	cache  'C' 't' | 'h' | 'a' ...                     what a remote source returned (see cache.go), apart
//	                                                   from the chain data: the 'C' table alone
//	case   'S' name 0x00                               generation (8), chunks (4), length (8), SHA-256 (32)
//	chunk  'S' name 0x01 generation(8) chunk(4)        up to 1 MiB of a saved case's document (see cases.go)
//
// A transaction's spends follow its record in the 'T' table, so one seek
// reads a transaction with the spender of every output: the step a forward
// trace repeats. The address kind decides the hash length (see
// chain.Kind.HashLen), so address keys never collide.
//
// Per transaction ingest writes 2 entries (record, txid), 2 per resolved
// input (spend, address history), 1 per output (address history) and 2 per
// new address (name, ID): about 11 entries for a two-in, two-out payment
// to new addresses; a block adds its record and, if it joins addresses,
// one group entry.
//
// # Concurrency
//
// Reads are safe while Ingest or Disconnect runs and see only whole blocks
// of one chain up to the tip (a Snapshot sees the tip it was taken at, even
// after a reorganisation replaces the blocks below it). One Ingest runs at a time; a
// second call waits. Only one process may open a store: another gets
// ErrLocked.
package store
