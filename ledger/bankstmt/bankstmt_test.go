package bankstmt_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/bankrec"
	"github.com/fenyang/partyfee/ledger/bankstmt"
)

const layoutsPath = "../../configs/bank_layouts.yaml"

func layouts(t testing.TB) []bankstmt.Layout {
	t.Helper()
	ls, err := bankstmt.LoadLayoutsFile(layoutsPath)
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

func TestLoadLayoutsConfig(t *testing.T) {
	ls := layouts(t)
	var names []string
	for _, l := range ls {
		names = append(names, l.Name)
	}
	if got := strings.Join(names, ","); got != "icbc,ccb,sxrcc,boc" {
		t.Fatalf("layouts %s", got)
	}
	icbc := ls[0]
	if icbc.Date[0] != "交易日期" || icbc.Out[0] != "借方发生额" || icbc.In[0] != "贷方发生额" || icbc.Reference[0] != "凭证号" || len(icbc.Summary) != 2 {
		t.Fatalf("icbc layout %+v", icbc)
	}
}

func TestLoadLayoutsErrors(t *testing.T) {
	const good = `
version: 1
layouts:
  - name: test
    detect: [日期, 金额]
    date: 日期
    date_formats: [YYYY-MM-DD]
    amount: 金额
`
	tests := []struct {
		name string
		yaml string
		want []string // substrings of the message
	}{
		{"unknown layout key", strings.Replace(good, "    amount: 金额", "    amount: 金额\n    balanse: 余额", 1), []string{`unknown key "balanse"`, `layout "test"`, "line 9", "bad.yaml"}},
		{"unknown top key", good + "layout: []\n", []string{`unknown key "layout"`, "the file", "bad.yaml"}},
		{"no layouts", "version: 1\n", []string{"no layouts"}},
		{"empty file", "", []string{"no layouts"}},
		{"wrong version", strings.Replace(good, "version: 1", "version: 2", 1), []string{"version 2"}},
		{"syntax", "layouts: [\n", []string{"bad.yaml"}},
		{"duplicate key", strings.Replace(good, "    date: 日期", "    date: 日期\n    date: 交易日期", 1), []string{"already defined"}},
		{"two documents", good + "---\nversion: 1\n", []string{"more than one"}},
		{"twice", good + strings.SplitN(good, "layouts:\n", 2)[1], []string{`"test" is defined twice`}},
		{"bad name", strings.Replace(good, "name: test", "name: Test Bank", 1), []string{`name "Test Bank"`}},
		{"no detect", strings.Replace(good, "    detect: [日期, 金额]\n", "", 1), []string{"detect"}},
		{"no date", strings.Replace(good, "    date: 日期\n", "", 1), []string{"date column"}},
		{"no amount", strings.Replace(good, "    amount: 金额\n", "", 1), []string{"either amount"}},
		{"in without out", strings.Replace(good, "    amount: 金额\n", "    in: 收入\n", 1), []string{"either amount"}},
		{"amount and in/out", strings.Replace(good, "    amount: 金额\n", "    amount: 金额\n    in: 收入\n    out: 支出\n", 1), []string{"not both"}},
		{"lower-case date format", strings.Replace(good, "[YYYY-MM-DD]", "[yyyy-MM-dd]", 1), []string{"'y'", "token"}},
		{"format without day", strings.Replace(good, "[YYYY-MM-DD]", "[YYYY-MM]", 1), []string{"needs YYYY, a month and a day"}},
		{"no date formats", strings.Replace(good, "    date_formats: [YYYY-MM-DD]\n", "", 1), []string{"date_formats"}},
		{"empty column name", strings.Replace(good, "    amount: 金额", "    amount: \"  \"", 1), []string{"amount: empty header name"}},
		{"column is a mapping", strings.Replace(good, "    amount: 金额", "    amount: {a: b}", 1), []string{"header name or a list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bankstmt.LoadLayouts([]byte(tt.yaml), "configs/bad.yaml")
			if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "configs/bad.yaml" {
				t.Fatalf("error %v, want %s on the file", err, ledger.EInvalid)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if ls, err := bankstmt.LoadLayouts([]byte(good), "good.yaml"); err != nil || len(ls) != 1 {
		t.Fatalf("good file: %v %v", ls, err)
	}
}

const icbcCSV = `中国工商银行账户明细
账号:0508002109024567890
户名:中共汾阳市委组织部（党费专户）
起止日期:2020-02-01至2020-02-29
交易日期,凭证号,摘要,借方发生额,贷方发生额,余额,对方账号,对方户名,用途
20200203,HD2020020301,上级下拨专项党费,,"90,000.00","90,000.00",0508000000000000001,中共吕梁市委组织部,疫情防控专项党费
20200205,HD2020020502,本级配套专项党费,,"230,000.00","320,000.00",0508000000000000002,中共汾阳市委组织部,本级配套
20200210,HD2020021003,拨付监测救治组临时党支部,"10,000.00",,"310,000.00",0508000000000000003,监测救治组临时党支部,划拨
20200228,HD2020022804,手续费,5.00,,"309,995.00",,,
合计,,,"10,005.00","320,000.00",,,,
`

const ccbCSV = "中国建设银行单位客户账户交易明细\n" +
	"账号：14001715108050512345,账户名称：中共汾阳市委组织部\n" +
	"查询时间段：20200201-20200229\n" +
	"\n" +
	"交易时间,收入金额,支出金额,账户余额,币种,对方户名,对方账号,对方开户机构,摘要,交易流水号\n" +
	"2020-02-03 09:15:02,\"90,000.00\",-,\"90,000.00\",人民币,中共吕梁市委组织部,1400000001,建行吕梁分行,上级下拨,\t3A1E0001\n" +
	"2020-02-12 16:40:55,-,\"1,500.00\",\"88,500.00\",人民币,汾阳市某某药店,1400000002,建行汾阳支行,物资采购,=\"3A1E0002\"\n" +
	"2020-02-29 23:59:59,0.35,,\"88,500.35\",人民币,,,,结息,3A1E0003\n"

// ccbTSV is the same export as tab-separated text, as some banks write
// under an .xls name.
const ccbTSV = "中国建设银行单位客户账户交易明细\n" +
	"账号：14001715108050512345\t账户名称：中共汾阳市委组织部\n" +
	"查询时间段：20200201-20200229\n" +
	"\n" +
	"交易时间\t收入金额\t支出金额\t账户余额\t币种\t对方户名\t对方账号\t对方开户机构\t摘要\t交易流水号\n" +
	"2020-02-03 09:15:02\t90,000.00\t-\t90,000.00\t人民币\t中共吕梁市委组织部\t1400000001\t建行吕梁分行\t上级下拨\t3A1E0001\n" +
	"2020-02-12 16:40:55\t-\t1,500.00\t88,500.00\t人民币\t汾阳市某某药店\t1400000002\t建行汾阳支行\t物资采购\t=\"3A1E0002\"\n" +
	"2020-02-29 23:59:59\t0.35\t\t88,500.35\t人民币\t\t\t\t结息\t3A1E0003\n"

const sxrccCSV = "日期,流水号,摘要,收入,支出,余额,对方户名,对方账号\n" +
	"2020/2/3,001,上级下拨,90000.00,,90000.00,中共吕梁市委组织部,1\n" +
	"2020/2/14,002,慰问,,800,89200.00,,\n"

const bocCSV = "交易日期,交易时间,交易流水号,交易金额,交易后余额,对方账户名称,对方账号,摘要,附言\n" +
	"20200203,091502,B001,+90000.00,90000.00,中共吕梁市委组织部,1,转账,上级下拨\n" +
	"20200214,101010,B002,-800.00,89200.00,个人,2,转账,\n"

type wantLine struct {
	row          int
	date         string // YYYY-MM-DD HH:mm:ss
	amount       string
	ref, cp, sum string
	balance      string // "" for none
}

func checkLines(t *testing.T, got []bankrec.StatementLine, want []wantLine) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		bal := ""
		if g.Balance != nil {
			bal = g.Balance.String()
		}
		d := g.Date.Format(time.DateTime)
		if g.Row != w.row || d != w.date || g.Amount.String() != w.amount || g.Reference != w.ref || g.Counterparty != w.cp || g.Summary != w.sum || bal != w.balance {
			t.Errorf("line %d: got {row %d, %s, %s, %q, %q, %q, bal %q}\nwant %+v", i, g.Row, d, g.Amount, g.Reference, g.Counterparty, g.Summary, bal, w)
		}
		if g.Date.Location() != bankstmt.Location {
			t.Errorf("line %d: date in %v", i, g.Date.Location())
		}
	}
}

var icbcWant = []wantLine{
	{6, "2020-02-03 00:00:00", "90000.00", "HD2020020301", "中共吕梁市委组织部", "上级下拨专项党费", "90000.00"},
	{7, "2020-02-05 00:00:00", "230000.00", "HD2020020502", "中共汾阳市委组织部", "本级配套专项党费", "320000.00"},
	{8, "2020-02-10 00:00:00", "-10000.00", "HD2020021003", "监测救治组临时党支部", "拨付监测救治组临时党支部", "310000.00"},
	{9, "2020-02-28 00:00:00", "-5.00", "HD2020022804", "", "手续费", "309995.00"},
}

var ccbWant = []wantLine{
	{6, "2020-02-03 09:15:02", "90000.00", "3A1E0001", "中共吕梁市委组织部", "上级下拨", "90000.00"},
	{7, "2020-02-12 16:40:55", "-1500.00", "3A1E0002", "汾阳市某某药店", "物资采购", "88500.00"},
	{8, "2020-02-29 23:59:59", "0.35", "3A1E0003", "", "结息", "88500.35"},
}

func gbk(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseText(t *testing.T) {
	gbkFixture, err := os.ReadFile("testdata/icbc-2020-02-gbk.csv")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		file     string
		data     []byte
		layout   string
		want     []wantLine
		wantGBK  bool
		checkBal bool
	}{
		{name: "icbc utf-8", file: "icbc.csv", data: []byte(icbcCSV), layout: "icbc", want: icbcWant},
		{name: "icbc utf-8 bom", file: "icbc.csv", data: append([]byte("\ufeff"), icbcCSV...), layout: "icbc", want: icbcWant},
		{name: "icbc crlf", file: "icbc.csv", data: []byte(strings.ReplaceAll(icbcCSV, "\n", "\r\n")), layout: "icbc", want: icbcWant},
		{name: "icbc gbk generated", file: "icbc.csv", data: gbk(t, icbcCSV), layout: "icbc", want: icbcWant, wantGBK: true},
		{name: "icbc gbk fixture", file: "testdata/icbc-2020-02-gbk.csv", data: gbkFixture, layout: "icbc", want: icbcWant, wantGBK: true},
		{name: "ccb utf-8", file: "ccb.csv", data: []byte(ccbCSV), layout: "ccb", want: ccbWant},
		{name: "ccb utf-8 bom", file: "ccb.csv", data: append([]byte("\ufeff"), ccbCSV...), layout: "ccb", want: ccbWant},
		{name: "ccb gbk", file: "ccb.csv", data: gbk(t, ccbCSV), layout: "ccb", want: ccbWant, wantGBK: true},
		{name: "ccb tab-separated .xls text", file: "ccb.xls", data: gbk(t, ccbTSV), layout: "ccb",
			want: []wantLine{
				{6, "2020-02-03 09:15:02", "90000.00", "3A1E0001", "中共吕梁市委组织部", "上级下拨", "90000.00"},
				{7, "2020-02-12 16:40:55", "-1500.00", "3A1E0002", "汾阳市某某药店", "物资采购", "88500.00"},
				{8, "2020-02-29 23:59:59", "0.35", "3A1E0003", "", "结息", "88500.35"},
			}},
		{name: "sxrcc", file: "sxrcc.csv", data: []byte(sxrccCSV), layout: "sxrcc", want: []wantLine{
			{2, "2020-02-03 00:00:00", "90000.00", "001", "中共吕梁市委组织部", "上级下拨", "90000.00"},
			{3, "2020-02-14 00:00:00", "-800.00", "002", "", "慰问", "89200.00"},
		}},
		{name: "boc signed amount", file: "boc.csv", data: []byte(bocCSV), layout: "boc", want: []wantLine{
			{2, "2020-02-03 00:00:00", "90000.00", "B001", "中共吕梁市委组织部", "上级下拨", "90000.00"},
			{3, "2020-02-14 00:00:00", "-800.00", "B002", "个人", "", "89200.00"}, // 附言 is the summary column, empty here
		}},
		{name: "header only", file: "empty.csv", data: []byte("交易日期,凭证号,摘要,借方发生额,贷方发生额,余额\n"), layout: "icbc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantGBK && bytes.Equal(tt.data, []byte(icbcCSV)) {
				t.Fatal("test setup: GBK data equals the UTF-8 text")
			}
			lines, l, err := bankstmt.Parse(bytes.NewReader(tt.data), tt.file, layouts(t))
			if err != nil {
				t.Fatal(err)
			}
			if l.Name != tt.layout {
				t.Fatalf("layout %s, want %s", l.Name, tt.layout)
			}
			checkLines(t, lines, tt.want)
			if lines == nil {
				t.Error("lines is nil on success")
			}
			if d := bankrec.CheckBalances(lines); len(d) != 0 {
				t.Errorf("running balance: %+v", d)
			}
		})
	}
}

// The parsed statement feeds the reconciliation: a round trip through
// bankrec with the book side of the reference case.
func TestParseThenReconcile(t *testing.T) {
	lines, _, err := bankstmt.Parse(strings.NewReader(icbcCSV), "icbc.csv", layouts(t))
	if err != nil {
		t.Fatal(err)
	}
	d := func(day int) time.Time { return time.Date(2020, 2, day, 0, 0, 0, 0, time.UTC) }
	book := []bankrec.BookEntry{
		{VoucherID: 1, Voucher: "记-0001", Date: d(3), Amount: ledger.MustParseMoney("90000"), Reference: "HD2020020301"},
		{VoucherID: 2, Voucher: "记-0002", Date: d(4), Amount: ledger.MustParseMoney("230000")},
		{VoucherID: 3, Voucher: "记-0003", Date: d(10), Amount: ledger.MustParseMoney("-10000")},
	}
	r := bankrec.Match(book, lines, bankrec.DefaultMatchConfig())
	bankBal, ok := bankrec.StatementBalance(lines)
	if !ok {
		t.Fatal("no closing balance")
	}
	tab := bankrec.Reconcile(ledger.MustParseMoney("310000"), bankBal, r, d(29), 10)
	if !tab.Clean() || len(tab.BankPaidNotBooked) != 1 || tab.BankPaidNotBooked[0].Row != 9 || !tab.AdjustedBook.Equal(ledger.MustParseMoney("309995")) {
		t.Fatalf("table %+v", tab)
	}
}

func TestParseXLSX(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	sh := "交易明细"
	if err := f.SetSheetName("Sheet1", sh); err != nil {
		t.Fatal(err)
	}
	set := func(cell string, v any) {
		t.Helper()
		if err := f.SetCellValue(sh, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	set("A1", "中国建设银行单位客户账户交易明细")
	if err := f.MergeCell(sh, "A1", "J1"); err != nil {
		t.Fatal(err)
	}
	set("A2", "账号：14001715108050512345")
	// row 3 empty
	for i, h := range []string{"交易时间", "收入金额", "支出金额", "账户余额", "币种", "对方户名", "对方账号", "对方开户机构", "摘要", "交易流水号"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 4)
		set(cell, h)
	}
	style, err := f.NewStyle(&excelize.Style{NumFmt: 22}) // m/d/yy h:mm: displayed nothing like our formats
	if err != nil {
		t.Fatal(err)
	}
	// A date cell (serial number), numbers, a text amount with separators.
	set("A5", time.Date(2020, 2, 3, 9, 15, 2, 0, time.UTC))
	f.SetCellStyle(sh, "A5", "A5", style)
	set("B5", 90000.0)
	set("D5", "90,000.00")
	set("F5", "中共吕梁市委组织部")
	set("I5", "上级下拨")
	set("J5", "3A1E0001")
	set("A6", "2020-02-12 16:40:55")
	set("C6", 1234.56)
	set("D6", 88765.44)
	set("I6", "物资采购")
	set("J6", 31)
	set("A7", time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC))
	set("B7", 0.1+0.2) // 0.30000000000000004: binary noise around 0.30
	set("D7", 88765.74)
	set("I7", "结息")
	set("A8", "合计")
	set("B8", 90000.3)
	set("C8", 1234.56)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}

	for _, name := range []string{"statement.xlsx", "statement.bin"} { // by extension, and by zip magic
		lines, l, err := bankstmt.Parse(bytes.NewReader(buf.Bytes()), name, layouts(t))
		if err != nil {
			t.Fatal(err)
		}
		if l.Name != "ccb" {
			t.Fatalf("layout %s", l.Name)
		}
		checkLines(t, lines, []wantLine{
			{5, "2020-02-03 09:15:02", "90000.00", "3A1E0001", "中共吕梁市委组织部", "上级下拨", "90000.00"},
			{6, "2020-02-12 16:40:55", "-1234.56", "31", "", "物资采购", "88765.44"},
			{7, "2020-02-29 00:00:00", "0.30", "", "", "结息", "88765.74"},
		})
	}

	// A float that is not a whole number of fen is refused, naming the cell.
	set("B7", 1.005)
	buf.Reset()
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	lines, _, err := bankstmt.Parse(bytes.NewReader(buf.Bytes()), "statement.xlsx", layouts(t))
	if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "row 7: 收入金额" || lines != nil {
		t.Fatalf("got %v, %v", lines, err)
	}
}

