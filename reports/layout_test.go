package reports

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/report"
	"github.com/xuri/excelize/v2"
)

// The layout test prints the fixture's audit workbook and a
// reconciliation workbook to PDF with LibreOffice and checks the pages
// with poppler, as an auditor filing them would look at them:
//
//   - no text smaller than 8 pt (the height of each word's box divided by
//     lineEm);
//   - no line of text overlapping another line's box (wrapped text in a
//     row too short for it overlaps the rows below);
//   - every page holds at least one data cell, not only titles, headers,
//     header and footer;
//   - the fonts are Simplified Chinese CJK fonts (Noto … CJK SC or SimSun);
//   - each sheet prints on at most the pages pageBound allows.
//
// When it fails, it renders the first page of every sheet as PNG into a
// directory it keeps and logs the path. It does not skip: scripts/test
// installs LibreOffice, the CJK fonts and poppler (scripts/install-deps).

// minTextPt is the smallest printed text size allowed.
const minTextPt = 8

// lineEm is the height of a word's box in pdftotext's output, in em, for
// the Noto CJK faces: measured, 10 pt text prints in boxes 13.0 pt high
// and 11 pt text in boxes 14.3 pt high.
const lineEm = 1.30

// pageBound is the number of pages each sheet of the fixture may print on:
// column groups × pages of rows. The wide tables print in column groups
// rather than below 8 pt: T3 in three (two pages of rows each), T2, T5
// and T6 in two; T5 adds a page for its chart's data in each group and
// one for the chart (in the first group only); the cover
// puts its checks and signatures on a page of their own.
var pageBound = map[string]int{
	SheetCover: 3, SheetT1: 2, SheetT2: 2, SheetT3: 6, SheetT4: 2, SheetT5: 5, SheetT6: 4, SheetT7: 2,
	SheetT8: 1, SheetT9: 1, SheetBalances: 2, SheetTrial: 2, SheetGeneral: 1, SheetDetail: 6, SheetExpense: 2, SheetCashJournal: 1, SheetBankJournal: 3, SheetVouchers: 6,
	SheetRecChecks: 2, SheetRecDiscrepancies: 1, SheetRecBank: 1,
}

func TestPrintLayout(t *testing.T) {
	soffice, err := sofficePath()
	if err != nil {
		t.Fatalf("%v: %s", err, installHint)
	}
	for _, tool := range []string{"pdftotext", "pdffonts", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is required (poppler-utils; scripts/install-deps poppler)", tool)
		}
	}
	dir := t.TempDir()
	audit, _ := writeFixture(t, Options{})
	var rec bytes.Buffer
	if err := WriteReconcile(&rec, layoutReconcile()); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"audit.xlsx": audit, "reconcile.xlsx": rec.Bytes()}
	var paths []string
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	// The probes print the same characters in 宋体 and in the SC and JP
	// faces, in the same run.
	var probes []string
	for _, face := range probeFaces {
		p := filepath.Join(dir, "probe-"+face.file+".xlsx")
		writeProbe(t, p, face.family)
		probes = append(probes, p)
	}
	pdfs := printPDF(t, soffice, dir, append(paths, probes...)...)
	probePDFs := pdfs[len(paths):]
	pdfs = pdfs[:len(paths)]
	failed := false
	for _, p := range checkFaces(t, probePDFs) {
		t.Error(p)
		failed = true
	}
	for i, pdf := range pdfs {
		sheets := sheetTitles(t, files[filepath.Base(paths[i])])
		problems := checkPDF(t, pdf, sheets)
		for _, p := range problems {
			t.Errorf("%s: %s", filepath.Base(pdf), p)
		}
		if len(problems) > 0 {
			failed = true
		}
	}
	if failed || os.Getenv("LAYOUT_KEEP") != "" {
		keep := os.Getenv("LAYOUT_ARTIFACTS")
		if keep == "" {
			keep = filepath.Join(os.TempDir(), "partyfee-layout-"+time.Now().Format("20060102-150405"))
		}
		if err := os.MkdirAll(keep, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, pdf := range pdfs {
			base := strings.TrimSuffix(filepath.Base(pdf), ".pdf")
			out, err := exec.Command("pdftoppm", "-png", "-r", "60", pdf, filepath.Join(keep, base)).CombinedOutput()
			if err != nil {
				t.Errorf("pdftoppm: %v: %s", err, out)
			}
			data, err := os.ReadFile(pdf)
			if err == nil {
				_ = os.WriteFile(filepath.Join(keep, filepath.Base(pdf)), data, 0o644)
			}
		}
		t.Logf("page images of the printed workbooks kept in %s", keep)
	}
}

