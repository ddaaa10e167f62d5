package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// recordFindings evaluates the audit rules over February 2020 and records
// the findings, as `ledger audit --period 2020-02` does.
func (e *env) recordFindings() []postgres.StoredFinding {
	e.t.Helper()
	ctx := context.Background()
	p, err := ledger.ParsePeriod("2020-02")
	if err != nil {
		e.t.Fatal(err)
	}
	in, err := e.db.AuditInput(ctx, book, p.From, p.To)
	if err != nil {
		e.t.Fatal(err)
	}
	cfg := audit.DefaultConfig()
	fs, err := e.db.RecordFindings(ctx, book, p, audit.Evaluate(in, &cfg), e.now())
	if err != nil {
		e.t.Fatal(err)
	}
	if len(fs) == 0 {
		e.t.Fatal("the fixture's February has no finding")
	}
	return fs
}

func TestAuditFindingsPages(t *testing.T) {
	e := newEnv(t)
	fs := e.recordFindings()
	for _, f := range fs {
		t.Logf("finding %d %s %s %s org=%q voucher=%d", f.ID, f.Rule, f.Severity, f.Type, f.Org, f.VoucherID)
	}
	f := fs[0]
	b := e.login("fengqing")
	p := b.get("/audit/findings?period=2020-02")
	wantStatus(t, p, http.StatusOK, "the findings of February")
	wantBody(t, p, "the findings of February", "审计发现", fmt.Sprintf(`href="/audit/findings/%d"`, f.ID), f.Rule, fmt.Sprintf("共 %d 条", len(fs)))

	p = b.get("/audit/findings?period=2020-02&rule=A-99")
	wantStatus(t, p, http.StatusOK, "an unknown rule")
	wantBody(t, p, "an unknown rule", "没有审计发现", "共 0 条")
	wantStatus(t, b.get("/audit/findings?period=2020-13"), http.StatusUnprocessableEntity, "a bad period")
	wantStatus(t, b.get("/audit/findings?org=NOPE"), http.StatusNotFound, "an unknown organisation")

	id := fmt.Sprint(f.ID)
	p = b.get("/audit/findings/" + id)
	wantStatus(t, p, http.StatusOK, "a finding")
	wantBody(t, p, "a finding", "认定意见", "/audit/findings/"+id+"/ack", "暂无处理记录")
	if f.VoucherID != 0 {
		wantBody(t, p, "a finding", fmt.Sprintf(`href="/vouchers/%d"`, f.VoucherID))
	}
	wantStatus(t, b.get("/audit/findings/999999"), http.StatusNotFound, "no such finding")

	// Without the CSRF token nothing moves.
	wantStatus(t, b.post("/audit/findings/"+id+"/ack", url.Values{"note": {"属实"}}, false), http.StatusForbidden, "ack without CSRF")
	// An officer may read but not acknowledge; the page offers no form.
	o := e.login("wangfang")
	p = o.get("/audit/findings/" + id)
	wantStatus(t, p, http.StatusOK, "a finding for an officer")
	wantNot(t, p, "a finding for an officer", "/ack", "/rectify")
	wantStatus(t, o.post("/audit/findings/"+id+"/ack", url.Values{"note": {"属实"}}, true), http.StatusForbidden, "an officer's ack")

	p = b.post("/audit/findings/"+id+"/ack", url.Values{"note": {"情况属实，限期整改"}, "deadline": {"2020-02-20"}}, true)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/audit/findings/"+id+"?done=ack" {
		t.Fatalf("ack: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	p = b.get("/audit/findings/" + id + "?done=ack")
	wantBody(t, p, "an acknowledged finding", "已认定该问题", "情况属实，限期整改", "2020-02-20", "登记整改", "/rectify")
	wantNot(t, p, "an acknowledged finding", "已逾期")
	wantStatus(t, b.post("/audit/findings/"+id+"/ack", url.Values{"note": {"again"}}, true), http.StatusConflict, "a second ack")

	// After the deadline the finding stands out as overdue, on its page,
	// in the list and in the export.
	e.advance(15 * 24 * time.Hour)
	b = e.login("fengqing")
	wantBody(t, b.get("/audit/findings/"+id), "an overdue finding", "已逾期")
	p = b.get("/audit/findings?state=acknowledged")
	wantBody(t, p, "the overdue list", "已逾期", `class="overdue"`, "共 1 条")
	p = b.get("/audit/findings/export?state=acknowledged")
	wantStatus(t, p, http.StatusOK, "the export")
	if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("the export is %q", ct)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(p.body, "\ufeff"))).ReadAll()
	if err != nil || len(recs) != 2 || recs[0][0] != "编号" || recs[1][0] != id || !slices.Contains(recs[1], audit.FindingStateName(audit.FindingAcknowledged)+"（已逾期）") || !slices.Contains(recs[1], "2020-02-20") {
		t.Errorf("the export of the acknowledged findings (%v): %q", err, recs)
	}

	p = b.post("/audit/findings/"+id+"/rectify", url.Values{"note": {"=已退回款项"}}, true)
	wantStatus(t, p, http.StatusSeeOther, "rectify")
	p = b.get("/audit/findings/" + id)
	wantBody(t, p, "a rectified finding", "已整改", "已退回款项", "情况属实，限期整改")
	wantNot(t, p, "a rectified finding", "已逾期", `action="/audit/findings/`+id+`/rectify"`)
	// A note that reads as a formula stays text in the export.
	p = b.get("/audit/findings/export?state=rectified")
	recs, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(p.body, "\ufeff"))).ReadAll()
	if err != nil || len(recs) != 2 || recs[1][len(recs[1])-1] != "'=已退回款项" {
		t.Errorf("the export of the rectified findings (%v): %q", err, recs)
	}
	got, err := e.db.Findings(context.Background(), book, postgres.FindingFilter{State: audit.FindingRectified})
	if err != nil || len(got) != 1 || got[0].ID != f.ID || got[0].UpdatedBy != "fengqing" {
		t.Errorf("rectified findings %+v, %v", got, err)
	}
}

