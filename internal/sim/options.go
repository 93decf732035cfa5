package sim

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Version identifies the simulation model. It is part of every cached
// simulation's manifest: a change to what any seed produces must bump it,
// so that Run regenerates instead of reusing blocks of an older model.
const Version = 1

// DefaultScale is the scale a zero Options.Scale means: 5% of the real
// figures, a chain that simulates and ingests in seconds.
const DefaultScale = 0.05

// MaxScale is the largest scale: the real figures. Regtest halves the
// block subsidy every 150 blocks, so its whole supply is 15,000 BTC; the
// victim's hot wallet at scale 1 already holds about 7,500 of them.
const MaxScale = 1.0

// MinScale is the smallest scale. Below it the scaled counts (deposits,
// mixer deposits) round to one or none and no figure keeps its shape.
const MinScale = 0.002

// ErrScale is wrapped by the error New and Run return for a scale outside
// MinScale..MaxScale.
var ErrScale = errors.New("sim: scale out of range")

// Options configures a simulation. The zero value simulates seed 0 at
// DefaultScale and, for Run, caches it in a directory under os.TempDir().
type Options struct {
	// Seed selects the simulation; every byte of the blocks and the ground
	// truth is a function of Seed and Scale (and Version).
	Seed uint64
	// Scale multiplies every size of the theft (stolen value, fan-out
	// addresses, deposits, mixer value) and of the background economy
	// (transactions per block, users); 1 is the real Zaif figures, 0 means
	// DefaultScale. The calendar does not scale: the chain always runs
	// from 7 Sep to 23 Oct 2018, about 6,600 blocks.
	Scale float64
	// Dir is where Run writes (or finds) the simulation: Dir/blocks holds
	// blk00000.dat, ..., Dir/truth.json the ground truth and Dir/sim.json
	// the manifest. Run touches nothing else in Dir. "" means
	// os.TempDir()/plume-sim-v<Version>-<seed>-<scale>.
	Dir string
	// Progress, when set, is called from the simulating goroutine every
	// few dozen blocks and once at the end.
	Progress func(Progress)
}

// Progress reports how far a simulation has come.
type Progress struct {
	Height int32     // the last block made
	Total  int32     // the height the simulation ends at
	Txs    int       // transactions made so far, coinbases included
	Time   time.Time // the last block's timestamp
	// Cached is true when Run found the simulation already in Dir; Height
	// is then Total.
	Cached bool
}

func (o Options) withDefaults() (Options, error) {
	if o.Scale == 0 {
		o.Scale = DefaultScale
	}
	if math.IsNaN(o.Scale) || o.Scale < MinScale || o.Scale > MaxScale {
		return o, fmt.Errorf("%w: %v is not in %v..%v", ErrScale, o.Scale, MinScale, MaxScale)
	}
	if o.Dir == "" {
		o.Dir = filepath.Join(os.TempDir(), fmt.Sprintf("plume-sim-v%d-%d-%s", Version, o.Seed, strconv.FormatFloat(o.Scale, 'g', -1, 64)))
	}
	return o, nil
}
