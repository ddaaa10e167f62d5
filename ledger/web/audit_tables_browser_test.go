package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"github.com/fenyang/partyfee/ledger"
)

// TestBrowserAuditTables drives headless Chromium as an auditor reading
// the audit tables: T1 of February, a click on its 合计 本期使用 that lands
// on the spending vouchers behind it, and T3 with its items and masked
// beneficiaries (screenshot web-audit-t3.png).
func TestBrowserAuditTables(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t)
	e.approve(e.spend)
	mask := ledger.MustParseMoney("730.00")
	bought := e.flow("cp01officer", ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Procurement,
		Amount: ledger.MustParseMoney("1200.00"), Payee: "汾阳市医药药材有限公司", PayeeType: ledger.PayeeSupplier, Attachments: 2, DocTypes: []string{"发票"},
		Summary: "购买口罩和消毒液", Date: time.Date(2020, 2, 12, 0, 0, 0, 0, time.UTC),
		Items: []ledger.Item{
			{Name: "医用外科口罩", Spec: "50只/盒", Unit: "盒", Quantity: decimal.NewFromInt(20), UnitPrice: decimal.RequireFromString("36.5"), Amount: mask},
			{Name: "84消毒液", Spec: "500ml", Unit: "瓶", Quantity: decimal.NewFromInt(47), UnitPrice: decimal.NewFromInt(10), Amount: ledger.MustParseMoney("470.00")},
		}})
	e.approve(bought)
	a := ledger.MustParseMoney("500.00")
	paid := e.flow("cp01officer", ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Condolence, Amount: a,
		Payee: "张三", PayeeType: ledger.PayeeIndividual, Attachments: 1, Summary: "慰问一线值守人员",
		Date:          time.Date(2020, 2, 14, 0, 0, 0, 0, time.UTC),
		Beneficiaries: []ledger.Beneficiary{{Name: "张三", Category: "群众", IDNumber: "142301197001011236", Amount: a}}})
	e.approve(paid)
	dir := shots(t)

	h := newHeadless(t, exe, dir, "audit-tables")
	stepCtx, failed, do, text, submit := h.step, h.failed, h.do, h.text, h.submit
	base := e.ts.URL

	do("open /login", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("input[name=username]")),
		chromedp.SendKeys(chromedp.CSS("input[name=username]"), "fengqing"), chromedp.SendKeys(chromedp.CSS("input[name=password]"), passwords["fengqing"]))
	submit("sign in", "button[type=submit]")

	do("open T1", chromedp.Navigate(base+"/audit/tables/t1?period=2020-02"), chromedp.WaitVisible(chromedp.CSS("table#audit-t1 tr.total")))
	total := text("T1 合计 本期使用", "table#audit-t1 tr.total td:nth-child(8) a")
	if want := ledger.MustParseMoney("1234.50").Add(ledger.MustParseMoney("1200.00")).Add(a).Format(); total != want {
		t.Errorf("T1 合计 本期使用 reads %q, want %s", total, want)
	}
	submit("click T1 合计 本期使用", "table#audit-t1 tr.total td:nth-child(8) a")
	s := text("the vouchers of 本期使用", "table.vlist tbody")
	for _, v := range []*ledger.Voucher{e.spend, bought, paid} {
		if !strings.Contains(s, v.Word()) {
			t.Errorf("the vouchers behind 本期使用 lack %s:\n%s", v.Word(), s)
		}
	}
	for _, v := range []*ledger.Voucher{e.receive, e.allocate} {
		if strings.Contains(s, v.Word()) {
			t.Errorf("the vouchers behind 本期使用 show %s:\n%s", v.Word(), s)
		}
	}

	do("open T3", chromedp.Navigate(base+"/audit/tables/t3?period=2020-02"), chromedp.WaitVisible(chromedp.CSS("table#audit-t3 tr.total")))
	s = text("T3", "table#audit-t3 tbody")
	if !strings.Contains(s, "医用外科口罩（50只/盒，盒）") || !strings.Contains(s, "36.50") || strings.Contains(s, "142301197001011236") {
		t.Errorf("T3:\n%s", s)
	}
	ctx, scancel := stepCtx()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	scancel()
	if err != nil {
		failed("screenshot T3", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "web-audit-t3.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
