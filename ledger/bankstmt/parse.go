// Package bankstmt reads bank statement exports (银行对账单) into
// bankrec.StatementLine values: CSV in UTF-8 (with or without a byte-order
// mark) or GBK/GB18030, and XLSX workbooks. Banks differ in their columns;
// each export format is a Layout from configs/bank_layouts.yaml, chosen by
// the names in the file's header row.
//
// Parsing is all or nothing: a row that cannot be read is an EInvalid error
// whose Field names the row and column ("row 7: 交易日期"), and no lines are
// returned, so a statement is never reconciled half-read.
package bankstmt

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/bankrec"
)

// Limits on what Parse reads.
const (
	// FileSizeMax is the largest statement file accepted.
	FileSizeMax = 64 << 20
	// RowsMax is the largest number of rows read from a file.
	RowsMax = 1_000_000
	// headerScanRowsMax is how far down the header row is looked for.
	headerScanRowsMax = 50
	// xlsxUnzipSizeMax bounds the unpacked size of a workbook (zip bombs).
	xlsxUnzipSizeMax = 1 << 30
)

// Location is the zone statement dates and times are read in: the banks'
// local time (UTC+8), so a time of day keeps its calendar date.
var Location = time.FixedZone("CST", 8*3600)

// Digest returns the SHA-256 of a statement file as 64 lowercase hex
// digits, by which a second import of the same file is recognised.
func Digest(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// Parse reads a statement file. filename is used for the format (an .xlsx
// name or zip content is a workbook, anything else text) and in messages.
// The layout is the one of layouts whose Detect names appear in a header
// row within the first rows of the file (or of the first sheet that has
// one); rows above the header are titles and are skipped. Text is UTF-8
// when it is valid UTF-8 (a byte-order mark is dropped) and GBK (read as
// GB18030, its superset) otherwise; fields are separated by commas, or tabs
// when no header is found with commas. Amounts may carry thousands
// separators and "¥".
//
// Lines come back in file order with Row set to their row in the file
// (1-based: the Excel row, or the text line). Errors are *ledger.Error:
// EInvalid (unreadable file, no known layout, a bad row) or ETooLarge.
func Parse(r io.Reader, filename string, layouts []Layout) ([]bankrec.StatementLine, Layout, error) {
	name := baseName(filename)
	data, err := io.ReadAll(io.LimitReader(r, FileSizeMax+1))
	if err != nil {
		return nil, Layout{}, &ledger.Error{Code: ledger.EInvalid, Field: "file", Msg: name + ": cannot be read", Err: err}
	}
	if len(data) > FileSizeMax {
		return nil, Layout{}, ledger.Errorf(ledger.ETooLarge, "file", "%s: a statement file is at most %d MiB", name, FileSizeMax>>20)
	}
	if len(layouts) == 0 {
		return nil, Layout{}, ledger.Errorf(ledger.EInvalid, "layouts", "no bank statement layouts configured")
	}
	prepared := make([]preparedLayout, len(layouts))
	for i := range layouts {
		p, err := prepare(layouts[i])
		if err != nil {
			return nil, Layout{}, &ledger.Error{Code: ledger.EInvalid, Field: "layouts", Msg: err.Error()}
		}
		prepared[i] = p
	}

	var sheets []sheet
	switch ext := strings.ToLower(filepath.Ext(filename)); {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")) || ext == ".xlsx" || ext == ".xlsm":
		sheets, err = readXLSX(data, name)
	case bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0")):
		err = ledger.Errorf(ledger.EInvalid, "file", "%s is an old Excel 97–2003 (.xls) workbook: save it as .xlsx or CSV", name)
	default:
		sheets, err = readText(data, name)
	}
	if err != nil {
		return nil, Layout{}, err
	}

	for _, sh := range sheets {
		hdr, p, ok := findHeader(sh.rows, prepared)
		if !ok {
			continue
		}
		lines, err := p.parseRows(sh, hdr, name)
		if err != nil {
			return nil, Layout{}, err
		}
		return lines, p.Layout, nil
	}
	return nil, Layout{}, ledger.Errorf(ledger.EInvalid, "header",
		"%s: no known bank statement layout: no row among the first %d has all the header names of a layout (%s)",
		name, headerScanRowsMax, layoutNames(layouts))
}

// sheet is a grid of cells: a CSV file or one worksheet.
type sheet struct {
	rows     [][]string
	rowNo    []int // file row of each row, 1-based
	xlsx     bool
	date1904 bool
}

// readText decodes a text file and splits it into CSV rows: with commas, or
// with tabs when the comma reading has no header (the .xls files some
// banks write are tab-separated text). Both readings are returned; the
// first with a known header is used.
func readText(data []byte, name string) ([]sheet, error) {
	text, err := decodeText(data)
	if err != nil {
		return nil, ledger.Errorf(ledger.EInvalid, "file", "%s: %v", name, err)
	}
	var out []sheet
	var firstErr error
	for _, comma := range []rune{',', '\t'} {
		sh, err := readCSV(text, comma)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		out = append(out, sh)
	}
	if len(out) == 0 {
		var pe *csv.ParseError
		if errors.As(firstErr, &pe) {
			return nil, &ledger.Error{Code: ledger.EInvalid, Field: fmt.Sprintf("row %d", pe.StartLine), Msg: fmt.Sprintf("%s: not a readable CSV file", name), Err: firstErr}
		}
		var le *ledger.Error
		if errors.As(firstErr, &le) {
			le.Msg = name + ": " + le.Msg
			return nil, le
		}
		return nil, &ledger.Error{Code: ledger.EInvalid, Field: "file", Msg: name + ": not a readable CSV file", Err: firstErr}
	}
	return out, nil
}

// decodeText returns the file as UTF-8: as is when valid UTF-8 (without a
// byte-order mark), decoded from GB18030 (a superset of GBK and GB2312)
// otherwise.
func decodeText(data []byte) (string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if utf8.Valid(data) {
		return string(data), nil
	}
	dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil {
		return "", fmt.Errorf("neither UTF-8 nor GBK text: %v", err)
	}
	// The decoder writes U+FFFD for bytes that are not GB18030.
	if i := bytes.IndexRune(dec, utf8.RuneError); i >= 0 {
		line := 1 + bytes.Count(dec[:i], []byte("\n"))
		return "", fmt.Errorf("line %d: neither UTF-8 nor GBK text", line)
	}
	return string(dec), nil
}

func readCSV(text string, comma rune) (sheet, error) {
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	sh := sheet{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return sh, nil
		}
		if err != nil {
			return sheet{}, err
		}
		line, _ := cr.FieldPos(0)
		if len(sh.rows) >= RowsMax {
			return sheet{}, ledger.Errorf(ledger.ETooLarge, "file", "more than %d rows", RowsMax)
		}
		sh.rows = append(sh.rows, rec)
		sh.rowNo = append(sh.rowNo, line)
	}
}

