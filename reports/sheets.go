package reports

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/report"
)

// pos is a written row.
type pos struct {
	p *part
	r int
}

// spansOf merges rows into spans of consecutive rows on one part.
func spansOf(ps []pos) []span {
	var out []span
	for _, x := range ps {
		if n := len(out); n > 0 && out[n-1].p == x.p && out[n-1].r2+1 == x.r {
			out[n-1].r2 = x.r
			continue
		}
		out = append(out, span{x.p, x.r, x.r})
	}
	return out
}

// spanList collects rows as spans as they are written, so that a total
// over a million consecutive rows keeps one span, not a million rows.
type spanList []span

func (l *spanList) add(p *part, r int) {
	if n := len(*l); n > 0 && (*l)[n-1].p == p && (*l)[n-1].r2+1 == r {
		(*l)[n-1].r2 = r
		return
	}
	*l = append(*l, span{p, r, r})
}

// totalCells is a row of n empty total-styled cells with label in the
// first column.
func (wb *workbook) totalCells(n int, label string) []any {
	cells := make([]any, n)
	for i := range cells {
		cells[i] = excelize.Cell{StyleID: wb.st.totalLabel}
	}
	cells[0] = excelize.Cell{StyleID: wb.st.totalLabel, Value: label}
	return cells
}

// ref records a total cell for the cover and the checks.
func (wb *workbook) ref(key string, p *part, col, row int, val ledger.Money) {
	wb.refs[key] = cellRef{p: p, col: col, row: row, val: val}
}

func sum(ms ...ledger.Money) ledger.Money {
	t := ledger.Zero
	for _, m := range ms {
		t = t.Add(m)
	}
	return t
}

var methodNames = map[string]string{ledger.MethodBank: "转账", ledger.MethodCash: "现金"}

func methodName(m string) string {
	if n, ok := methodNames[m]; ok {
		return n
	}
	return m
}

var payeeTypeNames = map[string]string{
	ledger.PayeeSupplier: "供应商", ledger.PayeeHostUnit: "依托单位", ledger.PayeeIndividual: "个人",
	ledger.PayeeOrg: "党组织", ledger.PayeeUpper: "上级党组织(代收上缴)",
}

func payeeTypeName(s string) string {
	if n, ok := payeeTypeNames[s]; ok {
		return n
	}
	return s
}

func purposeName(p ledger.Purpose) string {
	if p.Valid() {
		return p.Name()
	}
	return string(p)
}

var orgKindNames = map[ledger.OrgKind]string{
	ledger.OrgDept: "组织部门", ledger.OrgTempBranch: "临时党支部", ledger.OrgPartyGroup: "党小组",
	ledger.OrgBranch: "党支部", ledger.OrgExternal: "外部单位",
}

// ---- T1 收支总表 ----

// T1 columns: the amounts are columns 3 (C) to 10 (J).
const (
	t1Opening = 3 + iota
	t1Income
	t1In
	t1Recovered
	t1Out
	t1Used
	t1Returned
	t1Closing
)

// t1Columns are the columns of T1.
var t1Columns = []column{{"党组织", 28}, {"资金来源", 30}, {"期初结余", 15}, {"本期收入", 15}, {"本期拨入", 15},
	{"本期收回", 15}, {"本期拨出", 15}, {"本期使用", 15}, {"本期退回", 15}, {"期末结余", 15}}

// writeT1 writes one block of rows per fund (upper-level funds first, then
// matching), each closed by a 小计, and the book's 合计 (report.BuildT1).
// Every total is a SUM of the rows it covers: the 合计 adds the
// organisation rows (not the 小计 rows). Within the book an allocation is
// 拨出 at the city and 拨入 at the branch, and a return is 退回 at the
// branch and 收回 at the city, so in the 合计 拨入 equals 拨出 and 收回
// equals 退回: they cancel in the 期末结余, and the 合计 本期收入 is the
// income of the book, upper + matching.
func writeT1(wb *workbook) error {
	d := wb.d
	t1, err := report.BuildT1(d.T1)
	if err != nil {
		return err
	}
	t, err := wb.newTable(SheetT1, tableTitles[SheetT1], t1Columns, 1, 1)
	if err != nil {
		return err
	}
	var all []pos
	for _, g := range t1.Groups {
		var rows []pos
		for _, i := range g.Rows {
			r := &d.T1[i]
			a := r.Amounts()
			cells := make([]any, 10)
			cells[0] = wb.text(r.OrgName)
			cells[1] = wb.text(r.FundName)
			for k := 0; k < 7; k++ {
				cells[2+k] = wb.money(a[k])
			}
			row := t.cur.row + 1
			if !t.fits(1) {
				row = t.firstRow()
			}
			cells[9] = wb.formulaMoney(wb.st.money, fmt.Sprintf("C%d+D%d+E%d+F%d-G%d-H%d-I%d", row, row, row, row, row, row, row), r.Closing)
			p, rr, err := t.add(cells, true)
			if err != nil {
				return err
			}
			rows = append(rows, pos{p, rr})
		}
		cells := wb.totalCells(10, "小计")
		cells[1] = excelize.Cell{StyleID: wb.st.totalIndent[0], Value: T1GroupLabel(g)}
		next := t.nextPart()
		for k := 0; k < 8; k++ {
			cells[2+k] = wb.total(t1Opening+k, spansOf(rows), next, g.Sub[k])
		}
		if _, _, err := t.add(cells, false); err != nil {
			return err
		}
		all = append(all, rows...)
	}
	tot := t1.Total
	wb.sum.Totals.Upper = wb.sum.Totals.Upper.Add(t1.Upper)
	wb.sum.Totals.Matching = wb.sum.Totals.Matching.Add(t1.Matching)
	cells := wb.totalCells(10, "合计")
	last := t.totalPart()
	for k := 0; k < 8; k++ {
		cells[2+k] = wb.total(t1Opening+k, spansOf(all), last, tot[k])
	}
	p, r, err := t.addTotal(cells)
	if err != nil {
		return err
	}
	keys := []string{refT1Opening, refT1Income, refT1In, refT1Recovered, refT1Out, refT1Used, refT1Returned, refT1Closing}
	for k, key := range keys {
		wb.ref(key, p, t1Opening+k, r, tot[k])
	}
	T := &wb.sum.Totals
	T.Opening, T.Income, T.AllocatedIn, T.Recovered = tot[0], tot[1], tot[2], tot[3]
	T.AllocatedOut, T.Used, T.Returned, T.Closing = tot[4], tot[5], tot[6], tot[7]
	return nil
}

