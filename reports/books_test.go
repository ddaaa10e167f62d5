package reports

import (
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger"
)

// signed reads a direction (借/贷/平) and an amount as a debit-positive
// balance.
func signed(t *testing.T, g grid, row, dirCol, amtCol int) ledger.Money {
	t.Helper()
	a := g.money(t, row, amtCol)
	switch g.cell(row, dirCol) {
	case "借":
		return a
	case "贷":
		return a.Neg()
	case "平":
		if !a.IsZero() {
			t.Errorf("%s row %d: 平 with %s", g.name, row, a)
		}
		return ledger.Zero
	}
	t.Errorf("%s row %d: direction %q", g.name, row, g.cell(row, dirCol))
	return a
}

// checkBooks asserts what 总账 and the 多栏式 支出明细账 must satisfy on
// a written workbook:
//   - 总账: each row's 期末 = 期初 + 借方 − 贷方; a month's 期初 is the
//     month before's 期末; the year to date adds the months up; the last
//     month's 期末 of each account is its closing balance in 试算平衡表;
//   - 支出明细账: each entry's analysis columns add up to its 借方, its
//     running balance moves by 借方 − 贷方, and 本月合计 of 借方 and of
//     each purpose equals the period debits of 科目余额表's purpose
//     accounts.
func checkBooks(t *testing.T, f *excelize.File) {
	t.Helper()
	tb := readGrid(t, f, SheetTrial)
	trial := map[string]ledger.Money{}
	for r := 5; r <= len(tb.rows); r++ {
		if code := tb.cell(r, 1); code != "" && code != "合计" {
			trial[code] = tb.money(t, r, 7).Sub(tb.money(t, r, 8))
		}
	}
	g := readGrid(t, f, SheetGeneral)
	last := map[string]ledger.Money{}
	var prevAccount string
	prevClosing, yd, yc := ledger.Zero, ledger.Zero, ledger.Zero
	n := 0
	for r := 5; r <= len(g.rows); r++ {
		code := g.cell(r, 1)
		if code == "" {
			continue
		}
		n++
		open, closing := signed(t, g, r, 4, 5), signed(t, g, r, 10, 11)
		dr, cr := g.money(t, r, 6), g.money(t, r, 7)
		if want := open.Add(dr).Sub(cr); !want.Equal(closing) {
			t.Errorf("总账 row %d (%s %s): 期初 %s + 借 %s − 贷 %s ≠ 期末 %s", r, code, g.cell(r, 3), open, dr, cr, closing)
		}
		if code == prevAccount && !open.Equal(prevClosing) {
			t.Errorf("总账 row %d (%s %s): 期初 %s ≠ the month before's 期末 %s", r, code, g.cell(r, 3), open, prevClosing)
		}
		if code != prevAccount || g.cell(r, 3)[5:] == "01" {
			yd, yc = ledger.Zero, ledger.Zero
		}
		yd, yc = yd.Add(dr), yc.Add(cr)
		if !yd.Equal(g.money(t, r, 8)) || !yc.Equal(g.money(t, r, 9)) {
			t.Errorf("总账 row %d (%s %s): 本年累计 %s/%s, months add up to %s/%s", r, code, g.cell(r, 3), g.money(t, r, 8), g.money(t, r, 9), yd, yc)
		}
		prevAccount, prevClosing = code, closing
		last[code] = closing
	}
	if n == 0 {
		t.Error("总账 has no rows")
	}
	for code, want := range trial {
		if got := last[code]; !got.Equal(want) {
			t.Errorf("总账 %s 期末 %s ≠ 试算平衡表 期末 %s", code, got, want)
		}
	}
	for code, got := range last {
		if _, ok := trial[code]; !ok && !got.IsZero() {
			t.Errorf("总账 %s 期末 %s is not in 试算平衡表", code, got)
		}
	}

	bal := readGrid(t, f, SheetBalances)
	periodDebit := map[string]ledger.Money{}
	for r := 5; r <= len(bal.rows); r++ {
		periodDebit[bal.cell(r, 1)] = bal.money(t, r, 5)
	}
	e := readGrid(t, f, SheetExpense)
	balance := ledger.Zero
	entries := 0
	for r := 5; r <= len(e.rows); r++ {
		summary := e.cell(r, 3)
		cur := signed(t, e, r, 7, 8)
		switch {
		case e.cell(r, 2) == "" && strings.HasPrefix(summary, "期初余额"):
			balance = cur
		case summary == "本月合计":
			dr := e.money(t, r, 5)
			if want := periodDebit["5001"]; !dr.Equal(want) {
				t.Errorf("支出明细账 本月合计 借方 %s ≠ 科目余额表 5001 本期借方 %s", dr, want)
			}
			for k, acct := range []string{ledger.AcctProcurement, ledger.AcctCondolence, ledger.AcctRelief} {
				if got := e.money(t, r, expenseAnalysis+k); !got.Equal(periodDebit[acct]) {
					t.Errorf("支出明细账 本月合计 %s %s ≠ 科目余额表 %s 本期借方 %s", ledger.Purposes[k].Name(), got, acct, periodDebit[acct])
				}
			}
		case summary == "本年累计":
		default:
			entries++
			dr, cr := e.money(t, r, 5), e.money(t, r, 6)
			parts := ledger.Zero
			for k := range ledger.Purposes {
				parts = parts.Add(e.money(t, r, expenseAnalysis+k))
			}
			if !parts.Equal(dr) {
				t.Errorf("支出明细账 row %d: analysis adds up to %s, 借方 %s", r, parts, dr)
			}
			balance = balance.Add(dr).Sub(cr)
			if !balance.Equal(cur) {
				t.Errorf("支出明细账 row %d: balance %s, want %s", r, cur, balance)
			}
		}
	}
	if entries == 0 && !periodDebit["5001"].IsZero() {
		t.Error("支出明细账 has no entries")
	}
}
