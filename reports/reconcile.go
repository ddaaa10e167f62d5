package reports

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/report"
)

// Sheet names of the reconciliation workbook (`ledger reconcile --out`).
const (
	SheetRecChecks        = "核对结果"
	SheetRecDiscrepancies = "差异明细"
	SheetRecBank          = "银行存款余额调节表"
	SheetRecTrial         = "试算平衡表"
	SheetRecFindings      = "T8 异常清单"
)

// ReconcileSheetNames lists the sheets of the reconciliation workbook in
// order.
var ReconcileSheetNames = []string{SheetRecChecks, SheetRecDiscrepancies, SheetRecBank, SheetRecTrial, SheetRecFindings}

// reconcileStyles are the cell styles of the reconciliation workbook.
type reconcileStyles struct {
	title, info, head, text, wrap, money, date, total, totalMoney, ok, bad, section int
}

func newReconcileStyles(f *excelize.File) (reconcileStyles, error) {
	var s reconcileStyles
	border := []excelize.Border{{Type: "left", Color: "808080", Style: 1}, {Type: "right", Color: "808080", Style: 1},
		{Type: "top", Color: "808080", Style: 1}, {Type: "bottom", Color: "808080", Style: 1}}
	font := func(size float64, bold bool, color string) *excelize.Font {
		return &excelize.Font{Family: "宋体", Size: size, Bold: bold, Color: color}
	}
	fmtp := func(s string) *string { return &s }
	v := &excelize.Alignment{Vertical: "center"}
	grey := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}
	for _, d := range []struct {
		id *int
		st excelize.Style
	}{
		{&s.title, excelize.Style{Font: font(16, true, ""), Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}}},
		{&s.info, excelize.Style{Font: font(10, false, ""), Alignment: v, CustomNumFmt: fmtp("@")}},
		{&s.section, excelize.Style{Font: font(11, true, ""), Alignment: v, CustomNumFmt: fmtp("@")}},
		{&s.head, excelize.Style{Font: font(10, true, ""), Border: border, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&s.text, excelize.Style{Font: font(10, false, ""), Border: border, Alignment: v, CustomNumFmt: fmtp("@")}},
		{&s.wrap, excelize.Style{Font: font(10, false, ""), Border: border, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}, CustomNumFmt: fmtp("@")}},
		{&s.money, excelize.Style{Font: font(10, false, ""), Border: border, Alignment: v, CustomNumFmt: fmtp("#,##0.00;[Red]-#,##0.00")}},
		{&s.date, excelize.Style{Font: font(10, false, ""), Border: border, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}, CustomNumFmt: fmtp("yyyy-mm-dd")}},
		{&s.total, excelize.Style{Font: font(10, true, ""), Border: border, Fill: grey, Alignment: v, CustomNumFmt: fmtp("@")}},
		{&s.totalMoney, excelize.Style{Font: font(10, true, ""), Border: border, Fill: grey, Alignment: v, CustomNumFmt: fmtp("#,##0.00;[Red]-#,##0.00")}},
		{&s.ok, excelize.Style{Font: font(10, true, "006100"), Border: border, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"C6EFCE"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}, CustomNumFmt: fmtp("@")}},
		{&s.bad, excelize.Style{Font: font(10, true, "9C0006"), Border: border, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}, CustomNumFmt: fmtp("@")}},
	} {
		id, err := f.NewStyle(&d.st)
		if err != nil {
			return s, err
		}
		*d.id = id
	}
	return s, nil
}

// recWriter writes one sheet of the reconciliation workbook row by row.
type recWriter struct {
	f      *excelize.File
	st     reconcileStyles
	d      *report.ReconcileData
	sheet  string
	sw     *excelize.StreamWriter
	row    int
	width  int
	widths []float64
	title  string
}

func recCell(col, row int) string {
	n, _ := excelize.CoordinatesToCellName(col, row)
	return n
}

