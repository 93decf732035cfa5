package trace

import (
	"fmt"
	"strings"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace/heuristic"
)

// CoinJoinPolicy says what Follow and ComputeTaint do at a transaction
// that trace/heuristic detects as a CoinJoin, where coins of many owners
// are mixed and any rule for who got whose coins is a guess.
type CoinJoinPolicy uint8

const (
	// CoinJoinIgnore treats a CoinJoin like any transaction.
	CoinJoinIgnore CoinJoinPolicy = iota
	// CoinJoinStop ends the trail there: Follow does not follow its
	// outputs (or, backward, its inputs), and ComputeTaint counts the taint
	// it passes on as exited, under the label "CoinJoin".
	CoinJoinStop
	// CoinJoinHaircut passes taint through by haircut, whatever the model:
	// every participant's output gets the mix's stolen share. Follow
	// follows on, as with CoinJoinIgnore.
	CoinJoinHaircut
)

func (p CoinJoinPolicy) String() string {
	switch p {
	case CoinJoinStop:
		return "stop"
	case CoinJoinHaircut:
		return "haircut"
	}
	return "ignore"
}

// CoinJoinLabel is the exit label of CoinJoins under CoinJoinStop.
const CoinJoinLabel = "CoinJoin"

// isCoinJoin reports whether tx is a CoinJoin by any of trace/heuristic's
// detectors.
func isCoinJoin(tx *chain.Tx) bool {
	_, ok := heuristic.CoinJoin(tx)
	return ok
}

// ParseCoinJoinPolicy reads a policy's name: ignore, stop or haircut.
func ParseCoinJoinPolicy(s string) (CoinJoinPolicy, error) {
	for _, p := range []CoinJoinPolicy{CoinJoinIgnore, CoinJoinStop, CoinJoinHaircut} {
		if strings.EqualFold(s, p.String()) {
			return p, nil
		}
	}
	return 0, fmt.Errorf("trace: unknown CoinJoin policy %q (ignore, stop, haircut)", s)
}