// T1GroupLabel is the label of a fund's 小计 in T1: 名称（上级下拨）.
func T1GroupLabel(g report.T1Group) string {
	return g.FundName + "（" + g.FundKind.Name() + "）"
}

// nextPart is the part the next ordinary row goes to.
func (t *table) nextPart() *part {
	if t.fits(1) {
		return t.cur
	}
	return nil // a new part: references are qualified
}

// totalPart is the part the closing total goes to.
func (t *table) totalPart() *part {
	if t.cur.row+1 <= t.limit() {
		return t.cur
	}
	return nil
}

// Keys of total cells (workbook.refs).
const (
	refT1Opening   = "t1.opening"
	refT1Income    = "t1.income"
	refT1In        = "t1.in"
	refT1Recovered = "t1.recovered"
	refT1Out       = "t1.out"
	refT1Used      = "t1.used"
	refT1Returned  = "t1.returned"
	refT1Closing   = "t1.closing"
	refT2Received  = "t2.received"
	refT2Allocated = "t2.allocated"
	refT3Amount    = "t3.amount"
	refT4Amount    = "t4.amount"
	refT5In        = "t5.in"
	refT5Used      = "t5.used"
	refT6Amount    = "t6.amount"
	refT9Book      = "t9.book"
	refT9Bank      = "t9.bank"
	refTrial       = "trial." // + column: trial.3 … trial.8
	refDebit       = "vouchers.debit"
	refCredit      = "vouchers.credit"
)

// ---- T2 拨付情况 ----

// t2Columns are the columns of T2.
var t2Columns = []column{{"序号", 6}, {"文件依据(文号)", 18}, {"决策依据(会议纪要号/日期)", 24}, {"资金来源", 16}, {"到账日期", 11},
	{"到账金额", 14}, {"拨付对象(党组织)", 24}, {"依托单位", 18}, {"拨付日期", 11}, {"拨付金额", 14}, {"凭证字号", 10},
	{"拨付方式", 8}, {"未拨付余额", 14}, {"滞留天数", 8}, {"备注", 20}}

func writeT2(wb *workbook) error {
	d := wb.d
	cols := t2Columns
	t, err := wb.newTable(SheetT2, tableTitles[SheetT2], cols, 1, 1)
	if err != nil {
		return err
	}
	var received, allocated ledger.Money = ledger.Zero, ledger.Zero
	for i := range d.T2 {
		r := &d.T2[i]
		cells := []any{wb.integer(i + 1), wb.text(r.DocRef), wb.text(r.Decision), wb.text(r.FundName), wb.date(r.ReceivedOn),
			wb.moneyOrBlank(r.Received), wb.text(r.OrgName), wb.text(r.HostUnit), wb.date(r.Date), wb.moneyOrBlank(r.Amount),
			wb.voucher(r.VoucherID, r.Voucher), wb.text(methodName(r.Method)), wb.money(r.Unallocated), wb.intOrBlank(r.DaysHeld),
			wb.text(r.Memo)}
		if _, _, err := t.add(cells, true); err != nil {
			return err
		}
		received = received.Add(r.Received)
		allocated = allocated.Add(r.Amount)
	}
	cells := wb.totalCells(len(cols), "合计")
	last := t.totalPart()
	cells[5] = wb.total(6, t.dataSpans(), last, received)
	cells[9] = wb.total(10, t.dataSpans(), last, allocated)
	p, r, err := t.addTotal(cells)
	if err != nil {
		return err
	}
	wb.ref(refT2Received, p, 6, r, received)
	wb.ref(refT2Allocated, p, 10, r, allocated)
	wb.sum.Totals.Received, wb.sum.Totals.Allocated = received, allocated
	return nil
}

// ---- T3 使用明细 ----

// t3Columns are the columns of T3; 金额 is column 11 (K).
var t3Columns = []column{{"序号", 8}, {"使用党组织", 22}, {"日期", 11}, {"凭证字号", 10}, {"摘要", 30}, {"用途类别", 12},
	{"资金来源", 14}, {"品名/受助对象", 20}, {"数量", 8}, {"单价", 12}, {"金额", 14}, {"支付方式", 8}, {"收款人", 22},
	{"收款人类型", 12}, {"票据类型", 14}, {"附单据张数", 8}, {"决策依据", 22}, {"经办人", 8}, {"审核人", 8}, {"公示日期", 11},
	{"异常标记", 10}}

const t3Amount = 11

func writeT3(wb *workbook) error {
	// 21 columns do not fit a page at a readable size: T3 prints in
	// column groups, 序号 repeated on each (planPrint).
	t, err := wb.newTableRepeat(SheetT3, tableTitles[SheetT3], t3Columns, 1, 1, 1)
	if err != nil {
		return err
	}
	total := ledger.Zero
	n := 0
	buf := newRowBuf(len(t3Columns))
	if wb.d.T3 != nil {
		for r, err := range wb.d.T3 {
			if err != nil {
				return err
			}
			n++
			wb.t3Row(buf.cells, n, &r)
			if _, _, err := t.add(buf.ptrs, true); err != nil {
				return err
			}
			total = total.Add(r.Amount)
		}
	}
	row := wb.totalCells(len(t3Columns), "合计")
	row[t3Amount-1] = wb.total(t3Amount, t.dataSpans(), t.totalPart(), total)
	p, r, err := t.addTotal(row)
	if err != nil {
		return err
	}
	wb.ref(refT3Amount, p, t3Amount, r, total)
	wb.sum.Totals.Spent = total
	return nil
}