func TestAuditOverview(t *testing.T) {
	e := newEnv(t)
	// The fixture's spend of FY-CP-01 posted: 1,234.50 of 物资采购.
	e.approve(e.spend)
	b := e.login("fengqing")
	p := b.get("/audit?period=2020-02")
	wantStatus(t, p, http.StatusOK, "the overview")
	wantBody(t, p, "the overview", "审计总览", "90,000.00", "玖万元整", "1,234.50", "本期间尚未执行", "重新执行审计", "未封存")
	link := "/vouchers?" + url.Values{"period": {"2020-02"}, "account": {"5001"}, "kind": {"special"}, "purpose": {string(ledger.Procurement)}, "status": {"posted"}}.Encode()
	wantBody(t, p, "the overview", `href="`+strings.ReplaceAll(link, "&", "&amp;")+`"`)
	// The figure's link yields exactly the vouchers behind it.
	p = b.get(link)
	wantStatus(t, p, http.StatusOK, "the vouchers of 物资采购")
	wantBody(t, p, "the vouchers of 物资采购", fmt.Sprintf(`href="/vouchers/%d"`, e.spend.ID))
	wantNot(t, p, "the vouchers of 物资采购", fmt.Sprintf(`href="/vouchers/%d"`, e.receive.ID), fmt.Sprintf(`href="/vouchers/%d"`, e.sibling.ID))

	// FY-CP-01 received 5,000.00 and spent 1,234.50: 3,765.50 unspent.
	unspent := "/vouchers?" + url.Values{"org": {"FY-CP-01"}, "own": {"1"}, "kind": {"special"}, "account": {ledger.AcctPending}, "status": {"posted"}, "to": {"2020-02-29"}}.Encode()
	wantBody(t, b.get("/audit?period=2020-02"), "the overview", `href="`+strings.ReplaceAll(unspent, "&", "&amp;")+`" class="figure" data-measure="debit-credit">3,765.50</a>`)

	// An officer has no overview and may not run the rules.
	o := e.login("wangfang")
	wantStatus(t, o.get("/audit?period=2020-02"), http.StatusForbidden, "an officer's overview")
	wantNot(t, o.get("/"), "an officer's menu", `href="/audit"`)
	wantBody(t, b.get("/"), "an auditor's menu", `href="/audit"`)
	wantStatus(t, o.post("/audit/run", url.Values{"period": {"2020-02"}}, true), http.StatusForbidden, "an officer's run")
	wantStatus(t, b.post("/audit/run", url.Values{"period": {"2020-02"}}, false), http.StatusForbidden, "a run without CSRF")
	wantStatus(t, b.get("/audit?period=2020-13"), http.StatusUnprocessableEntity, "a bad period")

	p = b.post("/audit/run", url.Values{"period": {"2020-02"}}, true)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/audit?") {
		t.Fatalf("run: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	fs, err := e.db.Findings(context.Background(), book, postgres.FindingFilter{})
	if err != nil || len(fs) == 0 {
		t.Fatalf("findings after the run: %v, %v", fs, err)
	}
	p = b.get(p.header.Get("Location"))
	wantBody(t, p, "the overview after a run", "已重新执行审计规则", fmt.Sprintf("发现 %d 条", len(fs)))
	wantNot(t, p, "the overview after a run", "本期间尚未执行")
	high := 0
	for _, f := range fs {
		if f.Severity == audit.SeverityHigh && f.State == audit.FindingOpen {
			high++
		}
	}
	hl := "/audit/findings?" + url.Values{"period": {"2020-02"}, "severity": {"HIGH"}, "state": {"open"}}.Encode()
	wantBody(t, p, "the overview after a run", fmt.Sprintf(`href="%s">%d</a>`, strings.ReplaceAll(hl, "&", "&amp;"), high))
}

func TestAuditSearchAndReveal(t *testing.T) {
	e := newEnv(t)
	const idNumber = "142301197001011236"
	pay := func(actor, org, amount string) *ledger.Voucher {
		a := ledger.MustParseMoney(amount)
		return e.flow(actor, ledger.FlowRequest{Flow: ledger.FlowSpend, Org: org, Fund: "FY-UP", Purpose: ledger.Condolence, Amount: a,
			Payee: "张三", PayeeType: ledger.PayeeIndividual, Attachments: 1,
			Beneficiaries: []ledger.Beneficiary{{Name: "张三", Category: "群众", IDNumber: idNumber, Amount: a}}})
	}
	v1, v2 := pay("cp01officer", "FY-CP-01", "500.00"), pay("cp02officer", "FY-CP-02", "300.00")
	b := e.login("fengqing")
	p := b.get("/audit/search?q=" + idNumber)
	wantStatus(t, p, http.StatusOK, "the search by ID number")
	wantBody(t, p, "the search by ID number", "共 2 笔", ledger.MaskID(idNumber), fmt.Sprintf(`href="/vouchers/%d"`, v1.ID), fmt.Sprintf(`href="/vouchers/%d"`, v2.ID))
	wantNot(t, p, "the search by ID number", ">"+idNumber+"<", "value=\""+idNumber+"\"><")
	wantBody(t, b.get("/audit/search?q=%E5%BC%A0"), "the search by name", "共 2 笔")
	wantBody(t, b.get("/audit/search?repeat=1&period=2020-02&days=3"), "paid more than once", "共 2 笔", fmt.Sprintf(`href="/vouchers/%d"`, v2.ID))
	wantBody(t, b.get("/audit/search?q=142301197001011237"), "another number", "共 0 笔")
	wantStatus(t, e.login("wangfang").get("/audit/search?q="+idNumber), http.StatusForbidden, "an officer's search")

	// Showing the whole number needs a reason and leaves a row in the
	// action log.
	count := func() int {
		var n int
		if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM actions WHERE book = $1 AND action = 'reveal_id' AND actor = 'fengqing' AND voucher_id = $2`, book, v2.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	wantStatus(t, b.post("/audit/reveal", url.Values{"voucher": {fmt.Sprint(v2.ID)}, "seq": {"1"}, "reason": {" "}}, true), http.StatusUnprocessableEntity, "a reveal without reason")
	wantStatus(t, b.post("/audit/reveal", url.Values{"voucher": {fmt.Sprint(v2.ID)}, "seq": {"1"}, "reason": {"核对"}}, false), http.StatusForbidden, "a reveal without CSRF")
	if n := count(); n != 0 {
		t.Fatalf("%d reveals logged before any was made", n)
	}
	p = b.post("/audit/reveal", url.Values{"voucher": {fmt.Sprint(v2.ID)}, "seq": {"1"}, "reason": {"核对重复领取"}}, true)
	wantStatus(t, p, http.StatusOK, "a reveal")
	wantBody(t, p, "a reveal", idNumber, "张三", "已记入操作日志")
	if n := count(); n != 1 {
		t.Errorf("%d reveals logged, want 1", n)
	}
	// The admin sees who looked, at what and why; the auditor may not.
	wantStatus(t, b.get("/audit/reveals"), http.StatusForbidden, "the auditor's reveal log")
	admin := e.login("sunlixin")
	p = admin.get("/audit/reveals")
	wantStatus(t, p, http.StatusOK, "the reveal log")
	wantBody(t, p, "the reveal log", "冯清", "核对重复领取", "张三", fmt.Sprintf(`href="/vouchers/%d"`, v2.ID))
	wantNot(t, p, "the reveal log", idNumber)
	wantStatus(t, b.post("/audit/reveal", url.Values{"voucher": {fmt.Sprint(v2.ID)}, "seq": {"2"}, "reason": {"核对"}}, true), http.StatusNotFound, "no such beneficiary")
}

// An auditor reads every voucher but is offered no act on it, and the
// server refuses one anyway.
func TestAuditorHasNoWriteControl(t *testing.T) {
	e := newEnv(t)
	b := e.login("fengqing")
	for _, v := range []*ledger.Voucher{e.spend, e.receive} {
		p := b.get(fmt.Sprintf("/vouchers/%d", v.ID))
		wantStatus(t, p, http.StatusOK, "a voucher for the auditor")
		wantNot(t, p, "a voucher for the auditor", fmt.Sprintf(`action="/vouchers/%d/`, v.ID))
	}
	p := b.get("/queue")
	wantNot(t, p, "the auditor's queue", "data-needs-pick")
	wantStatus(t, b.post(fmt.Sprintf("/vouchers/%d/check", e.spend.ID), nil, true), http.StatusForbidden, "the auditor's check")
	wantStatus(t, b.post(fmt.Sprintf("/vouchers/%d/reverse", e.receive.ID), nil, true), http.StatusForbidden, "the auditor's reversal")
	if e.status(e.spend.ID) != ledger.StatusDraft || e.status(e.receive.ID) != ledger.StatusPosted {
		t.Error("the auditor changed a voucher")
	}
}

// The demo's admin of the whole book.
func init() { passwords["sunlixin"] = "demo-admin-1" }
