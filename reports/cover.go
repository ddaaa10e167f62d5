package reports

import (
	"slices"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/report"
	"github.com/xuri/excelize/v2"
)

// checkSpec is a cross-sheet invariant: two total cells (by ref key; ""
// when the side has no single cell) that must hold the same amount.
type checkSpec struct {
	name        string
	left, right string
	lval, rval  ledger.Money
}

// checks computes the cross-sheet invariants from the totals written.
func (wb *workbook) checks() {
	T := &wb.sum.Totals
	has := func(keys ...string) bool {
		for _, k := range keys {
			if _, ok := wb.refs[k]; !ok {
				return false
			}
		}
		return true
	}
	val := func(k string) ledger.Money { return wb.refs[k].val }
	var specs []checkSpec
	pair := func(name, l, r string) {
		if has(l, r) {
			specs = append(specs, checkSpec{name, l, r, val(l), val(r)})
		}
	}
	if has(refT1Income) {
		specs = append(specs, checkSpec{"T1 本期收入合计 = 上级下拨 + 本级配套", refT1Income, "", val(refT1Income), T.Upper.Add(T.Matching)})
	}
	if wb.d.OrgCode == "" {
		pair("T1 本期拨入合计 = 本期拨出合计（内部拨付相抵）", refT1In, refT1Out)
		pair("T1 本期收回合计 = 本期退回合计（内部退回相抵）", refT1Recovered, refT1Returned)
	}
	pair("T4 合计 = T1 本期使用", refT4Amount, refT1Used)
	pair("T3 金额合计 = T1 本期使用", refT3Amount, refT1Used)
	pair("T5 拨入合计 = T2 拨付合计", refT5In, refT2Allocated)
	pair("试算平衡：期初借方 = 期初贷方", refTrial+"3", refTrial+"4")
	pair("试算平衡：本期借方 = 本期贷方", refTrial+"5", refTrial+"6")
	pair("试算平衡：期末借方 = 期末贷方", refTrial+"7", refTrial+"8")
	pair("凭证清单：借方合计 = 贷方合计", refDebit, refCredit)
	pair("T9 调节后的存款余额相符", refT9Book, refT9Bank)
	wb.checkSpecs = specs
	wb.sum.Checks = nil
	for _, s := range specs {
		wb.sum.Checks = append(wb.sum.Checks, Check{Name: s.name, Left: s.lval, Right: s.rval, OK: s.lval.Equal(s.rval)})
	}
}

// capitalsOutOfRange marks a total that 大写 cannot write: the figure
// beside it stands, and the workbook is still written (issue #14: one huge
// draft made a month's workbook fail for good).
const capitalsOutOfRange = "超出大写范围"

// capitals is the 大写 of m; a negative amount is written 负…, an amount
// beyond the range of 大写 is marked capitalsOutOfRange.
func capitals(m ledger.Money) string {
	s, err := daxie(m.Abs())
	if err != nil {
		return capitalsOutOfRange
	}
	if m.Sign() < 0 {
		s = "负" + s
	}
	return "人民币" + s
}

