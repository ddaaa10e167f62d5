package reports

import (
	"fmt"
	"io"
	"iter"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/report"
)

// WriteBareAudit writes the cells of every sheet of the audit workbook
// with a bare excelize StreamWriter: per sheet a header row and the
// table's rows as plain values (the journals with their running balances,
// 期初余额, 本月合计 and 本年累计 rows; 凭证清单 and the tables with their
// total rows), continued on a new sheet at Excel's row limit as the
// workbook does, but no title, styles, formulas, links, merged headers,
// panes, filters, charts, print setup or cross-sheet checks. It is the
// baseline `ledger bench` holds WriteAudit to (at most 1.5 times its
// time, its peak memory + 100 MiB). It pulls each iterator of d once.
func WriteBareAudit(w io.Writer, d *report.AuditData) error {
	b := &bareBook{f: excelize.NewFile()}
	defer b.f.Close()
	steps := []func(*bareBook, *report.AuditData) error{bareCover, bareT1, bareT2, bareT3, bareT4, bareT5, bareT6, bareT7, bareT8, bareT9,
		bareBalances, bareTrial, bareGeneral, bareDetail, bareExpense, bareCashJournal, bareBankJournal, bareVouchers}
	for i, step := range steps {
		if err := step(b, d); err != nil {
			return fmt.Errorf("%s: %w", SheetNames[i], err)
		}
	}
	if err := b.flush(); err != nil {
		return err
	}
	return b.f.Write(w)
}

// bareBook streams plain rows into the sheets of one file.
type bareBook struct {
	f     *excelize.File
	sw    *excelize.StreamWriter
	base  string
	head  []any
	part  int
	row   int
	cells []any
}

// sheet starts the sheet name with its header row.
func (b *bareBook) sheet(name string, head ...string) error {
	b.base, b.part = name, 1
	b.head = make([]any, len(head))
	for i, h := range head {
		b.head[i] = h
	}
	return b.newPart(name)
}

func (b *bareBook) newPart(name string) error {
	if err := b.flush(); err != nil {
		return err
	}
	if len(b.f.GetSheetList()) == 1 && b.f.GetSheetList()[0] == "Sheet1" {
		if err := b.f.SetSheetName("Sheet1", name); err != nil {
			return err
		}
	} else if _, err := b.f.NewSheet(name); err != nil {
		return err
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	b.sw, b.row = sw, 1
	return b.sw.SetRow("A1", b.head)
}

func (b *bareBook) flush() error {
	if b.sw == nil {
		return nil
	}
	err := b.sw.Flush()
	b.sw = nil
	return err
}

// put writes a row, on a new part of the sheet when this one is full.
func (b *bareBook) put(cells []any) error {
	if b.row == RowLimitMax {
		b.part++
		if err := b.newPart(fmt.Sprintf("%s (%d)", b.base, b.part)); err != nil {
			return err
		}
	}
	b.row++
	cell, err := excelize.CoordinatesToCellName(1, b.row)
	if err != nil {
		return err
	}
	return b.sw.SetRow(cell, cells)
}

// buf is a reusable row of n cells.
func (b *bareBook) buf(n int) []any {
	if cap(b.cells) < n {
		b.cells = make([]any, n)
	}
	b.cells = b.cells[:n]
	clear(b.cells)
	return b.cells
}

func bareMoney(m ledger.Money) any {
	if m.IsZero() {
		return nil
	}
	return float64(m.Fen()) / 100
}

func bareDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return dateSerial(t)
}

func heads(cols []column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.head
	}
	return out
}

// bareRows writes a slice of row structs, one cell per exported field:
// money as yuan, dates as serials, purposes by name, lists joined. The
// slices so written are the small tables (at most a row per organisation,
// fund, purpose, account or finding).
func bareRows[T any](b *bareBook, name string, rows []T) error {
	var zero T
	t := reflect.TypeOf(zero)
	var head []string
	for i := range t.NumField() {
		if t.Field(i).IsExported() {
			head = append(head, t.Field(i).Name)
		}
	}
	if err := b.sheet(name, head...); err != nil {
		return err
	}
	return bareAppend(b, rows)
}

