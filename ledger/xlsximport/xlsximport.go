// Package xlsximport reads the voucher template workbook (凭证导入模板) into
// draft vouchers: one row per posting line on the sheet 凭证, the rows of one
// voucher sharing its 凭证键. Accounts and organisations are given by code
// or by name. Every error names the sheet, the row and the column in
// Chinese. Pure: a workbook and the book's static data in, vouchers out.
package xlsximport

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger"
)

// SheetVouchers is the sheet of voucher lines.
const SheetVouchers = "凭证"

// Columns of the sheet 凭证, in template order.
var Columns = []string{"凭证键", "凭证字", "日期", "摘要", "科目", "党组织", "资金来源", "用途", "借方", "贷方",
	"附单据数", "收款人", "收款人类型", "票据类型", "票据号", "结算方式", "决策依据"}

// RowsMax bounds the lines of one file.
const RowsMax = 20000

// KeyPrefix namespaces the vouchers' idempotency keys: re-importing a file
// finds the vouchers it made by 凭证键.
const KeyPrefix = "xlsx:"

// Draft is one voucher of the file with the sheet row it starts on.
type Draft struct {
	Key     string // 凭证键
	Row     int    // first row (1-based, as Excel shows it)
	Voucher ledger.Voucher
}

// PayeeTypeNames are the Chinese names of the payee types.
var PayeeTypeNames = map[string]string{
	ledger.PayeeSupplier: "供应商", ledger.PayeeHostUnit: "依托单位", ledger.PayeeIndividual: "个人",
	ledger.PayeeOrg: "党组织", ledger.PayeeUpper: "上级党组织",
}

// MethodNames are the Chinese names of the payment methods.
var MethodNames = map[string]string{ledger.MethodBank: "银行转账", ledger.MethodCash: "现金"}

// CellError builds the error of one cell: 工作表“凭证”第 12 行 “借方”：金额最多两位小数.
func CellError(code, sheet string, row int, column, msg string) error {
	return ledger.Errorf(code, fmt.Sprintf("%s!%d!%s", sheet, row, column), "工作表“%s”第 %d 行 “%s”：%s", sheet, row, column, msg)
}