// writeCover writes the cover: the book, period and scope, the parameters,
// generation time and people, the period seal, the data rows of every
// sheet, the control totals in figures and capitals, and the cross-sheet
// checks. Amounts are formulas pointing at the total cells of the other
// sheets, with their values stored; written alone they are plain numbers.
func writeCover(wb *workbook) error {
	d := wb.d
	cols := []column{{"", 40}, {"", 18}, {"", 40}, {"", 18}, {"", 8}}
	t := &table{wb: wb, base: SheetCover, title: "专项党费审计报表", cols: cols, noFilter: true}
	wb.tables = append(wb.tables, t)
	if err := t.newPart(); err != nil {
		return err
	}
	st := &wb.st
	blank := excelize.Cell{StyleID: st.text}
	section := func(title string) error {
		t.skip()
		_, _, err := t.add([]any{excelize.Cell{StyleID: st.section, Value: title}}, false)
		return err
	}
	header := func(heads ...string) error {
		cells := make([]any, len(heads))
		for i, h := range heads {
			cells[i] = excelize.Cell{StyleID: st.head, Value: h}
		}
		_, _, err := t.add(cells, false)
		return err
	}
	kv := func(key string, value any) error {
		cells := []any{excelize.Cell{StyleID: st.key, Value: key}, value, blank, blank, blank}
		p, r, err := t.add(cells, false)
		if err != nil {
			return err
		}
		return p.sw.MergeCell(cellName(2, r), cellName(5, r))
	}

	if err := section("一、基本信息"); err != nil {
		return err
	}
	scope := "全部党组织"
	if d.OrgCode != "" || d.OrgName != "" {
		scope = strings.TrimSpace(d.OrgName + "（" + d.OrgCode + "）及其下级")
	}
	seal := d.PeriodSeal
	if seal == "" {
		seal = "（期间未结账，尚无封印）"
	}
	info := []struct {
		k string
		v any
	}{
		{"核算单位", wb.text(d.BookName)},
		{"账套编码", wb.styled(st.code, d.BookCode)},
		{"会计期间", wb.text(periodText(d))},
		{"党组织范围", wb.text(scope)},
		{"生成时间", wb.dateTime(inZone(d.GeneratedAt, d.TimeZone))},
		{"生成人", wb.text(d.GeneratedBy)},
		{"制表人", wb.text(d.Preparer)},
		{"审核人", wb.text(d.Reviewer)},
		{"期间封印（链头）", wb.styled(st.code, seal)},
	}
	if d.NoStatementReason != "" {
		info = append(info, struct {
			k string
			v any
		}{"无银行对账单结账原因", wb.text(d.NoStatementReason)})
	}
	if d.Source != nil {
		info = append(info, struct {
			k string
			v any
		}{"数据来源", wb.text(sourceText(d.Source, d.TimeZone))})
	}
	for _, x := range info {
		if err := kv(x.k, x.v); err != nil {
			return err
		}
	}

	if err := section("二、参数"); err != nil {
		return err
	}
	keys := make([]string, 0, len(d.Params))
	for k := range d.Params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		if err := kv("（无）", blank); err != nil {
			return err
		}
	}
	for _, k := range keys {
		if err := kv(k, wb.text(d.Params[k])); err != nil {
			return err
		}
	}

	if err := section("三、各表数据行数"); err != nil {
		return err
	}
	if err := header("工作表", "数据行数"); err != nil {
		return err
	}
	for _, s := range wb.sum.Sheets {
		if _, _, err := t.add([]any{wb.text(s.Name), wb.integer(s.Rows)}, false); err != nil {
			return err
		}
	}

	if err := section("四、控制总数"); err != nil {
		return err
	}
	if err := header("项目", "金额", "大写金额", "来源"); err != nil {
		return err
	}
	T := &wb.sum.Totals
	totals := []struct {
		label string
		val   ledger.Money
		key   string
		from  string
	}{
		{"本期收入合计", T.Income, refT1Income, SheetT1},
		{"　其中：上级下拨", T.Upper, "", SheetT1},
		{"　　　　本级配套", T.Matching, "", SheetT1},
		{"本期拨付合计", T.Allocated, refT2Allocated, SheetT2},
		{"本期使用合计", T.Used, refT1Used, SheetT1},
		{"按用途汇总合计", T.ByPurpose, refT4Amount, SheetT4},
		{"使用明细金额合计", T.Spent, refT3Amount, SheetT3},
		{"党组织拨入合计", T.BranchIn, refT5In, SheetT5},
		{"慰问救助发放合计", T.Beneficiary, refT6Amount, SheetT6},
		{"期初结余合计", T.Opening, refT1Opening, SheetT1},
		{"期末结余合计", T.Closing, refT1Closing, SheetT1},
		{"凭证借方合计", T.Debit, refDebit, SheetVouchers},
		{"凭证贷方合计", T.Credit, refCredit, SheetVouchers},
	}
	for _, x := range totals {
		words := capitals(x.val)
		from := x.from
		next := t.nextPart()
		amount := wb.money(x.val)
		if c, ok := wb.refs[x.key]; ok && x.key != "" {
			amount = wb.formulaMoney(st.money, c.formula(next), x.val)
			from = c.p.name + "!" + cellName(c.col, c.row)
		}
		if _, _, err := t.add([]any{wb.text(x.label), amount, wb.text(words), wb.text(from)}, false); err != nil {
			return err
		}
	}

	note := "控制合计仅含已记账凭证；草稿 " + itoa(T.UnpostedCount) + " 张 合计 " + T.UnpostedDebit.String() +
		"，作废 " + itoa(T.VoidCount) + " 张 合计 " + T.VoidDebit.String()
	if _, _, err := t.add([]any{wb.text(note)}, false); err != nil {
		return err
	}

	// The checks and the signatures under them print on a page of their own.
	if err := t.pageBreak(); err != nil {
		return err
	}
	if err := section("五、勾稽关系"); err != nil {
		return err
	}
	if err := header("检查项", "左值", "右值", "差额", "结果"); err != nil {
		return err
	}
	for i, c := range wb.sum.Checks {
		next := t.nextPart()
		row := t.cur.row + 1
		if next == nil {
			row = t.firstRow()
		}
		side := func(key string, v ledger.Money) excelize.Cell {
			if i < len(wb.checkSpecs) && key != "" {
				if ref, ok := wb.refs[key]; ok {
					return wb.formulaMoney(st.money, ref.formula(next), v)
				}
			}
			return wb.money(v)
		}
		var lk, rk string
		if i < len(wb.checkSpecs) {
			lk, rk = wb.checkSpecs[i].left, wb.checkSpecs[i].right
		}
		result := "相符"
		if !c.OK {
			result = "不符"
		}
		cells := []any{wb.text(c.Name), side(lk, c.Left), side(rk, c.Right),
			wb.formulaMoney(st.money, cellName(2, row)+"-"+cellName(3, row), c.Left.Sub(c.Right)),
			wb.styled(st.center, result)}
		if _, _, err := t.add(cells, false); err != nil {
			return err
		}
	}
	return wb.signatureBlock(t, "六、签章")
}

