package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

func wantStatus(t *testing.T, p page, status int, what string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, p.status, status, p.body)
	}
}

func wantBody(t *testing.T, p page, what string, parts ...string) {
	t.Helper()
	for _, s := range parts {
		if !strings.Contains(p.body, s) {
			t.Errorf("%s: the page lacks %q\n%s", what, s, p.body)
		}
	}
}

func wantNot(t *testing.T, p page, what string, parts ...string) {
	t.Helper()
	for _, s := range parts {
		if strings.Contains(p.body, s) {
			t.Errorf("%s: the page shows %q", what, s)
		}
	}
}

func TestWithoutSessionGoesToLogin(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	for path, want := range map[string]string{
		"/":                                     "/login",
		"/queue":                                "/login?next=%2Fqueue",
		fmt.Sprintf("/vouchers/%d", e.spend.ID): fmt.Sprintf("/login?next=%%2Fvouchers%%2F%d", e.spend.ID),
	} {
		p := b.get(path)
		if p.status != http.StatusSeeOther || p.header.Get("Location") != want {
			t.Errorf("GET %s: %d → %q, want 303 → %q", path, p.status, p.header.Get("Location"), want)
		}
	}
	p := b.post("/queue", url.Values{"act": {"check"}, "id": {fmt.Sprint(e.spend.ID)}}, false)
	wantStatus(t, p, http.StatusUnauthorized, "POST /queue without a session")
	wantBody(t, p, "POST /queue without a session", "请重新登录", "登录已过期")
	if e.status(e.spend.ID) != ledger.StatusDraft {
		t.Error("a POST without a session changed the voucher")
	}
	// The sign-in page is Chinese, with no script or style inline.
	p = b.get("/login")
	wantStatus(t, p, http.StatusOK, "GET /login")
	wantBody(t, p, "GET /login", `lang="zh-CN"`, "用户名", "密码", "登录")
	wantNot(t, p, "GET /login", "<script>", "<style>", "style=")
}

func TestLoginRefusalsAndHeaders(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	p := b.post("/login", url.Values{"username": {"wangfang"}, "password": {"wrong password"}}, false)
	wantStatus(t, p, http.StatusUnauthorized, "wrong password")
	wantBody(t, p, "wrong password", "密码错误")
	if c := p.header.Get("Set-Cookie"); c != "" {
		t.Errorf("a failed sign-in set a cookie: %s", c)
	}
	csp := p.header.Get("Content-Security-Policy")
	if csp == "" || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	if p.header.Get("X-Frame-Options") != "DENY" || p.header.Get("Referrer-Policy") != "same-origin" {
		t.Errorf("headers %v", p.header)
	}
	// The API's limit: 5 attempts per user in the window, then 429 even
	// with the right password.
	for range 4 {
		b.post("/login", url.Values{"username": {"wangfang"}, "password": {"wrong password"}}, false)
	}
	p = b.post("/login", url.Values{"username": {"wangfang"}, "password": {passwords["wangfang"]}}, false)
	wantStatus(t, p, http.StatusTooManyRequests, "the sixth attempt")
	wantBody(t, p, "the sixth attempt", "登录失败次数过多")

	// A good sign-in: the cookie is HttpOnly and SameSite=Strict, and the
	// next page is the one asked for, never another site.
	b2 := e.browser()
	p = b2.post("/login", url.Values{"username": {"liqiang"}, "password": {passwords["liqiang"]}, "next": {"//evil.example/x"}}, false)
	wantStatus(t, p, http.StatusSeeOther, "sign-in")
	if p.header.Get("Location") != "/" {
		t.Errorf("sign-in with an outside next went to %q", p.header.Get("Location"))
	}
	c := p.header.Get("Set-Cookie")
	if !strings.Contains(c, postgres.SessionCookie+"=") || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Strict") {
		t.Errorf("session cookie %q", c)
	}
	if strings.Contains(c, "Secure") {
		t.Errorf("without TLS the cookie is not Secure: %q", c)
	}
}