// put writes a row, tall enough for the text of its wrapped cells.
func (w *recWriter) put(cells ...any) error {
	w.row++
	lines := 1
	for i, v := range cells {
		c, ok := v.(excelize.Cell)
		if !ok || i >= len(w.widths) || (c.StyleID != w.st.wrap && c.StyleID != w.st.head && c.StyleID != w.st.text) {
			continue
		}
		t, ok := c.Value.(string)
		if !ok {
			continue
		}
		// Plain text runs on over the empty (or merged) cells to its right;
		// wider than those it wraps rather than being cut off.
		width := w.widths[i]
		if c.StyleID == w.st.text {
			for j := i + 1; j < len(w.widths) && (j >= len(cells) || cellBlank(cells[j])); j++ {
				width += w.widths[j]
			}
		}
		n := wrapLines(t, width)
		if n > 1 && c.StyleID == w.st.text {
			c.StyleID = w.st.wrap
			cells[i] = c
		}
		lines = max(lines, n)
	}
	if h := rowHeightPt(lines); h > 0 {
		return w.sw.SetRow(recCell(1, w.row), cells, excelize.RowOpts{Height: h})
	}
	return w.sw.SetRow(recCell(1, w.row), cells)
}

func (w *recWriter) text(style int, s string) excelize.Cell {
	return excelize.Cell{StyleID: style, Value: s}
}

func (w *recWriter) money(style int, m ledger.Money) excelize.Cell {
	return excelize.Cell{StyleID: style, Value: m.Decimal().InexactFloat64()}
}

// amount is a money cell for a decimal string, a blank bordered cell for
// "".
func (w *recWriter) amount(s string) excelize.Cell {
	if s == "" {
		return excelize.Cell{StyleID: w.st.text}
	}
	m, err := ledger.ParseMoney(s)
	if err != nil {
		return w.text(w.st.text, s)
	}
	return w.money(w.st.money, m)
}

func (w *recWriter) date(t time.Time) excelize.Cell {
	if t.IsZero() {
		return excelize.Cell{StyleID: w.st.date}
	}
	y, m, d := t.Date()
	return excelize.Cell{StyleID: w.st.date, Value: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// start begins a sheet: column widths, frozen rows down to freeze (none
// when 0), a title row across the columns and an information line.
func (w *recWriter) start(sheet, title string, widths []float64, freeze int) error {
	w.sheet, w.row, w.width, w.widths, w.title = sheet, 0, len(widths), widths, title
	sw, err := w.f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	w.sw = sw
	if freeze > 0 {
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: freeze, TopLeftCell: recCell(1, freeze+1), ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: recCell(1, freeze+1), ActiveCell: recCell(1, freeze+1), Pane: "bottomLeft"}}}); err != nil {
			return err
		}
	}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	w.row++
	if err := w.sw.SetRow(recCell(1, w.row), []any{w.text(w.st.title, title)}, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	if err := sw.MergeCell(recCell(1, 1), recCell(len(widths), 1)); err != nil {
		return err
	}
	info := fmt.Sprintf("核算单位：%s（%s）    期间：%s（%s 至 %s）    单位：元", w.d.BookName, w.d.BookCode, w.d.Period,
		w.d.From.Format(time.DateOnly), w.d.To.Format(time.DateOnly))
	if err := w.put(w.text(w.st.info, info)); err != nil {
		return err
	}
	return sw.MergeCell(recCell(1, 2), recCell(len(widths), 2))
}

// header writes a header row and freezes the rows above and including it.
func (w *recWriter) header(names ...string) error {
	cells := make([]any, len(names))
	for i, n := range names {
		cells[i] = w.text(w.st.head, n)
	}
	return w.put(cells...)
}

// finish sets the filter over the table from its header row filterFrom to
// filterTo (none when 0), the rows repeated on each printed page, the print
// setup and the footer, and flushes the sheet.
func (w *recWriter) finish(filterFrom, filterTo int) error {
	if filterFrom > 0 && filterTo > filterFrom {
		if err := w.f.AutoFilter(w.sheet, recCell(1, filterFrom)+":"+recCell(w.width, filterTo), nil); err != nil {
			return err
		}
		if err := w.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles",
			RefersTo: fmt.Sprintf("'%s'!$%d:$%d", w.sheet, filterFrom, filterFrom), Scope: w.sheet}); err != nil {
			return err
		}
	}
	// Scaled to the page width when that keeps the text at 8 pt or more,
	// never fit-to-page (see planPrint).
	if err := applyPrint(w.f, w.sheet, w.sw, planPrint(w.widths, paperA4, 0)); err != nil {
		return err
	}
	day := ""
	if !w.d.GeneratedAt.IsZero() {
		day = inZone(w.d.GeneratedAt, w.d.TimeZone).Format(time.DateOnly)
	}
	header := "&L" + hfFont + recHF(w.d.BookName) + "&C" + hfFont + "&B" + recHF(w.title) + "&R" + hfFont + "期间：" + recHF(w.d.Period)
	footer := fmt.Sprintf("&L%s制表人：%s  审核人：%s&C%s第 &P 页，共 &N 页&R%s制表日期：%s", hfFont, recHF(w.d.Preparer), recHF(w.d.Reviewer), hfFont, hfFont, day)
	if err := w.f.SetHeaderFooter(w.sheet, &excelize.HeaderFooterOptions{OddHeader: header, OddFooter: footer}); err != nil {
		return err
	}
	return w.sw.Flush()
}

