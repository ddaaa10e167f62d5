// Package csvimport reads the CSV file of `ledger import --approved`:
// approved historical vouchers, one row per posting line, and checks them
// against the rules of SPEC §4 in file order. It is pure (no database):
// ledger/postgres feeds what it reads and checks to the database in
// batches.
//
// The file has a header row naming the columns, in English or Chinese, in
// any order:
//
//	key        凭证键    the voucher's key; the rows of one voucher are consecutive and share it
//	date       日期      YYYY-MM-DD (also YYYY/M/D)
//	type       凭证字    empty: 记
//	summary    摘要      the line's summary; the first line's is the voucher's
//	account    科目      a leaf account code
//	organisation 党组织  an organisation code
//	fund       资金来源  a fund code
//	purpose    用途      procurement/condolence/relief or 物资采购/一线慰问/党员群众救助; empty: the expense account's
//	debit      借方      a decimal amount > 0 with at most 2 decimals, or empty/0 when credit is given
//	credit     贷方      likewise
//	attachments 附单据数 a whole number, empty: 0
//	maker      制单人    user names: the maker, the checker and the poster of the voucher
//	checker    审核人
//	poster     记账人
//	cashier    出纳      optional column: the cashier who signed a cash/bank voucher
//
// The voucher-level columns (date, type, attachments and the people) may be
// left empty on a voucher's later rows; if given they must equal the first
// row's. The file is UTF-8 (with or without a byte-order mark) or GBK
// (GB18030). Rows are numbered as lines of the file, the header being row 1.
package csvimport

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/fenyang/partyfee/ledger"
)

// Column indexes.
const (
	ColKey = iota
	ColDate
	ColType
	ColSummary
	ColAccount
	ColOrg
	ColFund
	ColPurpose
	ColDebit
	ColCredit
	ColAttachments
	ColMaker
	ColChecker
	ColPoster
	ColCashier
	colCount
)

// ColumnNames are the English column names (used in error fields).
var ColumnNames = [colCount]string{"key", "date", "type", "summary", "account", "organisation", "fund", "purpose",
	"debit", "credit", "attachments", "maker", "checker", "poster", "cashier"}

// ChineseNames are the Chinese column names (GenerateApprovedCSV writes them).
var ChineseNames = [colCount]string{"凭证键", "日期", "凭证字", "摘要", "科目", "党组织", "资金来源", "用途",
	"借方", "贷方", "附单据数", "制单人", "审核人", "记账人", "出纳"}

// aliases maps a normalised header name to its column.
var aliases = func() map[string]int {
	m := map[string]int{}
	for i := 0; i < colCount; i++ {
		m[normHeader(ColumnNames[i])] = i
		m[normHeader(ChineseNames[i])] = i
	}
	for name, col := range map[string]int{
		"voucher key": ColKey, "voucher_key": ColKey, "voucherkey": ColKey,
		"voucher type": ColType, "凭证类型": ColType,
		"account code": ColAccount, "科目编码": ColAccount, "科目代码": ColAccount,
		"org": ColOrg, "organization": ColOrg, "组织": ColOrg,
		"借方金额": ColDebit, "贷方金额": ColCredit,
		"附件": ColAttachments, "附件张数": ColAttachments, "附单据张数": ColAttachments, "附件数": ColAttachments,
		"制单": ColMaker, "审核": ColChecker, "记账": ColPoster, "出纳签字": ColCashier,
	} {
		m[normHeader(name)] = col
	}
	return m
}()

func normHeader(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer(" ", "", "_", "", "-", "", "（", "(", "）", ")").Replace(s)
	return s
}

// RowsMax bounds the rows of one file (a limit on everything).
const RowsMax = 50_000_000

// fieldLenMax bounds one field (a summary is at most 500 characters).
const fieldLenMax = 4000

// Line is one row of the file: a posting line.
type Line struct {
	Row     int
	Summary string // as in the file; Checker fills in the voucher's when empty
	Account string
	Org     string
	Fund    string
	Purpose ledger.Purpose // Checker fills in the expense account's when empty
	Debit   int64          // fen
	Credit  int64          // fen
}

