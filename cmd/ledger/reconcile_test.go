package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
	"github.com/fenyang/partyfee/ledger/recon"
	"github.com/fenyang/partyfee/reports"
)

// rcLedger is a database holding the demo setup and a clean February 2020,
// made through the ledger's use cases on a fixed clock, and a GBK bank
// statement (ICBC layout) for it with timing differences.
type rcLedger struct {
	tdb       *pgtest.TestDB
	db        *postgres.DB
	statement string
}

func newRCLedger(t *testing.T) *rcLedger {
	t.Helper()
	ctx := context.Background()
	s, err := configs.ParseSetup(configs.Demo(), "demo/fenyang.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Books[0].Users {
		s.Books[0].Users[i].Password = ""
	}
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	clock := time.Date(2020, 3, 2, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
	if err := db.ApplySetup(ctx, s); err != nil {
		t.Fatal(err)
	}
	b, err := db.LoadBooks(ctx, "FY-DFZH")
	if err != nil {
		t.Fatal(err)
	}
	post := func(r ledger.FlowRequest) {
		t.Helper()
		r.Attachments, r.Decision = 1, "部务会2020-02-01"
		if r.Flow == ledger.FlowSpend {
			r.Payee, r.PayeeType = "汾阳市医药公司", ledger.PayeeSupplier
		}
		v, err := ledger.BuildFlow(&r, b)
		if err != nil {
			t.Fatal(err)
		}
		v, _, err = db.CreateVoucher(ctx, "wangfang", v)
		if err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			who string
			act ledger.Action
		}{{"liqiang", ledger.ActCheck}, {"zhaomin", ledger.ActSign}, {"liqiang", ledger.ActPost}}
		for _, st := range steps {
			if st.act == ledger.ActSign && !v.TouchesCash(b.Chart) {
				continue
			}
			if _, err := db.Transition(ctx, "FY-DFZH", st.who, v.ID, st.act); err != nil {
				t.Fatalf("%s %s: %v", st.act, v.Word(), err)
			}
		}
	}
	d := func(s string) time.Time { x, _ := time.Parse(time.DateOnly, s); return x }
	m := ledger.MustParseMoney
	post(ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: m("90000.00"), Date: d("2020-02-03")})
	post(ledger.FlowRequest{Flow: ledger.FlowMatch, Fund: "FY-MATCH", Amount: m("230000.00"), Date: d("2020-02-04")})
	post(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-01", Amount: m("12000.00"), Date: d("2020-02-05")})
	post(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-MATCH", Org: "FY-FXQZ", Amount: m("8000.00"), Date: d("2020-02-06")})
	post(ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-01", Purpose: ledger.Procurement, Amount: m("1200.00"), Date: d("2020-02-10")})
	post(ledger.FlowRequest{Flow: ledger.FlowReturn, Fund: "FY-UP", Org: "FY-CP-01", Amount: m("350.00"), Date: d("2020-02-20")})
	post(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-02", Amount: m("5000.00"), Date: d("2020-02-27")})

	// The bank: 02-06's allocation goes through on 02-07, 02-27's only in
	// March, interest arrives on 02-29 before the book records it.
	var sb strings.Builder
	sb.WriteString("账号,0511020109024901234\n户名,中共汾阳市委组织部党费专户\n交易日期,凭证号,摘要,借方发生额,贷方发生额,余额,对方账号,对方户名,用途\n")
	bal := ledger.Zero
	for _, l := range [][3]string{{"20200203", "", "90000.00"}, {"20200204", "", "230000.00"}, {"20200205", "12000.00", ""},
		{"20200207", "8000.00", ""}, {"20200221", "", "350.00"}, {"20200229", "", "12.34"}} {
		if l[1] != "" {
			bal = bal.Sub(m(l[1]))
		} else {
			bal = bal.Add(m(l[2]))
		}
		fmt.Fprintf(&sb, "%s,,摘要,%s,%s,%s,,,\n", l[0], l[1], l[2], bal)
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "icbc-202002.csv")
	if err := os.WriteFile(file, gbk, 0o600); err != nil {
		t.Fatal(err)
	}
	return &rcLedger{tdb: tdb, db: db, statement: file}
}

func (l *rcLedger) count(t *testing.T, sql string) int {
	t.Helper()
	var n int
	if err := l.db.Pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func (l *rcLedger) run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return runLedger(t, nil, append([]string{"--database-url", l.tdb.AppURL}, args...)...)
}

// summaryOf parses the --json output and checks it has exactly the keys of
// SPEC §7, each discrepancy exactly its eight.
func summaryOf(t *testing.T, out string) recon.ReconcileSummary {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"discrepancies", "findings", "period", "status"}) {
		t.Fatalf("summary keys %q", keys)
	}
	var ds []map[string]any
	if err := json.Unmarshal(raw["discrepancies"], &ds); err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		var ks []string
		for k, v := range d {
			ks = append(ks, k)
			if _, ok := v.(string); !ok {
				t.Fatalf("discrepancy field %s is %T, not a string", k, v)
			}
		}
		slices.Sort(ks)
		if !slices.Equal(ks, []string{"account", "actual", "check", "difference", "expected", "fund", "org", "voucher"}) {
			t.Fatalf("discrepancy keys %q", ks)
		}
	}
	var s recon.ReconcileSummary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReconcileCommandCleanCloseAndReopen(t *testing.T) {
	t.Parallel()
	l := newRCLedger(t)
	out, errOut, code := l.run(t, "reconcile", "--period", "2020-02", "--bank-statement", l.statement, "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	first := summaryOf(t, out)
	if first.Period != "2020-02" || first.Status != "clean" || len(first.Discrepancies) != 0 {
		t.Fatalf("summary %+v", first)
	}
	wb := filepath.Join(t.TempDir(), "reconcile-2020-02.xlsx")
	out, errOut, code = l.run(t, "reconcile", "--period", "2020-02", "--close", "--out", wb)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"对账 FY-DFZH", "2020-02：无差异", "✓ 凭证编号连续 (voucher_numbering)", "银行账户 100201（对账单 icbc-202002.csv，格式 icbc",
		"= 295,362.34", "会计期间 2020-02 已由 system 于", "工作簿：" + wb} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	f, err := excelize.OpenFile(wb)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); !slices.Equal(got, reports.ReconcileSheetNames) {
		t.Errorf("workbook sheets %q", got)
	}
	rows, _ := f.GetRows(reports.SheetRecBank)
	if !slices.ContainsFunc(rows, func(r []string) bool { return slices.Contains(r, "调节后余额相等") }) {
		t.Errorf("调节表 %q", rows)
	}
	f.Close()

	// Re-running changes nothing and says the same.
	state := func() string {
		return fmt.Sprint(l.count(t, `SELECT count(*) FROM bank_statements`), l.count(t, `SELECT count(*) FROM reconcile_runs`),
			l.count(t, `SELECT count(*) FROM period_events`), l.count(t, `SELECT count(*) FROM periods WHERE status = 'closed'`))
	}
	before := state()
	out, _, code = l.run(t, "reconcile", "--period", "2020-02", "--close", "--bank-statement", l.statement, "--json")
	if again := summaryOf(t, out); code != 0 || !jsonEqual(again, first) {
		t.Fatalf("re-run: exit %d %+v", code, again)
	}
	if after := state(); after != before || before != "1 2 1 1" {
		t.Fatalf("state %s → %s", before, after)
	}

	out, _, code = l.run(t, "period", "list", "--json")
	var pl struct {
		Periods []postgres.PeriodInfo `json:"periods"`
	}
	if err := json.Unmarshal([]byte(out), &pl); err != nil || code != 0 || len(pl.Periods) != 1 || pl.Periods[0].Status != "closed" || len(pl.Periods[0].Seal) != 64 {
		t.Fatalf("period list: %d %s", code, out)
	}

	// Re-opening: an admin with a reason only.
	if _, errOut, code := l.run(t, "--as", "liqiang", "period", "reopen", "2020-02", "--reason", "更正"); code != 3 || !strings.Contains(errOut, "forbidden") {
		t.Fatalf("checker re-opening: exit %d %s", code, errOut)
	}
	if _, _, code := l.run(t, "--as", "sunlixin", "period", "reopen", "2020-02"); code != 2 {
		t.Fatalf("no reason: exit %d", code)
	}
	if _, _, code := l.run(t, "period", "reopen", "2020-02", "--reason", "x"); code != 2 {
		t.Fatalf("no acting user: exit %d", code)
	}
	out, errOut, code = l.run(t, "--as", "sunlixin", "period", "reopen", "2020-02", "--reason", "补记2月28日慰问支出")
	if code != 0 || !strings.Contains(out, "已由 sunlixin 反结账") {
		t.Fatalf("reopen: exit %d %s %s", code, out, errOut)
	}
	out, _, _ = l.run(t, "period", "list")
	if !strings.Contains(out, "2020-02 反结账") || !strings.Contains(out, "sunlixin 补记2月28日慰问支出") {
		t.Fatalf("period list:\n%s", out)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestReconcileCommandNamesTheCorruption(t *testing.T) {
	t.Parallel()
	l := newRCLedger(t)
	if err := pgtest.Exec(t, l.tdb.SuperURL, `UPDATE balances SET balance_fen = balance_fen + 1
		WHERE book = 'FY-DFZH' AND account = '121801' AND org = 'FY-CP-01' AND fund = 'FY-UP'`); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := l.run(t, "reconcile", "--period", "2020-02", "--close", "--json")
	if code != 4 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	s := summaryOf(t, out)
	want := recon.Discrepancy{Check: "stored_balance", Account: "121801", Org: "FY-CP-01", Fund: "FY-UP", Expected: "10450.00", Actual: "10450.01", Difference: "0.01"}
	if s.Status != "discrepancies" || len(s.Discrepancies) != 1 || s.Discrepancies[0] != want {
		t.Fatalf("summary %+v", s)
	}
	if n := l.count(t, `SELECT count(*) FROM periods WHERE status = 'closed'`); n != 0 {
		t.Fatalf("closed with a discrepancy")
	}
	out, _, code = l.run(t, "reconcile", "--period", "2020-02")
	if code != 4 || !strings.Contains(out, "✗ 余额与明细账一致 (stored_balance) — 1") || !strings.Contains(out, "stored balance of 121801 FY-CP-01 FY-UP is 10,450.01") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestReconcileCommandUsage(t *testing.T) {
	t.Parallel()
	l := newRCLedger(t)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"reconcile"}, 2},
		{[]string{"reconcile", "--period", "2020-02..2020-03"}, 2},
		{[]string{"reconcile", "--period", "2020-13"}, 3},
		{[]string{"reconcile", "--period", "2020-02", "--bank-statement", filepath.Join(t.TempDir(), "missing.csv")}, 3}, // invalid, field file
	} {
		if _, errOut, code := l.run(t, tc.args...); code != tc.code {
			t.Errorf("%q: exit %d, want %d (%s)", tc.args, code, tc.code, errOut)
		}
	}
	if n := l.count(t, `SELECT count(*) FROM reconcile_runs`); n != 0 {
		t.Fatalf("failed runs recorded %d runs", n)
	}
}