// recHF escapes & in header/footer text.
func recHF(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '&' {
			out = append(out, '&')
		}
		out = append(out, r)
	}
	return string(out)
}

// WriteReconcile writes the reconciliation workbook: 核对结果 (the checks,
// the conservation of the special funds, voided numbers), 差异明细 (every
// discrepancy with its voucher, account, organisation, fund and amounts),
// 银行存款余额调节表, 试算平衡表 and T8 异常清单. Amounts are numbers formatted
// #,##0.00; account codes and voucher numbers are text; totals are SUM
// formulas with their values stored.
func WriteReconcile(out io.Writer, d *report.ReconcileData) error {
	if d == nil {
		return errors.New("reports: nil report.ReconcileData")
	}
	f, err := newFile()
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := newReconcileStyles(f)
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", ReconcileSheetNames[0]); err != nil {
		return err
	}
	for _, n := range ReconcileSheetNames[1:] {
		if _, err := f.NewSheet(n); err != nil {
			return err
		}
	}
	w := &recWriter{f: f, st: st, d: d}
	for _, fn := range []func(*recWriter) error{writeRecChecks, writeRecDiscrepancies, writeRecBank, writeRecTrial, writeRecFindings} {
		if err := fn(w); err != nil {
			return fmt.Errorf("%s: %w", w.sheet, err)
		}
	}
	f.SetActiveSheet(0)
	props := &excelize.DocProperties{Title: "专项党费月度对账 " + d.Period, Subject: d.BookName, Creator: d.GeneratedBy, Language: "zh-CN"}
	if !d.GeneratedAt.IsZero() {
		props.Created = d.GeneratedAt.UTC().Format("2006-01-02T15:04:05Z")
		props.Modified = props.Created
	}
	if err := f.SetDocProps(props); err != nil {
		return err
	}
	return save(f, out)
}