// t3Row fills cells with T3 row r, numbered n.
func (wb *workbook) t3Row(cells []excelize.Cell, n int, r *report.T3Row) {
	qty := excelize.Cell{StyleID: wb.st.qty}
	if !r.Quantity.IsZero() {
		qty.Value, _ = r.Quantity.Float64()
	}
	cells[0] = wb.integer(n)
	cells[1] = wb.styled(wb.st.wrap, r.OrgName)
	cells[2] = wb.date(r.Date)
	cells[3] = wb.voucher(r.VoucherID, r.Voucher)
	cells[4] = wb.styled(wb.st.wrap, r.Summary)
	cells[5] = wb.text(purposeName(r.Purpose))
	cells[6] = wb.text(r.FundName)
	price := excelize.Cell{StyleID: wb.st.price}
	if !r.UnitPrice.IsZero() {
		price.Value, _ = r.UnitPrice.Float64()
	}
	cells[7] = wb.styled(wb.st.wrap, t3Item(r))
	cells[8] = qty
	cells[9] = price
	cells[10] = wb.money(r.Amount)
	cells[11] = wb.text(methodName(r.Method))
	cells[12] = wb.styled(wb.st.wrap, r.Payee)
	cells[13] = wb.text(payeeTypeName(r.PayeeType))
	cells[14] = wb.styled(wb.st.wrap, strings.Join(r.DocTypes, "、"))
	cells[15] = wb.integer(r.Attachments)
	cells[16] = wb.styled(wb.st.wrap, r.Decision)
	cells[17] = wb.text(r.Handler)
	cells[18] = wb.text(r.Checker)
	cells[19] = wb.date(r.PublishedOn)
	cells[20] = wb.text(strings.Join(r.Flags, "、"))
}

// t3Item is T3's 品名/受助对象 of r: an item's name with its 规格 and
// 单位 in brackets, 医用外科口罩（50只/盒，盒）; the beneficiaries otherwise.
func t3Item(r *report.T3Row) string {
	var extra []string
	for _, s := range []string{r.Spec, r.Unit} {
		if s != "" {
			extra = append(extra, s)
		}
	}
	if len(extra) == 0 {
		return r.Item
	}
	return r.Item + "（" + strings.Join(extra, "，") + "）"
}

// ---- T4 按用途汇总 ----

// t4Columns are the columns of T4.
var t4Columns = []column{{"用途类别", 16}, {"笔数", 8}, {"金额", 16}, {"占比%", 10}, {"其中现金支付", 16}, {"无票据笔数", 10}, {"慰问/救助人次", 12}}

func writeT4(wb *workbook) error {
	cols := t4Columns
	t, err := wb.newTable(SheetT4, tableTitles[SheetT4], cols, 1, 1)
	if err != nil {
		return err
	}
	// One row per purpose, in report order, then any other purpose met.
	rows, tot := report.BuildT4(wb.d.T4)
	var pctSum float64
	for _, r := range rows {
		pc := wb.pct(r.Amount, tot.Amount, wb.st.pct)
		if v, ok := pc.Value.(float64); ok {
			pctSum += v
		}
		cells := []any{wb.text(purposeName(r.Purpose)), wb.integer(r.Count), wb.money(r.Amount), pc,
			wb.money(r.Cash), wb.integer(r.NoReceipt), wb.integer(r.Persons)}
		if _, _, err := t.add(cells, true); err != nil {
			return err
		}
	}
	spans := t.dataSpans()
	last := t.totalPart()
	cells := wb.totalCells(len(cols), "合计")
	cells[1] = wb.totalInt(2, spans, last, tot.Count)
	cells[2] = wb.total(3, spans, last, tot.Amount)
	cells[3] = excelize.Cell{StyleID: wb.st.totalPct, Value: pctSum, Formula: sumFormula(4, spans, last)}
	cells[4] = wb.total(5, spans, last, tot.Cash)
	cells[5] = wb.totalInt(6, spans, last, tot.NoReceipt)
	cells[6] = wb.totalInt(7, spans, last, tot.Persons)
	p, r, err := t.addTotal(cells)
	if err != nil {
		return err
	}
	wb.ref(refT4Amount, p, 3, r, tot.Amount)
	wb.sum.Totals.ByPurpose = tot.Amount
	// Chart: spending by purpose, from the purpose rows.
	if len(spans) == 1 {
		s := spans[0]
		q := "'" + s.p.name + "'!"
		// Below the table, so that printing one page wide keeps the table legible.
		t.charts = append(t.charts, chartSpec{p: s.p, cell: cellName(1, r+2), chart: &excelize.Chart{
			Type: excelize.Pie,
			Series: []excelize.ChartSeries{{
				Name:       q + "$C$" + itoa(t.headRow()),
				Categories: fmt.Sprintf("%s$A$%d:$A$%d", q, s.r1, s.r2),
				Values:     fmt.Sprintf("%s$C$%d:$C$%d", q, s.r1, s.r2),
			}},
			Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "专项党费按用途支出"}}},
			Legend:    excelize.ChartLegend{Position: "right"},
			PlotArea:  excelize.ChartPlotArea{ShowPercent: true, ShowCatName: false, ShowVal: false},
			Dimension: excelize.ChartDimension{Width: 480, Height: 300},
		}})
	}
	return nil
}

// ---- T5 按党组织汇总 ----

// T5 columns: the amounts are columns 7 (G) to 11 (K).
const (
	t5Opening = 7 + iota
	t5In
	t5Used
	t5Returned
	t5Closing
	t5Rate
)

// t5Columns are the columns of T5.
var t5Columns = []column{{"层级", 6}, {"党组织编码", 12}, {"党组织", 30}, {"类型", 14}, {"书记", 10}, {"依托单位", 20},
	{"期初结余", 14}, {"拨入金额", 14}, {"已使用", 14}, {"退回", 14}, {"结余", 14}, {"使用率%", 9},
	{"最近使用日期", 12}, {"滞留天数", 8}, {"撤销日期", 11}}

