package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/internal/demo"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/httpapi"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
	"github.com/fenyang/partyfee/ledger/web"
)

// The month end's users: the demo's admin of the whole book and an admin
// of one branch added here.
var batchPasswords = map[string]string{"sunlixin": "demo-admin-1", "cp01admin": "cp01-admin-pw"}

// demoEnv is `ledger serve`'s handler over the demo's database (February
// closed by its batch with the GBK bank statement of the 党费专户, March
// open), the demo's bank statement file, and a clock in April 2020.
type demoEnv struct {
	*env
	statement string // bank-statement-2020-02.csv, GBK
}

func newDemoEnv(t *testing.T) *demoEnv {
	t.Helper()
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	ctx := context.Background()
	out := t.TempDir()
	var log bytes.Buffer
	if err := demo.Run(ctx, db, demo.Options{OutDir: out, Out: &log}); err != nil {
		t.Fatalf("demo: %v\n%s", err, log.String())
	}
	// The pages get their own handle on the clock of April (the demo's
	// keeps the demo's clock), and every posted voucher is sealed, as the
	// sealer of `ledger serve` does.
	db = tdb.Open(t, tdb.AppURL)
	db.Source = "http"
	e := &env{t: t, db: db}
	e.clock.Store(time.Date(2020, 4, 1, 9, 0, 0, 0, time.UTC).UnixNano())
	db.Now = e.now
	if _, err := db.SealPending(ctx, book); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddUser(ctx, book, ledger.User{Name: "cp01admin", FullName: "白晓东", Roles: []ledger.Role{ledger.RoleAdmin}, Scope: "FY-CP-01"},
		batchPasswords["cp01admin"]); err != nil {
		t.Fatal(err)
	}
	layouts, err := configs.BankLayouts("")
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := ledger.LoadTimeZone("")
	var api *httpapi.Server
	pages := web.New(db, web.Options{Book: book, TimeZone: loc, SessionIdle: sessionIdle, SessionMax: 12 * time.Hour,
		LoginAttemptsMax: 5, LoginAddressAttemptsMax: 50, LoginWindow: 15 * time.Minute,
		ClientAddr: func(r *http.Request) string { return api.ClientAddr(r) },
		Batch:      web.BatchOptions{Layouts: layouts, WindowDays: 10}})
	api = httpapi.New(db, httpapi.Options{Book: book, BodyLimitBytes: 1 << 20, RequestTimeout: 60 * time.Second, TokenTTL: time.Hour,
		LoginAttemptsMax: 5, LoginAddressAttemptsMax: 50, LoginWindow: 15 * time.Minute, ReconcileWindowDays: 10,
		SessionIdle: sessionIdle, Pages: pages})
	e.ts = httptest.NewServer(api.Handler())
	t.Cleanup(e.ts.Close)
	st := filepath.Join(out, "bank-statement-2020-02.csv")
	if _, err := os.Stat(st); err != nil {
		t.Fatalf("the demo wrote no bank statement: %v", err)
	}
	return &demoEnv{env: e, statement: st}
}

// signIn signs user in with the password of batchPasswords or passwords.
func (e *demoEnv) signIn(user string) *browser {
	e.t.Helper()
	pw := batchPasswords[user]
	if pw == "" {
		pw = passwords[user]
	}
	b := e.browser()
	p := b.post("/login", url.Values{"username": {user}, "password": {pw}}, false)
	if p.status != http.StatusSeeOther {
		e.t.Fatalf("login %s: %d\n%s", user, p.status, p.body)
	}
	if p := b.get("/"); p.status != http.StatusOK || b.csrf == "" {
		e.t.Fatalf("dashboard of %s: %d\n%s", user, p.status, p.body)
	}
	return b
}

var jobID = regexp.MustCompile(`[?&]job=([0-9a-f]+)`)