// bareAppend writes more row structs on the current sheet, as bareRows.
func bareAppend[T any](b *bareBook, rows []T) error {
	var zero T
	t := reflect.TypeOf(zero)
	for i := range rows {
		v := reflect.ValueOf(&rows[i]).Elem()
		cells := b.buf(0)
		for j := range t.NumField() {
			if !t.Field(j).IsExported() {
				continue
			}
			f := v.Field(j)
			var c any
			switch x := f.Interface().(type) {
			case ledger.Money:
				c = bareMoney(x)
			case time.Time:
				c = bareDate(x)
			case ledger.Purpose:
				c = purposeName(x)
			case []string:
				c = strings.Join(x, "、")
			default:
				switch f.Kind() {
				case reflect.String:
					c = f.String()
				case reflect.Int, reflect.Int64, reflect.Int32:
					c = f.Int()
				case reflect.Bool:
					c = f.Bool()
				}
			}
			cells = append(cells, c)
		}
		b.cells = cells
		if err := b.put(cells); err != nil {
			return err
		}
	}
	return nil
}

func bareCover(b *bareBook, d *report.AuditData) error {
	if err := b.sheet(SheetCover, "项目", "内容"); err != nil {
		return err
	}
	rows := [][]any{{"核算单位", d.BookName}, {"期间", d.Period}, {"起", bareDate(d.From)}, {"止", bareDate(d.To)},
		{"制表人", d.Preparer}, {"审核人", d.Reviewer}, {"生成人", d.GeneratedBy}, {"期末封存", d.PeriodSeal}}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range d.Params {
			if !yield(k) {
				return
			}
		}
	}) {
		rows = append(rows, []any{k, d.Params[k]})
	}
	for _, r := range rows {
		if err := b.put(r); err != nil {
			return err
		}
	}
	return nil
}

func bareT1(b *bareBook, d *report.AuditData) error { return bareRows(b, SheetT1, d.T1) }
func bareT2(b *bareBook, d *report.AuditData) error { return bareRows(b, SheetT2, d.T2) }
func bareT4(b *bareBook, d *report.AuditData) error { return bareRows(b, SheetT4, d.T4) }
func bareT5(b *bareBook, d *report.AuditData) error { return bareRows(b, SheetT5, d.T5) }
func bareT7(b *bareBook, d *report.AuditData) error { return bareRows(b, SheetT7, d.T7) }
func bareT8(b *bareBook, d *report.AuditData) error { return bareRows(b, SheetT8, d.T8) }
func bareBalances(b *bareBook, d *report.AuditData) error {
	return bareRows(b, SheetBalances, d.Balances)
}
func bareTrial(b *bareBook, d *report.AuditData) error { return bareRows(b, SheetTrial, d.Trial) }

func bareT9(b *bareBook, d *report.AuditData) error {
	if d.T9 == nil {
		return b.sheet(SheetT9, "日期", "凭证字号", "摘要", "金额")
	}
	var items []report.T9Item
	for _, l := range [][]report.T9Item{d.T9.BankReceived, d.T9.BankPaid, d.T9.BookReceived, d.T9.BookPaid} {
		items = append(items, l...)
	}
	if err := bareRows(b, SheetT9, items); err != nil {
		return err
	}
	return b.put([]any{d.T9.BankName, d.T9.Account, bareDate(d.T9.AsOf), bareMoney(d.T9.BookBalance), bareMoney(d.T9.BankBalance)})
}

// bareT3Row fills cells with the values of T3 row r, numbered n.
func bareT3Row(cells []any, n int, r *report.T3Row) {
	cells[0] = n
	cells[1] = r.OrgName
	cells[2] = dateSerial(r.Date)
	cells[3] = r.Voucher
	cells[4] = r.Summary
	cells[5] = purposeName(r.Purpose)
	cells[6] = r.FundName
	cells[7] = t3Item(r)
	cells[8] = nil
	if !r.Quantity.IsZero() {
		cells[8], _ = r.Quantity.Float64()
	}
	cells[9] = nil
	if !r.UnitPrice.IsZero() {
		cells[9], _ = r.UnitPrice.Float64()
	}
	cells[10] = float64(r.Amount.Fen()) / 100
	cells[11] = methodName(r.Method)
	cells[12] = r.Payee
	cells[13] = payeeTypeName(r.PayeeType)
	cells[14] = strings.Join(r.DocTypes, "、")
	cells[15] = r.Attachments
	cells[16] = r.Decision
	cells[17] = r.Handler
	cells[18] = r.Checker
	cells[19] = nil
	if !r.PublishedOn.IsZero() {
		cells[19] = dateSerial(r.PublishedOn)
	}
	cells[20] = strings.Join(r.Flags, "、")
}

