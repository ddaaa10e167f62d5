package recon

import (
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// Totals are the control totals of a book over a date range, computed from
// posted lines: what came in, what went down to branches, what came back,
// what was spent per purpose, and the closing balances.
type Totals struct {
	From, To       time.Time
	IncomeByKind   map[ledger.FundKind]ledger.Money // credits to income accounts (420101, 4801, …)
	Income         ledger.Money                     // upper + matching
	Allocated      ledger.Money                     // debits to 121801
	Returned       ledger.Money                     // credits to 121801 paid back to the bank
	SpentByPurpose map[ledger.Purpose]ledger.Money
	Spent          ledger.Money
	Bank           ledger.Money // 100201 balance at To (special funds)
	Pending        ledger.Money // 121801 balance at To (special funds)
	Vouchers       int          // posted vouchers in the range
}
