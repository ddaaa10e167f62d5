package bankrec

import (
	"fmt"
	"slices"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// Checks named by a Discrepancy (the "check" of SPEC §7's JSON).
const (
	// CheckAdjustedBalances: the two adjusted balances differ.
	CheckAdjustedBalances = "bank_adjusted_balances"
	// CheckOutstandingAge: an outstanding item is older than the window.
	CheckOutstandingAge = "bank_outstanding_age"
	// CheckAfterPeriodEnd: an item dated after the period end was given
	// for the period.
	CheckAfterPeriodEnd = "bank_after_period_end"
	// CheckStatementBalance: a statement line's balance is not the previous
	// balance plus its amount (a row missing from the file, say).
	CheckStatementBalance = "bank_statement_balance"
)

// Discrepancy is one reason a reconciliation is not clean.
type Discrepancy struct {
	Check string
	// Outstanding is the kind of the item, for item discrepancies.
	Outstanding Outstanding
	// The item: a book entry (Voucher, VoucherID) or a statement line (Row).
	Voucher   string
	VoucherID int64
	Row       int
	Date      time.Time
	// AgeDays is the item's age in days at the period end.
	AgeDays int
	// Expected, Actual and Difference (= Actual − Expected). For adjusted
	// balances: the adjusted bank balance, the adjusted book balance. For
	// an outstanding item: zero, the item's amount. For a statement
	// balance: the balance implied by the previous line, the one printed.
	Expected, Actual, Difference ledger.Money
	Msg                          string
}

// Table is the 银行存款余额调节表 of one bank account at a period end.
//
//	book balance (企业银行存款日记账余额)
//	  + 银行已收企业未收 − 银行已付企业未付 = adjusted book balance
//	bank balance (银行对账单余额)
//	  + 企业已收银行未收 − 企业已付银行未付 = adjusted bank balance
//
// The totals of the four kinds are positive magnitudes, as printed; the
// table is balanced when the two adjusted balances are equal. It is not a
// basis for posting (domain §3.6).
type Table struct {
	PeriodEnd  time.Time
	WindowDays int

	BookBalance                ledger.Money
	BankReceivedNotBooked      []StatementLine
	BankReceivedNotBookedTotal ledger.Money
	BankPaidNotBooked          []StatementLine
	BankPaidNotBookedTotal     ledger.Money
	AdjustedBook               ledger.Money

	BankBalance                  ledger.Money
	BookedReceivedNotInBank      []BookEntry
	BookedReceivedNotInBankTotal ledger.Money
	BookedPaidNotInBank          []BookEntry
	BookedPaidNotInBankTotal     ledger.Money
	AdjustedBank                 ledger.Money

	// Balanced: AdjustedBook equals AdjustedBank.
	Balanced bool
	// Discrepancies: the adjusted balances differ, or an outstanding item
	// is older than WindowDays (or dated after the period end).
	Discrepancies []Discrepancy
}

// Clean reports whether the reconciliation passes: balanced, with no
// discrepancy.
func (t *Table) Clean() bool { return t.Balanced && len(t.Discrepancies) == 0 }

// Reconcile draws up the reconciliation table from the balances at the
// period end and the outstanding items of r. An outstanding item dated more
// than windowDays calendar days before periodEnd is a discrepancy (older
// than a timing difference should be); one dated within the window is a
// normal 未达账项. Items dated after periodEnd do not belong to the period
// and are discrepancies too. A negative windowDays counts as 0.
func Reconcile(bookBalance, bankBalance ledger.Money, r Result, periodEnd time.Time, windowDays int) Table {
	windowDays = max(windowDays, 0)
	t := Table{
		PeriodEnd:               periodEnd,
		WindowDays:              windowDays,
		BookBalance:             bookBalance,
		BankBalance:             bankBalance,
		BankReceivedNotBooked:   slices.Clone(r.BankReceivedNotBooked),
		BankPaidNotBooked:       slices.Clone(r.BankPaidNotBooked),
		BookedReceivedNotInBank: slices.Clone(r.BookedReceivedNotInBank),
		BookedPaidNotInBank:     slices.Clone(r.BookedPaidNotInBank),
	}
	t.BankReceivedNotBookedTotal = statementTotal(t.BankReceivedNotBooked)
	t.BankPaidNotBookedTotal = statementTotal(t.BankPaidNotBooked).Neg()
	t.BookedReceivedNotInBankTotal = bookTotal(t.BookedReceivedNotInBank)
	t.BookedPaidNotInBankTotal = bookTotal(t.BookedPaidNotInBank).Neg()
	t.AdjustedBook = bookBalance.Add(t.BankReceivedNotBookedTotal).Sub(t.BankPaidNotBookedTotal)
	t.AdjustedBank = bankBalance.Add(t.BookedReceivedNotInBankTotal).Sub(t.BookedPaidNotInBankTotal)
	t.Balanced = t.AdjustedBook.Equal(t.AdjustedBank)

	if !t.Balanced {
		t.Discrepancies = append(t.Discrepancies, Discrepancy{
			Check:      CheckAdjustedBalances,
			Date:       periodEnd,
			Expected:   t.AdjustedBank,
			Actual:     t.AdjustedBook,
			Difference: t.AdjustedBook.Sub(t.AdjustedBank),
			Msg: fmt.Sprintf("adjusted book balance %s differs from adjusted bank balance %s by %s",
				t.AdjustedBook.Format(), t.AdjustedBank.Format(), t.AdjustedBook.Sub(t.AdjustedBank).Format()),
		})
	}
	end := dayNumber(periodEnd)
	age := func(kind Outstanding, what string, date time.Time, amount ledger.Money) *Discrepancy {
		days := end - dayNumber(date)
		d := Discrepancy{Outstanding: kind, Date: date, AgeDays: int(days), Expected: ledger.Zero, Actual: amount, Difference: amount}
		switch {
		case days < 0:
			d.Check = CheckAfterPeriodEnd
			d.Msg = fmt.Sprintf("%s %s is dated after the period end %s", kind.Name(), what, periodEnd.Format(time.DateOnly))
		case days > int64(windowDays):
			d.Check = CheckOutstandingAge
			d.Msg = fmt.Sprintf("%s %s is outstanding %d days before the period end %s, beyond the %d-day window",
				kind.Name(), what, days, periodEnd.Format(time.DateOnly), windowDays)
		default:
			return nil
		}
		return &d
	}
	for _, s := range t.BankReceivedNotBooked {
		t.addStatement(age(BankReceivedNotBooked, s.String(), s.Date, s.Amount), s)
	}
	for _, s := range t.BankPaidNotBooked {
		t.addStatement(age(BankPaidNotBooked, s.String(), s.Date, s.Amount), s)
	}
	for _, b := range t.BookedReceivedNotInBank {
		t.addBook(age(BookedReceivedNotInBank, b.String(), b.Date, b.Amount), b)
	}
	for _, b := range t.BookedPaidNotInBank {
		t.addBook(age(BookedPaidNotInBank, b.String(), b.Date, b.Amount), b)
	}
	return t
}

func (t *Table) addStatement(d *Discrepancy, s StatementLine) {
	if d != nil {
		d.Row = s.Row
		t.Discrepancies = append(t.Discrepancies, *d)
	}
}

func (t *Table) addBook(d *Discrepancy, b BookEntry) {
	if d != nil {
		d.Voucher, d.VoucherID = b.Voucher, b.VoucherID
		t.Discrepancies = append(t.Discrepancies, *d)
	}
}

func statementTotal(lines []StatementLine) ledger.Money {
	t := ledger.Zero
	for i := range lines {
		t = t.Add(lines[i].Amount)
	}
	return t
}

func bookTotal(entries []BookEntry) ledger.Money {
	t := ledger.Zero
	for i := range entries {
		t = t.Add(entries[i].Amount)
	}
	return t
}

// chronological returns the statement lines in the order the bank booked
// them. Exports list either oldest first or newest first; the file order is
// kept within a day, reversed for a newest-first file.
func chronological(lines []StatementLine) []StatementLine {
	out := slices.Clone(lines)
	slices.SortStableFunc(out, func(a, b StatementLine) int { return a.Row - b.Row })
	if len(out) > 1 && dayNumber(out[0].Date) > dayNumber(out[len(out)-1].Date) {
		slices.Reverse(out)
	}
	slices.SortStableFunc(out, func(a, b StatementLine) int {
		x, y := dayNumber(a.Date), dayNumber(b.Date)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	return out
}

// StatementBalance returns the balance after the last line the bank booked
// (the closing balance of the statement) and whether the statement gives
// one.
func StatementBalance(lines []StatementLine) (ledger.Money, bool) {
	c := chronological(lines)
	if len(c) == 0 || c[len(c)-1].Balance == nil {
		return ledger.Zero, false
	}
	return *c[len(c)-1].Balance, true
}

// CheckBalances checks the running balance of a statement: each line's
// balance must be the previous line's plus its amount. A break means a
// line missing from (or added to) the file, which would otherwise show up
// as outstanding items; each break is one discrepancy naming the row.
func CheckBalances(lines []StatementLine) []Discrepancy {
	var out []Discrepancy
	var prev *ledger.Money
	for _, s := range chronological(lines) {
		if s.Balance == nil {
			prev = nil
			continue
		}
		if prev != nil {
			want := prev.Add(s.Amount)
			if !want.Equal(*s.Balance) {
				out = append(out, Discrepancy{
					Check: CheckStatementBalance, Row: s.Row, Date: s.Date,
					Expected: want, Actual: *s.Balance, Difference: s.Balance.Sub(want),
					Msg: fmt.Sprintf("statement row %d: balance %s, but the previous balance %s plus %s is %s",
						s.Row, s.Balance.Format(), prev.Format(), s.Amount.Format(), want.Format()),
				})
			}
		}
		b := *s.Balance
		prev = &b
	}
	return out
}