func writeRecChecks(w *recWriter) error {
	d := w.d
	if err := w.start(SheetRecChecks, "专项党费月度对账结果", []float64{12, 32, 14, 14, 14, 34}, 0); err != nil {
		return err
	}
	status := map[string]string{"clean": "通过", "discrepancies": "存在差异"}[d.Status]
	if status == "" {
		status = d.Status
	}
	period := map[string]string{"open": "未结账", "closed": "已结账"}[d.PeriodStatus]
	if period == "" {
		period = d.PeriodStatus
	}
	kv := [][2]string{
		{"对账结论", status},
		{"结账状态", period},
	}
	if !d.ClosedAt.IsZero() {
		kv = append(kv, [2]string{"结账时间", inZone(d.ClosedAt, d.TimeZone).Format("2006-01-02 15:04:05") + "（" + d.ClosedBy + "）"})
	}
	if d.PeriodSeal != "" {
		kv = append(kv, [2]string{"期间封存值", d.PeriodSeal})
	}
	if d.NoStatementReason != "" {
		kv = append(kv, [2]string{"无银行对账单结账原因", d.NoStatementReason})
	}
	kv = append(kv, [2]string{"本期记账凭证", fmt.Sprintf("%d 张", d.Vouchers)})
	voided := "无"
	if len(d.Voided) > 0 {
		voided = fmt.Sprint(len(d.Voided), " 张：")
		for i, v := range d.Voided {
			if i > 0 {
				voided += "、"
			}
			voided += v
		}
	}
	kv = append(kv, [2]string{"作废凭证号（保留编号，不作差异）", voided})
	if !d.GeneratedAt.IsZero() {
		kv = append(kv, [2]string{"生成时间", inZone(d.GeneratedAt, d.TimeZone).Format("2006-01-02 15:04:05")})
	}
	if d.GeneratedBy != "" {
		kv = append(kv, [2]string{"生成人", d.GeneratedBy})
	}
	for _, p := range kv {
		style := w.st.text
		if p[0] == "对账结论" {
			style = w.st.ok
			if d.Status != "clean" {
				style = w.st.bad
			}
		}
		if err := w.put(excelize.Cell{StyleID: w.st.total, Value: p[0]}, excelize.Cell{StyleID: w.st.total}, w.text(style, p[1])); err != nil {
			return err
		}
		if err := w.sw.MergeCell(recCell(1, w.row), recCell(2, w.row)); err != nil {
			return err
		}
		if err := w.sw.MergeCell(recCell(3, w.row), recCell(6, w.row)); err != nil {
			return err
		}
	}
	w.row++
	if err := w.put(w.text(w.st.section, "检查项目")); err != nil {
		return err
	}
	// The checks print by their Chinese titles (recon's catalogue); the
	// English codes stay in the JSON summary for scripts.
	if err := w.header("序号", "检查项目", "结果", "差异数", "说明", ""); err != nil {
		return err
	}
	if err := w.sw.MergeCell(recCell(5, w.row), recCell(6, w.row)); err != nil {
		return err
	}
	head := w.row
	for i, c := range d.Checks {
		res, style := "通过", w.st.ok
		switch {
		case !c.Ran:
			res, style = "未执行", w.st.text
		case c.Count > 0:
			res, style = "未通过", w.st.bad
		}
		title := c.Title
		if title == "" {
			title = c.Name
		}
		if err := w.put(excelize.Cell{StyleID: w.st.text, Value: i + 1}, w.text(w.st.wrap, title),
			w.text(style, res), excelize.Cell{StyleID: w.st.text, Value: c.Count}, w.text(w.st.wrap, c.Note), w.text(w.st.wrap, "")); err != nil {
			return err
		}
		if err := w.sw.MergeCell(recCell(5, w.row), recCell(6, w.row)); err != nil {
			return err
		}
	}
	last := w.row
	if len(d.Funds) > 0 {
		w.row++
		if err := w.put(w.text(w.st.section, "专项党费资金守恒（期末）：收入 + 党费结余 = 银行存款 + 待报账 + 支出 + 拨出")); err != nil {
			return err
		}
		if err := w.header("资金来源", "名称", "收入（420101+4801）", "银行存款 100201", "待报账 121801", "支出 5001xx"); err != nil {
			return err
		}
		// The sheet has six columns; grants out and the difference follow
		// on a second row per fund to stay printable.
		for _, fd := range d.Funds {
			if err := w.put(w.text(w.st.text, fd.Fund), w.text(w.st.text, fd.FundName), w.money(w.st.money, fd.Income),
				w.money(w.st.money, fd.Bank), w.money(w.st.money, fd.Pending), w.money(w.st.money, fd.Spent)); err != nil {
				return err
			}
			diff := fd.Bank.Add(fd.Pending).Add(fd.Spent).Add(fd.Grants).Sub(fd.Income).Sub(fd.Carried)
			r := w.row
			if err := w.put(w.text(w.st.total, ""), w.text(w.st.total, "拨出 5501 / 党费结余 3001 / 差额"), w.money(w.st.totalMoney, fd.Grants),
				w.money(w.st.totalMoney, fd.Carried),
				excelize.Cell{StyleID: w.st.totalMoney, Formula: fmt.Sprintf("D%d+E%d+F%d+C%d-C%d-D%d", r, r, r, r+1, r, r+1), Value: diff.Decimal().InexactFloat64()},
				w.text(w.st.total, "")); err != nil {
				return err
			}
		}
	}
	if err := w.signatures(); err != nil {
		return err
	}
	return w.finish(head, last)
}

func writeRecDiscrepancies(w *recWriter) error {
	if err := w.start(SheetRecDiscrepancies, "对账差异明细", []float64{6, 20, 10, 8, 12, 12, 12, 12, 12, 30}, 3); err != nil {
		return err
	}
	if err := w.header("序号", "检查项目", "凭证字号", "科目", "党组织", "资金来源", "应为", "实为", "差额", "说明"); err != nil {
		return err
	}
	head := w.row
	for i, x := range w.d.Discrepancies {
		title := x.CheckTitle
		if title == "" {
			title = x.Check
		}
		if err := w.put(excelize.Cell{StyleID: w.st.text, Value: i + 1}, w.text(w.st.wrap, title), w.text(w.st.text, x.Voucher),
			w.text(w.st.text, x.Account), w.text(w.st.text, x.Org), w.text(w.st.text, x.Fund),
			w.amount(x.Expected), w.amount(x.Actual), w.amount(x.Difference), w.text(w.st.wrap, x.Message)); err != nil {
			return err
		}
	}
	if len(w.d.Discrepancies) == 0 {
		if err := w.put(w.text(w.st.text, ""), w.text(w.st.ok, "无差异")); err != nil {
			return err
		}
	}
	return w.finish(head, w.row)
}

