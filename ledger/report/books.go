package report

import (
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// The standard books as a 用友 user prints them, besides 明细账 and the
// two daybooks: 总账 (the general ledger of the first-level accounts, one
// row per month) and the 多栏式 支出明细账 (the expense ledger with one
// analysis column per purpose).

// GeneralRow is a row of 总账: one first-level account in one month of the
// year, from January of the period's year to the period's last month.
// Amounts are of posted vouchers; Opening is the signed balance (debit
// positive) at the month's start, and Opening + Debit − Credit is the
// month's closing balance (期末), the next month's Opening. YearDebit and
// YearCredit are 本年累计 through the month.
type GeneralRow struct {
	Account, Name         string
	Month                 time.Time // first day of the month
	Opening               ledger.Money
	Debit, Credit         ledger.Money // 本月发生额
	YearDebit, YearCredit ledger.Money // 本年累计
}

// Closing is the month's closing balance, signed (debit positive).
func (r *GeneralRow) Closing() ledger.Money { return r.Opening.Add(r.Debit).Sub(r.Credit) }

// ExpenseRow is a row of the 多栏式 支出明细账: an expense account whose
// children are bound to purposes (5001 党费支出（本级直接使用）), with each
// posted line on one of its children as an entry whose debit is analysed
// into the column of its purpose. The stream is shaped like 明细账: per
// account an optional opening row (Kind JournalOpening: Balance, the year
// before the period in YearDebit/YearCredit and YearByPurpose), then its
// entries in date order.
type ExpenseRow struct {
	Kind                 JournalKind
	Account, AccountName string // the parent expense account
	Date                 time.Time
	VoucherID            int64
	Voucher              string
	Summary              string
	OrgName, FundName    string
	Purpose              ledger.Purpose // of the entry's account
	Debit, Credit        ledger.Money   // a red reversal has a negative debit
	Balance              ledger.Money   // JournalOpening only
	YearDebit            ledger.Money   // JournalOpening only
	YearCredit           ledger.Money   // JournalOpening only
	// YearByPurpose is the debit of each purpose in the year before the
	// period (JournalOpening only).
	YearByPurpose map[ledger.Purpose]ledger.Money
}