// readXLSX returns the worksheets of a workbook in order, with raw cell
// values: numbers as stored (dates as serial numbers), not as displayed.
func readXLSX(data []byte, name string) ([]sheet, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		RawCellValue: true, UnzipSizeLimit: xlsxUnzipSizeMax, UnzipXMLSizeLimit: xlsxUnzipSizeMax,
	})
	if err != nil {
		return nil, &ledger.Error{Code: ledger.EInvalid, Field: "file", Msg: name + ": not a readable XLSX workbook", Err: err}
	}
	defer f.Close()
	date1904 := false
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		date1904 = *props.Date1904
	}
	var out []sheet
	total := 0
	for _, sn := range f.GetSheetList() {
		rows, err := f.Rows(sn)
		if err != nil {
			return nil, &ledger.Error{Code: ledger.EInvalid, Field: "file", Msg: fmt.Sprintf("%s: sheet %s cannot be read", name, sn), Err: err}
		}
		sh := sheet{xlsx: true, date1904: date1904}
		n := 0
		for rows.Next() {
			n++
			cols, err := rows.Columns()
			if err != nil {
				rows.Close()
				return nil, &ledger.Error{Code: ledger.EInvalid, Field: fmt.Sprintf("row %d", n), Msg: fmt.Sprintf("%s: sheet %s cannot be read", name, sn), Err: err}
			}
			if total++; total > RowsMax {
				rows.Close()
				return nil, ledger.Errorf(ledger.ETooLarge, "file", "%s: more than %d rows", name, RowsMax)
			}
			sh.rows = append(sh.rows, cols)
			sh.rowNo = append(sh.rowNo, n)
		}
		if err := rows.Error(); err != nil {
			rows.Close()
			return nil, &ledger.Error{Code: ledger.EInvalid, Field: "file", Msg: fmt.Sprintf("%s: sheet %s cannot be read", name, sn), Err: err}
		}
		rows.Close()
		out = append(out, sh)
	}
	return out, nil
}

// preparedLayout is a Layout with its date formats turned into Go layouts.
type preparedLayout struct {
	Layout
	goDates []string
	skip    []string
}