func TestParseXLSXSecondSheet(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetCellValue("Sheet1", "A1", "说明：明细见第二页")
	if _, err := f.NewSheet("明细"); err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"交易日期", "交易金额", "交易后余额", "交易流水号", "对方账户名称", "附言"},
		{"20200203", "90,000.00", "90,000.00", "B001", "中共吕梁市委组织部", "上级下拨"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("明细", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	f.Write(&buf)
	lines, l, err := bankstmt.Parse(&buf, "boc.xlsx", layouts(t))
	if err != nil || l.Name != "boc" {
		t.Fatalf("%v %v", l.Name, err)
	}
	checkLines(t, lines, []wantLine{{2, "2020-02-03 00:00:00", "90000.00", "B001", "中共吕梁市委组织部", "上级下拨", "90000.00"}})
}

func TestParseErrors(t *testing.T) {
	icbcHeader := "户名:中共汾阳市委组织部\n交易日期,凭证号,摘要,借方发生额,贷方发生额,余额,对方户名\n"
	ok := "20200203,HD1,上级下拨,,90000.00,90000.00,吕梁\n"
	tests := []struct {
		name  string
		file  string
		data  []byte
		code  string
		field string
		msg   string
	}{
		{"bad date", "a.csv", []byte(icbcHeader + ok + "2020-13-45,HD2,x,1.00,,,\n"), ledger.EInvalid, "row 4: 交易日期", `"2020-13-45" is not a date`},
		{"date in an unknown format", "a.csv", []byte(icbcHeader + "03/02/2020,HD2,x,1.00,,,\n"), ledger.EInvalid, "row 3: 交易日期", "YYYYMMDD"},
		{"empty date with an amount", "a.csv", []byte(icbcHeader + ok + ",HD2,x,1.00,,,\n"), ledger.EInvalid, "row 4: 交易日期", "empty"},
		{"three decimals", "a.csv", []byte(icbcHeader + ok + "20200204,HD2,x,,12.345,,\n"), ledger.EInvalid, "row 4: 贷方发生额", "not an amount"},
		{"text amount", "a.csv", []byte(icbcHeader + "20200204,HD2,x,十元,,,\n"), ledger.EInvalid, "row 3: 借方发生额", "not an amount"},
		{"both sides", "a.csv", []byte(icbcHeader + "20200204,HD2,x,1.00,2.00,,\n"), ledger.EInvalid, "row 3", "both"},
		{"neither side", "a.csv", []byte(icbcHeader + "20200204,HD2,x,0.00,-,,\n"), ledger.EInvalid, "row 3: 贷方发生额", "neither"},
		{"bad balance", "a.csv", []byte(icbcHeader + "20200204,HD2,x,1.00,,1.2.3,\n"), ledger.EInvalid, "row 3: 余额", "not an amount"},
		{"too large", "a.csv", []byte(icbcHeader + "20200204,HD2,x,1000000000000.00,,,\n"), ledger.EInvalid, "row 3: 借方发生额", "not an amount"},
		{"zero signed amount", "a.csv", []byte("交易日期,交易金额,交易后余额\n20200203,0.00,1.00\n"), ledger.EInvalid, "row 2: 交易金额", "no amount"},
		{"unknown layout", "a.csv", []byte("日期,金额,备注\n20200203,1.00,x\n"), ledger.EInvalid, "header", "icbc, ccb, sxrcc, boc"},
		{"header too far down", "a.csv", []byte(strings.Repeat("说明\n", 60) + icbcHeader + ok), ledger.EInvalid, "header", "no known"},
		{"neither utf-8 nor gbk", "a.csv", append(gbk(t, icbcHeader), 0xff, 0xff, '\n'), ledger.EInvalid, "file", "line 3: neither UTF-8 nor GBK"},
		{"old xls", "a.xls", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest"), ledger.EInvalid, "file", ".xlsx or CSV"},
		{"not a workbook", "a.xlsx", []byte("交易日期\n"), ledger.EInvalid, "file", "XLSX"},
		{"broken zip", "a.bin", []byte("PK\x03\x04broken"), ledger.EInvalid, "file", "XLSX"},
		{"empty file", "a.csv", nil, ledger.EInvalid, "header", "no known"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, l, err := bankstmt.Parse(bytes.NewReader(tt.data), tt.file, layouts(t))
			if ledger.ErrorCode(err) != tt.code || ledger.ErrorField(err) != tt.field {
				t.Fatalf("error %v (field %q), want code %s field %q", err, ledger.ErrorField(err), tt.code, tt.field)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), filepath.Base(tt.file)) {
				t.Errorf("message %q lacks %q or the file name", err, tt.msg)
			}
			if lines != nil || l.Name != "" {
				t.Errorf("returned %d lines and layout %q with the error", len(lines), l.Name)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	r := io.LimitReader(zeros{}, bankstmt.FileSizeMax+1)
	_, _, err := bankstmt.Parse(r, "big.csv", layouts(t))
	if ledger.ErrorCode(err) != ledger.ETooLarge {
		t.Fatalf("error %v, want %s", err, ledger.ETooLarge)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestParseBadLayout(t *testing.T) {
	_, _, err := bankstmt.Parse(strings.NewReader(icbcCSV), "a.csv", []bankstmt.Layout{{Name: "x"}})
	if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "layouts" {
		t.Fatalf("error %v", err)
	}
	_, _, err = bankstmt.Parse(strings.NewReader(icbcCSV), "a.csv", nil)
	if ledger.ErrorCode(err) != ledger.EInvalid {
		t.Fatalf("error %v", err)
	}
}

// Layouts work without the file too, and the most specific one wins.
func TestParseLayoutChoice(t *testing.T) {
	generic := bankstmt.Layout{Name: "generic", Detect: []string{"交易日期"}, Date: bankstmt.Columns{"交易日期"},
		DateFormats: []string{"YYYYMMDD"}, Amount: bankstmt.Columns{"贷方发生额"}}
	ls := append([]bankstmt.Layout{generic}, layouts(t)...)
	_, l, err := bankstmt.Parse(strings.NewReader(icbcCSV), "a.csv", ls)
	if err != nil || l.Name != "icbc" {
		t.Fatalf("layout %q, %v", l.Name, err)
	}
}

func TestDigest(t *testing.T) {
	if got := bankstmt.Digest([]byte("abc")); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("Digest = %s", got)
	}
	if bankstmt.Digest([]byte(icbcCSV)) == bankstmt.Digest(gbk(t, icbcCSV)) {
		t.Fatal("different bytes, same digest")
	}
}

func FuzzParse(f *testing.F) {
	ls, err := bankstmt.LoadLayoutsFile(layoutsPath)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(icbcCSV), "a.csv")
	f.Add([]byte(ccbCSV), "a.csv")
	f.Add([]byte(sxrccCSV), "a.csv")
	f.Add([]byte(bocCSV), "a.csv")
	f.Add([]byte("PK\x03\x04"), "a.xlsx")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		lines, l, err := bankstmt.Parse(bytes.NewReader(data), name, ls)
		if err != nil {
			if c := ledger.ErrorCode(err); c != ledger.EInvalid && c != ledger.ETooLarge {
				t.Fatalf("code %s: %v", c, err)
			}
			if lines != nil {
				t.Fatal("lines with an error")
			}
			return
		}
		if l.Name == "" {
			t.Fatal("no layout on success")
		}
		for _, s := range lines {
			if s.Amount.IsZero() || s.Row <= 0 || s.Date.IsZero() {
				t.Fatalf("bad line %+v", s)
			}
		}
	})
}

func TestParseLayoutColumnMissing(t *testing.T) {
	l := bankstmt.Layout{Name: "odd", Detect: []string{"摘要"}, Date: bankstmt.Columns{"记账日"},
		DateFormats: []string{"YYYYMMDD"}, Amount: bankstmt.Columns{"发生额"}}
	_, _, err := bankstmt.Parse(strings.NewReader("标题\n摘要,发生额\nx,1.00\n"), "odd.csv", []bankstmt.Layout{l})
	if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "row 2" || !strings.Contains(err.Error(), "记账日") {
		t.Fatalf("error %v", err)
	}
}
