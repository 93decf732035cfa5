// Package sim simulates a Bitcoin regtest chain in which the BTC theft
// from the Zaif exchange of 14 September 2018 happens again, and writes
// down where every stolen coin went. It lets plume be shown, and its
// tracing measured, on a theft of the real case's shape without a mainnet
// node.
//
//	res, err := sim.Run(ctx, sim.Options{Seed: 1, Dir: "zaif-data"}) // cached: the next Run reuses it
//	r, err := blkfile.Open(ctx, res.BlocksDir, blkfile.Options{Params: chain.Regtest})
//	stats, err := db.Ingest(ctx, r.Blocks(ctx, 0), nil)
//	seed := res.Truth.Seeds.FirstAddress // follow from here; compare with res.Truth
//
// In memory, Blocks yields the same blocks, and a Scenario (New) yields
// them and then its Truth.
//
// # Determinism
//
// Every byte of the blocks and of the ground truth is a function of Seed,
// Scale and Version. The calendar, the economy, the thief and the
// signature bytes draw from separate PCG streams of the seed (so that,
// say, a change to the background economy leaves the theft's plan alone);
// private key i is k0+i for a k0 hashed from the seed; the simulation runs
// on one goroutine and never ranges over a map where order matters.
//
// # Validity
//
// The blocks are valid regtest blocks in everything but signatures:
// linked headers, merkle roots and witness commitments, proof of work
// (nonces ground against regtest's limit, bits 0x207fffff), timestamps
// strictly increasing and so after the median of the previous eleven,
// version 0x20000000, BIP 34 heights, coinbases claiming at most the
// subsidy (50 BTC halved every 150 blocks on regtest) plus fees, coinbase
// maturity (100 blocks), every input spending an existing unspent output
// of an earlier block, no value created, block size and signature
// operation limits. Scripts are real: P2PKH, P2WPKH, P2SH-P2WPKH, P2TR
// (BIP 86 key-path outputs) and P2WSH 2-of-3 multisig from the
// simulation's keys, with real public keys, redeem and witness scripts in
// the inputs; but the signatures are random bytes of the right encoding
// (DER with low S, or 64-byte Schnorr), so a node that verifies scripts
// rejects them. btcd's importer (cmd/addblock, which connects blocks
// with BFFastAdd) accepts every block, as TestAddblock shows; the rules
// fast-add skips are checked by the tests' own replay.
//
// Run writes a Bitcoin Core style blocks directory: blk00000.dat, ...
// (128 MiB each at most), records of the regtest magic, the block's
// length and the block, starting with the regtest genesis block, without
// obfuscation. The same records make a bootstrap file for addblock.
//
// # The economy
//
// The chain runs from 7 Sep to 23 Oct 2018 (about 6,600 blocks at every
// scale; intervals are exponential, mean 10 minutes). It starts a week
// before the theft because regtest mints its whole supply, 15,000 BTC, in
// the first few hundred blocks, and the victim's hot wallet must be funded
// from matured coinbases. Actors:
//
//   - Four mining pools by hash-rate share. Each coinbase pays a pool's
//     one reused address; matured coinbases are sold to the services'
//     cold wallets and paid to users in batch payouts of 10 to 60 outputs.
//   - Users (20,000 at scale 1), each one wallet of one script kind drawn
//     from mainnet's mix (P2WPKH 50%, P2PKH 25%, P2SH 10%, P2TR 12%,
//     P2WSH 3%), 40% of them setting nLockTime like Bitcoin Core. At 200
//     actions per 10 minutes at scale 1 (a day-night swing of ±25%) they
//     pay each other with change, deposit at exchanges, ask exchanges for
//     withdrawals, merge coins, pay many at once, and use the mixer and
//     the CoinJoin coordinators. Receiving addresses are reused 20% of the
//     time, change addresses 10%.
//   - Three exchanges: the victim (Zaif's place, closing on 17 Sep), the
//     cash-out exchange (Binance's place) and a bystander. Each gives every
//     customer one deposit address, sweeps deposits every hour and a half
//     or so into a few reused hot-wallet addresses (so common-input
//     clustering joins its deposit addresses into largely one cluster), pays
//     withdrawals in batches with change to the hot wallet, and refills
//     the hot wallet from cold storage, which buys from the pools.
//   - A mixer shaped like ChipMixer: a fresh deposit address per deposit,
//     deposits swept together into a reserve every few hours, and, hours
//     later, the depositor paid "chips" of 0.001·2^k BTC from the reserve
//     to fresh addresses. Nothing on chain links a payout to its deposit.
//   - CoinJoins of four shapes: JoinMarket (a taker and 2 to 9 makers,
//     equal outputs of an arbitrary amount and each one's change), Wasabi
//     1.x (20 to 80 parties at about 0.1 BTC, change, the coordinator's fee
//     to its one address), Wasabi 2.0 (at least 50 inputs remade into
//     standard denominations, sorted), Whirlpool (Tx0s with an OP_RETURN
//     note, then 5x5 cycles at 0.001, 0.01, 0.05 or 0.5 BTC mixing new
//     entrants with remixers). plume's own detectors (trace/heuristic)
//     recognise every one by its kind, as TestCoinJoinsDetected shows.
//
// The whole economy's transactions have the mainnet shape of the
// architecture notes (measured at the default scale by TestReplay): 73%
// of transactions with one input (mainnet 70%), 13% two (15%), 13% three
// to ten (13%), 1.5% more (2%); 16% with one output (15%), 58% two (60%),
// 23% three to twenty (22%), 2.6% more (3%); 46% of spends take outputs
// less than 10 blocks old (half); 22% of outputs pay an address paid
// before (20%).
//
// # The theft, and the record it follows
//
// The figures are the public record's (see the project's forensics notes),
// multiplied by Scale; counts round to at least one.
//
//	record                                              simulation
//	5,966.1 BTC stolen from the hot wallet              Truth.Figures.Stolen = 5,966.1·Scale BTC exactly, from a hot wallet
//	                                                    of about 250 coins that cold storage refilled in the 12 hours before
//	about 10 transfers, 17:33:27 to 18:42:30 JST        10 transactions, blocks forced just after 08:33:27 and 09:42:30 UTC
//	the first with 131 inputs and 5,000 BTC             131 inputs and 5,000·Scale BTC
//	all to 1FmwHh6…, which made 9 outgoing txs          all to one P2PKH address (Seeds.FirstAddress), spent by 9 transactions
//	the coins first moved at ~20:00 JST                 from 11:00 UTC, each of the 9 leaving 30% in outputs never spent again
//	from 10:00 JST on 15 Sep, >30,000 addresses         splitting trees and peel chains from 01:00 UTC reach 30,000·Scale·1.06
//	that day                                            addresses or more before 15:00 UTC (Figures.FanoutAddresses)
//	>= 1,549.31 BTC to Binance in chunks of 1.9-1.99    800·Scale deposits, uniform in 1.90-1.99 BTC, by peel chains into the
//	BTC, so about 800                                   thief's accounts at the cash-out exchange, 15 Sep to 15 Oct
//	>= 875.75 BTC through ChipMixer                     875.75·Scale BTC in 300·Scale deposits, 16 Sep to 10 Oct, paid back
//	                                                    as chips to addresses of the thief (Truth.MixerPayouts)
//	30% still in thief addresses (23 Oct)               30% dormant; the rest of the 46% "split into small amounts" stays in
//	                                                    the fan-out's small leaves (Truth.Moving)
//
// The transaction counts of the theft itself (10, 131 inputs, 9 onward
// transactions) and its calendar do not scale: they are the shape of one
// theft from one hot wallet. The thief's plan is drawn when the coins first
// move and fixes every output's value bottom-up, so every figure holds at
// every scale, as TestFigures checks at three.
//
// # What is not realistic
//
// Signatures are not signatures, and consecutive private keys would be
// unsafe for real money. The script mix is today's mainnet (with taproot)
// on a 2018 calendar. Activity is a tenth of mainnet's at scale 1. Fee
// rates are a random walk between 1 and 40 sat/vB with no mempool: a
// transaction is mined in the block of the moment it is made, and an
// output is spendable from the next block on, never inside its own (so a
// peel chain advances at most a step a block). Exchange customers have no
// balances: withdrawals are random amounts to random users, sized so that
// the flows balance. The thief never withdraws from the exchange and never
// spends the mixer's payouts or the small leaves. Regtest's supply caps
// the scale at 1: the victim's hot wallet alone then holds about 7,500 of
// its 15,000 BTC.
//
// # Cost
//
// Measured on the development machine (2 cores) for seed 1 (other seeds
// differ by a hundred blocks or two), Run simulating and writing the
// blocks, then store ingesting them from the blocks directory with the
// store at commit 2762e90:
//
//	scale   blocks   transactions   blocks MB   simulate   ingest   simulation memory
//	0.01    6,642      19,000          7.5        0.6 s     0.6 s
//	0.05    6,642      54,000         23          1.8 s     1.8 s      81 MB
//	0.1     6,642      92,000         41          3.1 s     2.9 s
//	0.2     6,642     168,000         76          5.5 s     5.3 s     222 MB
//	0.5     6,642     386,000        177         13 s      12 s
//	1       6,642     732,000        334         25 s      22 s       795 MB
//
// A cached Run returns in milliseconds (it reads the manifest and the
// ground truth).
//
// # Concurrency
//
// A Scenario is not for concurrent use. Two Runs must not share a Dir at
// the same time.
package sim
