package reports

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/report"
)

// Sheet names of the roll-up workbook (`ledger report rollup`).
const (
	SheetRollupFunds     = "分账套汇总"
	SheetRollupTransfers = "上下级核对"
	SheetRollupFindings  = "审计发现"
)

// RollupSheetNames lists the sheets of the roll-up workbook in order.
var RollupSheetNames = []string{SheetRollupFunds, SheetRollupTransfers, SheetRollupFindings}

// WriteRollup writes the upper levels' roll-up workbook (上级汇总): per book
// and special fund what came in, went down and was spent, what is left and
// whether the book's conservation holds; across the levels, what each upper
// book granted against what each lower book recorded as received (在途 the
// difference); and the books' audit findings by severity.
func WriteRollup(out io.Writer, r *report.Rollup, preparer, reviewer string, sig report.Signatures) error {
	if r == nil {
		return errors.New("reports: nil report.Rollup")
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
	if err := f.SetSheetName("Sheet1", RollupSheetNames[0]); err != nil {
		return err
	}
	for _, n := range RollupSheetNames[1:] {
		if _, err := f.NewSheet(n); err != nil {
			return err
		}
	}
	codes := make([]string, len(r.Books))
	for i, b := range r.Books {
		codes[i] = b.Book
	}
	// The reconciliation workbook's sheet writer prints the same way: its
	// information line names the books and the period.
	d := &report.ReconcileData{BookName: fmt.Sprintf("上级汇总（%d 个账套）", len(r.Books)), BookCode: strings.Join(codes, "、"),
		Period: r.Period.Label(), From: r.Period.From, To: r.Period.To, GeneratedAt: r.MadeAt, GeneratedBy: r.MadeBy,
		Preparer: preparer, Reviewer: reviewer, Signatures: sig}
	w := &recWriter{f: f, st: st, d: d}
	for _, fn := range []func(*recWriter, *report.Rollup) error{writeRollupFunds, writeRollupTransfers, writeRollupFindings} {
		if err := fn(w, r); err != nil {
			return fmt.Errorf("%s: %w", w.sheet, err)
		}
	}
	f.SetActiveSheet(0)
	props := &excelize.DocProperties{Title: "专项党费上级汇总 " + d.Period, Creator: r.MadeBy, Language: "zh-CN"}
	if !r.MadeAt.IsZero() {
		props.Created = r.MadeAt.UTC().Format("2006-01-02T15:04:05Z")
		props.Modified = props.Created
	}
	if err := f.SetDocProps(props); err != nil {
		return err
	}
	return save(f, out)
}

func writeRollupFunds(w *recWriter, r *report.Rollup) error {
	widths := []float64{14, 10, 10.7, 10.7, 10.7, 10.7, 10.7, 10.7, 10.7, 10.7, 10.7, 10.7, 5}
	if err := w.start(SheetRollupFunds, "专项党费上级汇总表", widths, 3); err != nil {
		return err
	}
	if err := w.header("账套", "资金来源", "上级下拨", "本级配套", "划拨支部", "下拨下级", "物资采购", "一线慰问", "党员群众救助", "使用合计", "结余退回", "期末未用", "守恒"); err != nil {
		return err
	}
	first := w.row + 1
	total := make([]ledger.Money, 10)
	for i := range total {
		total[i] = ledger.Zero
	}
	for _, b := range r.Books {
		for _, fd := range b.Funds {
			vals := []ledger.Money{fd.Received, fd.Matching, fd.Allocated, fd.GrantedOut, fd.Spent[ledger.Procurement], fd.Spent[ledger.Condolence],
				fd.Spent[ledger.Relief], fd.SpentTotal(), fd.Returned, fd.Unspent}
			cells := []any{w.text(w.st.wrap, b.Name), w.text(w.st.wrap, fd.Name)}
			for i, m := range vals {
				if m.Decimal().IsZero() {
					m = ledger.Zero
				}
				cells = append(cells, w.money(w.st.money, m))
				total[i] = total[i].Add(m)
			}
			mark := w.text(w.st.ok, "相符")
			if !fd.Conserved() {
				mark = w.text(w.st.bad, "不符")
			}
			cells = append(cells, mark)
			if err := w.put(cells...); err != nil {
				return err
			}
		}
	}
	last := w.row
	cells := []any{w.text(w.st.total, "合计"), w.text(w.st.total, "")}
	for i, m := range total {
		c := w.money(w.st.totalMoney, m)
		if last >= first {
			c.Formula = fmt.Sprintf("SUM(%s:%s)", recCell(3+i, first), recCell(3+i, last))
		}
		cells = append(cells, c)
	}
	cells = append(cells, w.text(w.st.total, ""))
	if err := w.put(cells...); err != nil {
		return err
	}
	note := "说明：金额为已记账凭证；上级下拨为 420101、本级配套为 4801、划拨支部为 121801 借方、下拨下级为 5501、使用为 5001xx、" +
		"结余退回为退回业务的 100201；期末未用为期末银行存款 100201 与支部待报账 121801 之和；守恒为期末收入 = 银行 + 待报账 + 使用 + 下拨下级。"
	if err := w.put(w.text(w.st.text, note)); err != nil {
		return err
	}
	if err := w.sw.MergeCell(recCell(1, w.row), recCell(len(widths), w.row)); err != nil {
		return err
	}
	if err := rollupSignatures(w, [][2]int{{1, 2}, {3, 5}, {6, 8}, {9, 11}, {12, 13}}); err != nil {
		return err
	}
	return w.finish(3, last)
}

func writeRollupTransfers(w *recWriter, r *report.Rollup) error {
	widths := []float64{26, 26, 14, 6, 14, 14, 14, 12}
	if err := w.start(SheetRollupTransfers, "上下级下拨核对表", widths, 3); err != nil {
		return err
	}
	if err := w.header("上级账套", "下级账套", "下级资金来源", "笔数", "上级已下拨", "下级已入账", "在途", "核对"); err != nil {
		return err
	}
	names := map[string]string{}
	for _, b := range r.Books {
		names[b.Book] = b.Name + "（" + b.Book + "）"
	}
	name := func(code string) string { return cmp.Or(names[code], code) }
	for _, t := range r.Transfers {
		mark := w.text(w.st.ok, "相符")
		switch {
		case !t.ReceiverRead:
			mark = w.text(w.st.bad, "下级未纳入汇总")
		case t.InTransit().Sign() < 0:
			mark = w.text(w.st.bad, "下级多记")
		case t.InTransit().Sign() > 0:
			mark = w.text(w.st.bad, "在途")
		}
		received := w.money(w.st.money, t.Received)
		if !t.ReceiverRead {
			received = w.text(w.st.text, "—")
		}
		if err := w.put(w.text(w.st.text, name(t.FromBook)), w.text(w.st.text, name(t.ToBook)), w.text(w.st.text, t.Fund),
			w.integer(t.Grants), w.money(w.st.money, t.Sent), received, w.money(w.st.money, t.InTransit()), mark); err != nil {
			return err
		}
	}
	last := w.row
	if len(r.Transfers) == 0 {
		if err := w.put(w.text(w.st.text, "本期无跨账套下拨")); err != nil {
			return err
		}
	}
	note := "说明：上级已下拨为本期已记账的下拨凭证（5501）；下级已入账为下级账套已记账的对应收款凭证（420101），不论其记账月份；" +
		"在途 = 上级已下拨 − 下级已入账。"
	if err := w.put(w.text(w.st.text, note)); err != nil {
		return err
	}
	if err := w.sw.MergeCell(recCell(1, w.row), recCell(len(widths), w.row)); err != nil {
		return err
	}
	return w.finish(3, max(last, 3))
}

func writeRollupFindings(w *recWriter, r *report.Rollup) error {
	widths := []float64{36, 12, 14, 14}
	if err := w.start(SheetRollupFindings, "各账套审计发现", widths, 3); err != nil {
		return err
	}
	if err := w.header("账套", "严重程度", "未整改", "已确认或已整改"); err != nil {
		return err
	}
	severity := map[string]string{"HIGH": "高", "MEDIUM": "中", "LOW": "低"}
	rows := 0
	for _, b := range r.Books {
		for _, fd := range b.Findings {
			if err := w.put(w.text(w.st.text, b.Name+"（"+b.Book+"）"), w.text(w.st.text, cmp.Or(severity[fd.Severity], fd.Severity)),
				w.integer(fd.Open), w.integer(fd.Done)); err != nil {
				return err
			}
			rows++
		}
	}
	last := w.row
	if rows == 0 {
		if err := w.put(w.text(w.st.text, "本期无审计发现")); err != nil {
			return err
		}
	}
	return w.finish(3, max(last, 3))
}

func (w *recWriter) integer(n int) excelize.Cell {
	return excelize.Cell{StyleID: w.st.text, Value: n}
}

// rollupSignatures writes the signature block with each role's cell
// merged across the columns of spans (1-based, inclusive), so that the
// narrow amount columns hold the names on one line.
func rollupSignatures(w *recWriter, spans [][2]int) error {
	w.row++
	if err := w.put(w.text(w.st.section, "签章")); err != nil {
		return err
	}
	texts := signatureCells(w.d.Signatures, w.d.Preparer, w.d.Reviewer)
	cells := make([]any, spans[len(spans)-1][1])
	for i := range cells {
		cells[i] = w.text(w.st.text, "")
	}
	for i, t := range texts {
		if i < len(spans) {
			cells[spans[i][0]-1] = w.text(w.st.text, t)
		}
	}
	w.row++
	if err := w.sw.SetRow(recCell(1, w.row), cells, excelize.RowOpts{Height: rowHeightPt(1)}); err != nil {
		return err
	}
	for _, sp := range spans {
		if err := w.sw.MergeCell(recCell(sp[0], w.row), recCell(sp[1], w.row)); err != nil {
			return err
		}
	}
	w.row++
	return w.sw.SetRow(recCell(1, w.row), []any{w.text(w.st.info, "")}, excelize.RowOpts{Height: signRowPt})
}
