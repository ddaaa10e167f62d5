package reports

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/ledger"
	"github.com/xuri/excelize/v2"
)

// openBook opens a written workbook.
func openBook(t testing.TB, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("reopen workbook: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

var cellTypeNames = map[excelize.CellType]string{
	excelize.CellTypeUnset: "n", excelize.CellTypeBool: "b", excelize.CellTypeDate: "d", excelize.CellTypeError: "e",
	excelize.CellTypeFormula: "f", excelize.CellTypeInlineString: "inline", excelize.CellTypeNumber: "n",
	excelize.CellTypeSharedString: "s",
}

// cellInfo is one stored cell.
type cellInfo struct {
	name, typ, value, numFmt, formula string
}

// sheetCells lists the cells of a sheet that hold a value or a formula, in
// row then column order.
func sheetCells(t testing.TB, f *excelize.File, sheet string) []cellInfo {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("%s: %v", sheet, err)
	}
	var out []cellInfo
	for r, row := range rows {
		for c := range row {
			name := cellName(c+1, r+1)
			v := row[c]
			formula, err := f.GetCellFormula(sheet, name)
			if err != nil {
				t.Fatal(err)
			}
			if v == "" && formula == "" {
				continue
			}
			typ, err := f.GetCellType(sheet, name)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, cellInfo{name: name, typ: cellTypeNames[typ], value: v, numFmt: numFmtOf(t, f, sheet, name), formula: formula})
		}
	}
	return out
}

func numFmtOf(t testing.TB, f *excelize.File, sheet, cell string) string {
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil || st == nil {
		return ""
	}
	if st.CustomNumFmt != nil {
		return *st.CustomNumFmt
	}
	if st.NumFmt != 0 {
		return "#" + strconv.Itoa(st.NumFmt)
	}
	return ""
}

// dumpSheet is the golden text of one sheet: its print setup, panes,
// merged cells, and every cell as name, type, value, number format and
// formula.
func dumpSheet(t testing.TB, f *excelize.File, sheet string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "sheet %s\n", sheet)
	if p, err := f.GetPanes(sheet); err == nil && p.Freeze {
		fmt.Fprintf(&b, "freeze y=%d top=%s\n", p.YSplit, p.TopLeftCell)
	}
	if l, err := f.GetPageLayout(sheet); err == nil {
		fmt.Fprintf(&b, "page size=%d orientation=%s fitToWidth=%d fitToHeight=%d\n", deref(l.Size), deref(l.Orientation), deref(l.FitToWidth), deref(l.FitToHeight))
	}
	if hf, err := f.GetHeaderFooter(sheet); err == nil && hf != nil {
		fmt.Fprintf(&b, "header %s\nfooter %s\n", hf.OddHeader, hf.OddFooter)
	}
	if mc, err := f.GetMergeCells(sheet); err == nil {
		var refs []string
		for _, x := range mc {
			refs = append(refs, x.GetStartAxis()+":"+x.GetEndAxis())
		}
		fmt.Fprintf(&b, "merged %s\n", strings.Join(refs, " "))
	}
	for _, c := range sheetCells(t, f, sheet) {
		fmt.Fprintf(&b, "%s\t%s\t%q", c.name, c.typ, c.value)
		if c.numFmt != "" && c.numFmt != fmtText {
			fmt.Fprintf(&b, "\tfmt=%s", c.numFmt)
		}
		if c.formula != "" {
			fmt.Fprintf(&b, "\t=%s", c.formula)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// dumpWorkbook is the golden text of the workbook as a whole: sheet order,
// defined names (print titles and filters) and the charts' data ranges.
func dumpWorkbook(t testing.TB, f *excelize.File, data []byte) string {
	t.Helper()
	var b strings.Builder
	for i, s := range f.GetSheetList() {
		fmt.Fprintf(&b, "sheet %d %s\n", i+1, s)
	}
	names := f.GetDefinedName()
	slices.SortFunc(names, func(x, y excelize.DefinedName) int {
		return strings.Compare(x.Scope+x.Name, y.Scope+y.Name)
	})
	for _, n := range names {
		fmt.Fprintf(&b, "name %s [%s] %s\n", n.Name, n.Scope, n.RefersTo)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	refs := regexp.MustCompile(`<(?:c:)?f>([^<]*)</(?:c:)?f>`)
	kinds := regexp.MustCompile(`<(?:c:)?(pieChart|barChart|lineChart)>`)
	var charts []string
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "xl/charts/chart") {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			x, _ := io.ReadAll(rc)
			rc.Close()
			var fs []string
			for _, m := range refs.FindAllStringSubmatch(string(x), -1) {
				fs = append(fs, html.UnescapeString(m[1]))
			}
			kind := ""
			if k := kinds.FindStringSubmatch(string(x)); k != nil {
				kind = k[1]
			}
			charts = append(charts, fmt.Sprintf("chart %s %s", kind, strings.Join(fs, " ")))
		}
	}
	slices.Sort(charts)
	for _, c := range charts {
		b.WriteString(c + "\n")
	}
	return b.String()
}

// ---- reading totals back ----

// grid is a sheet read back with raw values.
type grid struct {
	name string
	rows [][]string
}

func readGrid(t testing.TB, f *excelize.File, sheet string) grid {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("%s: %v", sheet, err)
	}
	return grid{sheet, rows}
}

// cell is the raw value at (row, col), 1-based.
func (g grid) cell(row, col int) string {
	if row-1 < len(g.rows) && col-1 < len(g.rows[row-1]) {
		return g.rows[row-1][col-1]
	}
	return ""
}

// money reads a number cell as money, to the fen.
func (g grid) money(t testing.TB, row, col int) ledger.Money {
	t.Helper()
	s := g.cell(row, col)
	if s == "" {
		return ledger.Zero
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%s %s: %q is not a number", g.name, cellName(col, row), s)
	}
	return ledger.FromFen(int64(math.Round(v * 100)))
}

// rowOf finds the first row whose column col equals label; 0 if none.
func (g grid) rowOf(col int, label string) int {
	for r := range g.rows {
		if g.cell(r+1, col) == label {
			return r + 1
		}
	}
	return 0
}

// dataRows are the rows between the header row and the row labelled
// 合计 in column A, leaving out 小计 rows.
func (g grid) dataRows(header int) []int {
	var out []int
	for r := header + 1; r <= len(g.rows); r++ {
		a := g.cell(r, 1)
		if a == "合计" {
			break
		}
		if strings.HasPrefix(a, "小计") || strings.HasPrefix(g.cell(r, 3), "小计") {
			continue
		}
		out = append(out, r)
	}
	return out
}
