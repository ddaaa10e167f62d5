package reports

import (
	"math"

	"github.com/fenyang/partyfee/ledger/report"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Printing. Every sheet prints on A4 landscape (A3 where a table asks for
// it) with its body text no smaller than 8 pt: a sheet that fits the page
// width at 100 % prints at 100 %; one that fits at a scale of at least
// printScaleMin % prints at that scale; a wider one prints at 100 % in
// column groups, each group a page wide, with a manual column break
// before every group and its first columns repeated (print titles), so
// that no page holds only a stray column. The fit-to-page flag is never
// set: fitToWidth without it is read as "one page wide" by some programs
// and ignored by others.
const (
	paperA4 = 9
	paperA3 = 8

	// printScaleMin is the smallest scale: 10 pt body text prints at 8.5 pt,
	// a margin above 8 pt for rounding in the column widths.
	printScaleMin = 85

	// Margins in inches; the header and footer sit in the top and bottom
	// margins.
	marginSide   = 0.4
	marginTop    = 0.7
	marginBottom = 0.7
	marginHF     = 0.3

	// bodyPt is the body font size of the tables.
	bodyPt = 10
	// linePt is the height of one wrapped line of bodyPt text: the CJK faces
	// (SimSun on Windows, Noto CJK SC on Linux) need about 1.45 em.
	linePt = 14.5
	// signRowPt is the height of the row left free to sign and seal.
	signRowPt = 48
	// rowPadPt is the space above and below the text of a row.
	rowPadPt = 4
)

// paperWidthMM is the printable width of a landscape page inside the side
// margins, with a small allowance for rounding in the column widths.
func paperWidthMM(paper int) float64 {
	w := 297.0
	if paper == paperA3 {
		w = 420.0
	}
	return (w - 2*marginSide*25.4) * 0.97
}

// colMM is the printed width of a column of Excel width w: w digits of
// the workbook's default font (宋体 11 pt, see newFile) plus the cell
// padding. colDigitPx is the digit width measured from LibreOffice's own
// column widths with Noto Serif CJK SC standing in for 宋体 (0.0854 in per
// unit, 8.2 px at 96 dpi); Excel and WPS with SimSun use 8 px and 5 px of
// padding, so the larger of the two is planned with.
func colMM(w float64) float64 { return (w*colDigitPx + colPadPx) * 25.4 / 96 }

const (
	colDigitPx = 8.2
	colPadPx   = 5
)

// printPlan is how a sheet prints.
type printPlan struct {
	paper  int
	scale  int
	breaks []int // 1-based columns that start a new page group
	repeat int   // leading columns repeated on every page group
}

// planPrint lays out columns of widths on paper, repeating the first
// repeat columns on each column group when the sheet needs groups.
func planPrint(widths []float64, paper, repeat int) printPlan {
	page := paperWidthMM(paper)
	total := 0.0
	for _, w := range widths {
		total += colMM(w)
	}
	if total <= page {
		return printPlan{paper: paper, scale: 100}
	}
	if s := int(math.Floor(page / total * 100)); s >= printScaleMin {
		return printPlan{paper: paper, scale: s}
	}
	if repeat >= len(widths) {
		repeat = 0
	}
	rep := 0.0
	for _, w := range widths[:repeat] {
		rep += colMM(w)
	}
	if rep > page/3 {
		repeat, rep = 0, 0
	}
	// Groups of roughly equal width, each within a page: n groups of the
	// non-repeated columns, the fewest that fit.
	rest := widths[repeat:]
	for n := 2; n <= len(rest); n++ {
		if br, ok := groupColumns(rest, n, page-rep); ok {
			for i := range br {
				br[i] += repeat
			}
			return printPlan{paper: paper, scale: 100, breaks: br, repeat: repeat}
		}
	}
	// A single column wider than a page: shrink to the smallest scale.
	return printPlan{paper: paper, scale: printScaleMin}
}

// groupColumns splits widths into n consecutive groups of about equal
// printed width, each at most page wide; it returns the 1-based columns
// (within widths) that start the groups after the first.
func groupColumns(widths []float64, n int, page float64) ([]int, bool) {
	total := 0.0
	for _, w := range widths {
		total += colMM(w)
	}
	target := total / float64(n)
	var breaks []int
	acc := 0.0
	for i, w := range widths {
		c := colMM(w)
		if c > page {
			return nil, false
		}
		// Start a new group when this column would take the group past the
		// page, or past the target by more than half its own width.
		if acc > 0 && (acc+c > page || (acc+c/2 > target && len(breaks) < n-1)) {
			breaks = append(breaks, i+1)
			acc = 0
		}
		acc += c
	}
	if len(breaks) > n-1 || acc > page {
		return nil, false
	}
	return breaks, true
}

// pageBreaker is what takes manual column breaks: a StreamWriter or a File.
type pageBreaker interface {
	InsertPageBreak(cell string) error
}

// applyPrint sets the page setup of sheet: paper, orientation, scale,
// margins and the column breaks (on sw, before it is flushed).
func applyPrint(f *excelize.File, sheet string, sw pageBreaker, plan printPlan) error {
	size, landscape, scale := plan.paper, "landscape", uint(plan.scale)
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &size, Orientation: &landscape, AdjustTo: &scale}); err != nil {
		return err
	}
	side, top, bottom, hf := marginSide, marginTop, marginBottom, marginHF
	centre := true
	if err := f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &side, Right: &side, Top: &top, Bottom: &bottom,
		Header: &hf, Footer: &hf, Horizontally: &centre}); err != nil {
		return err
	}
	for _, c := range plan.breaks {
		if err := sw.InsertPageBreak(cellName(c, 1)); err != nil {
			return err
		}
	}
	return nil
}