// Voucher is the rows of one voucher key.
type Voucher struct {
	Key         string
	Row         int // the row of its first line
	LastRow     int
	Date        time.Time
	Type        string
	Summary     string
	Attachments int
	Maker       string
	Checker     string
	Cashier     string
	Poster      string
	Lines       []Line
}

// Reader reads vouchers from an import file.
type Reader struct {
	name    string
	cr      *csv.Reader
	cols    [colCount]int // file column of each column, -1 when absent
	width   int
	next    []string // a row read ahead: the first of the next voucher
	nextRow int
	rows    int
	seen    map[string]int // keys of vouchers already read → their first row
	eof     bool
	// HasCashier reports whether the file has the optional cashier column.
	HasCashier bool
}

// NewReader reads the header of the import file r; name is used in
// messages.
func NewReader(r io.Reader, name string) (*Reader, error) {
	dec, err := decode(r)
	if err != nil {
		return nil, ledger.Errorf(ledger.EInvalid, "file", "%s: %v", name, err)
	}
	cr := csv.NewReader(dec)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	rd := &Reader{name: name, cr: cr, seen: map[string]int{}}
	head, err := cr.Read()
	if err == io.EOF {
		return nil, ledger.Errorf(ledger.EInvalid, "file", "%s is empty; it needs a header row naming the columns", name)
	}
	if err != nil {
		return nil, rd.csvError(err)
	}
	for i := range rd.cols {
		rd.cols[i] = -1
	}
	for i, h := range head {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		col, ok := aliases[normHeader(h)]
		if !ok {
			if strings.TrimSpace(h) == "" {
				continue
			}
			return nil, ledger.Errorf(ledger.EInvalid, "row 1: "+clip(h), "%s: unknown column %q; the columns are %s (or %s)",
				name, clip(h), strings.Join(ColumnNames[:], ", "), strings.Join(ChineseNames[:], "，"))
		}
		if rd.cols[col] >= 0 {
			return nil, ledger.Errorf(ledger.EInvalid, "row 1: "+ColumnNames[col], "%s: column %s appears twice", name, ColumnNames[col])
		}
		rd.cols[col] = i
	}
	var missing []string
	for c := 0; c < colCount; c++ {
		if rd.cols[c] < 0 && c != ColCashier {
			missing = append(missing, ColumnNames[c]+"/"+ChineseNames[c])
		}
	}
	if len(missing) > 0 {
		return nil, ledger.Errorf(ledger.EInvalid, "row 1", "%s: the header lacks the columns %s", name, strings.Join(missing, ", "))
	}
	rd.HasCashier = rd.cols[ColCashier] >= 0
	rd.width = len(head)
	return rd, nil
}

// Rows is the number of data rows read so far.
func (r *Reader) Rows() int { return r.rows }

func (r *Reader) csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ledger.Error{Code: ledger.EInvalid, Field: fmt.Sprintf("row %d", pe.StartLine),
			Msg: fmt.Sprintf("%s: not a readable CSV row: %v", r.name, pe.Err), Err: err}
	}
	var le *ledger.Error
	if errors.As(err, &le) {
		return le
	}
	return &ledger.Error{Code: ledger.EInvalid, Field: "file", Msg: fmt.Sprintf("%s: %v", r.name, err), Err: err}
}

