package reports

import (
	"fmt"
	"io"
	"sort"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger"
)

// Sheets of the voucher template besides the sheet of lines.
const (
	templateSheetHelp  = "说明"
	templateSheetLists = "代码表"
)

// TemplateSheet is a further sheet of the voucher template: its name and
// header row.
type TemplateSheet struct {
	Name    string
	Columns []string
}

// templateRowsValidated is how many rows of the sheet 凭证 carry the
// drop-down lists.
const templateRowsValidated = 2000

// WriteVoucherTemplate writes the voucher import template (凭证导入模板) of
// book b: the sheet of lines with the given columns (those the importer,
// ledger/xlsximport, reads; passed in, as reports depends on no other
// package of the ledger's) and drop-down
// lists of the book's leaf accounts, active organisations, funds and
// purposes (from the sheet 代码表), and the instructions in Chinese.
//
// more are further sheets of the template (the beneficiaries, the items):
// a header row of text columns each.
func WriteVoucherTemplate(w io.Writer, b *ledger.Books, sheet string, columns []string, more ...TemplateSheet) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	for i, c := range columns {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.SetCellStr(sheet, cell, c); err != nil {
			return err
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(columns), 1)
	lastCol, _ := excelize.ColumnNumberToName(len(columns))
	if err := f.SetCellStyle(sheet, "A1", last, bold); err != nil {
		return err
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	// Amounts and dates are text cells: what the officer types is what is
	// read, never a float rounded by a display format.
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	if err := f.SetColStyle(sheet, "A:"+lastCol, text); err != nil {
		return err
	}
	_ = f.SetColWidth(sheet, "A", lastCol, 14)
	_ = f.SetColWidth(sheet, "D", "F", 28)

	for _, m := range more {
		if _, err := f.NewSheet(m.Name); err != nil {
			return err
		}
		for i, c := range m.Columns {
			cell, _ := excelize.CoordinatesToCellName(i+1, 1)
			if err := f.SetCellStr(m.Name, cell, c); err != nil {
				return err
			}
		}
		mlast, _ := excelize.CoordinatesToCellName(len(m.Columns), 1)
		mlastCol, _ := excelize.ColumnNumberToName(len(m.Columns))
		_ = f.SetCellStyle(m.Name, "A1", mlast, bold)
		_ = f.SetColStyle(m.Name, "A:"+mlastCol, text)
		_ = f.SetColWidth(m.Name, "A", mlastCol, 16)
	}

	// The lists.
	if _, err := f.NewSheet(templateSheetLists); err != nil {
		return err
	}
	var accounts, orgs, funds, purposes []string
	for code, a := range b.Chart {
		if a.Leaf {
			accounts = append(accounts, code)
		}
	}
	for code, o := range b.Orgs {
		if o.Dissolved == nil && o.Kind != ledger.OrgExternal {
			orgs = append(orgs, code)
		}
	}
	for code := range b.Funds {
		funds = append(funds, code)
	}
	for _, p := range ledger.Purposes {
		purposes = append(purposes, p.Name())
	}
	sort.Strings(accounts)
	sort.Strings(orgs)
	sort.Strings(funds)
	lists := []struct {
		title  string
		codes  []string
		name   func(string) string
		header string // the column of the sheet of lines validated by the list
	}{
		{"科目代码", accounts, func(c string) string { return b.Chart[c].Name }, "科目"},
		{"党组织代码", orgs, func(c string) string { return b.Orgs[c].Name }, "党组织"},
		{"资金来源代码", funds, func(c string) string { return b.Funds[c].Name }, "资金来源"},
		{"用途", purposes, nil, "用途"},
	}
	for i, l := range lists {
		column := ""
		for j, c := range columns {
			if c == l.header {
				column, _ = excelize.ColumnNumberToName(j + 1)
			}
		}
		codeCol, _ := excelize.ColumnNumberToName(2*i + 1)
		nameCol, _ := excelize.ColumnNumberToName(2*i + 2)
		_ = f.SetCellStr(templateSheetLists, codeCol+"1", l.title)
		if l.name != nil {
			_ = f.SetCellStr(templateSheetLists, nameCol+"1", "名称")
		}
		for r, c := range l.codes {
			_ = f.SetCellStr(templateSheetLists, fmt.Sprintf("%s%d", codeCol, r+2), c)
			if l.name != nil {
				_ = f.SetCellStr(templateSheetLists, fmt.Sprintf("%s%d", nameCol, r+2), l.name(c))
			}
		}
		if len(l.codes) == 0 || column == "" {
			continue
		}
		dv := excelize.NewDataValidation(false) // names are accepted too: warn, do not stop
		dv.Sqref = fmt.Sprintf("%s2:%s%d", column, column, templateRowsValidated+1)
		dv.SetSqrefDropList(fmt.Sprintf("'%s'!$%s$2:$%s$%d", templateSheetLists, codeCol, codeCol, len(l.codes)+1))
		dv.SetError(excelize.DataValidationErrorStyleWarning, "不在代码表中", "请从下拉列表选择，或填写代码表中的名称。")
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return err
		}
	}
	_ = f.SetColWidth(templateSheetLists, "A", "H", 18)

	if _, err := f.NewSheet(templateSheetHelp); err != nil {
		return err
	}
	help := []string{
		"凭证导入模板 — " + b.Book.Name + "（" + b.Book.Code + "）",
		"",
		"1. 在工作表“" + sheet + "”中每行填写一条分录；同一张凭证的各行填写相同的“凭证键”（如 2020-02-001），凭证键在本账套内唯一。",
		"2. 凭证的第一行必须填写日期（2020-02-03）和摘要；以后各行可只填科目、党组织、资金来源、用途和金额。",
		"3. 科目、党组织、资金来源可填代码或名称（见工作表“代码表”）；用途填 物资采购、一线慰问 或 党员群众救助。",
		"4. 每行借方、贷方只填一个，金额大于零，最多两位小数；每张凭证按资金来源借贷平衡。",
		"5. 收款人类型：供应商、依托单位、个人、党组织、上级党组织；结算方式：银行转账 或 现金；票据类型可用顿号分隔多个。",
		"6. 导入后凭证为“未审核”草稿，制单人为导入人，之后照常审核、出纳签字、记账。",
		"7. 整个文件一次导入：任何一行有错，所有凭证都不导入，错误信息指出工作表、行号和列名；改正后重新导入即可。",
		"8. 重复导入同一文件不会重复生成凭证：已导入的凭证键被跳过；凭证键相同但内容不同会被拒绝。",
		"9. 工作表“受益人”每行一位慰问、救助对象（凭证键、姓名、身份、证件号、金额、事由），凭证键须在“" + sheet + "”中出现；随凭证一并导入。",
		"10. 工作表“物品”每行一项物品（凭证键、品名、规格、单位、数量、单价、金额），记在该凭证的支出分录（借记有用途的支出科目，如 500101）上：数量、单价须大于零、最多 4 位小数，数量 × 单价（四舍五入到分）须等于金额，同一凭证的物品金额合计须等于支出分录金额。",
		"11. 票据号：凭证没有单独的票据号字段，导入后记入凭证的备注（“票据号 …”）。",
		"",
		"命令：ledger --as 用户名 import 凭证.xlsx",
	}
	for i, line := range help {
		_ = f.SetCellStr(templateSheetHelp, fmt.Sprintf("A%d", i+1), line)
	}
	_ = f.SetColWidth(templateSheetHelp, "A", "A", 120)
	idx, _ := f.GetSheetIndex(sheet)
	f.SetActiveSheet(idx)
	return save(f, w)
}
