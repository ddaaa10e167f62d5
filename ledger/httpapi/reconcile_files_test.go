package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/httpapi"
	"github.com/fenyang/partyfee/reports"
)

// statementOf reads the statement part of a run's answer.
func statementOf(t *testing.T, r *resp) map[string]any {
	t.Helper()
	st, ok := r.json(t)["statement"].(map[string]any)
	if !ok {
		t.Fatalf("the run has no statement: %s", r.body)
	}
	return st
}

// TestReconcileWithUploadedStatement runs the February batch as the admin
// with the bank's statement uploaded (the auditor may not: a run is a
// write), again as a form (stored once), then without one (the stored one
// is used), and the auditor downloads the workbook, which records no run.
func TestReconcileWithUploadedStatement(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.funded()
	file := statementCSV("2020-02", fundedStatement)
	r := e.request(http.MethodPost, "/api/v1/reconcile-runs/statement?period=2020-02&filename=icbc-202002.csv", e.tokens[auditor], file,
		"Idempotency-Key", newKey(), "Content-Type", "text/csv")
	expect(t, r, http.StatusForbidden, ledger.EForbidden)
	if r.str(t, "field") != "user" || !strings.Contains(r.str(t, "message"), "全账套范围的管理员") {
		t.Fatalf("the auditor's run is refused with %s", r.body)
	}
	if runs, stmts := e.count(`SELECT count(*) FROM reconcile_runs`), e.count(`SELECT count(*) FROM bank_statements`); runs != 0 || stmts != 0 {
		t.Fatalf("the auditor's refused run recorded %d runs and %d statements", runs, stmts)
	}
	r = e.request(http.MethodPost, "/api/v1/reconcile-runs/statement?period=2020-02&filename=icbc-202002.csv", e.tokens[admin], file,
		"Idempotency-Key", newKey(), "Content-Type", "text/csv")
	expect(t, r, http.StatusOK, "")
	st := statementOf(t, r)
	if st["layout"] != "icbc" || st["file"] != "icbc-202002.csv" || st["lines"] != float64(4) || st["imported"] != true || st["balanced"] != true ||
		st["outstanding"] != float64(0) || st["book_balance"] != "296000.00" || st["bank_balance"] != "296000.00" || st["matched"] != float64(4) {
		t.Fatalf("statement %v", st)
	}
	if m := r.json(t); m["period"] != "2020-02" || m["workbook"] != "/api/v1/reports/reconcile?period=2020-02" || m["closed"] != false {
		t.Fatalf("run %s", r.body)
	}
	if strings.Contains(string(r.body), `"check":"bank_`) {
		t.Fatalf("bank discrepancies: %s", r.body)
	}
	if n := e.count(`SELECT count(*) FROM bank_statement_lines`); n != 4 {
		t.Fatalf("%d statement lines stored", n)
	}
	// The same file in a form, naming its layout: stored before, nothing
	// new.
	ct, form := statementForm(t, "icbc-202002.csv", file)
	r = e.request(http.MethodPost, "/api/v1/reconcile-runs/statement?period=2020-02&layout=icbc", e.tokens[admin], form,
		"Idempotency-Key", newKey(), "Content-Type", ct)
	expect(t, r, http.StatusOK, "")
	if st := statementOf(t, r); st["imported"] != false || st["file"] != "icbc-202002.csv" {
		t.Fatalf("statement again %v", st)
	}
	if n := e.count(`SELECT count(*) FROM bank_statements`); n != 1 {
		t.Fatalf("%d statements stored", n)
	}
	// A run without a file reconciles the stored statement.
	r = e.post(admin, "/api/v1/reconcile-runs", map[string]string{"period": "2020-02"})
	expect(t, r, http.StatusOK, "")
	if st := statementOf(t, r); st["file"] != "icbc-202002.csv" || st["balanced"] != true {
		t.Fatalf("stored statement %v", st)
	}

	// The workbook: a read; it records no run and stores nothing.
	runs, stmts := e.count(`SELECT count(*) FROM reconcile_runs`), e.count(`SELECT count(*) FROM bank_statements`)
	// A posting after the last run shows in the workbook, not in a run.
	e.posted(officer, ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-03", Amount: amt("500.00"), Date: day("2020-02-26"), Attachments: 1})
	r = e.get(auditor, "/api/v1/reports/reconcile?period=2020-02")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("%d %s: %.300s", r.status, r.header.Get("Content-Type"), r.body)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, `filename="reconcile-2020-02.xlsx"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("the download is not a workbook: %v", err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, reports.ReconcileSheetNames) {
		t.Fatalf("sheets %v, want %v", got, reports.ReconcileSheetNames)
	}
	rows, err := f.GetRows(reports.SheetRecBank)
	if err != nil {
		t.Fatal(err)
	}
	bank := fmt.Sprint(rows)
	if !strings.Contains(bank, "icbc-202002.csv") || !strings.Contains(bank, "记-0005") {
		t.Errorf("the bank sheet does not show the statement and the allocation outstanding: %v", rows)
	}
	if e.count(`SELECT count(*) FROM reconcile_runs`) != runs || e.count(`SELECT count(*) FROM bank_statements`) != stmts {
		t.Fatal("downloading the workbook recorded a run or a statement")
	}
	checkInvariants(t, e.db)
}

func statementForm(t *testing.T, name, content string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	part.Write([]byte(content))
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

// TestStatementUploadRejects: who may not (anyone but an admin of the
// whole book), and bad files and parameters: an answer naming the field,
// and nothing stored, run or closed.
func TestStatementUploadRejects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *httpapi.Options) { o.BodyLimitBytes = 4096; o.UploadLimitBytes = 64 << 10 })
	e.funded()
	ctx := context.Background()
	for _, u := range []ledger.User{{Name: "cpauditor", Roles: []ledger.Role{ledger.RoleAuditor}, Scope: "FY-CP-01"},
		{Name: "cpadmin", Roles: []ledger.Role{ledger.RoleAdmin}, Scope: "FY-CP-01"}} {
		if _, err := e.db.AddUser(ctx, book, u, ""); err != nil {
			t.Fatal(err)
		}
		tok, _, err := e.db.CreateToken(ctx, book, u.Name, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[u.Name] = tok
	}
	snapshot := func() string {
		return fmt.Sprint(e.count(`SELECT count(*) FROM bank_statements`), e.count(`SELECT count(*) FROM reconcile_runs`),
			e.count(`SELECT count(*) FROM periods WHERE status = 'closed'`), e.count(`SELECT count(*) FROM api_idempotency WHERE status = 200`))
	}
	before := snapshot()
	good := statementCSV("2020-02", fundedStatement)
	bad := strings.Replace(good, "12000.00", "12,000.0x", 1)
	for _, c := range []struct {
		name, user, query, body string
		headers                 []string
		status                  int
		code, field             string
	}{
		{"officer", officer, "period=2020-02", good, nil, 403, ledger.EForbidden, "user"},
		{"cashier", cashier, "period=2020-02", good, nil, 403, ledger.EForbidden, "user"},
		{"auditor", auditor, "period=2020-02", good, nil, 403, ledger.EForbidden, "user"},
		{"auditor closing", auditor, "period=2020-02&close=true", good, nil, 403, ledger.EForbidden, "user"},
		{"scoped auditor", "cpauditor", "period=2020-02", good, nil, 403, ledger.EForbidden, "user"},
		{"scoped admin", "cpadmin", "period=2020-02", good, nil, 403, ledger.EForbidden, "user"},
		{"no period", admin, "", good, nil, 400, ledger.EInvalid, "period"},
		{"a range", admin, "period=2020-02..2020-03", good, nil, 400, ledger.EInvalid, "period"},
		{"bad period", admin, "period=2020-13", good, nil, 400, ledger.EInvalid, "period"},
		{"bad close", admin, "period=2020-02&close=maybe", good, nil, 400, ledger.EInvalid, "close"},
		{"unknown parameter", admin, "period=2020-02&bank=icbc", good, nil, 400, ledger.EInvalid, "bank"},
		{"unknown layout", admin, "period=2020-02&layout=hsbc", good, nil, 400, ledger.EInvalid, "layout"},
		{"another layout", admin, "period=2020-02&layout=ccb", good, nil, 400, ledger.EInvalid, "header"},
		{"not a statement", admin, "period=2020-02", "hello,world\n1,2\n", nil, 400, ledger.EInvalid, "header"},
		{"an old .xls", admin, "period=2020-02", "\xd0\xcf\x11\xe0xxxx", nil, 400, ledger.EInvalid, "file"},
		{"a bad amount", admin, "period=2020-02", bad, nil, 400, ledger.EInvalid, ""},
		{"empty", admin, "period=2020-02", "", nil, 400, ledger.EInvalid, "file"},
		{"too large", admin, "period=2020-02", good + strings.Repeat(" ", 70<<10), nil, 413, ledger.ETooLarge, "file"},
		{"no Idempotency-Key", admin, "period=2020-02", good, []string{"Idempotency-Key", ""}, 400, ledger.EInvalid, "Idempotency-Key"},
	} {
		headers := append([]string{"Idempotency-Key", newKey(), "Content-Type", "text/csv"}, c.headers...)
		r := e.request(http.MethodPost, "/api/v1/reconcile-runs/statement?"+c.query, e.tokens[c.user], c.body, headers...)
		if r.status != c.status || r.str(t, "code") != c.code || (c.field != "" && r.str(t, "field") != c.field) {
			t.Errorf("%s: %d %s, want %d %s field %s", c.name, r.status, r.body, c.status, c.code, c.field)
		}
	}
	if after := snapshot(); after != before {
		t.Errorf("refused uploads changed %s to %s", before, after)
	}
	// The workbook is for auditors and admins of the whole book.
	expect(t, e.get(officer, "/api/v1/reports/reconcile?period=2020-02"), http.StatusForbidden, ledger.EForbidden)
	expect(t, e.get("cpauditor", "/api/v1/reports/reconcile?period=2020-02"), http.StatusForbidden, ledger.EForbidden)
	for _, q := range []string{"", "?period=2020-13", "?period=2020", "?period=2020-02&org=FY"} {
		expect(t, e.get(auditor, "/api/v1/reports/reconcile"+q), http.StatusBadRequest, ledger.EInvalid)
	}
	expect(t, e.get("cpadmin", "/api/v1/reports/reconcile?period=2020-02"), http.StatusForbidden, ledger.EForbidden)
	expect(t, e.get(admin, "/api/v1/reports/reconcile?period=2020-02"), http.StatusOK, "")
	expect(t, e.get(auditor, "/api/v1/reports/reconcile?period=2020-02"), http.StatusOK, "")
	if after := snapshot(); after != before {
		t.Errorf("reading the workbook changed %s to %s", before, after)
	}
}