// finish follows a POST that started a run to its page once the run has
// ended.
func (b *browser) finish(p page, what string) page {
	t := b.e.t
	t.Helper()
	loc := p.header.Get("Location")
	m := jobID.FindStringSubmatch(loc)
	if p.status != http.StatusSeeOther || m == nil {
		t.Fatalf("%s: %d %q, want a run started\n%s", what, p.status, loc, p.body)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		s := b.get("/batch/jobs/" + m[1])
		if s.status != http.StatusOK {
			t.Fatalf("%s: the run's status %d\n%s", what, s.status, s.body)
		}
		var st struct {
			Finished    bool   `json:"finished"`
			Page        string `json:"page"`
			Done, Total int
		}
		if err := json.Unmarshal([]byte(s.body), &st); err != nil {
			t.Fatalf("%s: the run's status %q: %v", what, s.body, err)
		}
		if st.Finished {
			if st.Page != loc {
				t.Errorf("%s: the run's page is %q, the redirect %q", what, st.Page, loc)
			}
			// Every step of the batch was reported on the way.
			if st.Total == 0 || st.Done != st.Total {
				t.Errorf("%s: the run ended at step %d of %d", what, st.Done, st.Total)
			}
			return b.get(st.Page)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the run did not end", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// upload posts the bank statement file as the page's form does.
func (b *browser) uploadStatement(period, layout, name string, data []byte, withCSRF bool) page {
	b.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if withCSRF {
		mw.WriteField("csrf", b.csrf)
	}
	mw.WriteField("period", period)
	mw.WriteField("layout", layout)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.e.ts.URL+"/batch/statement", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// highFindingInMarch posts a March spending of a special fund without its
// decision (A-12, HIGH) and records the findings of March; it returns the
// finding.
func (e *demoEnv) highFindingInMarch() postgres.StoredFinding {
	e.t.Helper()
	v := e.flow("cp01officer", ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Procurement,
		Amount: ledger.MustParseMoney("86.00"), Payee: "汾阳市医药药材有限公司", PayeeType: ledger.PayeeSupplier, Attachments: 1,
		Date: time.Date(2020, 3, 20, 0, 0, 0, 0, time.UTC)})
	e.approve(v)
	ctx := context.Background()
	if _, err := e.db.SealPending(ctx, book); err != nil {
		e.t.Fatal(err)
	}
	p, _ := ledger.ParsePeriod("2020-03")
	in, err := e.db.AuditInput(ctx, book, p.From, p.To)
	if err != nil {
		e.t.Fatal(err)
	}
	cfg := audit.DefaultConfig()
	fs, err := e.db.RecordFindings(ctx, book, p, audit.Evaluate(in, &cfg), e.now())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, f := range fs {
		if f.VoucherID == v.ID && f.Severity == audit.SeverityHigh && f.State == audit.FindingOpen {
			return f
		}
	}
	e.t.Fatalf("no open HIGH finding on %s: %+v", v.Word(), fs)
	return postgres.StoredFinding{}
}

func (e *demoEnv) periodStatus(year, month int) postgres.PeriodInfo {
	e.t.Helper()
	ps, err := e.db.Periods(context.Background(), book)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, p := range ps {
		if p.Year == year && p.Month == month {
			return p
		}
	}
	return postgres.PeriodInfo{Year: year, Month: month, Status: "open"}
}

// TestBatchPages walks the month end's statuses and refusals over the
// demo's database: who may read and act, CSRF, the reason of a re-opening
// and of a close without a bank statement, a close refused while a check
// fails, the upload of the GBK statement with its two timing differences,
// the close, and the workbook.
func TestBatchPages(t *testing.T) {
	t.Parallel()
	e := newDemoEnv(t)

	// An officer may not open the month end.
	o := e.signIn("wangfang")
	p := o.get("/batch?period=2020-02")
	wantStatus(t, p, http.StatusForbidden, "an officer's /batch")
	wantBody(t, p, "an officer's /batch", "无权访问")
	wantNot(t, o.get("/"), "an officer's menu", `href="/batch"`)

	// An auditor reads the month and downloads the workbook; no act is offered
	// and every act is refused.
	a := e.signIn("fengqing")
	p = a.get("/batch?period=2020-02")
	wantStatus(t, p, http.StatusOK, "an auditor's /batch")
	wantBody(t, p, "an auditor's /batch", "月末结账 · 2020年2月", "已结账", "/batch/workbook?period=2020-02", "仅由全账套的管理员执行")
	wantNot(t, p, "an auditor's /batch", `action="/batch/reopen"`, `action="/batch/close"`, `action="/batch/statement"`, `action="/batch/preview"`)
	wantStatus(t, a.post("/batch/reopen", url.Values{"period": {"2020-02"}, "reason": {"补记"}}, true), http.StatusForbidden, "an auditor's re-open")
	wantStatus(t, a.post("/batch/close", url.Values{"period": {"2020-03"}}, true), http.StatusForbidden, "an auditor's close")
	wantStatus(t, a.post("/batch/preview", url.Values{"period": {"2020-03"}}, true), http.StatusForbidden, "an auditor's preview")
	wb := a.get("/batch/workbook?period=2020-02")
	wantStatus(t, wb, http.StatusOK, "the auditor's workbook")
	if ct := wb.header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
		t.Errorf("the workbook is %q", ct)
	}
	x, err := excelize.OpenReader(strings.NewReader(wb.body))
	if err != nil {
		t.Fatalf("the workbook: %v", err)
	}
	if sheets := x.GetSheetList(); len(sheets) < 2 {
		t.Errorf("the reconciliation workbook has the sheets %q", sheets)
	}
	x.Close()

	// An admin of one branch sees the month's state but no book-wide act,
	// no menu entry and no workbook; the server refuses anyway.
	c := e.signIn("cp01admin")
	wantNot(t, c.get("/"), "a branch admin's menu", `href="/batch"`)
	p = c.get("/batch?period=2020-02")
	wantStatus(t, p, http.StatusOK, "a branch admin's /batch")
	wantBody(t, p, "a branch admin's /batch", "已结账", "仅由全账套的管理员执行")
	wantNot(t, p, "a branch admin's /batch", `action="/batch/reopen"`, `action="/batch/close"`, `action="/batch/statement"`, "/batch/workbook",
		"bank-statement-2020-02.csv", "最近记录的运行")
	for _, act := range []string{"reopen", "close", "preview"} {
		p = c.post("/batch/"+act, url.Values{"period": {"2020-02"}, "reason": {"补记"}}, true)
		wantStatus(t, p, http.StatusForbidden, "a branch admin's "+act)
		wantBody(t, p, "a branch admin's "+act, "无权访问")
	}
	wantStatus(t, c.uploadStatement("2020-02", "", "s.csv", []byte("x"), true), http.StatusForbidden, "a branch admin's upload")
	wantStatus(t, c.get("/batch/workbook?period=2020-02"), http.StatusForbidden, "a branch admin's workbook")

	// The admin of the whole book.
	s := e.signIn("sunlixin")
	wantBody(t, s.get("/"), "the admin's menu", `href="/batch"`)
	p = s.get("/batch?period=2020-02")
	wantStatus(t, p, http.StatusOK, "the admin's /batch")
	wantBody(t, p, "the admin's /batch", "已结账", `action="/batch/reopen"`, "结账", "系统（定时批处理）",
		"bank-statement-2020-02.csv（格式：工商银行企业网银账户明细（借方发生额/贷方发生额），", "全部通过，已结账")
	wantNot(t, p, "the admin's /batch", "格式 icbc", "格式：icbc")
	wantNot(t, p, "the admin's /batch of a closed month", `action="/batch/close"`, `action="/batch/statement"`)
	wantStatus(t, s.get("/batch?period=2020-13"), http.StatusUnprocessableEntity, "a bad month")
	wantStatus(t, s.get("/batch?period=2020"), http.StatusUnprocessableEntity, "a year")

	// Re-opening: CSRF, then a reason, then the latest closed month only.
	wantStatus(t, s.post("/batch/reopen", url.Values{"period": {"2020-02"}, "reason": {"补记"}}, false), http.StatusForbidden, "a re-open without CSRF")
	p = s.post("/batch/reopen", url.Values{"period": {"2020-02"}, "reason": {"  "}}, true)
	wantStatus(t, p, http.StatusUnprocessableEntity, "a re-open without a reason")
	wantBody(t, p, "a re-open without a reason", "反结账须填写原因")
	if st := e.periodStatus(2020, 2); st.Status != "closed" {
		t.Fatalf("February is %s after refused re-openings", st.Status)
	}
	p = s.post("/batch/reopen", url.Values{"period": {"2020-02"}, "reason": {"补记2月29日慰问支出"}}, true)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/batch?done=reopen&period=2020-02" {
		t.Fatalf("re-open: %d %q\n%s", p.status, p.header.Get("Location"), p.body)
	}
	if st := e.periodStatus(2020, 2); st.Status != "open" {
		t.Fatalf("February is %s after the re-open", st.Status)
	}
	p = s.get("/batch?done=reopen&period=2020-02")
	wantBody(t, p, "February re-opened", "2020年2月已反结账", "未结账", "补记2月29日慰问支出", "反结账", `action="/batch/close"`, `action="/batch/statement"`)
	wantStatus(t, s.post("/batch/reopen", url.Values{"period": {"2020-02"}, "reason": {"再次"}}, true), http.StatusConflict, "re-opening an open month")

	// A close while a check fails is refused, saying why: March while
	// February is open.
	p = s.finish(s.post("/batch/close", url.Values{"period": {"2020-03"}, "without_statement": {"on"}, "reason": {"三月对账单未到"}}, true), "close March")
	wantStatus(t, p, http.StatusConflict, "March's close while February is open")
	wantBody(t, p, "March's close while February is open", "未结账：对账未通过", "上月已结账：不符 1 项", "不符")
	if st := e.periodStatus(2020, 3); st.Status != "open" {
		t.Fatalf("March is %s after a refused close", st.Status)
	}
	// Closing without a statement needs the reason; no CSRF, no run.
	p = s.post("/batch/close", url.Values{"period": {"2020-02"}, "without_statement": {"on"}}, true)
	wantStatus(t, p, http.StatusUnprocessableEntity, "a close without a statement nor a reason")
	wantBody(t, p, "a close without a statement nor a reason", "无银行对账单结账须填写原因")
	wantStatus(t, s.post("/batch/close", url.Values{"period": {"2020-02"}}, false), http.StatusForbidden, "a close without CSRF")

	// The bank statement: CSRF, a file in no layout, an unknown layout,
	// then the demo's GBK statement.
	data, err := os.ReadFile(e.statement)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, s.uploadStatement("2020-02", "", "icbc.csv", data, false), http.StatusForbidden, "an upload without CSRF")
	wantStatus(t, s.uploadStatement("2020-02", "", "x.csv", []byte("a,b,c\n1,2,3\n"), true), http.StatusUnprocessableEntity, "a file in no layout")
	wantStatus(t, s.uploadStatement("2020-02", "nobank", "icbc.csv", data, true), http.StatusUnprocessableEntity, "an unknown layout")
	wantStatus(t, s.uploadStatement("2020-02", "", "", nil, true), http.StatusUnprocessableEntity, "no file")
	up := s.uploadStatement("2020-02", "icbc", "icbc-2020-02.csv", data, true)
	p = s.finish(up, "upload the statement")
	wantStatus(t, p, http.StatusOK, "the reconciliation with the statement")
	wantBody(t, p, "the reconciliation with the statement", "银行存款余额调节表", "未达账项 <strong class=\"batch-outstanding\">2 笔</strong>",
		"企业已收、银行未收", "银行已收、企业未收", "12,860.00", "23.65", "调节后余额<strong class=\"ok\">相等</strong>", "全部通过", "通过")
	wantNot(t, p, "the reconciliation with the statement", "不符 1 项")
	// Another user does not see the run.
	m := jobID.FindStringSubmatch(up.header.Get("Location"))
	wantStatus(t, a.get("/batch/jobs/"+m[1]), http.StatusNotFound, "another user's run")
	wantBody(t, a.get("/batch?period=2020-02&job="+m[1]), "another user's run page", "该次运行的结果已不在")

	// The close: clean, by the admin.
	p = s.finish(s.post("/batch/close", url.Values{"period": {"2020-02"}}, true), "close February")
	wantStatus(t, p, http.StatusOK, "February's close")
	wantBody(t, p, "February's close", "2020年2月已结账（孙立新", "已结账")
	wantBody(t, s.get("/batch?period=2020-02"), "February closed again", `class="batch-last-run">2020-`, "全部通过")
	if p := s.get("/batch?period=2020-03"); !strings.Contains(p.body, "未上传") {
		t.Errorf("March has a stored statement:\n%s", p.body)
	}
	if st := e.periodStatus(2020, 2); st.Status != "closed" || st.ClosedBy != "sunlixin" || len(st.Seal) != 64 {
		t.Fatalf("February after the close: %+v", st)
	}

	// March: a HIGH finding open refuses the close, naming the finding.
	f := e.highFindingInMarch()
	p = s.finish(s.post("/batch/close", url.Values{"period": {"2020-03"}, "without_statement": {"on"}, "reason": {"三月对账单未到"}}, true), "close March")
	wantStatus(t, p, http.StatusConflict, "March's close with a HIGH finding open")
	wantBody(t, p, "March's close with a HIGH finding open", "无未整改的高风险异常：不符", fmt.Sprintf(`href="/audit/findings/%d"`, f.ID), f.Rule)
	if st := e.periodStatus(2020, 3); st.Status != "open" {
		t.Fatalf("March is %s after a refused close", st.Status)
	}
}