// T5Kind is the 类型 of a T5 row: its category, or its kind's name.
func T5Kind(r *report.T5Row) string {
	if r.Category != "" {
		return r.Category
	}
	return orgKindNames[r.Kind]
}

// writeT5 writes the organisations depth first (report.BuildT5), each row
// with the organisation's own amounts; an organisation with children is
// followed, after its subtree, by a 小计 row rolling up the subtree (a SUM
// of its own row and of its children's rows or 小计 rows). The 合计 adds
// up the roots. Below the table a small block lists the organisations that
// received or spent money, for the chart of allocated against spent.
func writeT5(wb *workbook) error {
	rows := wb.d.T5
	cols := t5Columns
	t5, err := report.BuildT5(rows)
	if err != nil {
		return err
	}
	t, err := wb.newTable(SheetT5, tableTitles[SheetT5], cols, 1, 1)
	if err != nil {
		return err
	}
	type own struct {
		pos pos
		row *report.T5Row
	}
	var owns []own
	at := make([]pos, len(t5.Entries))
	for k, e := range t5.Entries {
		r := &rows[e.Row]
		ind := min(e.Level, indentMax)
		if !e.Subtotal {
			row := t.cur.row + 1
			if !t.fits(1) {
				row = t.firstRow()
			}
			cells := []any{wb.integer(e.Level + 1), wb.styled(wb.st.code, r.Org), wb.styled(wb.st.indent[ind], r.Name), wb.text(T5Kind(r)),
				wb.text(r.Secretary), wb.text(r.HostUnit), wb.money(r.Opening), wb.money(r.In), wb.money(r.Used), wb.money(r.Returned),
				wb.formulaMoney(wb.st.money, fmt.Sprintf("G%d+H%d-I%d-J%d", row, row, row, row), r.Closing),
				wb.pct(r.Used, r.Opening.Add(r.In), wb.st.pct), wb.date(r.LastUsed), wb.intOrBlank(r.DaysIdle), wb.date(r.Dissolved)}
			p, rr, err := t.add(cells, true)
			if err != nil {
				return err
			}
			at[k] = pos{p, rr}
			owns = append(owns, own{at[k], r})
			continue
		}
		refs := make([]pos, len(e.Parts))
		for i, x := range e.Parts {
			refs[i] = at[x]
		}
		vals := e.Sums
		sub := wb.totalCells(len(cols), "")
		sub[0] = excelize.Cell{StyleID: wb.st.totalInt, Value: e.Level + 1}
		sub[2] = excelize.Cell{StyleID: wb.st.totalIndent[ind], Value: T5Subtotal(r.Name)}
		next := t.nextPart()
		for k := 0; k < 5; k++ {
			sub[t5Opening-1+k] = wb.total(t5Opening+k, spansOf(refs), next, vals[k])
		}
		sub[t5Rate-1] = wb.pct(vals[2], vals[0].Add(vals[1]), wb.st.totalPct)
		p, rr, err := t.add(sub, false)
		if err != nil {
			return err
		}
		at[k] = pos{p, rr}
	}
	var top []pos
	for _, e := range t5.Roots {
		top = append(top, at[e])
	}
	tot := t5.Total
	cells := wb.totalCells(len(cols), "合计")
	last := t.totalPart()
	for k := 0; k < 5; k++ {
		cells[t5Opening-1+k] = wb.total(t5Opening+k, spansOf(top), last, tot[k])
	}
	cells[t5Rate-1] = wb.pct(tot[2], tot[0].Add(tot[1]), wb.st.totalPct)
	p, r, err := t.addTotal(cells)
	if err != nil {
		return err
	}
	wb.ref(refT5In, p, t5In, r, tot[1])
	wb.ref(refT5Used, p, t5Used, r, tot[2])
	wb.sum.Totals.BranchIn, wb.sum.Totals.BranchUsed = tot[1], tot[2]

	// Chart data: organisations with money allocated or spent.
	var chart []own
	for _, o := range owns {
		if !o.row.In.IsZero() || !o.row.Used.IsZero() {
			chart = append(chart, o)
		}
	}
	if len(chart) == 0 || !t.fits(len(chart)+3) {
		return nil
	}
	// The chart and its data start a page, so that the chart is never cut
	// by a page break.
	if err := t.pageBreak(); err != nil {
		return err
	}
	label := make([]any, len(cols))
	label[2] = excelize.Cell{StyleID: wb.st.section, Value: "图表数据：各党组织拨入与使用"}
	label[7] = excelize.Cell{StyleID: wb.st.head, Value: "拨入金额"}
	label[8] = excelize.Cell{StyleID: wb.st.head, Value: "已使用"}
	hp, hr, err := t.add(label, false)
	if err != nil {
		return err
	}
	first := hr + 1
	for _, o := range chart {
		cells := make([]any, len(cols))
		cells[2] = wb.text(o.row.Name)
		cells[7] = wb.formulaMoney(wb.st.money, qualify(o.pos.p, hp)+cellName(t5In, o.pos.r), o.row.In)
		cells[8] = wb.formulaMoney(wb.st.money, qualify(o.pos.p, hp)+cellName(t5Used, o.pos.r), o.row.Used)
		if _, _, err := t.add(cells, false); err != nil {
			return err
		}
	}
	lastRow := first + len(chart) - 1
	q := "'" + hp.name + "'!"
	// The chart prints on a page of its own below its data, no wider than
	// the first printed column group.
	if err := t.pageBreak(); err != nil {
		return err
	}
	width := uint(min(max(560, 48*len(chart)), 1000, int(groupWidthPx(t))))
	t.charts = append(t.charts, chartSpec{p: hp, cell: cellName(1, lastRow+1), chart: &excelize.Chart{
		Type: excelize.Col,
		Series: []excelize.ChartSeries{
			{Name: fmt.Sprintf("%s$H$%d", q, hr), Categories: fmt.Sprintf("%s$C$%d:$C$%d", q, first, lastRow), Values: fmt.Sprintf("%s$H$%d:$H$%d", q, first, lastRow)},
			{Name: fmt.Sprintf("%s$I$%d", q, hr), Categories: fmt.Sprintf("%s$C$%d:$C$%d", q, first, lastRow), Values: fmt.Sprintf("%s$I$%d:$I$%d", q, first, lastRow)},
		},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "各党组织拨入与使用"}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: width, Height: 320},
	}})
	return nil
}

