package reports

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/report"
)

// workbook is one workbook being written: the excelize file, the styles,
// the tables written so far and what the cover needs from them.
type workbook struct {
	f      *excelize.File
	d      *report.AuditData
	opt    Options
	st     styles
	tables []*table
	// links maps voucher IDs to their first row in 凭证清单; nil when the
	// workbook has no 凭证清单 (a table written alone), and voucher numbers
	// are then plain text.
	links *voucherIndex
	// refs are the total cells other sheets and the cover point at, by key
	// (refT1Income …).
	refs map[string]cellRef
	sum  Summary
	// checkSpecs are the cross-sheet checks with the cells they compare.
	checkSpecs []checkSpec
	// coverOnly: the cover is written alone; sum was computed from the
	// whole workbook and the cover shows plain numbers.
	coverOnly bool
	// err is the first error met while building cells (a money value that
	// does not round-trip through float64); rows check it after building.
	err error
}

// cellRef is a cell holding a total, with the value stored in it.
type cellRef struct {
	p   *part
	col int
	row int
	val ledger.Money
}

// formula returns the reference to the cell as seen from part from.
func (c cellRef) formula(from *part) string {
	return qualify(c.p, from) + cellName(c.col, c.row)
}

// column is a column of a table. A head "期初余额|借方" makes a two-row
// header whose upper cells merge across equal neighbours.
type column struct {
	head  string
	width float64
}

// table is one logical table of the workbook, written by a StreamWriter to
// one sheet or, past the row limit, to continuation sheets "name (2)" …
type table struct {
	wb    *workbook
	base  string // sheet name of the first part
	title string // Chinese title of the first row
	cols  []column
	heads int // header rows: 1, or 2 for two-level headers; 0 for the cover
	// reserve rows stay free at the bottom of every part so that the
	// closing total always fits on the part holding the last data row.
	reserve  int
	noFilter bool
	// info overrides the second row (period and unit) when not empty.
	info string
	// paper is paperA4 (the default, 0) or paperA3; repeat is the number of
	// leading columns repeated on each printed column group.
	paper, repeat int
	plan          *printPlan
	parts         []*part
	cur           *part
	rows          int // data rows written, all parts
	charts        []chartSpec
}

// part is one physical sheet of a table.
type part struct {
	t     *table
	name  string
	sw    *excelize.StreamWriter
	row   int // last row written
	first int // first data row; 0 while none
	last  int // last data row
	rows  int // data rows on this part
}

// chartSpec is a chart to add to a part once its rows are written.
type chartSpec struct {
	p     *part
	cell  string
	chart *excelize.Chart
}

// rowBuf is a reusable row of cells for the streaming tables. SetRow
// takes *Cell values, so a row made of pointers into one array costs no
// allocation per cell beyond the value itself.
type rowBuf struct {
	cells []excelize.Cell
	ptrs  []any
}

func newRowBuf(n int) *rowBuf {
	b := &rowBuf{cells: make([]excelize.Cell, n), ptrs: make([]any, n)}
	for i := range b.cells {
		b.ptrs[i] = &b.cells[i]
	}
	return b
}

// span is a range of rows of one column on one part.
type span struct {
	p      *part
	r1, r2 int
}

// headRow is the row number of the last header row.
func (t *table) headRow() int { return 2 + t.heads }

// firstRow is the first row below the header.
func (t *table) firstRow() int { return 3 + t.heads }

// newTable starts a table on its (existing) sheet base.
func (wb *workbook) newTable(base, title string, cols []column, heads, reserve int) (*table, error) {
	t := &table{wb: wb, base: base, title: title, cols: cols, heads: heads, reserve: reserve}
	wb.tables = append(wb.tables, t)
	if err := t.newPart(); err != nil {
		return nil, err
	}
	return t, nil
}

// newTableRepeat starts a table whose printed column groups repeat its
// first repeat columns.
func (wb *workbook) newTableRepeat(base, title string, cols []column, heads, reserve, repeat int) (*table, error) {
	t := &table{wb: wb, base: base, title: title, cols: cols, heads: heads, reserve: reserve, repeat: repeat}
	wb.tables = append(wb.tables, t)
	if err := t.newPart(); err != nil {
		return nil, err
	}
	return t, nil
}