func TestDashboard(t *testing.T) {
	e := newEnv(t)
	p := e.login("cp01officer").get("/")
	wantStatus(t, p, http.StatusOK, "工作台 of cp01officer")
	// Their draft, the branch's available balance (5,000.00 allocated),
	// the open period; no bank balance for a scoped user.
	wantBody(t, p, "工作台", "白晓燕", e.spend.Word(), "1,234.50", "高速汾阳东口检测站点临时党支部", "5,000.00", "2020年2月", "未结账")
	wantNot(t, p, "工作台 of a scoped user", "银行存款余额", "高速汾阳西口")
	p = e.login("liqiang").get("/")
	wantBody(t, p, "工作台 of the checker", "李强", "银行存款余额", "85,000.00")
}

func TestQueueChecksAndPostsASelection(t *testing.T) {
	e := newEnv(t)
	second := e.flow("wangfang", ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Procurement,
		Amount: ledger.MustParseMoney("100.00"), Payee: "汾阳市百货", PayeeType: ledger.PayeeSupplier, Attachments: 1})
	b := e.login("liqiang")
	p := b.get("/queue")
	wantStatus(t, p, http.StatusOK, "/queue")
	wantBody(t, p, "/queue", "待审核", e.spend.Word(), second.Word(), "审核所选")
	ids := url.Values{"act": {"check"}, "id": {fmt.Sprint(e.spend.ID), fmt.Sprint(second.ID)}}
	p = b.post("/queue", ids, true)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/queue?done=check") {
		t.Fatalf("check a selection: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	wantBody(t, b.get(p.header.Get("Location")), "after checking", "已审核 2 张凭证")
	ids.Set("act", "post")
	if p = b.post("/queue", ids, true); p.status != http.StatusSeeOther {
		t.Fatalf("post a selection: %d\n%s", p.status, p.body)
	}
	for _, id := range []int64{e.spend.ID, second.ID} {
		if s := e.status(id); s != ledger.StatusPosted {
			t.Errorf("voucher %d is %s after posting from /queue", id, s)
		}
	}
	// Posting again is refused, naming the voucher and the reason.
	p = b.post("/queue", url.Values{"act": {"post"}, "id": {fmt.Sprint(e.spend.ID)}}, true)
	wantStatus(t, p, http.StatusConflict, "post a posted voucher")
	wantBody(t, p, "post a posted voucher", e.spend.Word(), "只有已审核")
}

func TestMakerCannotCheckOwnVoucher(t *testing.T) {
	e := newEnv(t)
	// The admin sunlixin is also a checker; as the maker of a voucher
	// they are refused (制单人与审核人不能是同一人).
	v := e.flow("sunlixin", ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Procurement,
		Amount: ledger.MustParseMoney("10.00"), Payee: "汾阳市百货", PayeeType: ledger.PayeeSupplier, Attachments: 1})
	passwords["sunlixin"] = "demo-admin-1"
	b := e.login("sunlixin")
	p := b.post(fmt.Sprintf("/vouchers/%d/check", v.ID), nil, true)
	wantStatus(t, p, http.StatusConflict, "the maker checks")
	wantBody(t, p, "the maker checks", v.Word(), "制单人与审核人不能是同一人")
}

func TestCSRFTokenIsRequired(t *testing.T) {
	e := newEnv(t)
	b := e.login("liqiang")
	p := b.post("/queue", url.Values{"act": {"check"}, "id": {fmt.Sprint(e.spend.ID)}}, false)
	wantStatus(t, p, http.StatusForbidden, "POST without its CSRF token")
	wantBody(t, p, "POST without its CSRF token", "无权访问", "CSRF")
	p = b.post(fmt.Sprintf("/vouchers/%d/check", e.spend.ID), url.Values{"csrf": {"forged"}}, false)
	wantStatus(t, p, http.StatusForbidden, "POST with a forged CSRF token")
	if e.status(e.spend.ID) != ledger.StatusDraft {
		t.Error("a POST without a valid CSRF token changed the voucher")
	}
	p = b.post("/logout", nil, false)
	wantStatus(t, p, http.StatusForbidden, "sign-out without its CSRF token")
}

