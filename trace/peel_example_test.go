package trace_test

import (
	"context"
	"fmt"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace"
)

// Find the peel chains in the flow of the block-9 coinbase: 12cbQ… pays
// Hal Finney, then peels payments off its balance block after block.
func ExamplePeelChains() {
	ctx := context.Background()
	seed, _ := trace.ParseSeed(chain.Mainnet, "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9:0")
	res, err := trace.Follow(ctx, genesisStore(), []trace.Seed{seed}, trace.Options{})
	if err != nil {
		panic(err)
	}
	btc := func(sat int64) float64 { return float64(sat) / 1e8 }
	for _, c := range trace.PeelChains(res.Flow, trace.PeelOptions{}) {
		fmt.Printf("%d steps from %g BTC, %g BTC peeled off:\n", c.Len(), btc(c.In), btc(c.Peeled))
		for _, p := range c.Payments {
			fmt.Printf("  block %d: %g BTC to %s\n", p.Out.Tx.Height(), btc(p.Value), chain.Mainnet.Format(p.Addr))
		}
		r := c.Remainder
		fmt.Printf("  remainder: %g BTC at %s, %v\n", btc(r.Value), chain.Mainnet.Format(r.Addr), r.State)
	}
	// Output:
	// 5 steps from 50 BTC, 32 BTC peeled off:
	//   block 170: 10 BTC to 1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3
	//   block 181: 10 BTC to 1DUDsfc23Dv9sPMEk5RsrtfzCw5ofi5sVW
	//   block 182: 1 BTC to 1LzBzVqEeuQyjD2mRWHes3dgWrT9titxvq
	//   block 183: 1 BTC to 13HtsYzne8xVPdGDnmJX8gHgBZerAfJGEf
	//   block 248: 10 BTC to 1ByLSV2gLRcuqUmfdYcpPQH8Npm8cccsFg
	//   remainder: 18 BTC at 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S, unspent
}