// layoutReconcile is a reconciliation of the fixture with discrepancies,
// a bank reconciliation and findings, every sheet filled.
func layoutReconcile() *report.ReconcileData {
	b := fixtureBook()
	a := b.audit()
	return &report.ReconcileData{
		BookCode: a.BookCode, BookName: a.BookName, Period: a.Period, From: a.From, To: a.To,
		GeneratedAt: time.Date(2020, 3, 2, 1, 0, 0, 0, time.UTC), GeneratedBy: "system", Preparer: "王芳",
		Signatures: report.Signatures{UnitHead: "张部长", FinanceHead: "李会计"},
		Status:     "discrepancies", PeriodStatus: "closed", ClosedAt: time.Date(2020, 3, 2, 1, 0, 0, 0, time.UTC), ClosedBy: "王芳",
		PeriodSeal: strings.Repeat("ab12", 16), Vouchers: 30, Voided: []string{"记-0006"},
		Checks: []report.ReconcileCheck{
			{Name: "voucher_balance", Title: "凭证分资金来源借贷平衡", Ran: true},
			{Name: "stored_balance", Title: "余额与明细账一致", Ran: true, Count: 1, Note: "121801 待报账 FY-DC 差 0.01 元，见差异明细"},
			{Name: "seal_chain", Title: "防篡改链校验", Ran: true},
		},
		Discrepancies: []report.ReconcileDiscrepancy{{Check: "stored_balance", CheckTitle: "余额与明细账一致", Account: "121801",
			Org: "FY-DC", Fund: fundMatching, Expected: "10450.00", Actual: "10450.01", Difference: "0.01",
			Message: "存储的余额与按明细账重算的余额不一致，差额 0.01 元；请核对该党组织本月的报账凭证并重新运行对账"}},
		Funds: []report.ReconcileFund{{Fund: fundUpper, FundName: "省市下拨专项党费", Income: ledger.MustParseMoney("90000.00"),
			Bank: ledger.MustParseMoney("60000.00"), Pending: ledger.MustParseMoney("10000.00"), Spent: ledger.MustParseMoney("20000.00"), Grants: ledger.Zero}},
		Bank: &report.ReconcileBank{T9Table: *a.T9, AccountCode: "100201", AccountName: "银行存款-党费专户", WindowDays: 30,
			Matched: 12, StatementFile: "ccb-2020-02.csv", StatementLayout: "ccb", StatementDigest: strings.Repeat("0f", 32), StatementLines: 14},
		Trial:    a.Trial,
		Findings: a.T8,
	}
}

// printPDF converts the workbooks to PDF with one LibreOffice run in a
// private profile.
func printPDF(t *testing.T, soffice, dir string, files ...string) []string {
	t.Helper()
	profile := filepath.Join(dir, "profile")
	out := filepath.Join(dir, "pdf")
	ctx, cancel := context.WithTimeout(context.Background(), sofficeTimeout)
	defer cancel()
	args := []string{"--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
		"-env:UserInstallation=" + (&url.URL{Scheme: "file", Path: profile}).String(),
		"--convert-to", "pdf", "--outdir", out}
	cmd := exec.CommandContext(ctx, soffice, append(args, files...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	cmd.Env = append(os.Environ(), "HOME="+dir)
	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("soffice: %v: %s", err, output)
	}
	var pdfs []string
	for _, f := range files {
		p := filepath.Join(out, strings.TrimSuffix(filepath.Base(f), ".xlsx")+".pdf")
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("soffice did not write %s: %s", p, output)
		}
		pdfs = append(pdfs, p)
	}
	return pdfs
}

// printedSheet is what the test knows of a sheet: its title (printed in
// the page header) and the texts that are not data (title, information
// and header rows).
type printedSheet struct {
	name, title string
	fixed       []string
}