func bareT3(b *bareBook, d *report.AuditData) error {
	if err := b.sheet(SheetT3, heads(t3Columns)...); err != nil {
		return err
	}
	cells := make([]any, len(t3Columns))
	total := ledger.Zero
	n := 0
	if d.T3 != nil {
		for r, err := range d.T3 {
			if err != nil {
				return err
			}
			n++
			bareT3Row(cells, n, &r)
			if err := b.put(cells); err != nil {
				return err
			}
			total = total.Add(r.Amount)
		}
	}
	clear(cells)
	cells[1], cells[10] = "合计", bareMoney(total)
	return b.put(cells)
}

func bareT6(b *bareBook, d *report.AuditData) error {
	if err := b.sheet(SheetT6, "序号", "姓名", "身份", "证件号码(脱敏)", "所属党组织/单位", "事由", "用途类别", "金额", "物品", "发放日期",
		"发放方式", "凭证字号", "领取人签字/回执", "重复标记"); err != nil {
		return err
	}
	cells := make([]any, 14)
	total := ledger.Zero
	for i := range d.T6 {
		r := &d.T6[i]
		dup := ""
		if r.Duplicate {
			dup = "重复"
		}
		cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6] = i+1, r.Name, r.Category, ledger.MaskID(r.IDNumber), r.OrgName, r.Reason, purposeName(r.Purpose)
		cells[7], cells[8], cells[9], cells[10], cells[11], cells[12], cells[13] = bareMoney(r.Amount), r.Goods, bareDate(r.Date), methodName(r.Method), r.Voucher, r.Receipt, dup
		if err := b.put(cells); err != nil {
			return err
		}
		total = total.Add(r.Amount)
	}
	clear(cells)
	cells[0], cells[7] = "合计", bareMoney(total)
	return b.put(cells)
}

func bareDetail(b *bareBook, d *report.AuditData) error {
	return bareJournal(b, d, detailJournal, d.Detail)
}

func bareCashJournal(b *bareBook, d *report.AuditData) error {
	return bareJournal(b, d, cashJournal, d.CashJournal)
}

func bareBankJournal(b *bareBook, d *report.AuditData) error {
	return bareJournal(b, d, bankJournal, d.BankJournal)
}

// bareJournal writes the cells of a journal sheet as writeJournal does:
// per account 期初余额, its entries with the running balance, 本月合计
// and 本年累计, as plain values.
func bareJournal(b *bareBook, d *report.AuditData, j journal, rows iter.Seq2[report.JournalRow, error]) error {
	if err := b.sheet(j.base, heads(j.cols)...); err != nil {
		return err
	}
	cells := make([]any, len(j.cols))
	var s journalState
	line := func(date any, voucher, summary string, others []string, debit, credit ledger.Money) []any {
		cells[0], cells[1], cells[2], cells[3], cells[4] = s.account, s.name, date, voucher, summary
		i := 5
		for _, o := range others {
			cells[i] = o
			i++
		}
		cells[i], cells[i+1] = bareMoney(debit), bareMoney(credit)
		if j.daybook {
			cells[i+2] = float64(s.balance.Fen()) / 100
		} else {
			cells[i+2] = direction(s.balance)
			cells[i+3] = float64(s.balance.Abs().Fen()) / 100
		}
		return cells
	}
	blanks := []string{"", ""}
	if j.method {
		blanks = []string{"", "", ""}
	}
	start := func(account, name string, balance, yd, yc ledger.Money) error {
		s = journalState{open: true, account: account, name: name, balance: balance, debit: ledger.Zero, credit: ledger.Zero, yDebit: yd, yCred: yc}
		return b.put(line(dateSerial(d.From), "", "期初余额", blanks, ledger.Zero, ledger.Zero))
	}
	closeAccount := func() error {
		if !s.open {
			return nil
		}
		if err := b.put(line(dateSerial(d.To), "", "本月合计", blanks, s.debit, s.credit)); err != nil {
			return err
		}
		s.open = false
		return b.put(line(dateSerial(d.To), "", "本年累计", blanks, s.yDebit.Add(s.debit), s.yCred.Add(s.credit)))
	}
	others := make([]string, 0, 3)
	if rows != nil {
		for r, err := range rows {
			if err != nil {
				return err
			}
			if r.Kind == report.JournalOpening {
				if err := closeAccount(); err != nil {
					return err
				}
				if err := start(r.Account, r.AccountName, r.Balance, r.YearDebit, r.YearCredit); err != nil {
					return err
				}
				continue
			}
			if !s.open || r.Account != s.account {
				if err := closeAccount(); err != nil {
					return err
				}
				if err := start(r.Account, r.AccountName, ledger.Zero, ledger.Zero, ledger.Zero); err != nil {
					return err
				}
			}
			s.balance = s.balance.Add(r.Debit).Sub(r.Credit)
			s.debit = s.debit.Add(r.Debit)
			s.credit = s.credit.Add(r.Credit)
			switch {
			case j.method:
				others = append(others[:0], methodName(r.Method), r.Contra, r.OrgName)
			case j.daybook:
				others = append(others[:0], r.Contra, r.OrgName)
			default:
				others = append(others[:0], r.OrgName, r.FundName)
			}
			if err := b.put(line(dateSerial(r.Date), r.Voucher, r.Summary, others, r.Debit, r.Credit)); err != nil {
				return err
			}
		}
	}
	return closeAccount()
}