// TestReconcileCommandKilledMidRun kills `ledger reconcile --close` with
// SIGKILL while it waits inside its transaction — once at its start (an
// in-flight posting holds the month) and once at its very end (another
// session holds the statement table) — and checks that nothing of it was
// written; the rerun then completes it with the result an uninterrupted
// run gives, and a further rerun changes nothing.
func TestReconcileCommandKilledMidRun(t *testing.T) {
	t.Parallel()
	ref := newRCLedger(t)
	out, errOut, code := ref.run(t, "reconcile", "--period", "2020-02", "--bank-statement", ref.statement, "--close", "--json")
	if code != 0 {
		t.Fatalf("reference run: exit %d\n%s\n%s", code, out, errOut)
	}
	want := summaryOf(t, out)

	l := newRCLedger(t)
	ctx := context.Background()
	batchTables := func() string {
		return fmt.Sprint(l.count(t, `SELECT count(*) FROM bank_statements`), l.count(t, `SELECT count(*) FROM bank_statement_lines`),
			l.count(t, `SELECT count(*) FROM reconcile_runs`), l.count(t, `SELECT count(*) FROM period_events`),
			l.count(t, `SELECT count(*) FROM periods WHERE status = 'closed'`), l.count(t, `SELECT count(*) FROM actions WHERE action = 'close'`))
	}
	for _, block := range []struct{ name, sql, waits string }{
		{"at the start", `SELECT 1 FROM periods WHERE book = 'FY-DFZH' AND year = 2020 AND month = 2 FOR SHARE`, "FOR UPDATE"},
		{"at the end", `LOCK TABLE bank_statements IN SHARE MODE`, "INSERT INTO bank_statements"},
	} {
		holder, err := pgx.Connect(ctx, l.tdb.SuperURL)
		if err != nil {
			t.Fatal(err)
		}
		// pg_stat_activity is read outside the holder's transaction, which
		// would keep showing its first snapshot.
		watcher, err := pgx.Connect(ctx, l.tdb.SuperURL)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := holder.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, block.sql); err != nil {
			t.Fatal(err)
		}
		cmd := ledgerCmd(t, nil, "--database-url", l.tdb.AppURL, "reconcile", "--period", "2020-02", "--bank-statement", l.statement, "--close", "--json")
		var stdout bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stdout
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		// Wait until the batch's backend waits for the lock.
		var backend int
		deadline := time.Now().Add(60 * time.Second)
		for backend == 0 {
			select {
			case <-exited:
				t.Fatalf("%s: the batch ended before blocking: %v\n%s", block.name, cmd.ProcessState, stdout.String())
			default:
			}
			if time.Now().After(deadline) {
				rows, _ := watcher.Query(ctx, `SELECT pid, coalesce(wait_event_type, ''), coalesce(wait_event, ''), state, left(query, 80) FROM pg_stat_activity WHERE datname = current_database()`)
				var act []string
				for rows.Next() {
					var pid int
					var a, b, c, q string
					_ = rows.Scan(&pid, &a, &b, &c, &q)
					act = append(act, fmt.Sprint(pid, a, b, c, q))
				}
				rows.Close()
				cmd.Process.Kill()
				<-exited
				t.Fatalf("%s: the batch never blocked\n%s\n%s", block.name, stdout.String(), strings.Join(act, "\n"))
			}
			err := watcher.QueryRow(ctx, `SELECT coalesce(max(pid), 0) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`).Scan(&backend)
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Millisecond)
		}
		var query string
		if err := watcher.QueryRow(ctx, `SELECT query FROM pg_stat_activity WHERE pid = $1`, backend).Scan(&query); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(query, block.waits) {
			t.Fatalf("%s: the batch waits in %q", block.name, query)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-exited
		if cmd.ProcessState.ExitCode() != -1 {
			t.Fatalf("%s: the batch was not killed: %v\n%s", block.name, cmd.ProcessState, stdout.String())
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		// The orphaned backend finds its client gone and rolls back.
		for {
			var n int
			if err := watcher.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE pid = $1`, backend).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: backend %d still there", block.name, backend)
			}
			time.Sleep(10 * time.Millisecond)
		}
		holder.Close(ctx)
		watcher.Close(ctx)
		if got := batchTables(); got != "0 0 0 0 0 0" {
			t.Fatalf("killed %s, the batch left: %s", block.name, got)
		}
	}

	// Kills at moments of the clock: each leaves all of the run or none.
	for _, after := range []time.Duration{30 * time.Millisecond, 120 * time.Millisecond, 250 * time.Millisecond, 400 * time.Millisecond, 700 * time.Millisecond} {
		cmd := ledgerCmd(t, nil, "--database-url", l.tdb.AppURL, "reconcile", "--period", "2020-02", "--bank-statement", l.statement, "--close", "--json")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(after)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		// Give an orphaned backend time to notice its client is gone.
		time.Sleep(50 * time.Millisecond)
		if got := batchTables(); got != "0 0 0 0 0 0" && got != "1 6 1 1 1 1" {
			t.Fatalf("killed after %v, the batch left: %s", after, got)
		}
	}

	out, errOut, code = l.run(t, "reconcile", "--period", "2020-02", "--bank-statement", l.statement, "--close", "--json")
	if code != 0 {
		t.Fatalf("rerun: exit %d\n%s\n%s", code, out, errOut)
	}
	if got := summaryOf(t, out); !jsonEqual(got, want) {
		t.Fatalf("rerun after the kills:\n%+v\nwant (uninterrupted):\n%+v", got, want)
	}
	done := batchTables()
	if done != "1 6 1 1 1 1" {
		t.Fatalf("after the rerun: %s", done)
	}
	out, _, code = l.run(t, "reconcile", "--period", "2020-02", "--bank-statement", l.statement, "--close", "--json")
	if got := summaryOf(t, out); code != 0 || !jsonEqual(got, want) || batchTables() != done {
		t.Fatalf("second rerun: exit %d %+v, tables %s", code, got, batchTables())
	}
}
