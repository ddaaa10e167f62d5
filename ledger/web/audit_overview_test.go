package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// receiptPNG is a small real image: a scanned receipt.
func receiptPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 120, 60))
	for x := range 120 {
		for y := range 60 {
			img.Set(x, y, color.RGBA{R: uint8(200 + x%50), G: 230, B: uint8(180 + y), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var receiptPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// attach stores a file on the draft v as actor.
func (e *env) attach(actor string, v *ledger.Voucher, name string, data []byte) *ledger.Attachment {
	e.t.Helper()
	a, err := ledger.NewAttachment(name, data, ledger.DefaultAttachmentLimits())
	if err != nil {
		e.t.Fatal(err)
	}
	out, err := e.db.AttachFile(context.Background(), book, actor, v.ID, a)
	if err != nil {
		e.t.Fatalf("attach %s to %s: %v", name, v.Word(), err)
	}
	return out
}

// A voucher's scanned originals are viewed in its page: the image inline,
// the PDF in a frame, both served from this origin to whoever may read the
// voucher, and only to them.
func TestVoucherFilesInPage(t *testing.T) {
	e := newEnv(t)
	img := receiptPNG(t)
	e.attach("cp01officer", e.spend, "收据.png", img)
	e.attach("cp01officer", e.spend, "发票.pdf", receiptPDF)
	b := e.login("fengqing")
	p := b.get(fmt.Sprintf("/vouchers/%d", e.spend.ID))
	wantStatus(t, p, http.StatusOK, "the voucher")
	wantBody(t, p, "the voucher", "原始凭证附件", fmt.Sprintf(`<img src="/vouchers/%d/files/1"`, e.spend.ID),
		fmt.Sprintf(`<iframe src="/vouchers/%d/files/2"`, e.spend.ID), "收据.png", "发票.pdf")
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("the voucher page's CSP %q", csp)
	}
	f := b.get(fmt.Sprintf("/vouchers/%d/files/1", e.spend.ID))
	wantStatus(t, f, http.StatusOK, "the image")
	if f.header.Get("Content-Type") != "image/png" || f.body != string(img) || !strings.HasPrefix(f.header.Get("Content-Disposition"), "inline") {
		t.Errorf("the image: %v, %d bytes", f.header, len(f.body))
	}
	f = b.get(fmt.Sprintf("/vouchers/%d/files/2", e.spend.ID))
	if f.status != http.StatusOK || f.header.Get("Content-Type") != "application/pdf" || f.body != string(receiptPDF) ||
		f.header.Get("X-Frame-Options") != "SAMEORIGIN" || !strings.Contains(f.header.Get("Content-Security-Policy"), "frame-ancestors 'self'") {
		t.Errorf("the PDF: %d %v", f.status, f.header)
	}
	wantStatus(t, b.get(fmt.Sprintf("/vouchers/%d/files/3", e.spend.ID)), http.StatusNotFound, "no third file")
	wantStatus(t, b.get(fmt.Sprintf("/vouchers/%d/files/x", e.spend.ID)), http.StatusNotFound, "a bad file number")
	// The sibling branch's officer may not read FY-CP-01's voucher, nor its files.
	o := e.login("cp02officer")
	wantStatus(t, o.get(fmt.Sprintf("/vouchers/%d/files/1", e.spend.ID)), http.StatusForbidden, "another branch's file")
	// A voucher without files says so and shows no preview.
	none := b.get(fmt.Sprintf("/vouchers/%d", e.receive.ID))
	wantNot(t, none, "a voucher without files", "附件预览")
	if !strings.Contains(none.body, "没有附件") {
		t.Errorf("a voucher without files does not say 没有附件")
	}
}

// The roll-up's figures are whole books': an auditor of one branch is
// refused it, on screen and as the workbook.
func TestAuditRollupRefusesBranchAuditor(t *testing.T) {
	e := newEnv(t)
	e.addUser(ledger.User{Name: "cp01auditor", FullName: "贾审", Roles: []ledger.Role{ledger.RoleAuditor}, Scope: "FY-CP-01"})
	a := e.login("cp01auditor")
	for _, path := range []string{"/audit/rollup?period=2020-02", "/audit/rollup.xlsx?period=2020-02"} {
		p := a.get(path)
		wantStatus(t, p, http.StatusForbidden, "a branch auditor's "+path)
		wantBody(t, p, "a branch auditor's "+path, "无权访问", "跨账套汇总")
		wantNot(t, p, "a branch auditor's "+path, "90,000.00")
	}
}

// addUser adds a user of the book with their password of passwords.
func (e *env) addUser(u ledger.User) {
	e.t.Helper()
	if _, err := e.db.AddUser(context.Background(), book, u, passwords[u.Name]); err != nil {
		e.t.Fatal(err)
	}
}

// Auditors of one branch.
func init() {
	passwords["cp01auditor"], passwords["cp02auditor"] = "cp01-auditor-pw", "cp02-auditor-pw"
}

// overviewBook posts a February of several flows on the fixture: the
// matching income, allocations to both branches (FY-CP-02's on 2020-02-03),
// spendings (one in cash over the threshold, two that split one purchase),
// a return, and a spending of March that no February figure may count.
func (e *env) overviewBook() {
	e.t.Helper()
	day := func(m time.Month, d int) time.Time { return time.Date(2020, m, d, 0, 0, 0, 0, time.UTC) }
	m := ledger.MustParseMoney
	post := func(actor string, r ledger.FlowRequest) *ledger.Voucher {
		v := e.flow(actor, r)
		e.approve(v)
		return v
	}
	post("wangfang", ledger.FlowRequest{Flow: ledger.FlowMatch, Fund: "FY-MATCH", Amount: m("230000.00"), Date: day(2, 1), Attachments: 1, Decision: "汾组字〔2020〕3号"})
	post("wangfang", ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-02", Amount: m("2000.00"), Date: day(2, 3), Attachments: 1})
	post("wangfang", ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-MATCH", Org: "FY-CP-01", Amount: m("3000.00"), Date: day(2, 11), Attachments: 1})
	e.approve(e.spend)
	e.approve(e.sibling)
	spend := func(org, amount, payee, method string, d time.Time) {
		actor := map[string]string{"FY-CP-01": "cp01officer", "FY-CP-02": "cp02officer"}[org]
		post(actor, ledger.FlowRequest{Flow: ledger.FlowSpend, Org: org, Fund: "FY-UP", Purpose: ledger.Procurement, Amount: m(amount),
			Payee: payee, PayeeType: ledger.PayeeSupplier, Method: method, Attachments: 1, Date: d})
	}
	spend("FY-CP-01", "1200.00", "汾阳市五金店", ledger.MethodCash, day(2, 12))
	spend("FY-CP-01", "600.00", "西口超市", "", day(2, 14))
	spend("FY-CP-01", "500.00", "西口超市", "", day(2, 17))
	post("wangfang", ledger.FlowRequest{Flow: ledger.FlowReturn, Fund: "FY-UP", Org: "FY-CP-01", Amount: m("100.00"), Date: day(2, 20), Attachments: 1})
	spend("FY-CP-01", "10.00", "西口超市", "", day(3, 2))
}

var (
	figureLink    = regexp.MustCompile(`<a href="([^"]+)" class="figure" data-measure="([^"]*)">([^<]+)</a>(?:</td><td>[^<]*</td><td class="num">|</td><td class="num">)?(?:(\d+) 张)?`)
	listedVoucher = regexp.MustCompile(`<a href="/vouchers/(\d+)"`)
	drillSums     = regexp.MustCompile(`class="drill-count">(\d+)</strong>.*class="drill-debit">([^<]+)</strong>.*class="drill-credit">([^<]+)</strong>.*class="drill-net">([^<]+)</strong>`)
)

func money(t *testing.T, s string) ledger.Money {
	t.Helper()
	m, err := ledger.ParseMoney(strings.ReplaceAll(s, ",", ""))
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return m
}

// Every figure of the overview links to the vouchers behind it, and
// their lines add up to the figure (and their count to the figure's count).
func TestOverviewFiguresAddUp(t *testing.T) {
	e := newEnv(t)
	e.overviewBook()
	b := e.login("fengqing")
	p := b.get("/audit?period=2020-02")
	wantStatus(t, p, http.StatusOK, "the overview")
	wantBody(t, p, "the overview", "90,000.00", "玖万元整", "230,000.00", "贰拾叁万元整", "320,000.00", "叁拾贰万元整", "通过", "26 天", "19 天")
	wantNot(t, p, "the overview", "不符")
	figs := figureLink.FindAllStringSubmatch(p.body, -1)
	if len(figs) < 30 {
		t.Fatalf("%d figures on the overview:\n%s", len(figs), p.body)
	}
	for _, f := range figs {
		link, measure, want := html.UnescapeString(f[1]), f[2], money(t, f[3])
		// The list's sums come from the turnover by day, as the figure's do;
		// counted (?count=1), they come from the vouchers' own lines.
		for _, l := range []string{link, link + "&count=1"} {
			q := b.get(l)
			wantStatus(t, q, http.StatusOK, l)
			s := drillSums.FindStringSubmatch(q.body)
			if s == nil {
				t.Fatalf("%s shows no sums:\n%s", l, q.body)
			}
			debit, credit := money(t, s[2]), money(t, s[3])
			got := map[string]ledger.Money{"debit": debit, "credit": credit, "debit-credit": debit.Sub(credit), "credit-debit": credit.Sub(debit)}[measure]
			if !got.Equal(want) {
				t.Errorf("%s (%s): the vouchers add up to %s, the figure is %s", l, measure, got.Format(), want.Format())
			}
			listed := map[string]bool{}
			for _, m := range listedVoucher.FindAllStringSubmatch(q.body, -1) {
				listed[m[1]] = true
			}
			if n, _ := strconv.Atoi(s[1]); n != len(listed) {
				t.Errorf("%s: the list counts %d vouchers and shows %d", l, n, len(listed))
			}
			if n, _ := strconv.Atoi(s[1]); n > 0 && !strings.Contains(q.body, `href="/vouchers/`) {
				t.Errorf("%s lists no voucher", l)
			}
		}
	}
	// Spot checks: 物资采购 is the five February spendings, without March's.
	link := "/vouchers?" + url.Values{"period": {"2020-02"}, "status": {"posted"}, "kind": {"special"}, "account": {"5001"}, "purpose": {"procurement"}}.Encode()
	wantBody(t, p, "the overview", `href="`+strings.ReplaceAll(link, "&", "&amp;")+`" class="figure" data-measure="debit-credit">3,564.50</a>`)
	q := b.get(link)
	wantBody(t, q, "the vouchers of 物资采购", `class="drill-count">5</strong>`, `class="drill-net">3,564.50</strong>`)
	wantNot(t, q, "the vouchers of 物资采购", "10.00")

	// The saved queries link to their results; their counts come by a
	// request of their own.
	wantBody(t, p, "the overview", `data-counts="/audit/saved-counts?period=2020-02"`)
	counts := b.get("/audit/saved-counts?period=2020-02")
	wantStatus(t, counts, http.StatusOK, "the saved queries' counts")
	for name, n := range map[string]int{"cash": 1, "split": 2, "repeat": 0} {
		l := "/audit/search?" + url.Values{"saved": {name}, "period": {"2020-02"}}.Encode()
		if name == "repeat" {
			l = "/audit/search?" + url.Values{"saved": {name}, "period": {"2020-02"}, "days": {"30"}}.Encode()
		}
		wantBody(t, p, "the saved query "+name, fmt.Sprintf(`href="%s" class="saved-%s" data-saved="%s">`, strings.ReplaceAll(l, "&", "&amp;"), name, name))
		wantBody(t, counts, "the saved query's count", fmt.Sprintf(`"%s":%d`, name, n))
		wantBody(t, b.get(l), "the result of "+name, fmt.Sprintf("共 %d 笔", n))
	}
	wantBody(t, b.get("/audit/search?saved=split&period=2020-02"), "split payments", "西口超市", "600.00", "500.00")

	// After an audit run of the month the overview shows the counts it
	// recorded, with its time, without a request of their own; a branch's
	// auditor sees the branch's (the split payments are FY-CP-01's, the
	// cash one too).
	wantStatus(t, b.post("/audit/run", url.Values{"period": {"2020-02"}}, true), http.StatusSeeOther, "the audit run")
	p = b.get("/audit?period=2020-02")
	wantNot(t, p, "the overview after a run", "data-counts=")
	wantBody(t, p, "the overview after a run", `class="small saved-at"`)
	e.addUser(ledger.User{Name: "cp02auditor", FullName: "贾核", Roles: []ledger.Role{ledger.RoleAuditor}, Scope: "FY-CP-02"})
	c2 := e.login("cp02auditor").get("/audit?period=2020-02")
	for name, n := range map[string]int{"cash": 1, "split": 2, "repeat": 0} {
		wantBody(t, p, "the recorded count of "+name, fmt.Sprintf(`class="saved-%s" data-saved="%s">%d 笔</a>`, name, name, n))
		wantBody(t, c2, "FY-CP-02's count of "+name, fmt.Sprintf(`class="saved-%s" data-saved="%s">0 笔</a>`, name, name))
	}
	wantStatus(t, b.get("/audit/search?saved=nope"), http.StatusNotFound, "an unknown saved query")
	wantStatus(t, b.get("/vouchers?kind=nope"), http.StatusUnprocessableEntity, "an unknown kind")
	wantStatus(t, b.get("/vouchers?account=9999"), http.StatusNotFound, "an unknown account")
}

// An auditor of one branch sees that branch's figures only, never the
// book's, and may not re-run the chain check; the whole book's auditor
// re-runs it and the overview shows the recorded run.
func TestOverviewScopeAndVerify(t *testing.T) {
	e := newEnv(t)
	e.overviewBook()
	e.addUser(ledger.User{Name: "cp01auditor", FullName: "贾审", Roles: []ledger.Role{ledger.RoleAuditor}, Scope: "FY-CP-01"})
	a := e.login("cp01auditor")
	p := a.get("/audit?period=2020-02")
	wantStatus(t, p, http.StatusOK, "a branch auditor's overview")
	wantBody(t, p, "a branch auditor's overview", "高速汾阳东口检测站点临时党支部", "8,000.00")
	wantNot(t, p, "a branch auditor's overview", "90,000.00", "230,000.00", "资金守恒", "2,000.00", "重新校验", "/audit/rollup")
	wantStatus(t, a.get("/audit?period=2020-02&org=FY-CP-02"), http.StatusForbidden, "another branch's overview")
	wantStatus(t, a.post("/audit/verify", url.Values{"period": {"2020-02"}}, true), http.StatusForbidden, "a branch auditor's verify")
	// The saved queries' counts counted afresh: FY-CP-01's own (its cash
	// payment and its split purchase), never another branch's; an officer
	// has none.
	wantBody(t, a.get("/audit/saved-counts?period=2020-02"), "a branch auditor's counts", `"cash":1`, `"split":2`)
	e.addUser(ledger.User{Name: "cp02auditor", FullName: "贾核", Roles: []ledger.Role{ledger.RoleAuditor}, Scope: "FY-CP-02"})
	wantBody(t, e.login("cp02auditor").get("/audit/saved-counts?period=2020-02"), "another branch auditor's counts", `"cash":0`, `"split":0`)
	wantStatus(t, e.login("wangfang").get("/audit/saved-counts?period=2020-02"), http.StatusForbidden, "an officer's counts")

	b := e.login("fengqing")
	// A range and a year; March's spending counts in the range only.
	p = b.get("/audit?period=2020-02..2020-03")
	wantBody(t, p, "the overview of a range", "2020年2月1日 至 2020年3月31日", "3,574.50")
	wantBody(t, b.get("/audit?period=2020"), "the overview of a year", "2020年1月1日 至 2020年12月31日", "3,574.50")
	wantStatus(t, b.get("/audit?period=2020-02&org=NOPE"), http.StatusNotFound, "an unknown organisation")
	p = b.get("/audit?period=2020-02&org=FY-CP-02")
	wantStatus(t, p, http.StatusOK, "a subtree's overview")
	wantBody(t, p, "a subtree's overview", "2,000.00", "26 天")
	wantNot(t, p, "a subtree's overview", "90,000.00", "19 天")

	runs := func(source string) int {
		var n int
		if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM verify_runs WHERE book = $1 AND source = $2`, book, source).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	wantBody(t, b.get("/audit?period=2020-02"), "the overview before a check", "尚未校验", "重新校验")
	wantStatus(t, b.post("/audit/verify", url.Values{"period": {"2020-02"}}, false), http.StatusForbidden, "a verify without CSRF")
	wantStatus(t, e.login("wangfang").post("/audit/verify", url.Values{"period": {"2020-02"}}, true), http.StatusForbidden, "an officer's verify")
	if n := runs("web"); n != 0 {
		t.Fatalf("%d runs before any", n)
	}
	p = b.post("/audit/verify", url.Values{"period": {"2020-02"}}, true)
	if p.status != http.StatusSeeOther || !strings.Contains(p.header.Get("Location"), "done=verify") {
		t.Fatalf("verify: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	if n := runs("web"); n != 1 {
		t.Errorf("%d web runs recorded, want 1", n)
	}
	p = b.get(p.header.Get("Location"))
	wantBody(t, p, "the overview after a check", "已重新校验防篡改链", "最近一次校验", "冯清", "未发现问题")
	wantNot(t, p, "the overview after a check", "尚未校验")
	// The API's check is recorded too.
	req, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/api/v1/verify", nil)
	req.Header.Set("X-CSRF-Token", b.csrf)
	wantStatus(t, b.do(req), http.StatusOK, "the API's verify")
	if n := runs("http"); n != 1 {
		t.Errorf("%d API runs recorded, want 1", n)
	}
}