func bareVouchers(b *bareBook, d *report.AuditData) error {
	if err := b.sheet(SheetVouchers, heads(voucherColumns)...); err != nil {
		return err
	}
	cells := make([]any, len(voucherColumns))
	debit, credit := ledger.Zero, ledger.Zero
	if d.Vouchers != nil {
		for r, err := range d.Vouchers {
			if err != nil {
				return err
			}
			cells[0], cells[1], cells[2], cells[3], cells[4], cells[5] = dateSerial(r.Date), r.Voucher, r.Line, r.Summary, r.Account, r.AccountName
			cells[6], cells[7], cells[8], cells[9], cells[10], cells[11] = r.OrgName, r.FundName, purposeName(r.Purpose), bareMoney(r.Debit), bareMoney(r.Credit), r.Attachments
			cells[12], cells[13], cells[14], cells[15], cells[16], cells[17] = r.Maker, r.Checker, r.Cashier, r.Poster, r.Status.Name(), r.ReversalOf
			if err := b.put(cells); err != nil {
				return err
			}
			if r.Status == ledger.StatusPosted {
				debit, credit = debit.Add(r.Debit), credit.Add(r.Credit)
			}
		}
	}
	clear(cells)
	cells[0], cells[9], cells[10] = "合计", bareMoney(debit), bareMoney(credit)
	return b.put(cells)
}

// WriteBareReconcile writes the cells of the reconciliation workbook with
// a bare excelize StreamWriter: its sheets, each with the rows of its
// table as plain values (核对结果: the checks, then the funds'
// conservation and the voided numbers; 银行存款余额调节表: the outstanding
// items and both balances), no styles, formulas or print setup. It is the
// baseline `ledger bench` holds WriteReconcile to.
func WriteBareReconcile(w io.Writer, d *report.ReconcileData) error {
	b := &bareBook{f: excelize.NewFile()}
	defer b.f.Close()
	err := bareRows(b, SheetRecChecks, d.Checks)
	if err == nil {
		err = bareAppend(b, d.Funds)
	}
	for _, v := range d.Voided {
		if err == nil {
			err = b.put([]any{v})
		}
	}
	if err == nil {
		err = bareRows(b, SheetRecDiscrepancies, d.Discrepancies)
	}
	if err == nil {
		if d.Bank == nil {
			err = b.sheet(SheetRecBank, "日期", "凭证字号", "摘要", "金额")
		} else {
			var items []report.T9Item
			for _, l := range [][]report.T9Item{d.Bank.BankReceived, d.Bank.BankPaid, d.Bank.BookReceived, d.Bank.BookPaid} {
				items = append(items, l...)
			}
			err = bareRows(b, SheetRecBank, items)
			if err == nil {
				err = b.put([]any{d.Bank.BankName, d.Bank.Account, bareDate(d.Bank.AsOf), bareMoney(d.Bank.BookBalance), bareMoney(d.Bank.BankBalance)})
			}
		}
	}
	if err == nil {
		err = bareRows(b, SheetRecTrial, d.Trial)
	}
	if err == nil {
		err = bareRows(b, SheetRecFindings, d.Findings)
	}
	if err == nil {
		err = b.flush()
	}
	if err != nil {
		return err
	}
	return b.f.Write(w)
}