func TestAuditorSeesNoWriteButton(t *testing.T) {
	e := newEnv(t)
	b := e.login("fengqing")
	for _, path := range []string{fmt.Sprintf("/vouchers/%d", e.spend.ID), fmt.Sprintf("/vouchers/%d", e.receive.ID), "/queue", "/"} {
		p := b.get(path)
		wantStatus(t, p, http.StatusOK, path)
		wantNot(t, p, path, `class="primary write"`, `class="danger write"`, "审核所选", "记账所选")
	}
	for _, act := range []string{"check", "void", "reverse"} {
		id := e.spend.ID
		if act == "reverse" {
			id = e.receive.ID
		}
		p := b.post(fmt.Sprintf("/vouchers/%d/%s", id, act), nil, true)
		wantStatus(t, p, http.StatusForbidden, "auditor "+act)
		wantBody(t, p, "auditor "+act, "无权访问", "审计")
	}
	p := b.post("/queue", url.Values{"act": {"check"}, "id": {fmt.Sprint(e.spend.ID)}}, true)
	wantStatus(t, p, http.StatusForbidden, "auditor checks from /queue")
	if e.status(e.spend.ID) != ledger.StatusDraft || e.status(e.receive.ID) != ledger.StatusPosted {
		t.Error("the auditor's POSTs changed a voucher")
	}
}

func TestSiblingBranchVoucherIsForbidden(t *testing.T) {
	e := newEnv(t)
	b := e.login("cp02officer")
	for _, path := range []string{fmt.Sprintf("/vouchers/%d", e.spend.ID), fmt.Sprintf("/vouchers/%d/print", e.spend.ID),
		fmt.Sprintf("/vouchers/print?id=%d", e.spend.ID), "/vouchers?org=FY-CP-01"} {
		p := b.get(path)
		wantStatus(t, p, http.StatusForbidden, path)
		wantBody(t, p, path, "无权访问")
		wantNot(t, p, path, "1,234.50")
	}
	p := b.post(fmt.Sprintf("/vouchers/%d/void", e.spend.ID), nil, true)
	wantStatus(t, p, http.StatusForbidden, "void a sibling's voucher")
	// The search shows their own branch's voucher only.
	p = b.get("/vouchers?period=2020-02")
	wantStatus(t, p, http.StatusOK, "/vouchers")
	wantBody(t, p, "/vouchers", e.sibling.Word(), "30.00")
	wantNot(t, p, "/vouchers of a scoped user", "1,234.50", "90,000.00")
	// Their own voucher opens.
	wantStatus(t, b.get(fmt.Sprintf("/vouchers/%d", e.sibling.ID)), http.StatusOK, "own voucher")
}

func TestSessionEnds(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.login("wangfang")
	// Idle past web.session_idle: back to /login.
	e.advance(sessionIdle - time.Minute)
	wantStatus(t, b.get("/"), http.StatusOK, "within the idle timeout")
	e.advance(sessionIdle - time.Minute)
	wantStatus(t, b.get("/"), http.StatusOK, "used again within the idle timeout")
	e.advance(sessionIdle + time.Second)
	p := b.get("/vouchers")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/login") {
		t.Fatalf("an idle session: %d %s", p.status, p.header.Get("Location"))
	}
	// Disabling the user ends the session at once.
	b = e.login("wangfang")
	if _, err := e.db.SetUserDisabled(ctx, book, "sunlixin", "wangfang", true); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/"); p.status != http.StatusSeeOther {
		t.Fatalf("the session of a disabled user: %d", p.status)
	}
	if _, err := e.db.SetUserDisabled(ctx, book, "sunlixin", "wangfang", false); err != nil {
		t.Fatal(err)
	}
	// Sign-out ends it in the database: the old cookie is refused.
	b = e.login("wangfang")
	old := b.c.Jar.Cookies(mustURL(e.ts.URL))
	wantStatus(t, b.post("/logout", nil, true), http.StatusSeeOther, "sign-out")
	b.c.Jar.SetCookies(mustURL(e.ts.URL), old)
	if p := b.get("/"); p.status != http.StatusSeeOther {
		t.Fatalf("the cookie of a signed-out session: %d", p.status)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestVoucherPageAndActs(t *testing.T) {
	e := newEnv(t)
	b := e.login("wangfang")
	p := b.get(fmt.Sprintf("/vouchers/%d", e.receive.ID))
	wantStatus(t, p, http.StatusOK, "a posted voucher")
	wantBody(t, p, "a posted voucher", "100201", "玖万元整", "王芳", "李强", "赵敏", "2020年2月10日", "红字冲销", "操作记录", "记账")
	// Reverse it: a red draft that links back.
	p = b.post(fmt.Sprintf("/vouchers/%d/reverse", e.receive.ID), url.Values{"date": {"2020-02-10"}}, true)
	wantStatus(t, p, http.StatusSeeOther, "reverse")
	red := b.get(p.header.Get("Location"))
	wantBody(t, red, "the red voucher", "注销2月10日记字", "-90,000.00", "负玖万元整", "rev-of", "已红字冲销")
	wantBody(t, b.get(fmt.Sprintf("/vouchers/%d", e.receive.ID)), "the reversed voucher", "rev-by")
	// Reversing twice is refused in Chinese.
	p = b.post(fmt.Sprintf("/vouchers/%d/reverse", e.receive.ID), nil, true)
	wantStatus(t, p, http.StatusConflict, "reverse twice")
	// Void a draft of their own.
	v := e.flow("wangfang", ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Procurement,
		Amount: ledger.MustParseMoney("10.00"), Payee: "汾阳市百货", PayeeType: ledger.PayeeSupplier, Attachments: 1})
	wantStatus(t, b.post(fmt.Sprintf("/vouchers/%d/void", v.ID), nil, true), http.StatusSeeOther, "void")
	if e.status(v.ID) != ledger.StatusVoid {
		t.Error("void did not void")
	}
	wantStatus(t, b.get("/vouchers/99999"), http.StatusNotFound, "an unknown voucher")
	wantStatus(t, b.get("/vouchers/x"), http.StatusNotFound, "a malformed id")
	wantStatus(t, b.post(fmt.Sprintf("/vouchers/%d/frobnicate", v.ID), nil, true), http.StatusNotFound, "an unknown act")
	p = b.get("/no/such/page")
	wantStatus(t, p, http.StatusNotFound, "an unknown page")
	wantBody(t, p, "an unknown page", "不存在")
}

