package esplora_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdata"
	"github.com/plumetrace/plume/source/blkfile"
	"github.com/plumetrace/plume/source/esplora"
	"github.com/plumetrace/plume/source/esplora/esploratest"
	"github.com/plumetrace/plume/trace"
)

// Trace the 2009 peel chain forward from the block-9 coinbase through an
// Esplora server. Here the server is esploratest over the real blocks
// 0..500; in practice name your own (Options.URL, e.g.
// "http://127.0.0.1:3000"), since the server learns what you trace.
func Example() {
	ctx := context.Background()
	path, err := btcdata.Path(btcdata.Blocks0To14131)
	if err != nil {
		log.Fatal(err)
	}
	r, err := blkfile.Open(ctx, path, blkfile.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	var blocks []*chain.Block
	for b, err := range r.Blocks(ctx, 0) {
		if err != nil {
			log.Fatal(err)
		}
		if b.Height > 500 {
			break
		}
		blocks = append(blocks, b)
	}
	srv := httptest.NewServer(esploratest.New(blocks, esploratest.Options{}))
	defer srv.Close()

	// A server of your own needs no pacing; the default, 10 requests a
	// second, is for public ones.
	c, err := esplora.New(esplora.Options{URL: srv.URL, RateLimit: -1})
	if err != nil {
		log.Fatal(err)
	}
	seed, err := trace.ParseSeed(chain.Mainnet, "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9:0")
	if err != nil {
		log.Fatal(err)
	}
	res, err := trace.Follow(ctx, c, []trace.Seed{seed}, trace.Options{MaxHops: 5})
	if err != nil {
		log.Fatal(err)
	}
	for i := range res.Len() {
		tx := res.At(i)
		fmt.Printf("hop %d: block %d pays %d BTC to %s\n", res.Hop(i), tx.Height(), tx.Msg.TxOut[0].Value/1e8, chain.Mainnet.Format(tx.OutAddr(0)))
	}
	// Output:
	// hop 0: block 9 pays 50 BTC to 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S
	// hop 1: block 170 pays 10 BTC to 1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3
	// hop 2: block 181 pays 10 BTC to 1DUDsfc23Dv9sPMEk5RsrtfzCw5ofi5sVW
	// hop 3: block 182 pays 1 BTC to 1LzBzVqEeuQyjD2mRWHes3dgWrT9titxvq
	// hop 4: block 183 pays 1 BTC to 13HtsYzne8xVPdGDnmJX8gHgBZerAfJGEf
	// hop 5: block 187 pays 1 BTC to 15NUwyBYrZcnUgTagsm1A7M2yL2GntpuaZ
	// hop 4: block 221 pays 1 BTC to 1BDvQZjaAJH4ecZ8aL3fYgTi7rnn3o2thE
	// hop 5: block 248 pays 10 BTC to 1ByLSV2gLRcuqUmfdYcpPQH8Npm8cccsFg
}