func writeRecBank(w *recWriter) error {
	if err := w.start(SheetRecBank, "银行存款余额调节表", []float64{30, 16, 30, 16, 40}, 0); err != nil {
		return err
	}
	b := w.d.Bank
	if b == nil {
		if err := w.put(w.text(w.st.info, "本期未导入银行对账单，未编制余额调节表。")); err != nil {
			return err
		}
		return w.finish(0, 0)
	}
	info := fmt.Sprintf("开户银行：%s    账号：%s    科目：%s %s    截至：%s", b.BankName, b.Account, b.AccountCode, b.AccountName, b.AsOf.Format(time.DateOnly))
	if err := w.put(w.text(w.st.info, info)); err != nil {
		return err
	}
	if err := w.put(w.text(w.st.info, fmt.Sprintf("对账单：%s（格式 %s，%d 行，SHA-256 %s）；已核对 %d 组；未达账项期限 %d 天",
		b.StatementFile, b.StatementLayout, b.StatementLines, b.StatementDigest, b.Matched, b.WindowDays))); err != nil {
		return err
	}
	if err := w.header("项目", "金额", "项目", "金额"); err != nil {
		return err
	}
	sum := func(items []report.T9Item) ledger.Money {
		t := ledger.Zero
		for _, it := range items {
			t = t.Add(it.Amount)
		}
		return t
	}
	br, bp, kr, kp := sum(b.BankReceived), sum(b.BankPaid), sum(b.BookReceived), sum(b.BookPaid)
	first := w.row + 1
	rows := [][4]any{
		{"单位银行存款日记账余额", b.BookBalance, "银行对账单余额", b.BankBalance},
		{"加：银行已收、单位未收", br, "加：单位已收、银行未收", kr},
		{"减：银行已付、单位未付", bp, "减：单位已付、银行未付", kp},
	}
	for _, r := range rows {
		if err := w.put(w.text(w.st.text, r[0].(string)), w.money(w.st.money, r[1].(ledger.Money)), w.text(w.st.text, r[2].(string)),
			w.money(w.st.money, r[3].(ledger.Money))); err != nil {
			return err
		}
	}
	adjBook, adjBank := b.BookBalance.Add(br).Sub(bp), b.BankBalance.Add(kr).Sub(kp)
	if err := w.put(w.text(w.st.total, "调节后的存款余额"),
		excelize.Cell{StyleID: w.st.totalMoney, Formula: fmt.Sprintf("B%d+B%d-B%d", first, first+1, first+2), Value: adjBook.Decimal().InexactFloat64()},
		w.text(w.st.total, "调节后的存款余额"),
		excelize.Cell{StyleID: w.st.totalMoney, Formula: fmt.Sprintf("D%d+D%d-D%d", first, first+1, first+2), Value: adjBank.Decimal().InexactFloat64()}); err != nil {
		return err
	}
	verdict, style := "调节后余额相等", w.st.ok
	if !adjBook.Equal(adjBank) {
		verdict, style = fmt.Sprintf("调节后余额不等，相差 %s", adjBook.Sub(adjBank).Format()), w.st.bad
	}
	if err := w.put(w.text(style, verdict)); err != nil {
		return err
	}
	if err := w.sw.MergeCell(recCell(1, w.row), recCell(4, w.row)); err != nil {
		return err
	}
	w.row++
	if err := w.put(w.text(w.st.section, "未达账项明细（本表不作为记账依据）")); err != nil {
		return err
	}
	if err := w.header("类别", "日期", "凭证字号/对账单行", "金额", "摘要"); err != nil {
		return err
	}
	head := w.row
	for _, group := range []struct {
		name  string
		items []report.T9Item
	}{{"银行已收、单位未收", b.BankReceived}, {"银行已付、单位未付", b.BankPaid}, {"单位已收、银行未收", b.BookReceived}, {"单位已付、银行未付", b.BookPaid}} {
		for _, it := range group.items {
			if err := w.put(w.text(w.st.text, group.name), w.date(it.Date), w.text(w.st.text, it.Ref), w.money(w.st.money, it.Amount), w.text(w.st.wrap, it.Summary)); err != nil {
				return err
			}
		}
	}
	return w.finish(head, w.row)
}

