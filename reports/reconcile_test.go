package reports_test

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/report"
	"github.com/fenyang/partyfee/reports"
)

func recM(s string) ledger.Money { return ledger.MustParseMoney(s) }

func reconcileSample() *report.ReconcileData {
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	return &report.ReconcileData{
		BookCode: "FY-DFZH", BookName: "中共汾阳市委组织部（党费专户）", Period: "2020-02", From: day("2020-02-01"), To: day("2020-02-29"),
		GeneratedAt: time.Date(2020, 3, 2, 9, 0, 0, 0, time.UTC), GeneratedBy: "system", Preparer: "王芳", Reviewer: "李强",
		Status: "discrepancies", PeriodStatus: "open", Vouchers: 7, Voided: []string{"记-0006"},
		Checks: []report.ReconcileCheck{
			{Name: "voucher_balance", Title: "凭证分资金来源借贷平衡", Ran: true},
			{Name: "stored_balance", Title: "余额与明细账一致", Ran: true, Count: 1},
			{Name: "seal_chain", Title: "防篡改链校验", Note: "not available"},
		},
		Discrepancies: []report.ReconcileDiscrepancy{
			{Check: "stored_balance", CheckTitle: "余额与明细账一致", Account: "121801", Org: "FY-CP-01", Fund: "FY-UP",
				Expected: "10450.00", Actual: "10450.01", Difference: "0.01", Message: "stored balance differs"},
			{Check: "voucher_numbering", Voucher: "记-0003", Message: "missing"},
		},
		Funds: []report.ReconcileFund{{Fund: "FY-UP", FundName: "省市下拨专项党费", Income: recM("90000"), Bank: recM("73350"), Pending: recM("15450"),
			Spent: recM("1200"), Grants: ledger.Zero}},
		Bank: &report.ReconcileBank{
			T9Table: report.T9Table{BankName: "中国工商银行汾阳支行", Account: "0511020109024901234", AsOf: day("2020-02-29"),
				BookBalance: recM("295350.00"), BankBalance: recM("300362.34"),
				BankReceived: []report.T9Item{{Date: day("2020-02-29"), Ref: "对账单第9行", Summary: "利息", Amount: recM("12.34")}},
				BookPaid:     []report.T9Item{{Date: day("2020-02-27"), Ref: "记-0008", Summary: "划拨", Amount: recM("5000.00")}}},
			AccountCode: "100201", AccountName: "银行存款—党费专户", WindowDays: 10, Matched: 5,
			StatementFile: "icbc.csv", StatementLayout: "icbc", StatementDigest: strings.Repeat("ab", 32), StatementLines: 6,
		},
		Trial: []report.BalanceRow{
			{Account: "1002", Name: "银行存款", OpeningDebit: ledger.Zero, OpeningCredit: ledger.Zero, PeriodDebit: recM("320350"), PeriodCredit: recM("25000"),
				ClosingDebit: recM("295350"), ClosingCredit: ledger.Zero},
			{Account: "100201", Name: "银行存款—党费专户", Parent: "1002", OpeningDebit: ledger.Zero, OpeningCredit: ledger.Zero, PeriodDebit: recM("320350"),
				PeriodCredit: recM("25000"), ClosingDebit: recM("295350"), ClosingCredit: ledger.Zero},
			{Account: "4801", Name: "本级配套专项党费", OpeningDebit: ledger.Zero, OpeningCredit: ledger.Zero, PeriodDebit: ledger.Zero, PeriodCredit: recM("295350"),
				ClosingDebit: ledger.Zero, ClosingCredit: recM("295350")},
		},
		Findings: []report.T8Row{{Rule: "A-03", Type: "截留/拨付不及时", Severity: "MEDIUM", Voucher: "记-0001", Date: day("2020-02-03"),
			OrgName: "中共汾阳市委组织部", Amount: recM("73000"), Note: "超过 15 天", Responsible: "孙立新", Status: "open"}},
	}
}

