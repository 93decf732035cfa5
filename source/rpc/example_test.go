package rpc_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/source/rpc"
)

// Dial a Bitcoin Core node on this machine (the zero Options use its
// mainnet cookie file), read the last blocks and resolve an input. It
// needs a running node, so it is compiled but not run; the tests run the
// same calls against btcd.
func ExampleDial() {
	ctx := context.Background()
	c, err := rpc.Dial(ctx, rpc.Options{Params: chain.Mainnet})
	switch {
	case errors.Is(err, rpc.ErrWrongNetwork), errors.Is(err, rpc.ErrAuth), errors.Is(err, rpc.ErrUnreachable):
		log.Fatalf("check the node's address, network and credentials: %v", err)
	case err != nil:
		log.Fatal(err)
	}
	defer c.Close()

	height, hash, err := c.Tip(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("tip:", height, hash)

	for b, err := range c.Blocks(ctx, height-5) {
		if err != nil {
			log.Fatal(err) // errors.Is(err, rpc.ErrChainChanged) after a reorg
		}
		fmt.Println(b.Height, b.Hash, len(b.Txs), "transactions")
		if len(b.Txs) < 2 {
			continue
		}
		in := b.Txs[1].TxIn[0].PreviousOutPoint
		prev, err := c.PrevOut(ctx, in)
		if errors.Is(err, rpc.ErrNoTxIndex) {
			log.Fatal("start the node with -txindex to resolve inputs")
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("  first input spends %d sat of %v at %v\n", prev.Value, c.Params().Format(prev.Addr), prev.Out)
	}
}