// read returns the next non-blank data row (a copy) and its row number.
func (r *Reader) read() ([]string, int, error) {
	for {
		rec, err := r.cr.Read()
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		if err != nil {
			return nil, 0, r.csvError(err)
		}
		row, _ := r.cr.FieldPos(0)
		r.rows++
		if r.rows > RowsMax {
			return nil, 0, ledger.Errorf(ledger.ETooLarge, fmt.Sprintf("row %d", row), "%s has more than %d rows", r.name, RowsMax)
		}
		blank := true
		for _, f := range rec {
			if strings.TrimSpace(f) != "" {
				blank = false
				break
			}
		}
		if blank {
			continue
		}
		if len(rec) > r.width {
			for _, f := range rec[r.width:] {
				if strings.TrimSpace(f) != "" {
					return nil, 0, ledger.Errorf(ledger.EInvalid, fmt.Sprintf("row %d", row), "%s: the row has %d fields, the header %d", r.name, len(rec), r.width)
				}
			}
		}
		out := make([]string, colCount)
		for c, i := range r.cols {
			if i < 0 || i >= len(rec) {
				continue
			}
			f := strings.TrimSpace(rec[i])
			if len(f) > fieldLenMax {
				return nil, 0, ledger.Errorf(ledger.EInvalid, rowField(row, c), "the field is longer than %d bytes", fieldLenMax)
			}
			if !utf8.ValidString(f) || strings.ContainsRune(f, utf8.RuneError) {
				return nil, 0, ledger.Errorf(ledger.EInvalid, rowField(row, c), "%s: the text is neither UTF-8 nor GBK", r.name)
			}
			out[c] = f
		}
		return out, row, nil
	}
}

// Next returns the next voucher, or io.EOF after the last one. Errors are
// *ledger.Error with Field "row N: column".
func (r *Reader) Next() (*Voucher, error) {
	if r.next == nil {
		if r.eof {
			return nil, io.EOF
		}
		rec, row, err := r.read()
		if err == io.EOF {
			r.eof = true
			return nil, io.EOF
		}
		if err != nil {
			return nil, err
		}
		r.next, r.nextRow = rec, row
	}
	first, row := r.next, r.nextRow
	r.next = nil
	v, err := r.start(first, row)
	if err != nil {
		return nil, err
	}
	for {
		rec, row, err := r.read()
		if err == io.EOF {
			r.eof = true
			return v, nil
		}
		if err != nil {
			return nil, err
		}
		if rec[ColKey] != v.Key {
			r.next, r.nextRow = rec, row
			return v, nil
		}
		if err := r.add(v, rec, row); err != nil {
			return nil, err
		}
	}
}

func rowField(row, col int) string { return fmt.Sprintf("row %d: %s", row, ColumnNames[col]) }

// RowField names a column of a row the way errors do: "row 17: debit".
func RowField(row int, column string) string { return fmt.Sprintf("row %d: %s", row, column) }

func (r *Reader) start(rec []string, row int) (*Voucher, error) {
	key := rec[ColKey]
	if key == "" {
		return nil, ledger.Errorf(ledger.EInvalid, rowField(row, ColKey), "the voucher key is empty")
	}
	if len(key) > 200 {
		return nil, ledger.Errorf(ledger.EInvalid, rowField(row, ColKey), "a voucher key has at most 200 characters")
	}
	if at, ok := r.seen[key]; ok {
		return nil, ledger.Errorf(ledger.EInvalid, rowField(row, ColKey), "voucher key %s was used from row %d on; the rows of one voucher are consecutive and keys are unique", key, at)
	}
	r.seen[key] = row
	v := &Voucher{Key: key, Row: row, LastRow: row, Type: rec[ColType], Maker: rec[ColMaker], Checker: rec[ColChecker],
		Cashier: rec[ColCashier], Poster: rec[ColPoster], Summary: rec[ColSummary]}
	if v.Type == "" {
		v.Type = "记"
	}
	var err error
	if v.Date, err = parseDate(rec[ColDate]); err != nil {
		return nil, ledger.Errorf(ledger.EInvalid, rowField(row, ColDate), "%q is not a date (YYYY-MM-DD)", clip(rec[ColDate]))
	}
	if v.Attachments, err = parseAttachments(rec[ColAttachments]); err != nil {
		return nil, ledger.Errorf(ledger.EInvalid, rowField(row, ColAttachments), "%q is not a number of attachments (0 to %d)", clip(rec[ColAttachments]), ledger.AttachmentsMax)
	}
	for _, c := range []int{ColMaker, ColChecker, ColPoster} {
		if rec[c] == "" {
			return nil, ledger.Errorf(ledger.EInvalid, rowField(row, c), "the %s of an approved voucher is named", ColumnNames[c])
		}
	}
	if err := r.addLine(v, rec, row); err != nil {
		return nil, err
	}
	return v, nil
}