// bareGeneral writes the cells of 总账 as writeGeneral does, one row per
// first-level account and month, plain values.
func bareGeneral(b *bareBook, d *report.AuditData) error {
	if err := b.sheet(SheetGeneral, heads(generalColumns)...); err != nil {
		return err
	}
	for i := range d.General {
		r := &d.General[i]
		closing := r.Closing()
		cells := b.buf(len(generalColumns))
		cells[0], cells[1], cells[2], cells[3] = r.Account, r.Name, r.Month.Format("2006-01"), direction(r.Opening)
		cells[4], cells[5], cells[6] = bareMoney(r.Opening.Abs()), bareMoney(r.Debit), bareMoney(r.Credit)
		cells[7], cells[8], cells[9], cells[10] = bareMoney(r.YearDebit), bareMoney(r.YearCredit), direction(closing), bareMoney(closing.Abs())
		if err := b.put(cells); err != nil {
			return err
		}
	}
	return nil
}

// bareExpense writes the cells of the 多栏式 支出明细账 as writeExpense
// does: per account 期初余额, its entries with the running balance and the
// debit in its purpose's column, 本月合计 and 本年累计, plain values.
func bareExpense(b *bareBook, d *report.AuditData) error {
	cols := expenseColumns()
	if err := b.sheet(SheetExpense, heads(cols)...); err != nil {
		return err
	}
	if d.Expense == nil {
		return nil
	}
	var (
		open                    bool
		account                 string
		balance, debit, credit  ledger.Money
		yDebit, yCredit         ledger.Money
		byPurpose, yearPurposes map[ledger.Purpose]ledger.Money
	)
	line := func(date any, voucher, summary, org string, dr, cr ledger.Money, analysis map[ledger.Purpose]ledger.Money) error {
		cells := b.buf(len(cols))
		cells[0], cells[1], cells[2], cells[3] = date, voucher, summary, org
		cells[4], cells[5], cells[6], cells[7] = bareMoney(dr), bareMoney(cr), direction(balance), bareMoney(balance.Abs())
		for k, p := range ledger.Purposes {
			cells[expenseAnalysis-1+k] = bareMoney(analysis[p])
		}
		return b.put(cells)
	}
	closeAccount := func() error {
		if !open {
			return nil
		}
		if err := line(bareDate(d.To), "", "本月合计", "", debit, credit, byPurpose); err != nil {
			return err
		}
		year := map[ledger.Purpose]ledger.Money{}
		for _, p := range ledger.Purposes {
			year[p] = yearPurposes[p].Add(byPurpose[p])
		}
		return line(bareDate(d.To), "", "本年累计", "", yDebit.Add(debit), yCredit.Add(credit), year)
	}
	for r, err := range d.Expense {
		if err != nil {
			return err
		}
		if r.Kind == report.JournalOpening || !open || r.Account != account {
			if err := closeAccount(); err != nil {
				return err
			}
			open, account = true, r.Account
			balance, debit, credit, yDebit, yCredit = ledger.Zero, ledger.Zero, ledger.Zero, ledger.Zero, ledger.Zero
			byPurpose, yearPurposes = map[ledger.Purpose]ledger.Money{}, map[ledger.Purpose]ledger.Money{}
			if r.Kind == report.JournalOpening {
				balance, yDebit, yCredit = r.Balance, r.YearDebit, r.YearCredit
				for p, m := range r.YearByPurpose {
					yearPurposes[p] = m
				}
			}
			if err := line(bareDate(d.From), "", "期初余额（"+r.Account+" "+r.AccountName+"）", "", ledger.Zero, ledger.Zero, nil); err != nil {
				return err
			}
			if r.Kind == report.JournalOpening {
				continue
			}
		}
		balance = balance.Add(r.Debit).Sub(r.Credit)
		debit, credit = debit.Add(r.Debit), credit.Add(r.Credit)
		byPurpose[r.Purpose] = byPurpose[r.Purpose].Add(r.Debit)
		if err := line(bareDate(r.Date), r.Voucher, r.Summary, r.OrgName, r.Debit, r.Credit, map[ledger.Purpose]ledger.Money{r.Purpose: r.Debit}); err != nil {
			return err
		}
	}
	return closeAccount()
}