// ---- T6 慰问救助花名册 ----

// t6Columns are the columns of T6.
var t6Columns = []column{{"序号", 6}, {"姓名", 10}, {"身份", 12}, {"证件号码(脱敏)", 22}, {"所属党组织/单位", 24}, {"事由", 24},
	{"用途类别", 12}, {"金额", 12}, {"物品", 18}, {"发放日期", 11}, {"发放方式", 8}, {"凭证字号", 10},
	{"领取人签字/回执", 14}, {"重复标记", 8}}

func writeT6(wb *workbook) error {
	cols := t6Columns
	t, err := wb.newTable(SheetT6, tableTitles[SheetT6], cols, 1, 1)
	if err != nil {
		return err
	}
	total := ledger.Zero
	for i := range wb.d.T6 {
		r := &wb.d.T6[i]
		dup := ""
		if r.Duplicate {
			dup = "重复"
		}
		cells := []any{wb.integer(i + 1), wb.text(r.Name), wb.text(r.Category), wb.styled(wb.st.code, ledger.MaskID(r.IDNumber)),
			wb.text(r.OrgName), wb.text(r.Reason), wb.text(purposeName(r.Purpose)), wb.moneyOrBlank(r.Amount), wb.text(r.Goods),
			wb.date(r.Date), wb.text(methodName(r.Method)), wb.voucher(r.VoucherID, r.Voucher), wb.text(r.Receipt), wb.text(dup)}
		if _, _, err := t.add(cells, true); err != nil {
			return err
		}
		total = total.Add(r.Amount)
	}
	cells := wb.totalCells(len(cols), "合计")
	cells[7] = wb.total(8, t.dataSpans(), t.totalPart(), total)
	p, r, err := t.addTotal(cells)
	if err != nil {
		return err
	}
	wb.ref(refT6Amount, p, 8, r, total)
	wb.sum.Totals.Beneficiary = total
	return nil
}

// ---- T7 公示表 ----

// t7Columns are the columns of T7.
var t7Columns = []column{{"党组织", 26}, {"用途类别", 12}, {"笔数", 8}, {"金额", 14}, {"慰问/救助人次", 12}, {"使用情况", 44}, {"公示日期", 11}}

// T7Uses is T7's 使用情况 of a row.
func T7Uses(r *report.T7Row) string { return strings.Join(r.Uses, "；") }

func writeT7(wb *workbook) error {
	cols := t7Columns
	t, err := wb.newTable(SheetT7, tableTitles[SheetT7], cols, 1, 1)
	if err != nil {
		return err
	}
	groups, tot := report.BuildT7(wb.d.T7)
	var all []pos
	for _, g := range groups {
		var rows []pos
		for _, i := range g.Rows {
			r := &wb.d.T7[i]
			cells := []any{wb.text(r.OrgName), wb.text(purposeName(r.Purpose)), wb.integer(r.Count), wb.money(r.Amount),
				wb.integer(r.Persons), wb.styled(wb.st.wrap, T7Uses(r)), wb.date(r.PublishedOn)}
			p, rr, err := t.add(cells, true)
			if err != nil {
				return err
			}
			rows = append(rows, pos{p, rr})
		}
		cells := wb.totalCells(len(cols), "小计："+g.OrgName)
		cells[0] = excelize.Cell{StyleID: wb.st.totalIndent[0], Value: "小计：" + g.OrgName}
		next := t.nextPart()
		cells[2] = wb.totalInt(3, spansOf(rows), next, g.Count)
		cells[3] = wb.total(4, spansOf(rows), next, g.Amount)
		cells[4] = wb.totalInt(5, spansOf(rows), next, g.Persons)
		if _, _, err := t.add(cells, false); err != nil {
			return err
		}
		all = append(all, rows...)
	}
	cells := wb.totalCells(len(cols), "合计")
	last := t.totalPart()
	cells[2] = wb.totalInt(3, spansOf(all), last, tot.Count)
	cells[3] = wb.total(4, spansOf(all), last, tot.Amount)
	cells[4] = wb.totalInt(5, spansOf(all), last, tot.Persons)
	_, _, err = t.addTotal(cells)
	return err
}

// ---- T8 异常清单 ----

// t8Columns are the columns of T8.
var t8Columns = []column{{"规则编号", 9}, {"问题类型", 12}, {"严重程度", 6}, {"凭证字号", 9}, {"日期", 11}, {"党组织", 16},
	{"金额", 12}, {"说明", 28}, {"责任人", 10}, {"整改期限", 11}, {"整改状态", 8}}

func writeT8(wb *workbook) error {
	cols := t8Columns
	t, err := wb.newTable(SheetT8, tableTitles[SheetT8], cols, 1, 0)
	if err != nil {
		return err
	}
	for i := range wb.d.T8 {
		r := &wb.d.T8[i]
		cells := []any{wb.styled(wb.st.center, r.Rule), wb.text(r.Type), wb.styled(wb.st.center, audit.SeverityName(r.Severity)),
			wb.voucher(r.VoucherID, r.Voucher), wb.date(r.Date), wb.styled(wb.st.wrap, r.OrgName), wb.moneyOrBlank(r.Amount),
			wb.styled(wb.st.wrap, r.Note), wb.styled(wb.st.wrap, r.Responsible), wb.date(r.Deadline),
			wb.styled(wb.st.center, audit.FindingStateName(r.Status))}
		if _, _, err := t.add(cells, true); err != nil {
			return err
		}
	}
	return nil
}

// ---- T9 余额调节表 ----

// t9Columns are the columns of T9.
var t9Columns = []column{{"项目", 30}, {"日期", 11}, {"凭证字号/单据号", 16}, {"摘要", 36}, {"金额", 16}}

