package xlsximport

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger"
)

// The template's sheets besides 凭证: the beneficiaries of condolence and
// relief vouchers and the items bought, each row naming its voucher by
// 凭证键.
const (
	SheetBeneficiaries = "受益人"
	SheetItems         = "物品"
)

// BeneficiaryColumns are the columns of the sheet 受益人.
var BeneficiaryColumns = []string{"凭证键", "姓名", "身份", "证件号", "金额", "事由"}

// ItemColumns are the columns of the sheet 物品.
var ItemColumns = []string{"凭证键", "品名", "规格", "单位", "数量", "单价", "金额"}

// Workbook is what a template workbook holds: the vouchers (with their
// beneficiaries and items) and notes for the person importing it.
type Workbook struct {
	Drafts []Draft
	// Notes say what of the file was read but not recorded (none today).
	Notes []string
}

// Read parses the workbook r against the book b; see ReadWorkbook.
func Read(r io.Reader, b *ledger.Books) ([]Draft, error) {
	w, err := ReadWorkbook(r, b)
	if err != nil {
		return nil, err
	}
	return w.Drafts, nil
}

// ReadWorkbook parses the workbook r against the book b: the sheet 凭证,
// then the beneficiaries of the sheet 受益人 onto their vouchers, then the
// items of the sheet 物品 onto the spending line of theirs (the one debit
// line of an expense account bound to a purpose), each row checked (a
// known 凭证键, 数量 and 单价 > 0 with at most 4 decimals, 数量 × 单价 = 金额
// to the fen); the voucher's rules, Σ items = the line's amount among
// them, are checked when it is made.
func ReadWorkbook(r io.Reader, b *ledger.Books) (*Workbook, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, ledger.Errorf(ledger.EInvalid, "file", "读取文件失败：%v", err)
	}
	drafts, err := readVouchers(bytes.NewReader(data), b)
	if err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, ledger.Errorf(ledger.EInvalid, "file", "不是有效的 Excel 工作簿（.xlsx）：%v", err)
	}
	defer f.Close()
	w := &Workbook{Drafts: drafts}
	index := map[string]int{}
	for i, d := range drafts {
		index[d.Key] = i
	}
	err = eachRow(f, SheetBeneficiaries, []string{"凭证键", "姓名", "金额"}, func(row int, cell func(string) string, bad badFunc) error {
		k, ok := index[cell("凭证键")]
		if !ok {
			return bad(ledger.ENotFound, "凭证键", "工作表“%s”中没有凭证键 %q", SheetVouchers, cell("凭证键"))
		}
		p := ledger.Beneficiary{Name: cell("姓名"), Category: cell("身份"), IDNumber: cell("证件号"), Reason: cell("事由")}
		if p.Name == "" {
			return bad(ledger.EInvalid, "姓名", "不能为空")
		}
		m, err := amount(cell("金额"))
		if err != nil {
			return bad(ledger.EInvalidAmount, "金额", "%s", err)
		}
		if m.IsZero() {
			return bad(ledger.EInvalidAmount, "金额", "金额必须大于零")
		}
		p.Amount = m
		v := &drafts[k].Voucher
		v.Beneficiaries = append(v.Beneficiaries, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachRow(f, SheetItems, []string{"凭证键", "品名", "数量", "单价", "金额"}, func(row int, cell func(string) string, bad badFunc) error {
		k, ok := index[cell("凭证键")]
		if !ok {
			return bad(ledger.ENotFound, "凭证键", "工作表“%s”中没有凭证键 %q", SheetVouchers, cell("凭证键"))
		}
		if cell("品名") == "" {
			return bad(ledger.EInvalid, "品名", "不能为空")
		}
		it := ledger.Item{Name: cell("品名"), Spec: cell("规格"), Unit: cell("单位")}
		var err error
		if it.Quantity, err = ledger.ParseItemNumber(cell("数量"), "quantity"); err != nil {
			return bad(ledger.EInvalid, "数量", "%q 不是大于零的数字", cell("数量"))
		}
		if it.UnitPrice, err = ledger.ParseItemNumber(cell("单价"), "unit_price"); err != nil {
			return bad(ledger.EInvalid, "单价", "%q 不是大于零的数字", cell("单价"))
		}
		for _, c := range []struct {
			name string
			d    decimal.Decimal
		}{{"数量", it.Quantity}, {"单价", it.UnitPrice}} {
			if c.d.Sign() <= 0 || !c.d.Equal(c.d.Round(ledger.ItemDecimalsMax)) {
				return bad(ledger.EInvalid, c.name, "须大于零，最多 %d 位小数", ledger.ItemDecimalsMax)
			}
		}
		if it.Amount, err = amount(cell("金额")); err != nil {
			return bad(ledger.EInvalidAmount, "金额", "%s", err)
		}
		if it.Amount.Sign() <= 0 {
			return bad(ledger.EInvalidAmount, "金额", "金额必须大于零")
		}
		if want := ledger.ItemAmount(it.Quantity, it.UnitPrice); !want.Equal(it.Amount) {
			return bad(ledger.EInvalidAmount, "金额", "数量 × 单价 为 %s，不是 %s", want.Format(), it.Amount.Format())
		}
		// The items stand on the voucher's spending line: the one debit
		// line of an expense account bound to a purpose.
		v := &drafts[k].Voucher
		line := -1
		for i := range v.Lines {
			a := b.Chart[v.Lines[i].Account]
			if a != nil && a.Purpose != "" && v.Lines[i].Debit.Sign() > 0 {
				if line >= 0 {
					return bad(ledger.EInvalid, "凭证键", "凭证 %s 有多条支出分录，无法确定物品属于哪一条；请拆分凭证", cell("凭证键"))
				}
				line = i
			}
		}
		if line < 0 {
			return bad(ledger.EInvalid, "凭证键", "凭证 %s 没有支出分录（借记有用途的支出科目，如 500101），不能记物品", cell("凭证键"))
		}
		v.Lines[line].Items = append(v.Lines[line].Items, it)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

type badFunc func(code, column, format string, args ...any) error

// eachRow calls fn for every non-blank row after the header of sheet (a
// sheet that is absent has no rows); the header must hold required.
func eachRow(f *excelize.File, sheet string, required []string, fn func(row int, cell func(string) string, bad badFunc) error) error {
	if idx, _ := f.GetSheetIndex(sheet); idx < 0 {
		return nil
	}
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return ledger.Errorf(ledger.EInvalid, "file", "读取工作表“%s”失败：%v", sheet, err)
	}
	if len(rows) == 0 {
		return nil
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(h), "*"))] = i
	}
	for _, c := range required {
		if _, ok := col[c]; !ok {
			return CellError(ledger.EInvalid, sheet, 1, c, "缺少这一列")
		}
	}
	if len(rows)-1 > RowsMax {
		return ledger.Errorf(ledger.EInvalid, "file", "工作表“%s”最多 %d 行，这里有 %d 行", sheet, RowsMax, len(rows)-1)
	}
	for i := 1; i < len(rows); i++ {
		cell := func(name string) string {
			j, ok := col[name]
			if !ok || j >= len(rows[i]) {
				return ""
			}
			return strings.TrimSpace(rows[i][j])
		}
		if strings.TrimSpace(strings.Join(rows[i], "")) == "" {
			continue
		}
		row := i + 1
		bad := func(code, column, format string, args ...any) error {
			return CellError(code, sheet, row, column, fmt.Sprintf(format, args...))
		}
		if err := fn(row, cell, bad); err != nil {
			return err
		}
	}
	return nil
}
