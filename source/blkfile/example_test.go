package blkfile_test

import (
	"context"
	"fmt"
	"log"

	"github.com/plumetrace/plume/internal/btcdata"
	"github.com/plumetrace/plume/source/blkfile"
)

// Open reads a Bitcoin Core record file (or a whole blocks directory) and
// yields its best chain in height order.
func ExampleOpen() {
	path, err := btcdata.Path(btcdata.Blocks0To14131)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	r, err := blkfile.Open(ctx, path, blkfile.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()

	height, hash := r.Tip()
	fmt.Println("blocks:", r.Len())
	fmt.Println("tip:", height, hash)

	txs := 0
	for b, err := range r.Blocks(ctx, 0) {
		if err != nil {
			log.Fatal(err)
		}
		txs += len(b.Txs)
	}
	fmt.Println("transactions:", txs)
	// Output:
	// blocks: 14132
	// tip: 14131 00000000b3e750f37fdb42e1018799a9f44b546d393b130b369590a072430a1c
	// transactions: 14247
}
