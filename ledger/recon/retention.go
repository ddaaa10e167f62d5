package recon

import (
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// Retention (资金滞留) of the money allocated to a branch: how long the money
// still unspent has waited since it was allocated. Money leaves a branch in
// the order it came (first in, first out): a spending or a return settles
// the oldest allocation first, so what remains unspent is the latest
// allocations' money, and the oldest of them gives the days.

// PendingMove is one posted movement of a branch's 已拨未用 (121801) of a
// special fund, in date order: Amount is debit − credit (an allocation is
// positive; a spending, a return or a red reversal of an allocation is
// negative).
type PendingMove struct {
	Date   time.Time
	Amount ledger.Money
}

// Retained is what Retention finds: the money unspent at the day, the
// date of the oldest allocation part of it still waits on, and the days
// since (0 when nothing is unspent).
type Retained struct {
	Unspent ledger.Money
	Since   time.Time
	Days    int
}

// Retention replays moves (in date order) first in, first out and tells
// how long the unspent money has waited at day.
func Retention(moves []PendingMove, day time.Time) Retained {
	type lot struct {
		date time.Time
		left ledger.Money
	}
	var lots []lot
	for _, m := range moves {
		if m.Amount.Sign() > 0 {
			lots = append(lots, lot{m.Date, m.Amount})
			continue
		}
		out := m.Amount.Neg()
		for out.Sign() > 0 && len(lots) > 0 {
			if lots[0].left.Cmp(out) > 0 {
				lots[0].left = lots[0].left.Sub(out)
				out = ledger.Zero
				break
			}
			out = out.Sub(lots[0].left)
			lots = lots[1:]
		}
	}
	r := Retained{Unspent: ledger.Zero}
	for _, l := range lots {
		r.Unspent = r.Unspent.Add(l.left)
	}
	if len(lots) > 0 && r.Unspent.Sign() > 0 {
		r.Since = lots[0].date
		r.Days = int(day.Sub(lots[0].date).Hours() / 24)
	}
	return r
}
