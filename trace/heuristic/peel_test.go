package heuristic_test

import (
	"testing"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/trace/heuristic"
)

func TestRound(t *testing.T) {
	for _, c := range []struct {
		v              int64
		round, decimal int
	}{
		{0, 0, 0},
		{-1000, 0, 0},
		{1, 0, 8},
		{10, 1, 7},
		{12_000, 3, 5},
		{10_000_000, 7, 1},    // 0.1 BTC
		{190_000_000, 7, 1},   // 1.9 BTC
		{199_000_000, 6, 2},   // 1.99 BTC
		{100_000_000, 8, 0},   // 1 BTC
		{1_000_000_000, 9, 0}, // 10 BTC
		{123_456_789, 0, 8},
	} {
		if got := heuristic.Round(c.v); got != c.round {
			t.Errorf("Round(%d) = %d, want %d", c.v, got, c.round)
		}
		if got := heuristic.Decimals(c.v); got != c.decimal {
			t.Errorf("Decimals(%d) = %d, want %d", c.v, got, c.decimal)
		}
	}
}

func TestPeel(t *testing.T) {
	one := func(outs ...io) *chain.Tx { return tx([]io{{aA, 50 * btc, nil}}, outs) }
	cases := []struct {
		name               string
		tx                 *chain.Tx
		payment, remainder int // -1: not a peel step
	}{
		{"10 of 50 BTC", one(io{aC, 10 * btc, nil}, io{aD, 40 * btc, nil}), 0, 1},
		{"remainder first", one(io{aD, 40 * btc, nil}, io{aC, 10 * btc, nil}), 1, 0},
		{"40% of the outputs", one(io{aC, 20 * btc, nil}, io{aD, 30 * btc, nil}), 0, 1},
		{"just over 40%", one(io{aC, 20*btc + 1, nil}, io{aD, 30*btc - 1, nil}), -1, -1},
		{"even split", one(io{aC, 25 * btc, nil}, io{aD, 25 * btc, nil}), -1, -1},
		{"both to one address", one(io{aC, 10 * btc, nil}, io{aC, 40 * btc, nil}), -1, -1},
		{"a data carrier", one(opReturn(1), io{aD, 40 * btc, nil}), -1, -1},
		{"zero payment", one(io{aC, 0, nil}, io{aD, 40 * btc, nil}), -1, -1},
		{"three outputs", one(io{aC, 1 * btc, nil}, io{aD, 40 * btc, nil}, io{aE, 1 * btc, nil}), -1, -1},
		{"two inputs", tx([]io{{aA, 25 * btc, nil}, {aB, 25 * btc, nil}}, []io{{aC, 10 * btc, nil}, {aD, 40 * btc, nil}}), -1, -1},
		{"coinbase", coinbase([]io{{aC, 10 * btc, nil}, {aD, 40 * btc, nil}}), -1, -1},
		{"nil", nil, -1, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, r, ok := heuristic.Peel(c.tx)
			if !ok {
				p, r = -1, -1
			}
			if p != c.payment || r != c.remainder || ok != heuristic.IsPeelStep(c.tx) {
				t.Errorf("Peel: %d %d %v, want %d %d", p, r, ok, c.payment, c.remainder)
			}
		})
	}
}