func writeRecTrial(w *recWriter) error {
	if err := w.start(SheetRecTrial, "试算平衡表", []float64{12, 32, 15, 15, 15, 15, 15, 15}, 3); err != nil {
		return err
	}
	if err := w.header("科目编码", "科目名称", "期初借方", "期初贷方", "本期借方", "本期贷方", "期末借方", "期末贷方"); err != nil {
		return err
	}
	head := w.row
	in := map[string]bool{}
	for _, r := range w.d.Trial {
		in[r.Account] = true
	}
	var tops []int
	tot := make([]ledger.Money, 6)
	for i := range tot {
		tot[i] = ledger.Zero
	}
	for _, r := range w.d.Trial {
		ms := []ledger.Money{r.OpeningDebit, r.OpeningCredit, r.PeriodDebit, r.PeriodCredit, r.ClosingDebit, r.ClosingCredit}
		cells := []any{w.text(w.st.text, r.Account), w.text(w.st.text, r.Name)}
		for _, m := range ms {
			cells = append(cells, w.money(w.st.money, m))
		}
		if err := w.put(cells...); err != nil {
			return err
		}
		if r.Parent == "" || !in[r.Parent] {
			tops = append(tops, w.row)
			for i, m := range ms {
				tot[i] = tot[i].Add(m)
			}
		}
	}
	last := w.row
	cells := []any{w.text(w.st.total, "合计"), w.text(w.st.total, "")}
	for i := range tot {
		col, _ := excelize.ColumnNumberToName(3 + i)
		formula := "0"
		if len(tops) > 0 {
			formula = "SUM("
			for k, r := range tops {
				if k > 0 {
					formula += ","
				}
				formula += fmt.Sprintf("%s%d", col, r)
			}
			formula += ")"
		}
		cells = append(cells, excelize.Cell{StyleID: w.st.totalMoney, Formula: formula, Value: tot[i].Decimal().InexactFloat64()})
	}
	if err := w.put(cells...); err != nil {
		return err
	}
	verdict, style := "试算平衡：期初、本期发生、期末借贷方合计均相等", w.st.ok
	if !tot[0].Equal(tot[1]) || !tot[2].Equal(tot[3]) || !tot[4].Equal(tot[5]) {
		verdict, style = "试算不平衡", w.st.bad
	}
	if err := w.put(w.text(style, verdict)); err != nil {
		return err
	}
	if err := w.sw.MergeCell(recCell(1, w.row), recCell(8, w.row)); err != nil {
		return err
	}
	return w.finish(head, last)
}

func writeRecFindings(w *recWriter) error {
	if err := w.start(SheetRecFindings, "异常情况清单（T8）", []float64{8, 12, 6, 9, 11, 16, 12, 26, 10, 11, 8}, 3); err != nil {
		return err
	}
	if err := w.header("规则编号", "问题类型", "严重程度", "凭证字号", "日期", "党组织", "金额", "说明", "责任人", "整改期限", "整改状态"); err != nil {
		return err
	}
	head := w.row
	for _, x := range w.d.Findings {
		s, stt := audit.SeverityName(x.Severity), audit.FindingStateName(x.Status)
		sevStyle := w.st.text
		if x.Severity == audit.SeverityHigh && x.Status == audit.FindingOpen {
			sevStyle = w.st.bad
		}
		if err := w.put(w.text(w.st.text, x.Rule), w.text(w.st.text, x.Type), w.text(sevStyle, s), w.text(w.st.text, x.Voucher), w.date(x.Date),
			w.text(w.st.wrap, x.OrgName), w.money(w.st.money, x.Amount), w.text(w.st.wrap, x.Note), w.text(w.st.wrap, x.Responsible),
			w.date(x.Deadline), w.text(w.st.text, stt)); err != nil {
			return err
		}
	}
	if len(w.d.Findings) == 0 {
		if err := w.put(w.text(w.st.text, ""), w.text(w.st.ok, "无异常")); err != nil {
			return err
		}
	}
	return w.finish(head, w.row)
}

// signatures writes the signature block: the roles with their names, the
// place for the seal, and a row left free to sign in.
func (w *recWriter) signatures() error {
	w.row++
	if err := w.put(w.text(w.st.section, "签章")); err != nil {
		return err
	}
	texts := signatureCells(w.d.Signatures, w.d.Preparer, w.d.Reviewer)
	cells := make([]any, len(texts))
	for i, t := range texts {
		cells[i] = w.text(w.st.wrap, t)
	}
	if err := w.put(cells...); err != nil {
		return err
	}
	w.row++
	return w.sw.SetRow(recCell(1, w.row), []any{w.text(w.st.info, "")}, excelize.RowOpts{Height: signRowPt})
}