// readVouchers parses the sheet 凭证 of the workbook r against the book b.
// Vouchers are returned in the order of their first rows; book is set on
// each.
func readVouchers(r io.Reader, b *ledger.Books) ([]Draft, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, ledger.Errorf(ledger.EInvalid, "file", "不是有效的 Excel 工作簿（.xlsx）：%v", err)
	}
	defer f.Close()
	if idx, _ := f.GetSheetIndex(SheetVouchers); idx < 0 {
		return nil, ledger.Errorf(ledger.EInvalid, "file", "工作簿中没有工作表“%s”（请使用 ledger template vouchers 生成的模板）", SheetVouchers)
	}
	rows, err := f.GetRows(SheetVouchers, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, ledger.Errorf(ledger.EInvalid, "file", "读取工作表“%s”失败：%v", SheetVouchers, err)
	}
	if len(rows) == 0 {
		return nil, ledger.Errorf(ledger.EInvalid, "file", "工作表“%s”是空的", SheetVouchers)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(h), "*"))] = i
	}
	for _, c := range []string{"凭证键", "日期", "摘要", "科目", "党组织", "资金来源", "借方", "贷方"} {
		if _, ok := col[c]; !ok {
			return nil, CellError(ledger.EInvalid, SheetVouchers, 1, c, "缺少这一列")
		}
	}
	if len(rows)-1 > RowsMax {
		return nil, ledger.Errorf(ledger.EInvalid, "file", "工作表“%s”最多 %d 行，这里有 %d 行", SheetVouchers, RowsMax, len(rows)-1)
	}
	accounts, orgs := byCodeOrName(b)
	var out []Draft
	index := map[string]int{}
	for i := 1; i < len(rows); i++ {
		row := i + 1
		cell := func(name string) string {
			j, ok := col[name]
			if !ok || j >= len(rows[i]) {
				return ""
			}
			return strings.TrimSpace(rows[i][j])
		}
		blank := true
		for _, c := range rows[i] {
			if strings.TrimSpace(c) != "" {
				blank = false
				break
			}
		}
		if blank {
			continue
		}
		bad := func(code, column, format string, args ...any) error {
			return CellError(code, SheetVouchers, row, column, fmt.Sprintf(format, args...))
		}
		key := cell("凭证键")
		if key == "" {
			return nil, bad(ledger.EInvalid, "凭证键", "不能为空（同一张凭证的各行填同一个键）")
		}
		if len(key) > 100 {
			return nil, bad(ledger.EInvalid, "凭证键", "最多 100 个字符")
		}
		k, seen := index[key]
		if !seen {
			d := Draft{Key: key, Row: row, Voucher: ledger.Voucher{Book: b.Book.Code, Type: "记", Key: KeyPrefix + key, Flow: "general"}}
			v := &d.Voucher
			if t := cell("凭证字"); t != "" {
				v.Type = t
			}
			ds := cell("日期")
			if ds == "" {
				return nil, bad(ledger.EInvalid, "日期", "凭证的第一行必须填日期")
			}
			date, err := parseDate(ds)
			if err != nil {
				return nil, bad(ledger.EInvalid, "日期", "%q 不是日期（如 2020-02-03）", ds)
			}
			v.Date = date
			v.Summary = cell("摘要")
			if v.Summary == "" {
				return nil, bad(ledger.EInvalid, "摘要", "凭证的第一行必须填摘要")
			}
			if s := cell("附单据数"); s != "" {
				n, err := strconv.Atoi(strings.TrimSuffix(s, ".0"))
				if err != nil || n < 0 || n > 9999 {
					return nil, bad(ledger.EInvalid, "附单据数", "%q 不是 0 至 9999 的整数", s)
				}
				v.Attachments = n
			}
			v.Payee = cell("收款人")
			if s := cell("收款人类型"); s != "" {
				pt, ok := lookupName(s, PayeeTypeNames)
				if !ok {
					return nil, bad(ledger.EInvalid, "收款人类型", "%q 不是收款人类型（供应商、依托单位、个人、党组织、上级党组织）", s)
				}
				v.PayeeType = pt
			}
			if s := cell("票据类型"); s != "" {
				v.DocTypes = strings.FieldsFunc(s, func(r rune) bool { return r == '、' || r == ',' || r == '，' || r == ';' })
			}
			// A voucher has no field for the document number: it is kept in
			// the memo.
			if s := cell("票据号"); s != "" {
				v.Memo = ledger.BillNoMemoPrefix + s
			}
			if s := cell("结算方式"); s != "" {
				m, ok := lookupName(s, MethodNames)
				if !ok {
					return nil, bad(ledger.EInvalid, "结算方式", "%q 不是结算方式（银行转账或现金）", s)
				}
				v.Method = m
			}
			v.Decision = cell("决策依据")
			index[key] = len(out)
			k = len(out)
			out = append(out, d)
		}
		v := &out[k].Voucher
		l := ledger.Line{No: len(v.Lines) + 1, Summary: cell("摘要")}
		if l.Summary == "" {
			l.Summary = v.Summary
		}
		a := cell("科目")
		acct := accounts[a]
		if acct == "" {
			return nil, bad(ledger.ENotFound, "科目", "没有代码或名称为 %q 的科目", a)
		}
		l.Account = acct
		o := cell("党组织")
		if l.Org = orgs[o]; l.Org == "" {
			return nil, bad(ledger.ENotFound, "党组织", "没有代码或名称为 %q 的党组织", o)
		}
		fs := cell("资金来源")
		if l.Fund = fundOf(b, fs); l.Fund == "" {
			return nil, bad(ledger.ENotFound, "资金来源", "没有代码或名称为 %q 的资金来源", fs)
		}
		if s := cell("用途"); s != "" {
			p, err := ledger.ParsePurpose(s)
			if err != nil {
				return nil, bad(ledger.EPurposeNotAllowed, "用途", "%q 不是用途（物资采购、一线慰问、党员群众救助）", s)
			}
			l.Purpose = p
		}
		dr, err := amount(cell("借方"))
		if err != nil {
			return nil, bad(ledger.EInvalidAmount, "借方", "%s", err)
		}
		cr, err := amount(cell("贷方"))
		if err != nil {
			return nil, bad(ledger.EInvalidAmount, "贷方", "%s", err)
		}
		switch {
		case dr.IsZero() && cr.IsZero():
			return nil, bad(ledger.EInvalidAmount, "借方", "借方和贷方必须填一个")
		case !dr.IsZero() && !cr.IsZero():
			return nil, bad(ledger.EInvalidAmount, "贷方", "借方和贷方只能填一个")
		}
		l.Debit, l.Credit = dr, cr
		if l.Purpose == "" && !dr.IsZero() {
			if ac := b.Chart[l.Account]; ac != nil {
				l.Purpose = ac.Purpose
			}
		}
		v.Lines = append(v.Lines, l)
	}
	if len(out) == 0 {
		return nil, ledger.Errorf(ledger.EInvalid, "file", "工作表“%s”没有凭证行", SheetVouchers)
	}
	return out, nil
}

func lookupName(s string, names map[string]string) (string, bool) {
	for code, n := range names {
		if s == code || s == n {
			return code, true
		}
	}
	return "", false
}

// amount parses a cell: empty is zero; otherwise > 0 with at most two
// decimals (the cell's raw value, so a number typed with three decimals is
// refused rather than rounded by its display format).
func amount(s string) (ledger.Money, error) {
	if s == "" {
		return ledger.Zero, nil
	}
	m, err := ledger.ParseMoney(s)
	if err != nil {
		if strings.Contains(err.Error(), "decimal places") {
			return ledger.Money{}, fmt.Errorf("金额最多两位小数")
		}
		return ledger.Money{}, fmt.Errorf("%q 不是金额", s)
	}
	if m.Sign() <= 0 {
		return ledger.Money{}, fmt.Errorf("金额必须大于零")
	}
	return m, nil
}

// parseDate reads 2020-02-03, 2020/2/3, 2020年2月3日 or an Excel date serial.
func parseDate(s string) (time.Time, error) {
	if n, err := strconv.ParseFloat(s, 64); err == nil && n > 1 && n < 2958466 {
		t, err := excelize.ExcelDateToTime(n, false)
		if err != nil {
			return time.Time{}, err
		}
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	}
	for _, layout := range []string{"2006-01-02", "2006/1/2", "2006-1-2", "2006年1月2日"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date")
}

func byCodeOrName(b *ledger.Books) (accounts, orgs map[string]string) {
	accounts, orgs = map[string]string{}, map[string]string{}
	for code, a := range b.Chart {
		accounts[a.Name] = code
	}
	for code := range b.Chart {
		accounts[code] = code // a code wins over a name that looks like it
	}
	for code, o := range b.Orgs {
		orgs[o.Name] = code
	}
	for code := range b.Orgs {
		orgs[code] = code
	}
	return accounts, orgs
}

func fundOf(b *ledger.Books, s string) string {
	if _, ok := b.Funds[s]; ok {
		return s
	}
	for code, f := range b.Funds {
		if f.Name == s {
			return code
		}
	}
	return ""
}
