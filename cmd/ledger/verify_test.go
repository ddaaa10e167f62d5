package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

type verifyJSON struct {
	Status   string `json:"status"`
	Book     string `json:"book"`
	Checked  int64  `json:"checked"`
	Head     string `json:"head"`
	Problems []struct {
		Kind      string `json:"kind"`
		Seq       int64  `json:"seq"`
		VoucherID int64  `json:"voucher_id"`
		Voucher   string `json:"voucher"`
	} `json:"problems"`
}

// verifyFixture sets the demo up and posts, each with its own command as
// the application role, a receipt (voucher 1), an allocation (2) and a
// spending (3). It returns the database.
func verifyFixture(t *testing.T) *pgtest.TestDB {
	t.Helper()
	tdb := pgtest.NewDatabase(t)
	must := func(args ...string) {
		t.Helper()
		if out, errOut, code := runLedgerURL(t, tdb.AppURL, args...); code != exit.OK {
			t.Fatalf("ledger %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
	}
	must("setup", "../../configs/demo/fenyang.yaml")
	must("--as", "wangfang", "receive", "--fund", "FY-UP", "--amount", "90000.00", "--date", "2020-02-03", "--attachments", "1")
	must("--as", "wangfang", "allocate", "--fund", "FY-UP", "--to", "FY-CP-01", "--amount", "12000.00", "--date", "2020-02-05")
	must("--as", "wangfang", "spend", "--org", "FY-CP-01", "--fund", "FY-UP", "--purpose", "procurement", "--amount", "1200.00",
		"--date", "2020-02-07", "--payee", "汾阳市医药公司", "--payee-type", "supplier", "--attachments", "2")
	for _, id := range []string{"1", "2", "3"} {
		must("--as", "liqiang", "voucher", "check", id)
		if id != "3" { // bank vouchers are signed by the cashier
			must("--as", "zhaomin", "voucher", "sign", id)
		}
		must("--as", "liqiang", "voucher", "post", id)
	}
	return tdb
}

func queryInt(t *testing.T, url, sql string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestVerifyCommand(t *testing.T) {
	t.Parallel()
	tdb := verifyFixture(t)
	// Every posting command sealed its voucher before it exited.
	if n := queryInt(t, tdb.SuperURL, `SELECT count(*) FROM voucher_seals`); n != 3 {
		t.Fatalf("%d seals after three posting commands, want 3: posting commands seal before they exit (openDB must run openHooks)", n)
	}
	out, errOut, code := runLedgerURL(t, tdb.AppURL, "verify")
	if code != exit.OK || !strings.Contains(out, "防篡改链完整，重算封存值 3 个") {
		t.Fatalf("verify of a clean chain: exit %d\n%s%s", code, out, errOut)
	}
	out, _, code = runLedgerURL(t, tdb.AppURL, "--json", "verify")
	var clean verifyJSON
	if err := json.Unmarshal([]byte(out), &clean); err != nil || code != exit.OK || clean.Status != "clean" || clean.Checked != 3 || len(clean.Head) != 64 {
		t.Fatalf("verify --json: exit %d, %v\n%s", code, err, out)
	}

	// One fen more on the spending's first line, as psql would do it.
	if err := pgtest.Exec(t, tdb.SuperURL, `SET session_replication_role = replica;
		UPDATE voucher_lines SET debit_fen = debit_fen + 1 WHERE voucher_id = 3 AND line_no = 1`); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runLedgerURL(t, tdb.AppURL, "verify")
	if code != exit.Discrepancy {
		t.Fatalf("verify after a one-fen change: exit %d, want %d\n%s%s", code, exit.Discrepancy, out, errOut)
	}
	for _, w := range []string{"防篡改链断裂", "位置 3", "2020-02:记-0003", "content_changed"} {
		if !strings.Contains(out, w) {
			t.Errorf("verify output lacks %q:\n%s", w, out)
		}
	}
	if !strings.Contains(errOut, "凭证 2020-02:记-0003") {
		t.Errorf("stderr does not name the voucher: %s", errOut)
	}
	out, _, code = runLedgerURL(t, tdb.AppURL, "--json", "verify")
	var broken verifyJSON
	if err := json.Unmarshal([]byte(out), &broken); err != nil || code != exit.Discrepancy || broken.Status != "broken" ||
		len(broken.Problems) != 1 || broken.Problems[0].VoucherID != 3 || broken.Problems[0].Seq != 3 {
		t.Fatalf("verify --json after the change: exit %d, %v\n%s", code, err, out)
	}
	// Undone, the change is no longer found.
	if err := pgtest.Exec(t, tdb.SuperURL, `SET session_replication_role = replica;
		UPDATE voucher_lines SET debit_fen = debit_fen - 1 WHERE voucher_id = 3 AND line_no = 1`); err != nil {
		t.Fatal(err)
	}
	if _, _, code = runLedgerURL(t, tdb.AppURL, "verify"); code != exit.OK {
		t.Fatalf("verify after undoing the change: exit %d", code)
	}
	// A posted voucher inserted behind the application has no seal: verify
	// reports it and does not seal it.
	if err := pgtest.Exec(t, tdb.SuperURL, `SET session_replication_role = replica;
		INSERT INTO vouchers (book, type, year, month, number, date, summary, attachments, flow, status, maker, made_at, checker, checked_at, poster, posted_at)
		VALUES ('FY-DFZH', '记', 2020, 2, 99, '2020-02-08', '专项党费报账', 1, 'spend', 'posted', 'wangfang', now(), 'liqiang', now(), 'liqiang', now())`); err != nil {
		t.Fatal(err)
	}
	out, _, code = runLedgerURL(t, tdb.AppURL, "verify")
	if code != exit.Discrepancy || !strings.Contains(out, "未封存") || !strings.Contains(out, "2020-02:记-0099") {
		t.Fatalf("verify with an unsealed posted voucher: exit %d\n%s", code, out)
	}
	if n := queryInt(t, tdb.SuperURL, `SELECT count(*) FROM voucher_seals`); n != 3 {
		t.Fatalf("%d seals after verify, want still 3", n)
	}
	// Every run was recorded for the auditors' overview, the last one broken.
	if n := queryInt(t, tdb.SuperURL, `SELECT count(*) FROM verify_runs WHERE source = 'cli'`); n != 6 {
		t.Errorf("%d runs of verify recorded, want 6", n)
	}
	if n := queryInt(t, tdb.SuperURL, `SELECT problems FROM verify_runs ORDER BY id DESC LIMIT 1`); n != 1 {
		t.Errorf("the last recorded run has %d problems, want 1", n)
	}
}

func TestVerifyCommandPeriodSeal(t *testing.T) {
	t.Parallel()
	tdb := verifyFixture(t)
	db := tdb.Open(t, tdb.AppURL)
	ctx := context.Background()
	if _, err := db.SealPending(ctx, "FY-DFZH"); err != nil {
		t.Fatal(err)
	}
	seq, head, err := db.PeriodSeal(ctx, "FY-DFZH", 2020, 2)
	if err != nil || seq != 3 {
		t.Fatalf("PeriodSeal = %d %s %v", seq, head, err)
	}
	// What the reconciliation batch records when it closes the month.
	if _, err := db.Pool.Exec(ctx, `UPDATE periods SET seal = $1, seal_seq = $2 WHERE book = 'FY-DFZH' AND year = 2020 AND month = 2`, head, seq); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runLedgerURL(t, tdb.AppURL, "verify", "--period", "2020-02", "--seal", head)
	if code != exit.OK || !strings.Contains(out, head) || !strings.Contains(out, "报表上打印的封存值与记录一致") {
		t.Fatalf("verify --period --seal: exit %d\n%s%s", code, out, errOut)
	}
	other := strings.Repeat("0f", 32)
	if out, _, code = runLedgerURL(t, tdb.AppURL, "verify", "--period", "2020-02", "--seal", other); code != exit.Discrepancy ||
		!strings.Contains(out, "period_seal_mismatch") {
		t.Fatalf("verify with a seal that was never recorded: exit %d\n%s", code, out)
	}
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"verify", "--seal", head}, exit.Usage},
		{[]string{"verify", "--period", "2020-02", "--from", "2"}, exit.Usage},
		{[]string{"verify", "--period", "2020-02..2020-03"}, exit.Rejected},
		{[]string{"verify", "--period", "2020-02", "--seal", "xyz"}, exit.Rejected},
		{[]string{"verify", "--period", "2020-03"}, exit.Rejected}, // no recorded seal
	} {
		if out, errOut, code := runLedgerURL(t, tdb.AppURL, c.args...); code != c.code {
			t.Errorf("ledger %s: exit %d, want %d\n%s%s", strings.Join(c.args, " "), code, c.code, out, errOut)
		}
	}
}