// partName is the sheet name of the k-th part (0-based).
func partName(base string, k int) string {
	if k == 0 {
		return base
	}
	return fmt.Sprintf("%s (%d)", base, k+1)
}

// newPart opens the next sheet of the table and writes its title, period
// and header rows. Column widths, frozen panes and the fit-to-page flag are
// set before the first row, as the StreamWriter requires.
func (t *table) newPart() error {
	f := t.wb.f
	k := len(t.parts)
	name := partName(t.base, k)
	if k > 0 {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	p := &part{t: t, name: name, sw: sw}
	t.parts = append(t.parts, p)
	t.cur = p
	for i, c := range t.cols {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return err
		}
	}
	if t.heads > 0 {
		hr := t.headRow()
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: hr, TopLeftCell: cellName(1, hr+1), ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: cellName(1, hr+1), ActiveCell: cellName(1, hr+1), Pane: "bottomLeft"}}}); err != nil {
			return err
		}
	}
	st := &t.wb.st
	// The title and information rows span the first printed column group
	// only, so that no page cuts them.
	last := len(t.cols)
	if pl := t.printPlan(); len(pl.breaks) > 0 {
		last = pl.breaks[0] - 1
	}
	title := t.title
	if k > 0 {
		title += fmt.Sprintf("（续%d）", k+1)
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: st.title, Value: title}}, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	if err := sw.MergeCell("A1", cellName(last, 1)); err != nil {
		return err
	}
	info := t.info
	if info == "" {
		info = t.wb.infoLine()
	}
	row2 := make([]any, len(t.cols))
	row2[0] = excelize.Cell{StyleID: st.infoWrap, Value: info}
	row2[last-1] = excelize.Cell{StyleID: st.unit, Value: "单位：元"}
	// The information line wraps within the cells left of 单位：元.
	infoWidth := 0.0
	for _, c := range t.cols[:max(last-1, 1)] {
		infoWidth += c.width
	}
	if err := sw.SetRow("A2", row2, excelize.RowOpts{Height: max(20, rowHeightPt(wrapLines(info, infoWidth)))}); err != nil {
		return err
	}
	if last > 2 {
		if err := sw.MergeCell("A2", cellName(last-1, 2)); err != nil {
			return err
		}
	}
	p.row = 2
	if t.heads == 0 {
		return nil
	}
	return t.writeHeader(p)
}

