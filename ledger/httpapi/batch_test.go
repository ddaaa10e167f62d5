package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger"
)

func TestAuditWorkbookDownload(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.funded()
	e.posted(officer, ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Procurement, Amount: amt("1200.00"),
		Payee: "汾阳市医药公司", PayeeType: ledger.PayeeSupplier, Attachments: 2, Decision: "支委会2020-02-07"})
	r := e.get(auditor, "/api/v1/reports/audit?period=2020-02")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("%d %s: %.300s", r.status, r.header.Get("Content-Type"), r.body)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, `filename="audit-2020-02.xlsx"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("the download is not a workbook: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	for _, want := range []string{"封面", "T1 收支总表", "T3 使用明细", "凭证清单"} {
		if !slices.Contains(sheets, want) {
			t.Errorf("no sheet %s in %v", want, sheets)
		}
	}
	rows, err := f.GetRows("T3 使用明细")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fmt.Sprint(rows), "汾阳市医药公司") {
		t.Errorf("T3 does not show the spending: %v", rows)
	}
	// One sheet alone; a scoped officer gets the workbook of the branch.
	r = e.get(officer, "/api/v1/reports/audit?period=2020-02&sheet=T1")
	expect(t, r, http.StatusOK, "")
	r = e.get(cpOfficer, "/api/v1/reports/audit?period=2020-02")
	expect(t, r, http.StatusOK, "")
	if !strings.Contains(r.header.Get("Content-Disposition"), "FY-CP-01") {
		t.Errorf("scoped workbook named %q", r.header.Get("Content-Disposition"))
	}
	expect(t, e.get(cpOfficer, "/api/v1/reports/audit?period=2020-02&org=FY-CP-02"), http.StatusForbidden, ledger.EForbidden)
	expect(t, e.get(auditor, "/api/v1/reports/audit"), http.StatusBadRequest, ledger.EInvalid)
	expect(t, e.get(auditor, "/api/v1/reports/audit?period=2020-13"), http.StatusBadRequest, ledger.EInvalid)
	expect(t, e.get(auditor, "/api/v1/reports/audit?period=2020-02&sheet=T99"), http.StatusBadRequest, ledger.EInvalid)
}

// TestMonthEndThroughTheAPI runs the month end through the API: the
// auditor evaluates the rules and acknowledges the HIGH findings but may
// not run the batch (a run is a write), the admin's reconciliation run is
// clean, an admin closes the month, posting into it is refused, and an
// admin re-opens it with a reason.
func TestMonthEndThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.funded()
	ctx := context.Background()
	if _, err := e.db.SealAll(ctx); err != nil {
		t.Fatal(err)
	}
	r := e.post(auditor, "/api/v1/audit-runs", map[string]string{"period": "2020-02"})
	expect(t, r, http.StatusOK, "")
	var run struct {
		Status   string
		Findings []struct {
			ID       int64
			Severity string
			State    string
		}
	}
	json.Unmarshal(r.body, &run)
	if run.Status != "open_high" {
		t.Fatalf("audit run %s", r.body)
	}
	// The batch is an admin's: the auditor, a scoped admin and an
	// officer are refused, naming the user, and no run is recorded.
	const cpAdmin = "cpadmin"
	if err := addUser(e, ledger.User{Name: cpAdmin, Roles: []ledger.Role{ledger.RoleAdmin}, Scope: "FY-CP-01"}); err != nil {
		t.Fatal(err)
	}
	tok, _, err := e.db.CreateToken(ctx, book, cpAdmin, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.tokens[cpAdmin] = tok
	for _, u := range []string{auditor, cpAdmin, officer} {
		for _, body := range []map[string]any{{"period": "2020-02"}, {"period": "2020-02", "close": true}} {
			r = e.post(u, "/api/v1/reconcile-runs", body)
			expect(t, r, http.StatusForbidden, ledger.EForbidden)
			if r.str(t, "field") != "user" {
				t.Errorf("%s's run %v is refused naming %q: %s", u, body, r.str(t, "field"), r.body)
			}
		}
	}
	if !strings.Contains(r.str(t, "message"), "全账套范围的管理员") {
		t.Errorf("the refusal does not say who runs the batch: %s", r.body)
	}
	if n := e.count(`SELECT count(*) FROM reconcile_runs`); n != 0 {
		t.Fatalf("refused runs recorded %d runs", n)
	}
	// An open HIGH finding keeps the month from closing.
	r = e.post(admin, "/api/v1/reconcile-runs", map[string]any{"period": "2020-02"})
	expect(t, r, http.StatusOK, "")
	if r.str(t, "status") != "discrepancies" || !strings.Contains(string(r.body), "audit_high_open") {
		t.Fatalf("reconcile with open HIGH findings: %s", r.body)
	}
	for _, f := range run.Findings {
		if f.Severity == "HIGH" {
			expect(t, e.post(auditor, fmt.Sprintf("/api/v1/findings/%d/ack", f.ID), map[string]string{"note": "已补充决策依据", "deadline": "2020-03-15"}), http.StatusOK, "")
		}
	}
	r = e.get(checker, fmt.Sprintf("/api/v1/findings/%d/history", run.Findings[len(run.Findings)-1].ID))
	expect(t, r, http.StatusOK, "")
	if !strings.Contains(string(r.body), `"actor":"fengqing"`) {
		t.Fatalf("history %s", r.body)
	}
	r = e.post(admin, "/api/v1/reconcile-runs", map[string]any{"period": "2020-02"})
	expect(t, r, http.StatusOK, "")
	if r.str(t, "status") != "clean" || r.str(t, "period_status") != "open" {
		t.Fatalf("reconcile: %s", r.body)
	}
	// The auditor still may not run it, nor close; the admin closes.
	runs := e.count(`SELECT count(*) FROM reconcile_runs`)
	expect(t, e.post(auditor, "/api/v1/reconcile-runs", map[string]any{"period": "2020-02", "close": true}), http.StatusForbidden, ledger.EForbidden)
	if n := e.count(`SELECT count(*) FROM reconcile_runs`); n != runs || e.count(`SELECT count(*) FROM periods WHERE status = 'closed'`) != 0 {
		t.Fatalf("the auditor's refused close recorded a run (%d, was %d) or closed the month", n, runs)
	}
	// The bank moved and no statement was reconciled: the close needs a reason.
	r = e.post(admin, "/api/v1/reconcile-runs", map[string]any{"period": "2020-02", "close": true})
	expect(t, r, http.StatusConflict, ledger.EInvalidState)
	if r.str(t, "field") != "bank_statement" {
		t.Fatalf("close without a statement: %s", r.body)
	}
	expect(t, e.post(admin, "/api/v1/reconcile-runs", map[string]any{"period": "2020-02", "close": true, "without_bank_statement": true}),
		http.StatusBadRequest, ledger.EInvalid)
	r = e.post(admin, "/api/v1/reconcile-runs", map[string]any{"period": "2020-02", "close": true, "without_bank_statement": true,
		"reason": "银行对账单尚未送达"})
	expect(t, r, http.StatusOK, "")
	if m := r.json(t); m["closed"] != true || m["period_status"] != "closed" || len(r.str(t, "seal")) != 64 {
		t.Fatalf("closing run %s", r.body)
	}
	if by, why := e.text(`SELECT closed_by FROM periods WHERE year = 2020 AND month = 2`),
		e.text(`SELECT no_statement_reason FROM periods WHERE year = 2020 AND month = 2`); by != admin || why != "银行对账单尚未送达" {
		t.Fatalf("closed by %q (want %q), reason %q", by, admin, why)
	}
	var periods struct {
		Periods []struct {
			Year, Month  int
			Status, Seal string
		}
	}
	json.Unmarshal(e.get(auditor, "/api/v1/periods").body, &periods)
	if len(periods.Periods) != 1 || periods.Periods[0].Status != "closed" || periods.Periods[0].Seal == "" {
		t.Fatalf("periods %+v", periods)
	}
	// Nothing is made or posted in a closed month.
	expect(t, e.post(officer, "/api/v1/flows/receive", map[string]any{"fund": "FY-UP", "amount": "1.00", "date": "2020-02-20"}),
		http.StatusUnprocessableEntity, ledger.EPeriodClosed)
	// Re-opening: an admin, with a reason.
	expect(t, e.post(auditor, "/api/v1/periods/2020-02/reopen", map[string]string{"reason": "x"}), http.StatusForbidden, ledger.EForbidden)
	expect(t, e.post(admin, "/api/v1/periods/2020-02/reopen", map[string]string{"reason": ""}), http.StatusBadRequest, ledger.EInvalid)
	r = e.post(admin, "/api/v1/periods/2020-02/reopen", map[string]string{"reason": "补记2月漏记凭证"})
	expect(t, r, http.StatusOK, "")
	if r.str(t, "status") != "open" {
		t.Fatalf("re-open answer %s", r.body)
	}
	expect(t, e.post(admin, "/api/v1/periods/2020-02/reopen", map[string]string{"reason": "again"}), http.StatusConflict, ledger.EInvalidState)
	expect(t, e.post(officer, "/api/v1/flows/receive", map[string]any{"fund": "FY-UP", "amount": "1.00", "date": "2020-02-20"}), http.StatusCreated, "")
}