func TestWriteReconcileWorkbook(t *testing.T) {
	var buf bytes.Buffer
	if err := reports.WriteReconcile(&buf, reconcileSample()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, reports.ReconcileSheetNames) {
		t.Fatalf("sheets %q", got)
	}
	find := func(sheet, text string) (int, []string) {
		t.Helper()
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			for _, c := range r {
				if c == text {
					return i + 1, r
				}
			}
		}
		t.Fatalf("%s: no cell %q in %q", sheet, text, rows)
		return 0, nil
	}
	// 核对结果: the verdict, the failed check, the voided number.
	_, r := find(reports.SheetRecChecks, "对账结论")
	if !slices.Contains(r, "存在差异") {
		t.Errorf("verdict row %q", r)
	}
	// Checks print by their Chinese titles, never by their codes.
	checkRows, err := f.GetRows(reports.SheetRecChecks)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range checkRows {
		for _, c := range row {
			if c == "stored_balance" || c == "seal_chain" || c == "voucher_balance" {
				t.Errorf("核对结果 prints the check code %q", c)
			}
		}
	}
	_, r = find(reports.SheetRecChecks, "余额与明细账一致")
	if !slices.Contains(r, "未通过") || !slices.Contains(r, "1") {
		t.Errorf("check row %q", r)
	}
	_, r = find(reports.SheetRecChecks, "防篡改链校验")
	if !slices.Contains(r, "未执行") {
		t.Errorf("check row %q", r)
	}
	find(reports.SheetRecChecks, "1 张：记-0006")

	// 差异明细: the amounts are numbers, the account a text code.
	row, _ := find(reports.SheetRecDiscrepancies, "121801")
	for col, want := range map[string]float64{"G": 10450, "H": 10450.01, "I": 0.01} {
		v, err := f.GetCellValue(reports.SheetRecDiscrepancies, col+recRow(row), excelize.Options{RawCellValue: true})
		if err != nil || v != strconv.FormatFloat(want, 'f', -1, 64) {
			t.Errorf("%s%d = %q, want %v", col, row, v, want)
		}
	}
	if typ, _ := f.GetCellType(reports.SheetRecDiscrepancies, "D"+recRow(row)); typ == excelize.CellTypeNumber {
		t.Errorf("account code stored as a number")
	}

	// 调节表: adjusted balances are formulas with their values stored, equal.
	row, _ = find(reports.SheetRecBank, "调节后的存款余额")
	for _, col := range []string{"B", "D"} {
		formula, _ := f.GetCellFormula(reports.SheetRecBank, col+recRow(row))
		v, _ := f.GetCellValue(reports.SheetRecBank, col+recRow(row), excelize.Options{RawCellValue: true})
		if !strings.Contains(formula, "+") || v != "295362.34" {
			t.Errorf("%s%d: formula %q value %q", col, row, formula, v)
		}
	}
	find(reports.SheetRecBank, "调节后余额相等")
	find(reports.SheetRecBank, "对账单第9行")

	// 试算平衡表: the 合计 adds the top-level rows only (1002, 4801).
	row, _ = find(reports.SheetRecTrial, "合计")
	formula, _ := f.GetCellFormula(reports.SheetRecTrial, "E"+recRow(row))
	v, _ := f.GetCellValue(reports.SheetRecTrial, "E"+recRow(row), excelize.Options{RawCellValue: true})
	if formula != "SUM(E4,E6)" || v != "320350" {
		t.Errorf("合计 本期借方: %q = %q", formula, v)
	}
	v, _ = f.GetCellValue(reports.SheetRecTrial, "H"+recRow(row), excelize.Options{RawCellValue: true})
	if v != "295350" {
		t.Errorf("合计 期末贷方 = %q", v)
	}
	find(reports.SheetRecTrial, "试算平衡：期初、本期发生、期末借贷方合计均相等")

	// T8.
	_, r = find(reports.SheetRecFindings, "A-03")
	if !slices.Contains(r, "中") || !slices.Contains(r, "未整改") {
		t.Errorf("T8 row %q", r)
	}
	// Print setup: A4 landscape with the footer.
	lo, err := f.GetPageLayout(reports.SheetRecTrial)
	if err != nil || lo.Orientation == nil || *lo.Orientation != "landscape" || lo.Size == nil || *lo.Size != 9 {
		t.Errorf("page layout %+v %v", lo, err)
	}
	hf, err := f.GetHeaderFooter(reports.SheetRecTrial)
	if err != nil || hf == nil || !strings.Contains(hf.OddFooter, "制表人：王芳") {
		t.Errorf("footer %+v %v", hf, err)
	}
}

func TestWriteReconcileWithoutBankStatement(t *testing.T) {
	d := reconcileSample()
	d.Bank, d.Discrepancies, d.Findings, d.Status = nil, nil, nil, "clean"
	var buf bytes.Buffer
	if err := reports.WriteReconcile(&buf, d); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(reports.SheetRecBank)
	if len(rows) < 3 || !strings.Contains(rows[2][0], "未导入银行对账单") {
		t.Fatalf("bank sheet %q", rows)
	}
	rows, _ = f.GetRows(reports.SheetRecDiscrepancies)
	if !slices.ContainsFunc(rows, func(r []string) bool { return slices.Contains(r, "无差异") }) {
		t.Fatalf("discrepancy sheet %q", rows)
	}
	if err := reports.WriteReconcile(&buf, nil); err == nil {
		t.Fatal("nil data accepted")
	}
}

func recRow(n int) string { return strconv.Itoa(n) }