// writeHeader writes the one or two header rows of a part.
func (t *table) writeHeader(p *part) error {
	st := &t.wb.st
	upper := make([]any, len(t.cols))
	lower := make([]any, len(t.cols))
	for i, c := range t.cols {
		top, bottom, two := strings.Cut(c.head, "|")
		upper[i] = excelize.Cell{StyleID: st.head, Value: top}
		if two {
			lower[i] = excelize.Cell{StyleID: st.head, Value: bottom}
		} else {
			lower[i] = excelize.Cell{StyleID: st.head}
		}
	}
	if err := p.sw.SetRow(cellName(1, 3), upper, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	p.row = 3
	if t.heads == 1 {
		return nil
	}
	if err := p.sw.SetRow(cellName(1, 4), lower, excelize.RowOpts{Height: 20}); err != nil {
		return err
	}
	p.row = 4
	// Merge a single-level head down both rows, and equal upper heads of
	// neighbouring two-level columns across.
	for i := 0; i < len(t.cols); {
		top, _, two := strings.Cut(t.cols[i].head, "|")
		if !two {
			if err := p.sw.MergeCell(cellName(i+1, 3), cellName(i+1, 4)); err != nil {
				return err
			}
			i++
			continue
		}
		j := i + 1
		for j < len(t.cols) {
			next, _, ok := strings.Cut(t.cols[j].head, "|")
			if !ok || next != top {
				break
			}
			j++
		}
		if j-i > 1 {
			if err := p.sw.MergeCell(cellName(i+1, 3), cellName(j, 3)); err != nil {
				return err
			}
		}
		i = j
	}
	return nil
}

// limit is the last row a part may use.
func (t *table) limit() int { return t.wb.opt.RowLimit }

// add writes a row below the last one, moving to a new part when the row
// would take a reserved row. A data row counts in the row count and the
// filter range; other rows (subtotals) do not.
func (t *table) add(cells []any, data bool) (*part, int, error) {
	if t.wb.err != nil {
		return nil, 0, t.wb.err
	}
	if t.cur.row+1 > t.limit()-t.reserve {
		if err := t.newPart(); err != nil {
			return nil, 0, err
		}
	}
	return t.put(cells, data)
}

// addTotal writes the closing total row; it may use the reserved row.
func (t *table) addTotal(cells []any) (*part, int, error) {
	if t.wb.err != nil {
		return nil, 0, t.wb.err
	}
	if t.cur.row+1 > t.limit() {
		if err := t.newPart(); err != nil {
			return nil, 0, err
		}
	}
	return t.put(cells, false)
}

// fits reports whether n more rows fit on the current part.
func (t *table) fits(n int) bool { return t.cur.row+n <= t.limit()-t.reserve }

func (t *table) put(cells []any, data bool) (*part, int, error) {
	p := t.cur
	r := p.row + 1
	var err error
	if h := t.rowHeight(cells); h > 0 {
		err = p.sw.SetRow(cellName(1, r), cells, excelize.RowOpts{Height: h})
	} else {
		err = p.sw.SetRow(cellName(1, r), cells)
	}
	if err != nil {
		return nil, 0, err
	}
	p.row = r
	if data {
		if p.first == 0 {
			p.first = r
		}
		p.last = r
		p.rows++
		t.rows++
	}
	return p, r, nil
}

// printPlan is how the table's sheets print (computed once).
func (t *table) printPlan() printPlan {
	if t.plan == nil {
		widths := make([]float64, len(t.cols))
		for i, c := range t.cols {
			widths[i] = c.width
		}
		paper := t.paper
		if paper == 0 {
			paper = paperA4
		}
		pl := planPrint(widths, paper, t.repeat)
		t.plan = &pl
	}
	return *t.plan
}

// rowHeight is the height of a row holding cells: tall enough for the
// longest wrapped text; 0 (the default) when no cell wraps to a second
// line. A plain text cell whose text is wider than its column is made a
// wrapped one, so that no printed cell is cut off at its border.
func (t *table) rowHeight(cells []any) float64 {
	st := &t.wb.st
	lines := 1
	for i, v := range cells {
		if i >= len(t.cols) {
			break
		}
		var c *excelize.Cell
		switch x := v.(type) {
		case excelize.Cell:
			c = &x
		case *excelize.Cell:
			c = x
		}
		if c == nil || (c.StyleID != st.wrap && c.StyleID != st.text) {
			continue
		}
		s, ok := c.Value.(string)
		if !ok {
			continue
		}
		// Plain text runs on over the empty cells to its right (merged or
		// not); wrapped text stays in its own column.
		w := t.cols[i].width
		if c.StyleID == st.text {
			for j := i + 1; j < len(cells) && j < len(t.cols) && cellBlank(cells[j]); j++ {
				w += t.cols[j].width
			}
		}
		n := wrapLines(s, w)
		if n > 1 && c.StyleID == st.text {
			c.StyleID = st.wrap
			if _, byValue := v.(excelize.Cell); byValue {
				cells[i] = *c
			}
		}
		lines = max(lines, n)
	}
	return rowHeightPt(lines)
}

// cellBlank reports whether a row's cell holds nothing.
func cellBlank(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case excelize.Cell:
		return x.Value == nil && x.Formula == ""
	case *excelize.Cell:
		return x == nil || (x.Value == nil && x.Formula == "")
	}
	return false
}

// pageBreak starts a new printed page before the next row of the current
// part (a section that must not be split from what follows it).
func (t *table) pageBreak() error {
	return t.cur.sw.InsertPageBreak(cellName(1, t.cur.row+1))
}

// skip leaves a blank row.
func (t *table) skip() {
	if t.cur.row+1 <= t.limit()-t.reserve {
		t.cur.row++
	}
}

