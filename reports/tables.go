package reports

import (
	"strings"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/report"
)

// What the tables T1…T9 show besides their numbers — titles, column heads
// and the names of codes — for a renderer other than the workbook (the
// auditors' pages), so that both print the same words.

// tableTitles are the Chinese titles of T1…T9 (the first row of each sheet).
var tableTitles = map[string]string{
	SheetT1: "专项党费收支总表",
	SheetT2: "专项党费拨付情况表",
	SheetT3: "专项党费使用情况明细表",
	SheetT4: "专项党费按用途分类汇总表",
	SheetT5: "专项党费按党组织汇总表",
	SheetT6: "慰问/救助对象花名册",
	SheetT7: "专项党费使用情况公示表",
	SheetT8: "专项党费异常情况清单",
	SheetT9: "银行存款余额调节表",
}

var tableColumns = map[string][]column{
	SheetT1: t1Columns, SheetT2: t2Columns, SheetT3: t3Columns, SheetT4: t4Columns, SheetT5: t5Columns,
	SheetT6: t6Columns, SheetT7: t7Columns, SheetT8: t8Columns, SheetT9: t9Columns,
}

// TableTitle is the title of table sheet (SheetT1 … SheetT9); "" for
// another sheet.
func TableTitle(sheet string) string { return tableTitles[sheet] }

// TableHeads are the column heads of table sheet (SheetT1 … SheetT9), as
// the sheet prints them; nil for another sheet.
func TableHeads(sheet string) []string {
	cols := tableColumns[sheet]
	if cols == nil {
		return nil
	}
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = strings.ReplaceAll(c.head, "|", " ")
	}
	return out
}

// MethodName is the name of a payment method (转账, 现金) as the tables
// print it.
func MethodName(m string) string { return methodName(m) }

// PayeeTypeName is the name of a payee type as T3 prints it.
func PayeeTypeName(s string) string { return payeeTypeName(s) }

// PurposeName is the name of a purpose as the tables print it.
func PurposeName(p ledger.Purpose) string { return purposeName(p) }

// T3Item is T3's 品名/受助对象 of a row.
var T3Item = t3Item

// InfoLine is the second row of the tables: book, period and scope.
func InfoLine(d *report.AuditData) string { return (&workbook{d: d}).infoLine() }

// T5Subtotal is the label of an organisation's 小计 in T5.
func T5Subtotal(name string) string { return "小计：" + name }