// textWidthPx is the width of s in pixels at bodyPt and 96 dpi: a CJK or
// full-width character is one em, anything else about half.
func textWidthPx(s string) float64 {
	em := bodyPt * 96.0 / 72
	w := 0.0
	for _, r := range s {
		if r >= 0x2E80 || utf8.RuneLen(r) >= 3 {
			w += em
		} else {
			w += em * 0.55
		}
	}
	return w
}

// wrapLines is the number of lines s takes when wrapped in a column of
// Excel width w.
func wrapLines(s string, w float64) int {
	if s == "" {
		return 1
	}
	usable := w*8 - 4 // the narrower of the programs' columns, less the cell padding
	if usable < 10 {
		usable = 10
	}
	n := 0
	for _, para := range splitLines(s) {
		n += max(1, int(math.Ceil(textWidthPx(para)/usable)))
	}
	return max(n, 1)
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if r == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// rowHeightPt is the height of a row whose tallest wrapped cell takes
// lines lines; 0 (the default height) for one line.
func rowHeightPt(lines int) float64 {
	if lines <= 1 {
		return 0
	}
	return min(float64(lines)*linePt+rowPadPt, rowHeightMaxPt)
}

// rowHeightMaxPt is the tallest row a spreadsheet allows.
const rowHeightMaxPt = 409

// hfFont names 宋体 for a header or footer section, as the cells do.
const hfFont = `&"` + fontName + `,常规"`

// zoneDefault is the time zone of a book that names none.
const zoneDefault = "Asia/Shanghai"

// bookZone is the zone times are printed in: loc, or Asia/Shanghai (UTC+8
// when the system has no zone database).
func bookZone(loc *time.Location) *time.Location {
	if loc != nil {
		return loc
	}
	if z, err := time.LoadLocation(zoneDefault); err == nil {
		return z
	}
	return time.FixedZone("CST", 8*3600)
}

// inZone is t in the book's zone; the zero time stays zero.
func inZone(t time.Time, loc *time.Location) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(bookZone(loc))
}

// signatureCells are the texts of the signature block: the four roles
// with their names (a line to sign on when a name is empty) and the place
// for the seal.
func signatureCells(s report.Signatures, preparer, reviewer string) []string {
	if s.Preparer == "" {
		s.Preparer = preparer
	}
	if s.Reviewer == "" {
		s.Reviewer = reviewer
	}
	name := func(role, n string) string {
		if n == "" {
			n = "＿＿＿＿＿＿"
		}
		return role + "：" + n
	}
	return []string{name("单位负责人", s.UnitHead), name("财务负责人", s.FinanceHead), name("复核", s.Reviewer),
		name("制表", s.Preparer), "（盖章处）"}
}

// chartFonts names 宋体 for every text of chart c, as the cells do: a chart
// left on the theme's fonts prints with whatever the program substitutes
// (DejaVu Sans and a Japanese CJK face on a Linux without Calibri).
func chartFonts(c *excelize.Chart) {
	font := func(size float64) *excelize.Font {
		return &excelize.Font{Family: fontName, Size: size, Color: "000000"}
	}
	c.Title.Font = font(12)
	for i := range c.Title.Paragraph {
		if c.Title.Paragraph[i].Font == nil {
			c.Title.Paragraph[i].Font = font(12)
		}
	}
	c.Legend.Font = font(9)
	c.XAxis.Font = *font(9)
	c.YAxis.Font = *font(9)
	for i := range c.Series {
		c.Series[i].DataLabel.Font = *font(9)
	}
}

// groupWidthPx is the width in pixels (96 dpi, as chart dimensions are) of
// the first printed column group of t, less a margin.
func groupWidthPx(t *table) float64 {
	last := len(t.cols)
	if pl := t.printPlan(); len(pl.breaks) > 0 {
		last = pl.breaks[0] - 1
	}
	w := 0.0
	for _, c := range t.cols[:last] {
		w += c.width*colDigitPx + colPadPx
	}
	return w - 20
}