// sheetTitles reads each sheet's title (A1) and its rows above the data.
func sheetTitles(t *testing.T, data []byte) []printedSheet {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []printedSheet
	for _, s := range f.GetSheetList() {
		rows, err := f.GetRows(s)
		if err != nil {
			t.Fatal(err)
		}
		ps := printedSheet{name: s}
		for i, r := range rows {
			if i >= 4 {
				break
			}
			for _, c := range r {
				if c = strings.TrimSpace(c); c != "" {
					if ps.title == "" {
						ps.title = c
					}
					ps.fixed = append(ps.fixed, compact(c))
				}
			}
		}
		out = append(out, ps)
	}
	return out
}

func compact(s string) string { return strings.Join(strings.Fields(s), "") }

// bboxDoc is the XHTML of pdftotext -bbox-layout.
type bboxDoc struct {
	Pages []struct {
		Width  float64    `xml:"width,attr"`
		Height float64    `xml:"height,attr"`
		Lines  []bboxLine `xml:"flow>block>line"`
	} `xml:"body>doc>page"`
}

type bboxLine struct {
	XMin  float64    `xml:"xMin,attr"`
	YMin  float64    `xml:"yMin,attr"`
	XMax  float64    `xml:"xMax,attr"`
	YMax  float64    `xml:"yMax,attr"`
	Words []bboxWord `xml:"word"`
}

type bboxWord struct {
	Text string  `xml:",chardata"`
	YMin float64 `xml:"yMin,attr"`
	YMax float64 `xml:"yMax,attr"`
}

// checkPDF returns what is wrong with the printed pages of pdf.
func checkPDF(t *testing.T, pdf string, sheets []printedSheet) []string {
	t.Helper()
	var problems []string
	fonts, err := exec.Command("pdffonts", pdf).CombinedOutput()
	if err != nil {
		t.Fatalf("pdffonts: %v: %s", err, fonts)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(fonts)), "\n") {
		if i < 2 || strings.TrimSpace(line) == "" {
			continue
		}
		name := strings.Fields(line)[0]
		if _, n, ok := strings.Cut(name, "+"); ok {
			name = n
		}
		// Every face of the Noto CJK collection (.ttc) embeds under the
		// name of the CFF table its faces share (NotoSerifCJKjp-…), so the
		// name tells the collection, not the region: checkFaces tells that.
		if !(strings.HasPrefix(name, "NotoSerifCJK") || strings.HasPrefix(name, "NotoSansCJK") || strings.Contains(name, "SimSun")) {
			problems = append(problems, fmt.Sprintf("font %s is not a CJK font of the Noto CJK collection or SimSun", name))
		}
	}
	out, err := exec.Command("pdftotext", "-bbox-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	var doc bboxDoc
	dec := xml.NewDecoder(bytes.NewReader(out))
	dec.Strict = false
	dec.Entity = xml.HTMLEntity
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("pdftotext output: %v", err)
	}
	if len(doc.Pages) == 0 {
		return append(problems, "no pages")
	}
	pages := map[string]int{}
	for pn, pg := range doc.Pages {
		where := fmt.Sprintf("page %d", pn+1)
		band := marginHF*72 + 0.4*72 // header and footer bands
		var head strings.Builder
		for _, l := range pg.Lines {
			if l.YMax <= marginTop*72 {
				for _, w := range l.Words {
					head.WriteString(w.Text)
				}
			}
		}
		sheet := pageSheet(head.String(), sheets)
		if sheet == nil {
			problems = append(problems, where+": no sheet title in the page header "+strconv.Quote(head.String()))
		} else {
			pages[sheet.name]++
			where += " (" + sheet.name + ")"
		}
		data := 0
		for i, l := range pg.Lines {
			for _, w := range l.Words {
				if pt := (w.YMax - w.YMin) / lineEm; pt < minTextPt-0.25 {
					problems = append(problems, fmt.Sprintf("%s: %q prints at %.1f pt", where, w.Text, pt))
				}
			}
			for j := i + 1; j < len(pg.Lines); j++ {
				m := pg.Lines[j]
				ox := math.Min(l.XMax, m.XMax) - math.Max(l.XMin, m.XMin)
				oy := math.Min(l.YMax, m.YMax) - math.Max(l.YMin, m.YMin)
				// Boxes of neighbouring rows touch; a real overlap covers
				// a third of the shorter line's height.
				if ox > 1 && oy > math.Min(l.YMax-l.YMin, m.YMax-m.YMin)/3 {
					problems = append(problems, fmt.Sprintf("%s: %q overlaps %q", where, lineText(l.Words), lineText(m.Words)))
				}
			}
			if l.YMin > band && l.YMax < pg.Height-band && sheet != nil && isData(lineText(l.Words), sheet) {
				data++
			}
		}
		if data == 0 {
			problems = append(problems, where+": no data cell on the page")
		}
	}
	for _, s := range sheets {
		n, bound := pages[s.name], pageBound[s.name]
		if n == 0 {
			problems = append(problems, s.name+": not printed")
		}
		if bound > 0 && n > bound {
			problems = append(problems, fmt.Sprintf("%s: %d pages, at most %d expected", s.name, n, bound))
		}
	}
	return problems
}