// signatureBlock writes the roles and names of d.Signatures with room to
// sign below each and the seal to the right.
func (wb *workbook) signatureBlock(t *table, title string) error {
	st := &wb.st
	t.skip()
	if _, _, err := t.add([]any{excelize.Cell{StyleID: st.section, Value: title}}, false); err != nil {
		return err
	}
	// One line across the table: cells of their own would run over into
	// the empty columns right of the table and print them on a page of
	// their own.
	line := strings.Join(signatureCells(wb.d.Signatures, wb.d.Preparer, wb.d.Reviewer), "　　　")
	cells := make([]any, len(t.cols))
	cells[0] = excelize.Cell{StyleID: st.infoWrap, Value: line}
	p, r, err := t.add(cells, false)
	if err != nil {
		return err
	}
	if err := p.sw.MergeCell(cellName(1, r), cellName(len(t.cols), r)); err != nil {
		return err
	}
	// An empty row tall enough for a hand signature and the seal.
	if t.cur.row+1 > t.limit() {
		return nil
	}
	t.cur.row++
	return t.cur.sw.SetRow(cellName(1, t.cur.row), []any{excelize.Cell{StyleID: st.info}}, excelize.RowOpts{Height: signRowPt})
}

// sourceText names the server the workbook was read from: the replica with
// its replay position and time, or the primary and why.
func sourceText(src *report.ReadSource, zone *time.Location) string {
	if !src.Replica {
		return "主库（备库不可用或未及时回放，改从主库读取）"
	}
	at := "未知"
	if !src.ReplayedAt.IsZero() {
		at = inZone(src.ReplayedAt, zone).Format("2006-01-02 15:04:05")
	}
	return "只读备库（回放位置 " + src.ReplayLSN + "，最后回放事务时间 " + at + "）"
}
