package trace_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/graph"
	"github.com/plumetrace/plume/internal/btcdata"
	"github.com/plumetrace/plume/source/blkfile"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace"
)

// genesisStore ingests the real mainnet blocks 0..14131 that ship with the
// btcd module into an in-memory store, once for all examples.
var genesisStore = sync.OnceValue(func() *store.DB {
	ctx := context.Background()
	path, err := btcdata.Path(btcdata.Blocks0To14131)
	if err != nil {
		panic(err)
	}
	r, err := blkfile.Open(ctx, path, blkfile.Options{})
	if err != nil {
		panic(err)
	}
	defer r.Close()
	db, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		panic(err)
	}
	if _, err := db.Ingest(ctx, r.Blocks(ctx, 0), nil); err != nil {
		panic(err)
	}
	return db
})

// Follow the coins of the block-9 coinbase: Hal Finney's first payment and
// the peel chain after it.
func ExampleFollow() {
	ctx := context.Background()
	seed, _ := trace.ParseSeed(chain.Mainnet, "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9:0")
	res, err := trace.Follow(ctx, genesisStore(), []trace.Seed{seed}, trace.Options{MaxHops: 3})
	if err != nil {
		panic(err)
	}
	for i := range res.Len() {
		tx := res.At(i)
		fmt.Printf("hop %d, block %d: %s\n", res.Hop(i), tx.Height(), tx.Hash.String()[:16])
	}
	// Output:
	// hop 0, block 9: 0437cd7f8525ceed
	// hop 1, block 170: f4184fc596403b9d
	// hop 2, block 181: a16f3ce4dd5deb92
	// hop 3, block 182: 591e91f809d71691
}