// dataSpans returns the data rows of every part, for a total over a table
// whose data rows are contiguous on each part.
func (t *table) dataSpans() []span {
	var out []span
	for _, p := range t.parts {
		if p.first > 0 {
			out = append(out, span{p, p.first, p.last})
		}
	}
	return out
}

// qualify is the sheet prefix of a reference to part p seen from part from.
func qualify(p, from *part) string {
	if p == from || p == nil {
		return ""
	}
	return "'" + strings.ReplaceAll(p.name, "'", "''") + "'!"
}

// sumArgsMax keeps SUM below Excel's limit of 255 arguments.
const sumArgsMax = 255

// sumFormula is a SUM over column col of spans, as seen from part from; ""
// when there is nothing to add (the caller then writes a plain zero).
func sumFormula(col int, spans []span, from *part) string {
	var args []string
	for _, s := range spans {
		ref := qualify(s.p, from) + cellName(col, s.r1)
		if s.r2 != s.r1 {
			ref += ":" + cellName(col, s.r2)
		}
		args = append(args, ref)
	}
	if len(args) == 0 {
		return ""
	}
	return sumOf(args)
}

func sumOf(args []string) string {
	if len(args) <= sumArgsMax {
		return "SUM(" + strings.Join(args, ",") + ")"
	}
	var groups []string
	for i := 0; i < len(args); i += sumArgsMax {
		groups = append(groups, sumOf(args[i:min(i+sumArgsMax, len(args))]))
	}
	return sumOf(groups)
}

// rowSpans merges single rows of one part into consecutive spans.
func rowSpans(p *part, rows []int) []span {
	var out []span
	for _, r := range rows {
		if n := len(out); n > 0 && out[n-1].p == p && out[n-1].r2+1 == r {
			out[n-1].r2 = r
			continue
		}
		out = append(out, span{p, r, r})
	}
	return out
}

// cellName is the A1 name of (col, row), both 1-based.
func cellName(col, row int) string {
	return colName(col) + strconv.Itoa(row)
}

func colName(col int) string {
	var b [4]byte
	i := len(b)
	for col > 0 {
		col--
		i--
		b[i] = byte('A' + col%26)
		col /= 26
	}
	return string(b[i:])
}

// ---- cells ----

// fenFloatMax bounds amounts whose fen count float64 holds exactly.
const fenFloatMax = 1 << 53

// float converts money to the cell's float64 and checks that it round-trips
// to the same fen; the float is made at this last moment only (STYLE.md).
func (wb *workbook) float(m ledger.Money) float64 {
	fen := m.Fen()
	if fen > fenFloatMax || fen < -fenFloatMax {
		wb.fail(ledger.Errorf(ledger.EInvalidAmount, "amount", "%s is too large for a spreadsheet cell", m.String()))
		return 0
	}
	v := float64(fen) / 100
	if int64(math.Round(v*100)) != fen {
		wb.fail(ledger.Errorf(ledger.EInvalidAmount, "amount", "%s does not round-trip through a spreadsheet cell", m.String()))
	}
	return v
}

func (wb *workbook) fail(err error) {
	if wb.err == nil {
		wb.err = err
	}
}

func (wb *workbook) money(m ledger.Money) excelize.Cell {
	return excelize.Cell{StyleID: wb.st.money, Value: wb.float(m)}
}

// moneyOrBlank leaves the cell blank when m is zero.
func (wb *workbook) moneyOrBlank(m ledger.Money) excelize.Cell {
	if m.IsZero() {
		return excelize.Cell{StyleID: wb.st.money}
	}
	return wb.money(m)
}

// text is a string cell. The StreamWriter stores strings as inline strings,
// never as formulas, so text that starts with = + - or @ stays text; the
// text number format keeps it text when a user edits the cell.
func (wb *workbook) text(s string) excelize.Cell {
	if s == "" {
		return excelize.Cell{StyleID: wb.st.text}
	}
	return excelize.Cell{StyleID: wb.st.text, Value: s}
}

func (wb *workbook) styled(style int, s string) excelize.Cell {
	if s == "" {
		return excelize.Cell{StyleID: style}
	}
	return excelize.Cell{StyleID: style, Value: s}
}