// add adds a later row of v: voucher-level fields are empty or the same.
func (r *Reader) add(v *Voucher, rec []string, row int) error {
	if len(v.Lines) >= ledger.LinesMax {
		return ledger.Errorf(ledger.EInvalid, rowField(row, ColKey), "voucher %s has more than %d lines", v.Key, ledger.LinesMax)
	}
	same := func(col int, want string) error {
		if rec[col] != "" && rec[col] != want {
			return ledger.Errorf(ledger.EInvalid, rowField(row, col), "voucher %s: %s %q differs from %q on its first row %d", v.Key, ColumnNames[col], clip(rec[col]), want, v.Row)
		}
		return nil
	}
	if rec[ColDate] != "" {
		d, err := parseDate(rec[ColDate])
		if err != nil {
			return ledger.Errorf(ledger.EInvalid, rowField(row, ColDate), "%q is not a date (YYYY-MM-DD)", clip(rec[ColDate]))
		}
		if !d.Equal(v.Date) {
			return ledger.Errorf(ledger.EInvalid, rowField(row, ColDate), "voucher %s: date %s differs from %s on its first row %d", v.Key, d.Format(time.DateOnly), v.Date.Format(time.DateOnly), v.Row)
		}
	}
	if rec[ColAttachments] != "" {
		a, err := parseAttachments(rec[ColAttachments])
		if err != nil || a != v.Attachments {
			return ledger.Errorf(ledger.EInvalid, rowField(row, ColAttachments), "voucher %s: attachments %q differ from %d on its first row %d", v.Key, clip(rec[ColAttachments]), v.Attachments, v.Row)
		}
	}
	for _, c := range []struct {
		col  int
		want string
	}{{ColType, v.Type}, {ColMaker, v.Maker}, {ColChecker, v.Checker}, {ColCashier, v.Cashier}, {ColPoster, v.Poster}} {
		if err := same(c.col, c.want); err != nil {
			return err
		}
	}
	v.LastRow = row
	return r.addLine(v, rec, row)
}

func (r *Reader) addLine(v *Voucher, rec []string, row int) error {
	l := Line{Row: row, Summary: rec[ColSummary], Account: rec[ColAccount], Org: rec[ColOrg], Fund: rec[ColFund]}
	for _, c := range []int{ColAccount, ColOrg, ColFund} {
		if rec[c] == "" {
			return ledger.Errorf(ledger.EInvalid, rowField(row, c), "the %s is empty", ColumnNames[c])
		}
	}
	if rec[ColPurpose] != "" {
		p, err := ledger.ParsePurpose(rec[ColPurpose])
		if err != nil {
			return ledger.Errorf(ledger.EPurposeNotAllowed, rowField(row, ColPurpose), "unknown purpose %q (procurement 物资采购, condolence 一线慰问 or relief 党员群众救助)", clip(rec[ColPurpose]))
		}
		l.Purpose = p
	}
	var err error
	if l.Debit, err = parseFen(rec[ColDebit]); err != nil {
		return withField(err, rowField(row, ColDebit))
	}
	if l.Credit, err = parseFen(rec[ColCredit]); err != nil {
		return withField(err, rowField(row, ColCredit))
	}
	if (l.Debit == 0) == (l.Credit == 0) {
		return ledger.Errorf(ledger.EInvalidAmount, rowField(row, ColDebit), "exactly one of debit and credit is an amount greater than 0")
	}
	v.Lines = append(v.Lines, l)
	return nil
}

func withField(err error, field string) error {
	var le *ledger.Error
	if errors.As(err, &le) {
		return &ledger.Error{Code: le.Code, Field: field, Msg: le.Msg, Err: le.Err}
	}
	return &ledger.Error{Code: ledger.EInvalid, Field: field, Msg: err.Error(), Err: err}
}

