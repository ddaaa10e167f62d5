package ledger_test

import (
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

func mv(account, org, fund string, fen int64) ledger.Move {
	return ledger.Move{Key: ledger.BalanceKey{Account: account, Org: org, Fund: fund}, Fen: fen}
}

func TestCheckOverspend(t *testing.T) {
	b := demoBooks(t)
	bank := ledger.BalanceKey{Account: ledger.AcctBank, Org: "FY", Fund: "FY-UP"}
	pending := ledger.BalanceKey{Account: ledger.AcctPending, Org: "FY-CP-01", Fund: "FY-UP"}
	balances := map[ledger.BalanceKey]int64{bank: 10000, pending: 500}
	read := func(k ledger.BalanceKey) int64 { return balances[k] }
	ok := []struct {
		name  string
		moves []ledger.Move
		nets  int
	}{
		{"allocation within the bank balance", []ledger.Move{mv(ledger.AcctPending, "FY-CP-01", "FY-UP", 10000), mv(ledger.AcctBank, "FY", "FY-UP", -10000)}, 2},
		{"credit and debit on one key net out", []ledger.Move{mv(ledger.AcctBank, "FY", "FY-UP", -20000), mv(ledger.AcctBank, "FY", "FY-UP", 15000)}, 1},
		{"unrestricted income goes negative", []ledger.Move{mv(ledger.AcctBank, "FY", "FY-UP", 99900), mv(ledger.AcctUpperIncome, "FY", "FY-UP", -99900)}, 1},
	}
	for _, c := range ok {
		nets, over := ledger.CheckOverspend(b.Chart, c.moves, read)
		if over != nil || len(nets) != c.nets {
			t.Errorf("%s: over %+v, %d nets, want none and %d", c.name, over, len(nets), c.nets)
		}
	}
	bad := []struct {
		name   string
		moves  []ledger.Move
		key    ledger.BalanceKey
		credit int
	}{
		{"spending more than the branch holds", []ledger.Move{mv("500101", "FY-CP-01", "FY-UP", 501), mv(ledger.AcctPending, "FY-CP-01", "FY-UP", -501)}, pending, 1},
		{"first overspent key in line order", []ledger.Move{mv(ledger.AcctBank, "FY", "FY-UP", -10001), mv(ledger.AcctPending, "FY-CP-01", "FY-UP", -501)}, bank, 0},
	}
	for _, c := range bad {
		_, over := ledger.CheckOverspend(b.Chart, c.moves, read)
		if over == nil || over.Key != c.key || over.Credit != c.credit || over.Before != balances[c.key] {
			t.Errorf("%s: over %+v, want key %v at move %d", c.name, over, c.key, c.credit)
			continue
		}
		errorIs(t, over.Err(b, "amount", "记-0001"), ledger.EInsufficientFunds, "amount")
	}
}
