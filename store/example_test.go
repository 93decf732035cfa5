package store_test

import (
	"context"
	"fmt"
	"log"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/internal/btcdata"
	"github.com/plumetrace/plume/source/blkfile"
	"github.com/plumetrace/plume/store"
)

// Index the real mainnet blocks 0..14131 that ship with btcd, then follow
// the first bitcoin payment: the address Satoshi's block-9 coinbase paid,
// and who spent the change.
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

	db, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Ingest(ctx, r.Blocks(ctx, 0), nil); err != nil {
		log.Fatal(err)
	}
	tip, _ := db.Tip()
	fmt.Println("tip:", tip.Height)

	addr, err := chain.Mainnet.Parse("12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S")
	if err != nil {
		log.Fatal(err)
	}
	bal, err := db.Balance(ctx, addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("balance of 12cbQLTF…: %.8f BTC\n", float64(bal)/1e8)

	hash, _ := chainhash.NewHashFromStr("f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16")
	tx, err := db.TxByHash(ctx, *hash)
	if err != nil {
		log.Fatal(err)
	}
	in, err := db.Spender(ctx, tx.ID.Out(1))
	if err != nil {
		log.Fatal(err)
	}
	spender, err := db.Tx(ctx, in.Tx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("f4184fc5…:1 (tx %v) is spent by input %d of tx %v in block %d:\n  %v\n", tx.ID, in.Vin, in.Tx, spender.Height(), spender.Hash)
	// Output:
	// tip: 14131
	// balance of 12cbQLTF…: 18.00000000 BTC
	// f4184fc5…:1 (tx 170:1) is spent by input 0 of tx 181:1 in block 181:
	//   a16f3ce4dd5deb92d98ef5cf8afeaf0775ebca408f708b2146c4fb42b41e14be
}