func writeT9(wb *workbook) error {
	cols := t9Columns
	x := wb.d.T9
	// The reconciliation is of the book's bank account: the row shows the
	// account instead of the organisation scope.
	info := "核算单位：" + wb.d.BookName + "　会计期间：" + periodText(wb.d) + "　本期未编制银行存款余额调节表"
	if x != nil {
		info = "核算单位：" + wb.d.BookName + "　开户行及账号：" + strings.TrimSpace(x.BankName+" "+x.Account)
		if !x.AsOf.IsZero() {
			info += "　截至：" + x.AsOf.Format("2006-01-02")
		}
	}
	t := &table{wb: wb, base: SheetT9, title: tableTitles[SheetT9], cols: cols, heads: 1, noFilter: true, info: info}
	wb.tables = append(wb.tables, t)
	if err := t.newPart(); err != nil {
		return err
	}
	if x == nil {
		return nil
	}
	st := &wb.st
	// line writes a labelled amount row and returns its reference.
	line := func(label string, c excelize.Cell, val ledger.Money) (cellRef, error) {
		cells := []any{excelize.Cell{StyleID: st.key, Value: label}, excelize.Cell{StyleID: st.text}, excelize.Cell{StyleID: st.text},
			excelize.Cell{StyleID: st.text}, c}
		p, r, err := t.add(cells, false)
		return cellRef{p: p, col: 5, row: r, val: val}, err
	}
	// side writes an opening balance, its two sections of items and the
	// adjusted balance: base + Σ plus − Σ minus (report.T9Table.Sides).
	side := func(sd report.T9Side) (cellRef, error) {
		b, err := line(sd.BaseLabel, wb.money(sd.Base), sd.Base)
		if err != nil {
			return cellRef{}, err
		}
		section := func(sc report.T9Section) (cellRef, error) {
			if _, err := line(sc.Label, excelize.Cell{StyleID: st.text}, ledger.Zero); err != nil {
				return cellRef{}, err
			}
			var rows []pos
			for _, it := range sc.Items {
				cells := []any{wb.text(""), wb.date(it.Date), wb.text(it.Ref), wb.text(it.Summary), wb.money(it.Amount)}
				p, r, err := t.add(cells, true)
				if err != nil {
					return cellRef{}, err
				}
				rows = append(rows, pos{p, r})
			}
			return line("　　小计", wb.total(5, spansOf(rows), t.nextPart(), sc.Sum), sc.Sum)
		}
		plusRef, err := section(sd.Plus)
		if err != nil {
			return cellRef{}, err
		}
		minusRef, err := section(sd.Minus)
		if err != nil {
			return cellRef{}, err
		}
		next := t.nextPart()
		f := b.formula(next) + "+" + plusRef.formula(next) + "-" + minusRef.formula(next)
		return line("调节后的存款余额", wb.formulaMoney(st.totalMoney, f, sd.Adjusted), sd.Adjusted)
	}
	sides := x.Sides()
	book, err := side(sides[0])
	if err != nil {
		return err
	}
	t.skip()
	bank, err := side(sides[1])
	if err != nil {
		return err
	}
	t.skip()
	next := t.nextPart()
	diff := book.val.Sub(bank.val)
	if _, err := line("差额（应为零）", wb.formulaMoney(st.totalMoney, book.formula(next)+"-"+bank.formula(next), diff), diff); err != nil {
		return err
	}
	wb.refs[refT9Book] = book
	wb.refs[refT9Bank] = bank
	return nil
}

// ---- 科目余额表, 试算平衡表 ----

func balanceColumns(year bool) []column {
	cols := []column{{"科目编码", 12}, {"科目名称", 30}, {"期初余额|借方", 15}, {"期初余额|贷方", 15}, {"本期发生额|借方", 15}, {"本期发生额|贷方", 15}}
	if year {
		cols = append(cols, column{"本年累计发生额|借方", 15}, column{"本年累计发生额|贷方", 15})
	}
	return append(cols, column{"期末余额|借方", 15}, column{"期末余额|贷方", 15})
}

func balanceAmounts(r *report.BalanceRow, year bool) []ledger.Money {
	a := []ledger.Money{r.OpeningDebit, r.OpeningCredit, r.PeriodDebit, r.PeriodCredit}
	if year {
		a = append(a, r.YearDebit, r.YearCredit)
	}
	return append(a, r.ClosingDebit, r.ClosingCredit)
}

// writeBalanceTable writes rows indented by their depth in the table; the
// 合计 adds up the rows whose parent is not in the table.
func writeBalanceTable(wb *workbook, base, title string, rows []report.BalanceRow, year bool) (*table, pos, []ledger.Money, error) {
	cols := balanceColumns(year)
	t, err := wb.newTable(base, title, cols, 2, 1)
	if err != nil {
		return nil, pos{}, nil, err
	}
	in := map[string]int{}
	for i, r := range rows {
		in[r.Account] = i
	}
	depth := func(r *report.BalanceRow) int {
		n := 0
		for p := r.Parent; p != "" && n < indentMax; n++ {
			j, ok := in[p]
			if !ok {
				break
			}
			p = rows[j].Parent
		}
		return n
	}
	n := len(cols) - 2
	tot := make([]ledger.Money, n)
	for k := range tot {
		tot[k] = ledger.Zero
	}
	var top []pos
	for i := range rows {
		r := &rows[i]
		a := balanceAmounts(r, year)
		cells := []any{wb.styled(wb.st.code, r.Account), wb.styled(wb.st.indent[depth(r)], r.Name)}
		for _, m := range a {
			cells = append(cells, wb.moneyOrBlank(m))
		}
		p, rr, err := t.add(cells, true)
		if err != nil {
			return nil, pos{}, nil, err
		}
		if _, ok := in[r.Parent]; !ok || r.Parent == r.Account {
			top = append(top, pos{p, rr})
			for k := range a {
				tot[k] = tot[k].Add(a[k])
			}
		}
	}
	cells := wb.totalCells(len(cols), "合计")
	last := t.totalPart()
	for k := range tot {
		cells[2+k] = wb.total(3+k, spansOf(top), last, tot[k])
	}
	p, r, err := t.addTotal(cells)
	return t, pos{p, r}, tot, err
}