// excelEpochDays is the Unix day of the spreadsheet serial 0 (1899-12-30).
const excelEpochDays = 25569

// dateSerial is the spreadsheet serial of t's calendar date.
func dateSerial(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()/86400 + excelEpochDays
}

// date is a real date cell formatted yyyy-mm-dd; blank for the zero time.
func (wb *workbook) date(t time.Time) excelize.Cell {
	if t.IsZero() {
		return excelize.Cell{StyleID: wb.st.date}
	}
	return excelize.Cell{StyleID: wb.st.date, Value: dateSerial(t)}
}

// dateTime is a date and time cell in t's own location.
func (wb *workbook) dateTime(t time.Time) excelize.Cell {
	if t.IsZero() {
		return excelize.Cell{StyleID: wb.st.dateTime}
	}
	secs := t.Hour()*3600 + t.Minute()*60 + t.Second()
	return excelize.Cell{StyleID: wb.st.dateTime, Value: float64(dateSerial(t)) + float64(secs)/86400}
}

func (wb *workbook) integer(n int) excelize.Cell {
	return excelize.Cell{StyleID: wb.st.integer, Value: n}
}

func (wb *workbook) intOrBlank(n int) excelize.Cell {
	if n == 0 {
		return excelize.Cell{StyleID: wb.st.integer}
	}
	return wb.integer(n)
}

// total is a total cell: a SUM formula over spans with the computed value
// stored, so programs reading the file see the number and a spreadsheet
// recalculates to the same. Without spans it is a plain zero.
func (wb *workbook) total(col int, spans []span, from *part, val ledger.Money) excelize.Cell {
	c := excelize.Cell{StyleID: wb.st.totalMoney, Value: wb.float(val)}
	c.Formula = sumFormula(col, spans, from)
	return c
}

// totalIf is a total cell summing column col over the rows whose column
// critCol holds crit, with its value stored.
func (wb *workbook) totalIf(col, critCol int, crit string, spans []span, from *part, val ledger.Money) excelize.Cell {
	c := excelize.Cell{StyleID: wb.st.totalMoney, Value: wb.float(val)}
	var args []string
	for _, s := range spans {
		q := qualify(s.p, from)
		args = append(args, "SUMIF("+q+cellName(critCol, s.r1)+":"+cellName(critCol, s.r2)+`,"`+quoteFormula(crit)+`",`+
			q+cellName(col, s.r1)+":"+cellName(col, s.r2)+")")
	}
	if len(args) > 0 {
		c.Formula = sumOf(args)
	}
	return c
}

func (wb *workbook) totalInt(col int, spans []span, from *part, n int) excelize.Cell {
	return excelize.Cell{StyleID: wb.st.totalInt, Value: n, Formula: sumFormula(col, spans, from)}
}

// formulaMoney is a money cell computed by formula with its value stored.
func (wb *workbook) formulaMoney(style int, formula string, val ledger.Money) excelize.Cell {
	return excelize.Cell{StyleID: style, Formula: formula, Value: wb.float(val)}
}

// voucher is the 凭证字号 cell: an internal hyperlink to the voucher's first
// line in 凭证清单 when the workbook has one. It is a HYPERLINK formula
// rather than a worksheet hyperlink because a StreamWriter sheet keeps
// worksheet hyperlinks in memory and Excel allows only 65,530 of them per
// sheet, while T3 can have a million rows.
func (wb *workbook) voucher(id int64, word string) excelize.Cell {
	if word == "" {
		return excelize.Cell{StyleID: wb.st.text}
	}
	if wb.links != nil {
		if target, ok := wb.links.target(id); ok {
			return excelize.Cell{StyleID: wb.st.link, Value: word,
				Formula: `HYPERLINK("#` + quoteFormula(target) + `","` + quoteFormula(word) + `")`}
		}
	}
	return excelize.Cell{StyleID: wb.st.center, Value: word}
}

// quoteFormula escapes a string literal inside a formula.
func quoteFormula(s string) string { return strings.ReplaceAll(s, `"`, `""`) }