func TestPrintView(t *testing.T) {
	e := newEnv(t)
	b := e.login("wangfang")
	p := b.get(fmt.Sprintf("/vouchers/%d/print", e.receive.ID))
	wantStatus(t, p, http.StatusOK, "print")
	wantBody(t, p, "print", "记 账 凭 证", "玖万元整", "会计主管", "记账：李强", "出纳：赵敏", "审核：李强", "制单：王芳", "layout-paper", "附单据 <b>2</b> 张", "人民币玖万元整")
	wantNot(t, p, "print", `class="topbar"`)
	wantBody(t, b.get(fmt.Sprintf("/vouchers/%d/print?layout=a4", e.receive.ID)), "print on A4", "layout-a4")
	// A month in number order.
	p = b.get("/vouchers/print?period=2020-02")
	wantStatus(t, p, http.StatusOK, "print a month")
	words := []string{e.receive.Word(), e.allocate.Word(), e.spend.Word(), e.sibling.Word()}
	last := -1
	for _, w := range words {
		i := strings.Index(p.body, "第 "+strings.TrimLeft(strings.TrimPrefix(w, "记-"), "0")+" 号")
		if i < 0 || i < last {
			t.Errorf("the month's print lacks %s or has it out of order", w)
		}
		last = i
	}
	wantStatus(t, b.get("/vouchers/print?period=2020-13"), http.StatusUnprocessableEntity, "a bad period")
}