func writeBalances(wb *workbook) error {
	_, _, _, err := writeBalanceTable(wb, SheetBalances, "科目余额表", wb.d.Balances, true)
	return err
}

// writeTrial writes the trial balance and, below its 合计, the debit minus
// credit differences of the opening, period and closing columns (zero when
// the trial balance balances).
func writeTrial(wb *workbook) error {
	t, tp, tot, err := writeBalanceTable(wb, SheetTrial, "试算平衡表", wb.d.Trial, false)
	if err != nil {
		return err
	}
	for k := range tot {
		wb.ref(fmt.Sprintf("%s%d", refTrial, 3+k), tp.p, 3+k, tp.r, tot[k])
	}
	balanced := true
	cells := wb.totalCells(len(tot)+2, "借贷差额")
	for k := 0; k < len(tot); k += 2 {
		diff := tot[k].Sub(tot[k+1])
		balanced = balanced && diff.IsZero()
		from := tp.p
		if !t.fits(1) {
			from = nil
		}
		cells[3+k] = wb.formulaMoney(wb.st.totalMoney,
			qualify(tp.p, from)+cellName(3+k, tp.r)+"-"+qualify(tp.p, from)+cellName(4+k, tp.r), diff)
	}
	result := "平衡"
	if !balanced {
		result = "不平衡"
	}
	cells[1] = excelize.Cell{StyleID: wb.st.totalLabel, Value: "试算结果：" + result}
	t.reserve = 0
	_, _, err = t.add(cells, false)
	return err
}

// ---- 明细账, 银行存款日记账 ----

// journal describes the layout of a journal sheet.
type journal struct {
	base, title string
	cols        []column
	// daybook: 现金日记账 or 银行存款日记账: signed balance, 对方科目 and
	// 党组织, no 资金来源 or 借或贷; method adds 结算方式 and 票据号 (the
	// bank's).
	daybook, method bool
	debit           int // column of the debit amount
}

var detailJournal = journal{
	base: SheetDetail, title: "明细账",
	cols: []column{{"科目编码", 10}, {"科目名称", 16}, {"日期", 11}, {"凭证字号", 9}, {"摘要", 22}, {"党组织", 16},
		{"资金来源", 12}, {"借方", 12}, {"贷方", 12}, {"借或贷", 5}, {"余额", 12}},
	debit: 8,
}

var cashJournal = journal{
	base: SheetCashJournal, title: "现金日记账", daybook: true,
	cols: []column{{"科目编码", 8}, {"科目名称", 12}, {"日期", 11}, {"凭证字号", 9}, {"摘要", 24}, {"对方科目", 16},
		{"党组织", 16}, {"收入(借方)", 12}, {"支出(贷方)", 12}, {"余额", 12}},
	debit: 8,
}

var bankJournal = journal{
	base: SheetBankJournal, title: "银行存款日记账", daybook: true, method: true,
	cols: []column{{"科目编码", 8}, {"科目名称", 10}, {"日期", 11}, {"凭证字号", 9}, {"摘要", 17}, {"结算方式", 8}, {"票据号", 11},
		{"对方科目", 13}, {"党组织", 14}, {"收入(借方)", 12}, {"支出(贷方)", 12}, {"余额", 12}},
	debit: 10,
}

func writeDetail(wb *workbook) error { return writeJournal(wb, detailJournal, wb.d.Detail) }

func writeCashJournal(wb *workbook) error { return writeJournal(wb, cashJournal, wb.d.CashJournal) }

func writeBankJournal(wb *workbook) error { return writeJournal(wb, bankJournal, wb.d.BankJournal) }

// direction is 借, 贷 or 平 for a signed balance (debit positive).
func direction(b ledger.Money) string {
	switch b.Sign() {
	case 1:
		return "借"
	case -1:
		return "贷"
	}
	return "平"
}

// journalState is the account being written.
type journalState struct {
	open          bool
	account, name string
	balance       ledger.Money // signed, debit positive
	debit, credit ledger.Money // this period
	yDebit, yCred ledger.Money // the year before the period
	entries       spanList
}

// writeJournal writes each account as 期初余额, its entries with running
// balances, 本月合计 (SUM of the entries) and 本年累计.
func writeJournal(wb *workbook, j journal, rows func(func(report.JournalRow, error) bool)) error {
	t, err := wb.newTable(j.base, j.title, j.cols, 1, 0)
	if err != nil {
		return err
	}
	d := wb.d
	n := len(j.cols)
	var s journalState
	// line builds a row: account, date, voucher, summary, other texts,
	// debit, credit and balance cells.
	buf := newRowBuf(n)
	line := func(style int, date excelize.Cell, voucher excelize.Cell, summary string, others []string, debit, credit excelize.Cell) []any {
		c := buf.cells
		c[0], c[1], c[2], c[3], c[4] = wb.styled(wb.st.code, s.account), wb.styled(wb.st.text, s.name), date, voucher, wb.styled(style, summary)
		i := 5
		for _, o := range others {
			c[i] = wb.text(o)
			i++
		}
		c[i], c[i+1] = debit, credit
		if j.daybook {
			c[i+2] = excelize.Cell{StyleID: wb.st.money, Value: wb.float(s.balance)}
		} else {
			c[i+2] = excelize.Cell{StyleID: wb.st.center, Value: direction(s.balance)}
			c[i+3] = excelize.Cell{StyleID: wb.st.money, Value: wb.float(s.balance.Abs())}
		}
		return buf.ptrs
	}
	blanks := func() []string {
		if j.method {
			return []string{"", "", "", ""}
		}
		return []string{"", ""}
	}
	start := func(account, name string, balance, yd, yc ledger.Money) error {
		s = journalState{open: true, account: account, name: name, balance: balance, debit: ledger.Zero, credit: ledger.Zero, yDebit: yd, yCred: yc}
		// A period that starts a year opens with last year's closing
		// balances (上年结转): 年初余额.
		label := "期初余额"
		if d.From.Month() == 1 && d.From.Day() == 1 {
			label = "年初余额"
		}
		cells := line(wb.st.text, wb.date(d.From), wb.text(""), label, blanks(), wb.moneyOrBlank(ledger.Zero), wb.moneyOrBlank(ledger.Zero))
		_, _, err := t.add(cells, false)
		return err
	}
	closeAccount := func() error {
		if !s.open {
			return nil
		}
		next := t.nextPart()
		debit := wb.total(j.debit, s.entries, next, s.debit)
		credit := wb.total(j.debit+1, s.entries, next, s.credit)
		cells := line(wb.st.totalLabel, wb.date(d.To), wb.text(""), "本月合计", blanks(), debit, credit)
		if _, _, err := t.add(cells, false); err != nil {
			return err
		}
		yd, yc := s.yDebit.Add(s.debit), s.yCred.Add(s.credit)
		cells = line(wb.st.totalLabel, wb.date(d.To), wb.text(""), "本年累计", blanks(),
			excelize.Cell{StyleID: wb.st.totalMoney, Value: wb.float(yd)}, excelize.Cell{StyleID: wb.st.totalMoney, Value: wb.float(yc)})
		if _, _, err := t.add(cells, false); err != nil {
			return err
		}
		s.open = false
		return nil
	}
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
			others := []string{r.OrgName, r.FundName}
			switch {
			case j.method:
				others = []string{methodName(r.Method), r.BillNo, r.Contra, r.OrgName}
			case j.daybook:
				others = []string{r.Contra, r.OrgName}
			}
			cells := line(wb.st.text, wb.date(r.Date), wb.styled(wb.st.center, r.Voucher), r.Summary, others, wb.moneyOrBlank(r.Debit), wb.moneyOrBlank(r.Credit))
			p, rr, err := t.add(cells, true)
			if err != nil {
				return err
			}
			s.entries.add(p, rr)
		}
	}
	return closeAccount()
}