// pct is a ratio cell; blank when the denominator is zero.
func (wb *workbook) pct(num, den ledger.Money, style int) excelize.Cell {
	if den.IsZero() {
		return excelize.Cell{StyleID: style}
	}
	r, _ := num.Decimal().DivRound(den.Decimal(), 6).Float64()
	return excelize.Cell{StyleID: style, Value: r}
}

// ---- finishing ----

// finish sets what needs the final sheet order (the auto-filter's and the
// print titles' defined names are scoped by sheet index), the page setup,
// header and footer and charts, and flushes every part.
func (wb *workbook) finish() error {
	for _, t := range wb.tables {
		for _, p := range t.parts {
			if err := wb.finishPart(t, p); err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
		}
	}
	return nil
}

func (wb *workbook) finishPart(t *table, p *part) error {
	f := wb.f
	last := len(t.cols)
	if t.heads > 0 {
		hr := t.headRow()
		if !t.noFilter {
			end := max(p.last, hr)
			if err := f.AutoFilter(p.name, cellName(1, hr)+":"+cellName(last, end), nil); err != nil {
				return err
			}
		}
		q := "'" + strings.ReplaceAll(p.name, "'", "''") + "'!"
		titles := fmt.Sprintf("%s$3:$%d", q, hr)
		if pl := t.printPlan(); pl.repeat > 0 && len(pl.breaks) > 0 {
			titles = fmt.Sprintf("%s$A:$%s,%s", q, colName(pl.repeat), titles)
		}
		if err := f.SetDefinedName(&excelize.DefinedName{
			Name:     "_xlnm.Print_Titles",
			RefersTo: titles,
			Scope:    p.name,
		}); err != nil {
			return err
		}
	}
	if err := applyPrint(f, p.name, p.sw, t.printPlan()); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(p.name, wb.headerFooter(p)); err != nil {
		return err
	}
	for _, c := range t.charts {
		if c.p == p {
			chartFonts(c.chart)
			if err := f.AddChart(p.name, c.cell, c.chart); err != nil {
				return err
			}
		}
	}
	return p.sw.Flush()
}

// headerFooter prints the title and period at the top of each page, and
// 制表人/审核人/制表日期 with the page number at the bottom.
func (wb *workbook) headerFooter(p *part) *excelize.HeaderFooterOptions {
	d := wb.d
	title := p.t.title
	if k := slices.Index(p.t.parts, p); k > 0 {
		title += fmt.Sprintf("（续%d）", k+1)
	}
	made := ""
	if !d.GeneratedAt.IsZero() {
		made = d.GeneratedAt.In(bookZone(d.TimeZone)).Format("2006-01-02")
	}
	return &excelize.HeaderFooterOptions{
		OddHeader: "&L" + hfFont + hfText(d.BookName, 60) + "&C" + hfFont + "&B" + hfText(title, 40) + "&R" + hfFont + hfText(periodText(d), 40),
		OddFooter: "&L" + hfFont + "制表人：" + hfText(d.Preparer, 20) + "　审核人：" + hfText(d.Reviewer, 20) +
			"&C" + hfFont + "第 &P 页，共 &N 页&R" + hfFont + "制表日期：" + made,
	}
}

// hfText escapes & in header and footer text and bounds its length
// (Excel allows 255 characters per header or footer).
func hfText(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return strings.ReplaceAll(string(r), "&", "&&")
}

// periodText is "2020-02（2020-02-01 至 2020-02-29）".
func periodText(d *report.AuditData) string {
	s := d.Period
	if !d.From.IsZero() && !d.To.IsZero() {
		s += "（" + d.From.Format("2006-01-02") + " 至 " + d.To.Format("2006-01-02") + "）"
	}
	return s
}

// infoLine is the second row of every table: book, period and scope.
func (wb *workbook) infoLine() string {
	d := wb.d
	org := "全部"
	if d.OrgCode != "" || d.OrgName != "" {
		org = strings.TrimSpace(d.OrgName + " " + d.OrgCode)
	}
	return "核算单位：" + d.BookName + "　会计期间：" + periodText(d) + "　党组织：" + org
}