func TestSearchAndExport(t *testing.T) {
	e := newEnv(t)
	b := e.login("liqiang")
	for q, want := range map[string][]string{
		"payee=" + url.QueryEscape("医药"):       {e.spend.Word()},
		"amount_min=1000&amount_max=2000":      {e.spend.Word()},
		"amount_min=5000&amount_max=5000":      {e.allocate.Word()},
		"org=FY-CP-02":                         {e.sibling.Word()},
		"status=posted&period=2020-02":         {e.receive.Word(), e.allocate.Word()},
		"maker=cp01officer":                    {e.spend.Word()},
		"purpose=procurement&fund=FY-UP":       {e.spend.Word(), e.sibling.Word()},
		"summary=" + url.QueryEscape("收到上级下拨"): {e.receive.Word()},
		"number=" + fmt.Sprint(e.spend.Number): {e.spend.Word()},
	} {
		p := b.get("/vouchers?" + q)
		wantStatus(t, p, http.StatusOK, q)
		all := []string{e.receive.Word(), e.allocate.Word(), e.spend.Word(), e.sibling.Word()}
		for _, w := range all {
			found := strings.Contains(p.body, ">"+w+"<")
			if found != contains(want, w) {
				t.Errorf("/vouchers?%s: %s shown %v, want %v", q, w, found, !found)
			}
		}
	}
	wantStatus(t, b.get("/vouchers?amount_min=abc"), http.StatusUnprocessableEntity, "a bad amount")
	wantStatus(t, b.get("/vouchers?status=lost"), http.StatusUnprocessableEntity, "a bad status")
	wantStatus(t, b.get("/vouchers?org=NOPE"), http.StatusNotFound, "an unknown organisation")

	// Export: the filtered vouchers as a workbook.
	req, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/vouchers/export?period=2020-02&status=posted", nil)
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("export: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("凭证查询")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][1] != "凭证字号" || rows[1][1] != e.receive.Word() || rows[2][1] != e.allocate.Word() || rows[1][7] != "王芳" {
		t.Errorf("export rows %q", rows)
	}
	if v, _ := f.GetCellValue("凭证查询", "F2"); v != "90,000.00" && v != "90000" && v != "90,000" {
		t.Errorf("export amount %q", v)
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func TestPasswordChange(t *testing.T) {
	e := newEnv(t)
	b := e.login("zhaomin")
	other := e.login("zhaomin")
	p := b.post("/account/password", url.Values{"current": {"wrong one"}, "new": {"a new passphrase"}, "again": {"a new passphrase"}}, true)
	wantStatus(t, p, http.StatusUnprocessableEntity, "wrong current password")
	wantBody(t, p, "wrong current password", "当前密码不正确")
	p = b.post("/account/password", url.Values{"current": {passwords["zhaomin"]}, "new": {"a new passphrase"}, "again": {"another"}}, true)
	wantBody(t, p, "different new passwords", "两次输入的新密码不一致")
	p = b.post("/account/password", url.Values{"current": {passwords["zhaomin"]}, "new": {"a new passphrase"}, "again": {"a new passphrase"}}, true)
	wantStatus(t, p, http.StatusOK, "change password")
	wantBody(t, p, "change password", "密码已修改")
	if _, err := e.db.Login(context.Background(), book, "zhaomin", "a new passphrase"); err != nil {
		t.Errorf("the new password does not work: %v", err)
	}
	wantStatus(t, b.get("/"), http.StatusOK, "the session that changed the password")
	wantStatus(t, other.get("/"), http.StatusSeeOther, "another session after the change")
}

func TestAPIAcceptsTheSessionWithItsCSRFHeader(t *testing.T) {
	e := newEnv(t)
	b := e.login("wangfang")
	// Page scripts read the token from the layout's meta tag.
	wantBody(t, b.get("/"), "the layout", `<meta name="csrf-token" content="`+b.csrf+`">`)
	get := func(header bool) page {
		req, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/api/v1/me", nil)
		if header {
			req.Header.Set(postgres.CSRFHeader, b.csrf)
		}
		return b.do(req)
	}
	p := get(true)
	wantStatus(t, p, http.StatusOK, "GET /api/v1/me with the session")
	wantBody(t, p, "/api/v1/me", `"user":"wangfang"`)
	wantStatus(t, get(false), http.StatusForbidden, "GET /api/v1/me without the CSRF header")
	// A write through the session: void the officer's own draft.
	v := e.flow("wangfang", ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Procurement,
		Amount: ledger.MustParseMoney("10.00"), Payee: "汾阳市百货", PayeeType: ledger.PayeeSupplier, Attachments: 1})
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/vouchers/%d/void", e.ts.URL, v.ID), strings.NewReader("{}"))
	req.Header.Set(postgres.CSRFHeader, b.csrf)
	req.Header.Set("Idempotency-Key", "web-void-1")
	req.Header.Set("Content-Type", "application/json")
	wantStatus(t, b.do(req), http.StatusOK, "void through the API with the session")
	if e.status(v.ID) != ledger.StatusVoid {
		t.Error("the API write with the session did not happen")
	}
}

func TestServerFaultIsAChinesePageWithoutDetails(t *testing.T) {
	e := newEnv(t)
	b := e.login("wangfang")
	e.db.Pool.Close() // every database call fails from now on
	p := b.get("/vouchers")
	if p.status < 500 {
		t.Fatalf("a page without its database: %d", p.status)
	}
	wantBody(t, p, "a page without its database", `lang="zh-CN"`, "错误")
	wantNot(t, p, "a page without its database", "goroutine", "pgx", "closed pool", ".go:", "{")
}
