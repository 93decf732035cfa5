package sim_test

import (
	"context"
	"fmt"
	"log"

	"github.com/plumetrace/plume/internal/sim"
)

// A small simulation in memory: the blocks, then the ground truth they
// make. Run does the same into a directory and reuses it next time.
func Example() {
	sc, err := sim.New(sim.Options{Seed: 7, Scale: 0.002})
	if err != nil {
		log.Fatal(err)
	}
	blocks := 0
	for _, err := range sc.Blocks(context.Background()) {
		if err != nil {
			log.Fatal(err)
		}
		blocks++
	}
	truth, _ := sc.Truth()
	f := truth.Figures
	fmt.Println("blocks:", blocks)
	fmt.Printf("stolen: %.8f BTC in %d transactions, the first with %d inputs\n", float64(f.Stolen)/1e8, f.TheftTxs, f.FirstTheftInputs)
	fmt.Printf("deposits: %d of 1.90-1.99 BTC; mixer: %.8f BTC\n", f.Deposits, float64(f.MixerValue)/1e8)
	fmt.Println("dormant share above 29%:", f.Dormant*100 > f.Stolen*29)
	// Output:
	// blocks: 6823
	// stolen: 11.93220000 BTC in 10 transactions, the first with 131 inputs
	// deposits: 2 of 1.90-1.99 BTC; mixer: 1.75150000 BTC
	// dormant share above 29%: true
}
