package chain_test

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/plumetrace/plume/chain"
)

func ExampleParams_Parse() {
	// Hal Finney's output of the first bitcoin payment, block 170.
	a, err := chain.Mainnet.Parse("1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3")
	fmt.Println(a, err)

	// A testnet address given for mainnet is rejected, and says so.
	_, err = chain.Mainnet.Parse("mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn")
	fmt.Println(errors.Is(err, chain.ErrWrongNetwork))
	fmt.Println(err)

	// Another coin is another Params value: Bitcoin Cash writes CashAddr
	// and still reads the legacy form.
	cash := &chain.Params{Name: "bch", PubKeyHashAddrID: 0, ScriptHashAddrID: 5, CashAddrPrefix: "bitcoincash"}
	a, _ = cash.Parse("1PQPheJQSauxRPTxzNMUco1XmoCyPoEJCp")
	fmt.Println(cash.Format(a))
	// Output:
	// p2pkh:fc916f213a3d7f1369313d5fa30f6168f9446a2d <nil>
	// true
	// chain: address "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn" (mainnet): version byte 0x6f is a testnet3/testnet4/signet/regtest address
	// bitcoincash:qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2
}

func ExampleParams_Format() {
	// An Address does not depend on the network; Format writes it for one.
	a, _ := chain.Mainnet.Parse("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")
	for _, p := range []*chain.Params{chain.Mainnet, chain.Testnet4, chain.Regtest} {
		fmt.Printf("%-8s %s\n", p, p.Format(a))
	}
	fmt.Println(a)
	// Output:
	// mainnet  bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4
	// testnet4 tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx
	// regtest  bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080
	// p2wpkh:751e76e8199196d454941c45d1b3a323f1433bd6
}

func ExampleAddressOf() {
	// The pay-to-pubkey output of block 9's coinbase, shown as explorers
	// show it: the P2PKH address of the key.
	script, _ := hex.DecodeString("410411db93e1dcdb8a016b49840f8c53bc1eb68a382e97b1482ecad7b148a6909a5cb2e0eaddfb84ccf9744464f82e160bfa9b8b64f9d4c03f999b8643f656b412a3ac")
	a := chain.AddressOf(script)
	fmt.Println(a.Kind)
	fmt.Println(chain.Mainnet.Format(a))
	fmt.Println(chain.Testnet3.Format(a))

	// Scripts without an address are keyed by their SHA-256.
	fmt.Println(chain.Mainnet.Format(chain.AddressOf([]byte{0x6a})))
	// Output:
	// p2pkh
	// 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S
	// mh8YhPYEAYs3E7EVyKtB5xrcfMExkkdEMF
	// op_return:189f40034be7a199f1fa9891668ee3ab6049f82d38c68be70f596eab2e1857b7
}

func ExampleOutPoint_Node() {
	// The 40 BTC change of block 170's second transaction.
	out := chain.MakeTxID(170, 1).Out(1)
	node := out.Node()
	back, isOutput := chain.NodeOf(node)
	fmt.Println(out, back == out, isOutput)
	fmt.Println(out.Tx.Node() < node, node < chain.MakeTxID(170, 2).Node())
	// Output:
	// 170:1:1 true true
	// true true
}