// parseFen parses an amount into fen: empty and zero are 0; otherwise a
// decimal > 0 with at most 2 decimals, at most 999,999,999,999.99 (the
// rules of ledger.ParseAmount, which it falls back to for anything but
// plain digits with an optional decimal point).
func parseFen(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	var fen int64
	digits, frac, dot := 0, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if dot {
				frac++
				if frac > 2 {
					goto slow
				}
			} else {
				digits++
				if digits > 12 {
					goto slow
				}
			}
			fen = fen*10 + int64(c-'0')
		case c == '.' && !dot && i > 0:
			dot = true
		default:
			goto slow
		}
	}
	if digits == 0 || dot && frac == 0 {
		goto slow
	}
	for ; frac < 2; frac++ {
		fen *= 10
	}
	return fen, nil
slow:
	m, err := ledger.ParseMoney(s)
	if err != nil {
		return 0, err
	}
	if m.Sign() < 0 {
		return 0, ledger.Errorf(ledger.EInvalidAmount, "amount", "%q must be greater than 0; approved historical vouchers are not red reversals", clip(s))
	}
	return m.Fen(), nil
}

func parseAttachments(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > ledger.AttachmentsMax {
		return 0, errors.New("bad attachments")
	}
	return n, nil
}

// parseDate accepts YYYY-MM-DD, and YYYY/M/D, YYYY-M-D, YYYY.M.D and
// YYYY年M月D日 as spreadsheets write dates.
func parseDate(s string) (time.Time, error) {
	if d, err := ledger.ParseDate(s); err == nil {
		return d, nil
	}
	t := strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-").Replace(s)
	p := strings.Split(t, "-")
	if len(p) != 3 || len(p[0]) != 4 || len(p[1]) < 1 || len(p[1]) > 2 || len(p[2]) < 1 || len(p[2]) > 2 {
		return time.Time{}, errors.New("bad date")
	}
	if len(p[1]) == 1 {
		p[1] = "0" + p[1]
	}
	if len(p[2]) == 1 {
		p[2] = "0" + p[2]
	}
	return ledger.ParseDate(p[0] + "-" + p[1] + "-" + p[2])
}

func clip(s string) string {
	const clipMax = 40
	if len(s) <= clipMax {
		return s
	}
	return strings.ToValidUTF8(s[:clipMax], "") + "…"
}

// decode returns r as UTF-8 text: a UTF-8 byte-order mark is dropped; a
// file whose first non-ASCII text is not UTF-8 is decoded as GB18030 (a
// superset of GBK and GB2312). ASCII is the same in both, so the choice is
// made at the first non-ASCII byte.
func decode(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
		return br, nil
	}
	return &sniffer{br: br}, nil
}

// sniffer passes ASCII through until the first non-ASCII byte, then
// decides between UTF-8 and GB18030 on the text that follows.
type sniffer struct {
	br  *bufio.Reader
	out io.Reader // once decided
}

func (s *sniffer) Read(p []byte) (int, error) {
	if s.out != nil {
		return s.out.Read(p)
	}
	buf, err := s.br.Peek(s.br.Size())
	if len(buf) == 0 {
		return 0, err
	}
	i := 0
	for i < len(buf) && buf[i] < utf8.RuneSelf {
		i++
	}
	if i > 0 {
		n := copy(p, buf[:i])
		s.br.Discard(n)
		return n, nil
	}
	// buf[0] is the first non-ASCII byte: UTF-8 if the peeked text is
	// (its last rune may be cut off by the window).
	window := buf
	if len(window) > 64<<10 {
		window = window[:64<<10]
	}
	for k := 0; k < utf8.UTFMax && len(window) > 0 && !utf8.Valid(window); k++ {
		window = window[:len(window)-1]
	}
	if len(window) > 0 && utf8.Valid(window) {
		s.out = s.br
	} else {
		s.out = transform.NewReader(s.br, simplifiedchinese.GB18030.NewDecoder())
	}
	return s.out.Read(p)
}