// ---- 凭证清单 ----

var voucherColumns = []column{{"日期", 11}, {"凭证字号", 10}, {"分录号", 6}, {"摘要", 30}, {"科目编码", 10}, {"科目名称", 26},
	{"党组织", 22}, {"资金来源", 14}, {"用途", 12}, {"借方金额", 15}, {"贷方金额", 15}, {"附单据数", 7}, {"制单人", 8},
	{"审核人", 8}, {"出纳", 8}, {"记账人", 8}, {"状态", 9}, {"冲销凭证", 10}}

// writeVouchers writes one row per voucher line and records where each
// voucher starts, for the links of the other sheets.
func writeVouchers(wb *workbook) error {
	t, err := wb.newTable(SheetVouchers, "记账凭证清单", voucherColumns, 1, 1)
	if err != nil {
		return err
	}
	x := &voucherIndex{col: "B"}
	debit, credit := ledger.Zero, ledger.Zero
	var prev int64
	first := true
	buf := newRowBuf(len(voucherColumns))
	cells := buf.cells
	if wb.d.Vouchers != nil {
		for r, err := range wb.d.Vouchers {
			if err != nil {
				return err
			}
			cells[0] = wb.date(r.Date)
			cells[1] = wb.styled(wb.st.center, r.Voucher)
			cells[2] = wb.integer(r.Line)
			cells[3] = wb.text(r.Summary)
			cells[4] = wb.styled(wb.st.code, r.Account)
			cells[5] = wb.text(r.AccountName)
			cells[6] = wb.text(r.OrgName)
			cells[7] = wb.text(r.FundName)
			cells[8] = wb.text(purposeName(r.Purpose))
			cells[9] = wb.moneyOrBlank(r.Debit)
			cells[10] = wb.moneyOrBlank(r.Credit)
			cells[11] = wb.integer(r.Attachments)
			if r.Files > 0 {
				// The stored scans beside the paper sheets: 2（附件1）.
				cells[11] = wb.styled(wb.st.center, fmt.Sprintf("%d（附件%d）", r.Attachments, r.Files))
			}
			cells[12] = wb.text(r.Maker)
			cells[13] = wb.text(r.Checker)
			cells[14] = wb.text(r.Cashier)
			cells[15] = wb.text(r.Poster)
			cells[16] = wb.styled(wb.st.center, r.Status.Name())
			cells[17] = wb.styled(wb.st.center, r.ReversalOf)
			_, row, err := t.add(buf.ptrs, true)
			if err != nil {
				return err
			}
			if r.VoucherID != 0 && (first || r.VoucherID != prev) {
				x.note(r.VoucherID, len(t.parts)-1, row)
			}
			newVoucher := r.VoucherID == 0 || first || r.VoucherID != prev
			first, prev = false, r.VoucherID
			switch r.Status {
			case ledger.StatusPosted:
				debit = debit.Add(r.Debit)
				credit = credit.Add(r.Credit)
			case ledger.StatusVoid:
				if newVoucher {
					wb.sum.Totals.VoidCount++
				}
				wb.sum.Totals.VoidDebit = wb.sum.Totals.VoidDebit.Add(r.Debit)
			default:
				if newVoucher {
					wb.sum.Totals.UnpostedCount++
				}
				wb.sum.Totals.UnpostedDebit = wb.sum.Totals.UnpostedDebit.Add(r.Debit)
			}
		}
	}
	// The control totals are of posted vouchers only: a draft or a void
	// voucher is listed but never counted (issue #14).
	row := wb.totalCells(len(voucherColumns), "合计")
	last := t.totalPart()
	posted := ledger.StatusPosted.Name()
	row[9] = wb.totalIf(10, 17, posted, t.dataSpans(), last, debit)
	row[10] = wb.totalIf(11, 17, posted, t.dataSpans(), last, credit)
	p, r, err := t.addTotal(row)
	if err != nil {
		return err
	}
	wb.ref(refDebit, p, 10, r, debit)
	wb.ref(refCredit, p, 11, r, credit)
	wb.sum.Totals.Debit, wb.sum.Totals.Credit = debit, credit
	for _, p := range t.parts {
		x.parts = append(x.parts, p.name)
	}
	wb.links = x
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }
