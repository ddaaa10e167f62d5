package recon

import (
	"maps"
	"slices"

	"github.com/fenyang/partyfee/ledger"
)

// TrialRows makes the trial balance rows: every account with a movement or
// balance, and its ancestors with their children's totals, in code order.
func TrialRows(chart ledger.Chart, sums map[string][3]int64) []TrialRow {
	type acc struct{ opening, pd, pc int64 }
	all := map[string]*acc{}
	for code, s := range sums {
		if s == [3]int64{} {
			continue
		}
		seen := 0
		for c := code; c != "" && seen < 16; seen++ {
			a := all[c]
			if a == nil {
				a = &acc{}
				all[c] = a
			}
			a.opening += s[0]
			a.pd += s[1]
			a.pc += s[2]
			if chart[c] == nil {
				break
			}
			c = chart[c].Parent
		}
	}
	split := func(n int64) (ledger.Money, ledger.Money) {
		if n >= 0 {
			return ledger.FromFen(n), ledger.Zero
		}
		return ledger.Zero, ledger.FromFen(-n)
	}
	var out []TrialRow
	for _, code := range slices.Sorted(maps.Keys(all)) {
		a := all[code]
		row := TrialRow{Account: code, Leaf: true}
		if c := chart[code]; c != nil {
			row.Name, row.Parent, row.Leaf = c.Name, c.Parent, c.Leaf
		}
		row.OpeningDebit, row.OpeningCredit = split(a.opening)
		row.PeriodDebit, row.PeriodCredit = ledger.FromFen(a.pd), ledger.FromFen(a.pc)
		row.ClosingDebit, row.ClosingCredit = split(a.opening + a.pd - a.pc)
		out = append(out, row)
	}
	return out
}

// TrialTotals adds up the rows without a parent in the table: opening,
// period and closing debits and credits.
func TrialTotals(rows []TrialRow) (t TrialRow) {
	in := map[string]bool{}
	for _, r := range rows {
		in[r.Account] = true
	}
	t = TrialRow{Name: "合计", OpeningDebit: ledger.Zero, OpeningCredit: ledger.Zero, PeriodDebit: ledger.Zero, PeriodCredit: ledger.Zero,
		ClosingDebit: ledger.Zero, ClosingCredit: ledger.Zero}
	for _, r := range rows {
		if r.Parent != "" && in[r.Parent] {
			continue
		}
		t.OpeningDebit, t.OpeningCredit = t.OpeningDebit.Add(r.OpeningDebit), t.OpeningCredit.Add(r.OpeningCredit)
		t.PeriodDebit, t.PeriodCredit = t.PeriodDebit.Add(r.PeriodDebit), t.PeriodCredit.Add(r.PeriodCredit)
		t.ClosingDebit, t.ClosingCredit = t.ClosingDebit.Add(r.ClosingDebit), t.ClosingCredit.Add(r.ClosingCredit)
	}
	return t
}

// Amounts are the Expected, Actual and Difference (= actual − expected)
// of a discrepancy about amounts in fen, as decimal strings.
func Amounts(expected, actual int64) (string, string, string) {
	return fen(expected), fen(actual), fen(actual - expected)
}

func fen(n int64) string { return ledger.FromFen(n).String() }