func prepare(l Layout) (preparedLayout, error) {
	if err := l.Check(); err != nil {
		return preparedLayout{}, err
	}
	p := preparedLayout{Layout: l, skip: l.Skip}
	for _, f := range l.DateFormats {
		g, _ := goDateLayout(f)
		p.goDates = append(p.goDates, g)
	}
	if len(p.skip) == 0 {
		p.skip = SkipDefault
	}
	return p, nil
}

// header is the header row found in a sheet: its index and the column of
// each field (-1 when absent).
type header struct {
	row                                                          int
	date, amount, in, out, balance, reference, counterparty, sum int
	names                                                        []string // normalised header cells
}

// findHeader looks for the first row, among the first headerScanRowsMax,
// that has every Detect name of a layout. On a row that several layouts
// match, the one with most Detect names wins, then the first.
func findHeader(rows [][]string, layouts []preparedLayout) (header, *preparedLayout, bool) {
	for i := 0; i < len(rows) && i < headerScanRowsMax; i++ {
		cells := map[string]bool{}
		names := make([]string, len(rows[i]))
		for j, c := range rows[i] {
			names[j] = normHeader(c)
			cells[names[j]] = true
		}
		var best *preparedLayout
		for k := range layouts {
			l := &layouts[k]
			all := true
			for _, d := range l.Detect {
				if !cells[normHeader(d)] {
					all = false
					break
				}
			}
			if all && (best == nil || len(l.Detect) > len(best.Detect)) {
				best = l
			}
		}
		if best == nil {
			continue
		}
		col := func(c Columns) int {
			for _, want := range c {
				w := normHeader(want)
				for j, n := range names {
					if n == w {
						return j
					}
				}
			}
			return -1
		}
		return header{
			row: i, names: names,
			date: col(best.Date), amount: col(best.Amount), in: col(best.In), out: col(best.Out),
			balance: col(best.Balance), reference: col(best.Reference), counterparty: col(best.Counterparty), sum: col(best.Summary),
		}, best, true
	}
	return header{}, nil, false
}

// parseRows reads the rows under the header.
func (p *preparedLayout) parseRows(sh sheet, h header, name string) ([]bankrec.StatementLine, error) {
	rowErr := func(row int, col int, format string, args ...any) error {
		field := fmt.Sprintf("row %d", row)
		if col >= 0 {
			field += ": " + h.names[col]
		}
		return &ledger.Error{Code: ledger.EInvalid, Field: field, Msg: name + " " + field + ": " + fmt.Sprintf(format, args...)}
	}
	hdrRow := sh.rowNo[h.row]
	missing := func(c Columns, key string) error {
		return ledger.Errorf(ledger.EInvalid, fmt.Sprintf("row %d", hdrRow), "%s row %d: layout %s: the %s column (%s) is not in the header",
			name, hdrRow, p.Name, key, strings.Join(c, " or "))
	}
	if h.date < 0 {
		return nil, missing(p.Date, "date")
	}
	if len(p.Amount) > 0 && h.amount < 0 {
		return nil, missing(p.Amount, "amount")
	}
	if len(p.Amount) == 0 && h.in < 0 {
		return nil, missing(p.In, "in")
	}
	if len(p.Amount) == 0 && h.out < 0 {
		return nil, missing(p.Out, "out")
	}

	lines := []bankrec.StatementLine{}
	for i := h.row + 1; i < len(sh.rows); i++ {
		row, rowNo := sh.rows[i], sh.rowNo[i]
		cell := func(c int) string {
			if c < 0 || c >= len(row) {
				return ""
			}
			return cleanCell(row[c])
		}
		first := ""
		for j := range row {
			if first = cleanCell(row[j]); first != "" {
				break
			}
		}
		if first == "" || p.skipped(first) {
			continue
		}
		dateText := cell(h.date)
		amountCols := []int{h.amount, h.in, h.out}
		if dateText == "" {
			blank := true
			for _, c := range amountCols {
				if cell(c) != "" && !isDash(cell(c)) {
					blank = false
				}
			}
			if blank {
				continue // a note under the table
			}
			return nil, rowErr(rowNo, h.date, "the date is empty")
		}
		date, err := p.parseDate(dateText, sh)
		if err != nil {
			return nil, rowErr(rowNo, h.date, "%q is not a date in a format of layout %s (%s)", dateText, p.Name, strings.Join(p.DateFormats, ", "))
		}

		var amount ledger.Money
		if h.amount >= 0 {
			m, ok, err := parseAmount(cell(h.amount), sh.xlsx)
			if err != nil {
				return nil, rowErr(rowNo, h.amount, "%v", err)
			}
			if !ok || m.IsZero() {
				return nil, rowErr(rowNo, h.amount, "no amount")
			}
			amount = m
		} else {
			in, inOK, err := parseAmount(cell(h.in), sh.xlsx)
			if err != nil {
				return nil, rowErr(rowNo, h.in, "%v", err)
			}
			out, outOK, err := parseAmount(cell(h.out), sh.xlsx)
			if err != nil {
				return nil, rowErr(rowNo, h.out, "%v", err)
			}
			inOK = inOK && !in.IsZero()
			outOK = outOK && !out.IsZero()
			switch {
			case inOK && outOK:
				return nil, rowErr(rowNo, -1, "both %s (%s) and %s (%s) are filled in", h.names[h.in], in, h.names[h.out], out)
			case !inOK && !outOK:
				return nil, rowErr(rowNo, h.in, "neither %s nor %s has an amount", h.names[h.in], h.names[h.out])
			case inOK:
				amount = in
			default:
				amount = out.Neg()
			}
		}

		line := bankrec.StatementLine{
			Date: date, Amount: amount, Row: rowNo,
			Reference: cell(h.reference), Counterparty: cell(h.counterparty), Summary: cell(h.sum),
		}
		if h.balance >= 0 {
			b, ok, err := parseAmount(cell(h.balance), sh.xlsx)
			if err != nil {
				return nil, rowErr(rowNo, h.balance, "%v", err)
			}
			if ok {
				line.Balance = &b
			}
		}
		lines = append(lines, line)
	}
	return lines, nil
}

