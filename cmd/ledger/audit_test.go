package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// auditFixture is a database with the demo setup and February 2020: money
// received with a decision reference and an allocation to FY-CP-01 without
// one (rule A-12, HIGH), both posted through the workflow.
func auditFixture(t *testing.T) (*pgtest.TestDB, *postgres.DB) {
	t.Helper()
	s, err := configs.ParseSetup(configs.Demo(), "demo/fenyang.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Books[0].Users {
		s.Books[0].Users[i].Password = ""
	}
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	ctx := context.Background()
	if err := db.ApplySetup(ctx, s); err != nil {
		t.Fatal(err)
	}
	b, err := db.LoadBooks(ctx, "FY-DFZH")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []ledger.FlowRequest{
		{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: ledger.MustParseMoney("90000.00"), Date: time.Date(2020, 2, 3, 0, 0, 0, 0, time.UTC),
			Attachments: 1, DocTypes: []string{"银行回单"}, Decision: "吕组通〔2020〕5号"},
		{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-01", Amount: ledger.MustParseMoney("12000.00"), Date: time.Date(2020, 2, 5, 0, 0, 0, 0, time.UTC),
			Attachments: 1, DocTypes: []string{"银行回单"}},
	} {
		v, err := ledger.BuildFlow(&r, b)
		if err != nil {
			t.Fatal(err)
		}
		if v, _, err = db.CreateVoucher(ctx, "wangfang", v); err != nil {
			t.Fatal(err)
		}
		for _, s := range []struct {
			who string
			act ledger.Action
		}{{"liqiang", ledger.ActCheck}, {"zhaomin", ledger.ActSign}, {"liqiang", ledger.ActPost}} {
			if _, err := db.Transition(ctx, "FY-DFZH", s.who, v.ID, s.act); err != nil {
				t.Fatalf("%s %s: %v", s.who, s.act, err)
			}
		}
	}
	return tdb, db
}

type auditJSON struct {
	Status  string `json:"status"`
	AsOf    string `json:"as_of"`
	Summary struct {
		Total    int `json:"total"`
		OpenHigh int `json:"open_high"`
	} `json:"summary"`
	Findings []struct {
		ID       int64  `json:"id"`
		Rule     string `json:"rule"`
		Key      string `json:"key"`
		Severity string `json:"severity"`
		State    string `json:"state"`
		Deadline string `json:"deadline"`
		Org      string `json:"org"`
	} `json:"findings"`
}

func runAuditJSON(t *testing.T, url string, args ...string) (auditJSON, int) {
	t.Helper()
	out, errOut, code := runLedgerURL(t, url, append([]string{"--json", "audit", "--period", "2020-02"}, args...)...)
	var r auditJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("audit --json: %v\n%s\n%s", err, out, errOut)
	}
	return r, code
}