// holders prints who holds the 50 stolen BTC of the block-9 coinbase after
// it spread through 2009 under model m.
func holders(m trace.Model) {
	ctx := context.Background()
	seed, _ := trace.ParseSeed(chain.Mainnet, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S")
	res, err := trace.Follow(ctx, genesisStore(), []trace.Seed{seed}, trace.Options{})
	if err != nil {
		panic(err)
	}
	tn, err := trace.ComputeTaint(res, trace.TaintOptions{Model: m})
	if err != nil {
		panic(err)
	}
	for _, h := range tn.Holders() {
		fmt.Printf("%s holds %s BTC stolen of %s\n", chain.Mainnet.Format(h.Addr), graph.BTC(h.Taint), graph.BTC(h.Value))
	}
	tot := tn.Totals()
	fmt.Printf("stolen %s, clean coins swept in %s\n", graph.BTC(tot.Injected), graph.BTC(tot.Absorbed))
}

// Poison taints block 496's whole 61 BTC output: its clean 50 BTC input is
// swept in with the stolen 11.
func ExampleComputeTaint_poison() {
	holders(trace.Poison)
	// Output:
	// 1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs holds 61.00000000 BTC stolen of 61.00000000
	// 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S holds 18.00000000 BTC stolen of 18.00000000
	// 1DUDsfc23Dv9sPMEk5RsrtfzCw5ofi5sVW holds 10.00000000 BTC stolen of 10.00000000
	// 1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3 holds 10.00000000 BTC stolen of 10.00000000
	// 1BDvQZjaAJH4ecZ8aL3fYgTi7rnn3o2thE holds 1.00000000 BTC stolen of 1.00000000
	// stolen 50.00000000, clean coins swept in 50.00000000
}

// Haircut gives block 496's output the stolen share of its inputs, 11/61.
func ExampleComputeTaint_haircut() {
	holders(trace.Haircut)
	// Output:
	// 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S holds 18.00000000 BTC stolen of 18.00000000
	// 1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs holds 11.00000000 BTC stolen of 61.00000000
	// 1DUDsfc23Dv9sPMEk5RsrtfzCw5ofi5sVW holds 10.00000000 BTC stolen of 10.00000000
	// 1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3 holds 10.00000000 BTC stolen of 10.00000000
	// 1BDvQZjaAJH4ecZ8aL3fYgTi7rnn3o2thE holds 1.00000000 BTC stolen of 1.00000000
	// stolen 50.00000000, clean coins swept in 0.00000000
}

// FIFO: with one output per merge in this flow, the stolen satoshi land
// where haircut puts them.
func ExampleComputeTaint_fifo() {
	holders(trace.FIFO)
	// Output:
	// 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S holds 18.00000000 BTC stolen of 18.00000000
	// 1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs holds 11.00000000 BTC stolen of 61.00000000
	// 1DUDsfc23Dv9sPMEk5RsrtfzCw5ofi5sVW holds 10.00000000 BTC stolen of 10.00000000
	// 1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3 holds 10.00000000 BTC stolen of 10.00000000
	// 1BDvQZjaAJH4ecZ8aL3fYgTi7rnn3o2thE holds 1.00000000 BTC stolen of 1.00000000
	// stolen 50.00000000, clean coins swept in 0.00000000
}

func ExampleComputeTaint_lifo() {
	holders(trace.LIFO)
	// Output:
	// 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S holds 18.00000000 BTC stolen of 18.00000000
	// 1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs holds 11.00000000 BTC stolen of 61.00000000
	// 1DUDsfc23Dv9sPMEk5RsrtfzCw5ofi5sVW holds 10.00000000 BTC stolen of 10.00000000
	// 1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3 holds 10.00000000 BTC stolen of 10.00000000
	// 1BDvQZjaAJH4ecZ8aL3fYgTi7rnn3o2thE holds 1.00000000 BTC stolen of 1.00000000
	// stolen 50.00000000, clean coins swept in 0.00000000
}

func ExampleComputeTaint_tiho() {
	holders(trace.TIHO)
	// Output:
	// 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S holds 18.00000000 BTC stolen of 18.00000000
	// 1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs holds 11.00000000 BTC stolen of 61.00000000
	// 1DUDsfc23Dv9sPMEk5RsrtfzCw5ofi5sVW holds 10.00000000 BTC stolen of 10.00000000
	// 1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3 holds 10.00000000 BTC stolen of 10.00000000
	// 1BDvQZjaAJH4ecZ8aL3fYgTi7rnn3o2thE holds 1.00000000 BTC stolen of 1.00000000
	// stolen 50.00000000, clean coins swept in 0.00000000
}

// The dispersion timeline, a step per day.
func ExampleTaint_Timeline() {
	seed, _ := trace.ParseSeed(chain.Mainnet, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S")
	res, _ := trace.Follow(context.Background(), genesisStore(), []trace.Seed{seed}, trace.Options{})
	tn, _ := trace.ComputeTaint(res, trace.TaintOptions{Model: trace.Haircut})
	for _, s := range tn.Timeline(trace.ByDay) {
		fmt.Printf("%s: %d holders, %d outputs, %s BTC, gini %.2f, entropy %.2f bits\n",
			s.Start.Format("2006-01-02"), s.Holders, s.UTXOs, graph.BTC(s.Held), s.Gini, s.Entropy)
	}
	// Output:
	// 2009-01-09: 1 holders, 1 outputs, 50.00000000 BTC, gini 0.00, entropy 0.00 bits
	// 2009-01-10: 1 holders, 1 outputs, 50.00000000 BTC, gini 0.00, entropy 0.00 bits
	// 2009-01-11: 1 holders, 1 outputs, 50.00000000 BTC, gini 0.00, entropy 0.00 bits
	// 2009-01-12: 6 holders, 6 outputs, 50.00000000 BTC, gini 0.37, entropy 2.15 bits
	// 2009-01-13: 6 holders, 6 outputs, 50.00000000 BTC, gini 0.37, entropy 2.15 bits
	// 2009-01-14: 5 holders, 5 outputs, 50.00000000 BTC, gini 0.28, entropy 2.05 bits
}

// Per address: the value it received in the flow, the stolen part, its
// share, and what it still holds. Block 496 paid 1BBz9Z… 61 BTC, 11 of
// them stolen under haircut. The seed address received 50 BTC and then
// the change of its peel chain, 40 + 30 + 29 + 28 + 18, every output a
// seed; it holds the last 18.
func ExampleTaint_Address() {
	seed, _ := trace.ParseSeed(chain.Mainnet, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S")
	res, _ := trace.Follow(context.Background(), genesisStore(), []trace.Seed{seed}, trace.Options{})
	tn, _ := trace.ComputeTaint(res, trace.TaintOptions{Model: trace.Haircut})
	for _, s := range []string{"1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs", "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"} {
		a, _ := chain.Mainnet.Parse(s)
		at := tn.Address(a)
		fmt.Printf("%s received %s BTC, %s stolen (%.1f%%), holds %s stolen\n",
			s, graph.BTC(at.Value), graph.BTC(at.Received), 100*at.Share(), graph.BTC(at.Held))
	}
	// Output:
	// 1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs received 61.00000000 BTC, 11.00000000 stolen (18.0%), holds 11.00000000 stolen
	// 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S received 195.00000000 BTC, 195.00000000 stolen (100.0%), holds 18.00000000 stolen
}
