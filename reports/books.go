package reports

import (
	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/report"
)

// ---- 总账 ----

// generalColumns are the columns of 总账: one row per first-level account
// and month, 期初 and 期末 with their direction.
var generalColumns = []column{{"科目编码", 9}, {"科目名称", 16}, {"月份", 8}, {"期初|方向", 5}, {"期初|余额", 12},
	{"本月发生额|借方", 12}, {"本月发生额|贷方", 12}, {"本年累计|借方", 12}, {"本年累计|贷方", 12}, {"期末|方向", 5}, {"期末|余额", 12}}

// writeGeneral writes 总账: per first-level account, each month of the
// year through the period with its opening balance, the month's debit and
// credit, the year to date and the closing balance, debit or credit
// (借/贷/平), never a negative amount. The closing balance is a formula of
// the row's own cells with its value stored.
func writeGeneral(wb *workbook) error {
	t, err := wb.newTable(SheetGeneral, "总账", generalColumns, 2, 0)
	if err != nil {
		return err
	}
	buf := newRowBuf(len(generalColumns))
	c := buf.cells
	for i := range wb.d.General {
		r := &wb.d.General[i]
		closing := r.Closing()
		c[0] = wb.styled(wb.st.code, r.Account)
		c[1] = wb.text(r.Name)
		c[2] = wb.styled(wb.st.center, r.Month.Format("2006-01"))
		c[3] = wb.styled(wb.st.center, direction(r.Opening))
		c[4] = wb.money(r.Opening.Abs())
		c[5] = wb.moneyOrBlank(r.Debit)
		c[6] = wb.moneyOrBlank(r.Credit)
		c[7] = wb.moneyOrBlank(r.YearDebit)
		c[8] = wb.moneyOrBlank(r.YearCredit)
		c[9] = wb.styled(wb.st.center, direction(closing))
		c[10] = wb.money(closing.Abs())
		if _, _, err := t.add(buf.ptrs, true); err != nil {
			return err
		}
	}
	return nil
}

// ---- 支出明细账（多栏式） ----

// expenseColumns are the columns of the 多栏式 支出明细账: the entry, its
// debit, credit and running balance, then the debit analysed by purpose.
func expenseColumns() []column {
	cols := []column{{"日期", 10}, {"凭证字号", 9}, {"摘要", 20}, {"党组织", 14}, {"借方", 12}, {"贷方", 11}, {"方向", 4}, {"余额", 12}}
	for _, p := range ledger.Purposes {
		cols = append(cols, column{"借方金额分析|" + p.Name(), 12})
	}
	return cols
}

// expenseAnalysis is the first analysis column (1-based).
const expenseAnalysis = 9

// writeExpense writes each account of the 多栏式 支出明细账 as 期初余额,
// its entries with running balances and each debit in its purpose's
// column, 本月合计 (SUM of the entries) and 本年累计. The analysis
// columns of every row add up to its debit.
func writeExpense(wb *workbook) error {
	cols := expenseColumns()
	t, err := wb.newTable(SheetExpense, "支出明细账（多栏式）", cols, 2, 0)
	if err != nil {
		return err
	}
	d := wb.d
	n := len(cols)
	buf := newRowBuf(n)
	c := buf.cells
	var (
		open                    bool
		account, name           string
		balance, debit, credit  ledger.Money
		yDebit, yCredit         ledger.Money
		byPurpose, yearPurposes map[ledger.Purpose]ledger.Money
		entries                 spanList
	)
	row := func(style int, date excelize.Cell, voucher, summary, org string) {
		c[0], c[1], c[2], c[3] = date, wb.styled(wb.st.center, voucher), wb.styled(style, summary), wb.text(org)
		c[6] = excelize.Cell{StyleID: wb.st.center, Value: direction(balance)}
		c[7] = wb.money(balance.Abs())
	}
	start := func(r *report.ExpenseRow) error {
		open, account, name = true, r.Account, r.AccountName
		balance, debit, credit = r.Balance, ledger.Zero, ledger.Zero
		yDebit, yCredit = r.YearDebit, r.YearCredit
		byPurpose, yearPurposes = map[ledger.Purpose]ledger.Money{}, map[ledger.Purpose]ledger.Money{}
		for p, m := range r.YearByPurpose {
			yearPurposes[p] = m
		}
		entries = nil
		row(wb.st.text, wb.date(d.From), "", "期初余额（"+account+" "+name+"）", "")
		for i := 4; i < n; i++ {
			if i != 6 && i != 7 {
				c[i] = excelize.Cell{StyleID: wb.st.money}
			}
		}
		_, _, err := t.add(buf.ptrs, false)
		return err
	}
	closeAccount := func() error {
		if !open {
			return nil
		}
		next := t.nextPart()
		row(wb.st.totalLabel, wb.date(d.To), "", "本月合计", "")
		c[4] = wb.total(5, entries, next, debit)
		c[5] = wb.total(6, entries, next, credit)
		for k, p := range ledger.Purposes {
			c[expenseAnalysis-1+k] = wb.total(expenseAnalysis+k, entries, next, byPurpose[p])
		}
		if _, _, err := t.add(buf.ptrs, false); err != nil {
			return err
		}
		row(wb.st.totalLabel, wb.date(d.To), "", "本年累计", "")
		c[4] = excelize.Cell{StyleID: wb.st.totalMoney, Value: wb.float(yDebit.Add(debit))}
		c[5] = excelize.Cell{StyleID: wb.st.totalMoney, Value: wb.float(yCredit.Add(credit))}
		for k, p := range ledger.Purposes {
			c[expenseAnalysis-1+k] = excelize.Cell{StyleID: wb.st.totalMoney, Value: wb.float(yearPurposes[p].Add(byPurpose[p]))}
		}
		if _, _, err := t.add(buf.ptrs, false); err != nil {
			return err
		}
		open = false
		return nil
	}
	if d.Expense != nil {
		for r, err := range d.Expense {
			if err != nil {
				return err
			}
			if r.Kind == report.JournalOpening {
				if err := closeAccount(); err != nil {
					return err
				}
				if err := start(&r); err != nil {
					return err
				}
				continue
			}
			if !open || r.Account != account {
				if err := closeAccount(); err != nil {
					return err
				}
				if err := start(&report.ExpenseRow{Account: r.Account, AccountName: r.AccountName}); err != nil {
					return err
				}
			}
			balance = balance.Add(r.Debit).Sub(r.Credit)
			debit, credit = debit.Add(r.Debit), credit.Add(r.Credit)
			byPurpose[r.Purpose] = byPurpose[r.Purpose].Add(r.Debit)
			row(wb.st.text, wb.date(r.Date), r.Voucher, r.Summary, r.OrgName)
			c[1] = wb.voucher(r.VoucherID, r.Voucher)
			c[4], c[5] = wb.moneyOrBlank(r.Debit), wb.moneyOrBlank(r.Credit)
			for k, p := range ledger.Purposes {
				if p == r.Purpose {
					c[expenseAnalysis-1+k] = wb.moneyOrBlank(r.Debit)
				} else {
					c[expenseAnalysis-1+k] = excelize.Cell{StyleID: wb.st.money}
				}
			}
			p, rr, err := t.add(buf.ptrs, true)
			if err != nil {
				return err
			}
			entries.add(p, rr)
		}
	}
	return closeAccount()
}