func TestAuditCommandExitsFourWhileAHighFindingIsOpen(t *testing.T) {
	t.Parallel()
	tdb, db := auditFixture(t)
	url := tdb.OwnerURL

	out, errOut, code := runLedgerURL(t, url, "audit", "--period", "2020-02")
	if code != exit.Discrepancy {
		t.Fatalf("audit with an open HIGH finding: exit %d, want %d\n%s\n%s", code, exit.Discrepancy, out, errOut)
	}
	for _, want := range []string{"规则编号", "问题类型", "严重程度", "凭证字号", "整改状态", "A-12", "程序违规", "FY-CP-01", "12,000.00", "未整改", "截至 2020-02-29"} {
		if !strings.Contains(out, want) {
			t.Fatalf("audit output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "HIGH") {
		t.Fatalf("stderr does not say why: %q", errOut)
	}

	first, code := runAuditJSON(t, url)
	if code != exit.Discrepancy || first.Status != "open_high" || first.AsOf != "2020-02-29" || first.Summary.OpenHigh == 0 {
		t.Fatalf("audit --json: exit %d %+v", code, first)
	}
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_findings`).Scan(&n); err != nil || n != first.Summary.Total {
		t.Fatalf("after two runs %d stored findings, %d found (%v)", n, first.Summary.Total, err)
	}
	var high []string
	for _, f := range first.Findings {
		if f.Severity == "HIGH" && f.State == "open" {
			high = append(high, strconv.FormatInt(f.ID, 10))
		}
	}
	if len(high) == 0 {
		t.Fatal("no open HIGH finding listed")
	}

	// Only auditors (and admins) change states; steps are not skipped.
	_, errOut, code = runLedgerURL(t, url, "--as", "wangfang", "audit", "ack", high[0], "--note", "x")
	if code != exit.Rejected || !strings.Contains(errOut, "forbidden") {
		t.Fatalf("officer ack: exit %d %s", code, errOut)
	}
	_, errOut, code = runLedgerURL(t, url, "--as", "fengqing", "audit", "rectify", high[0], "--note", "x")
	if code != exit.Rejected || !strings.Contains(errOut, "invalid_state") {
		t.Fatalf("rectify an open finding: exit %d %s", code, errOut)
	}
	_, errOut, code = runLedgerURL(t, url, "--as", "fengqing", "audit", "ack", "99999999", "--note", "x")
	if code != exit.Rejected || !strings.Contains(errOut, "not_found") {
		t.Fatalf("unknown finding: exit %d %s", code, errOut)
	}
	if _, _, code = runLedgerURL(t, url, "--as", "fengqing", "audit", "ack", high[0]); code != exit.Usage {
		t.Fatalf("ack without --note: exit %d, want %d", code, exit.Usage)
	}

	for _, id := range high {
		out, errOut, code := runLedgerURL(t, url, "--as", "fengqing", "audit", "ack", id, "--note", "情况属实，限期整改", "--deadline", "2020-03-31")
		if code != 0 || !strings.Contains(out, "整改中（期限 2020-03-31）") {
			t.Fatalf("ack %s: exit %d %s %s", id, code, out, errOut)
		}
	}
	out, errOut, code = runLedgerURL(t, url, "audit", "--period", "2020-02")
	if code != 0 || !strings.Contains(out, "未整改的高风险问题 0 条") {
		t.Fatalf("audit after acknowledging: exit %d\n%s\n%s", code, out, errOut)
	}
	after, code := runAuditJSON(t, url, "--severity", "HIGH")
	if code != 0 || after.Status != "clean" || after.Summary.Total != first.Summary.Total {
		t.Fatalf("re-run: exit %d %+v (first run found %d)", code, after, first.Summary.Total)
	}
	for _, f := range after.Findings {
		if f.Severity != "HIGH" || f.State != "acknowledged" || f.Deadline != "2020-03-31" {
			t.Fatalf("--severity HIGH after acknowledging lists %+v", f)
		}
	}
	out, errOut, code = runLedgerURL(t, url, "--as", "fengqing", "audit", "rectify", high[0], "--note", "已补充部务会纪要")
	if code != 0 || !strings.Contains(out, "已整改") {
		t.Fatalf("rectify: exit %d %s %s", code, out, errOut)
	}
	out, _, code = runLedgerURL(t, url, "audit", "history", high[0])
	if code != 0 || !strings.Contains(out, "fengqing") || !strings.Contains(out, "已整改") {
		t.Fatalf("history: exit %d\n%s", code, out)
	}
}

// The facts recorded from the command line reach the rules: an unbalanced
// publication is an open HIGH A-16 finding, and exit 4 again.
func TestAuditFactCommands(t *testing.T) {
	t.Parallel()
	tdb, db := auditFixture(t)
	url := tdb.OwnerURL
	ctx := context.Background()
	// Thresholds from a rules file: A-12 made LOW, so nothing is HIGH yet.
	rules := filepath.Join(t.TempDir(), "audit.yaml")
	cfg := filepath.Join(t.TempDir(), "ledger.yaml")
	if err := os.WriteFile(rules, []byte("severity:\n  A-12: LOW\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("audit:\n  rules_file: "+rules+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, code := runAuditJSON(t, url, "--config", cfg)
	if code != 0 || r.Summary.OpenHigh != 0 {
		t.Fatalf("with A-12 LOW: exit %d %+v", code, r)
	}
	if err := os.WriteFile(rules, []byte("severity:\n  A-12: SEVERE\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runLedgerURL(t, url, "--config", cfg, "audit", "--period", "2020-02"); code != exit.Rejected || !strings.Contains(errOut, "severity.A-12") {
		t.Fatalf("bad rules file: exit %d %s", code, errOut)
	}

	steps := [][]string{
		{"publicity", "add", "--org", "FY", "--date", "2020-02-25", "--channel", "公示栏", "--procurement", "47300.00", "--condolence", "216000.00", "--total", "272000.00"},
		{"roster", "add", "--org", "FY-CP-01", "--name", "张三", "--id", "142301197001011236", "--category", "群众"},
		{"member", "add", "--org", "FY-CP-01", "--name", "白云峰", "--id", "142301198001011118", "--cadre"},
		{"meeting", "add", "--decision", "部务会2020-02-04", "--attendees", "孙立新,王芳"},
		{"payee", "set", "白云峰", "--personal"},
		{"value-date", "set", "2020-02:记-1", "--date", "2020-02-03"},
	}
	for _, s := range steps {
		if out, errOut, code := runLedgerURL(t, url, append([]string{"--as", "wangfang"}, s...)...); code != 0 {
			t.Fatalf("%v: exit %d %s %s", s, code, out, errOut)
		}
	}
	// A roster file in GBK, as spreadsheets in Chinese save it.
	csvText := "姓名,身份证号,身份,电话,党组织\n李四,142301197202021238,志愿者,13900000000,FY-CP-02\n王五,,群众,13700000000,\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(csvText)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "roster.csv")
	if err := os.WriteFile(file, []byte(gbk), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runLedgerURL(t, url, "--as", "wangfang", "roster", "import", file, "--org", "FY-CP-03"); code != 0 || !strings.Contains(out, "新增 2 人") {
		t.Fatalf("roster import: exit %d %s %s", code, out, errOut)
	}
	// An auditor records none of it.
	if _, errOut, code := runLedgerURL(t, url, "--as", "fengqing", "payee", "set", "某人", "--personal"); code != exit.Rejected || !strings.Contains(errOut, "forbidden") {
		t.Fatalf("auditor payee set: exit %d %s", code, errOut)
	}
	counts := map[string]int{
		`SELECT count(*) FROM publicity WHERE org = 'FY' AND reported_total = 272000.00 AND relief_fen IS NULL`: 1,
		`SELECT count(*) FROM beneficiary_roster`:                                                             3,
		`SELECT count(*) FROM beneficiary_roster WHERE name = '王五' AND org = 'FY-CP-03'`:                      1,
		`SELECT count(*) FROM beneficiary_roster WHERE name = '李四' AND org = 'FY-CP-02' AND category = '志愿者'`: 1,
		`SELECT count(*) FROM org_members WHERE cadre`:                                                        1,
		`SELECT count(*) FROM meetings WHERE cardinality(attendees) = 2`:                                      1,
		`SELECT count(*) FROM payee_accounts WHERE personal`:                                                  1,
		`SELECT count(*) FROM voucher_value_dates WHERE value_date = '2020-02-03'`:                            1,
	}
	for sql, want := range counts {
		var n int
		if err := db.Pool.QueryRow(ctx, sql).Scan(&n); err != nil || n != want {
			t.Fatalf("%s = %d (%v), want %d", sql, n, err, want)
		}
	}
	r, code = runAuditJSON(t, url)
	found := false
	for _, f := range r.Findings {
		found = found || f.Rule == "A-16" && f.Org == "FY" && f.Severity == "HIGH" && f.State == "open"
	}
	if code != exit.Discrepancy || !found {
		t.Fatalf("the unbalanced publication: exit %d, A-16 found %v: %+v", code, found, r.Findings)
	}
}