func lineText(words []bboxWord) string {
	var b strings.Builder
	for _, w := range words {
		b.WriteString(strings.TrimSpace(w.Text))
	}
	return b.String()
}

// pageSheet is the sheet whose title (the longest that matches) the page
// header shows.
func pageSheet(head string, sheets []printedSheet) *printedSheet {
	head = compact(head)
	var best *printedSheet
	for i := range sheets {
		s := &sheets[i]
		if s.title != "" && strings.Contains(head, compact(stripCont(s.title))) && (best == nil || len(s.title) > len(best.title)) {
			best = s
		}
	}
	return best
}

// stripCont drops the （续N） of a continuation title.
func stripCont(s string) string {
	if i := strings.Index(s, "（续"); i > 0 {
		return s[:i]
	}
	return s
}

// isData reports whether a printed line holds more than the sheet's
// title, information and header texts.
func isData(text string, s *printedSheet) bool {
	text = compact(text)
	if text == "" {
		return false
	}
	for _, f := range s.fixed {
		if strings.Contains(f, text) {
			return false
		}
	}
	return true
}

// probeFaces are the fonts the probe workbooks name: 宋体 as the reports
// do, and the Simplified Chinese face of Noto Serif CJK.
var probeFaces = []struct{ file, family string }{
	{"song", fontName}, {"sc", "Noto Serif CJK SC"},
}

// probeText holds characters whose Simplified Chinese glyphs differ from
// the Japanese and Traditional ones (直 骨 令 角 化 次 述), and some of the
// reports' own.
const probeText = "直骨令角化次述　专项党费收支总表　审核人"

// writeProbe writes a workbook of one sheet with probeText in family, in
// regular and bold, with no header or footer.
func writeProbe(t *testing.T, path, family string) {
	t.Helper()
	f, err := newFile()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, bold := range []bool{false, true} {
		st, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Family: family, Size: 16, Bold: bold}})
		if err != nil {
			t.Fatal(err)
		}
		cell := cellName(1, i+1)
		if err := f.SetCellValue("Sheet1", cell, probeText); err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellStyle("Sheet1", cell, cell, st); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetColWidth("Sheet1", "A", "A", 60); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// checkFaces compares the printed probes pixel by pixel: 宋体 must print
// exactly as Noto Serif CJK SC does. (LibreOffice picks the face of the
// collection by the text's language rather than by the family's region,
// so a probe named "Noto Serif CJK JP" prints alike too; the pages kept
// on failure show the SC forms, e.g. 直 with its left corner stroke.)
func checkFaces(t *testing.T, pdfs []string) []string {
	t.Helper()
	raster := map[string][]byte{}
	for i, pdf := range pdfs {
		out, err := exec.Command("pdftoppm", "-r", "100", "-gray", "-f", "1", "-l", "1", pdf).Output()
		if err != nil {
			t.Fatalf("pdftoppm %s: %v", pdf, err)
		}
		if len(out) == 0 {
			t.Fatalf("pdftoppm %s: no page", pdf)
		}
		raster[probeFaces[i].file] = out
	}
	if !bytes.Equal(raster["song"], raster["sc"]) {
		return []string{"宋体 does not print as Noto Serif CJK SC (fontconfig: scripts/fontconfig)"}
	}
	return nil
}