func (p *preparedLayout) skipped(first string) bool {
	for _, s := range p.skip {
		if strings.HasPrefix(first, s) {
			return true
		}
	}
	return false
}

// xlsxSerialMax is the serial number of 9999-12-31, Excel's last date.
const xlsxSerialMax = 2958465

// parseDate tries the layout's formats; in a workbook a date cell holds a
// serial number, which is accepted too.
func (p *preparedLayout) parseDate(s string, sh sheet) (time.Time, error) {
	for _, g := range p.goDates {
		if t, err := time.ParseInLocation(g, s, Location); err == nil {
			return t, nil
		}
	}
	if sh.xlsx {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 1 && f < xlsxSerialMax+1 {
			t, err := excelize.ExcelDateToTime(f, sh.date1904)
			if err == nil {
				// The serial is a wall-clock reading; keep it as such.
				t = t.Round(time.Second)
				return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, Location), nil
			}
		}
	}
	return time.Time{}, errors.New("not a date")
}

// isDash reports a cell that stands for "nothing" in bank exports.
func isDash(s string) bool {
	switch s {
	case "-", "--", "—", "——", "－":
		return true
	}
	return false
}

// parseAmount reads an amount cell. An empty or dash cell is absent (ok
// false, no error). Thousands separators, "¥"/"￥" and a leading "+" are
// accepted. In a workbook a number cell may hold a binary float such as
// 1234.5599999999999; it is accepted when it is within rounding noise of a
// whole number of fen, and rejected otherwise.
func parseAmount(s string, xlsx bool) (ledger.Money, bool, error) {
	if s == "" || isDash(s) {
		return ledger.Zero, false, nil
	}
	t := strings.TrimPrefix(s, "+")
	t = strings.TrimPrefix(t, "￥")
	t = strings.ReplaceAll(t, "，", ",")
	m, err := ledger.ParseMoney(t)
	if err == nil {
		return m, true, nil
	}
	if xlsx {
		if f, ferr := strconv.ParseFloat(t, 64); ferr == nil && !math.IsInf(f, 0) && !math.IsNaN(f) && math.Abs(f) <= 1e12 {
			fen := math.Round(f * 100)
			back := fen / 100
			if math.Abs(back-f) <= 1e-9*math.Max(1, math.Abs(f)) {
				return ledger.FromFen(int64(fen)), true, nil
			}
		}
	}
	return ledger.Zero, false, fmt.Errorf("%q is not an amount (digits, at most 2 decimals, thousands separators allowed)", s)
}

// cleanCell trims a cell: white space of every kind, a byte-order mark, and
// the ="…" wrapper some exports put around numbers to keep Excel from
// reformatting them.
func cleanCell(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' || r == '\u200b' })
	if len(s) >= 3 && strings.HasPrefix(s, `="`) && strings.HasSuffix(s, `"`) {
		s = strings.TrimSpace(s[2 : len(s)-1])
	}
	return s
}
