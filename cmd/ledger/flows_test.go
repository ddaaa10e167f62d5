package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// cliError is the --json form of a rejected command.
type cliError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

func parseCLIError(t *testing.T, stdout string) cliError {
	t.Helper()
	var e cliError
	if err := json.Unmarshal([]byte(stdout), &e); err != nil {
		t.Fatalf("stdout is not a JSON error: %v\n%s", err, stdout)
	}
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("JSON error without code or message: %s", stdout)
	}
	return e
}

func TestCLIDaxieNeedsNoDatabase(t *testing.T) {
	t.Parallel()
	// A data directory that cannot be made: a command that wanted the
	// database would fail.
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"daxie", "320000"},
		{"--data-dir", filepath.Join(blocker, "ledger"), "daxie", "320000"},
		{"--database-url", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1", "daxie", "320000"},
	} {
		var out, errOut strings.Builder
		code := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
		if code != 0 || out.String() != "叁拾贰万元整\n" {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q", args, code, out.String(), errOut.String())
		}
	}
}

// TestCLIFlows runs the flows through the command line against one
// embedded cluster: usage and amount errors, an idempotent setup, and a
// spend that posting rejects for want of funds, each with its exit status
// and its --json error.
func TestCLIFlows(t *testing.T) {
	dir := dataDir(t)
	ledger := func(args ...string) (string, string, int) {
		t.Helper()
		var out, errOut strings.Builder
		code := run(context.Background(), append([]string{"--data-dir", dir}, args...), strings.NewReader(""), &out, &errOut)
		return out.String(), errOut.String(), code
	}
	must := func(args ...string) string {
		t.Helper()
		out, errOut, code := ledger(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
		return out
	}
	spend := []string{"spend", "--org", "FY-CP-01", "--fund", "FY-UP", "--purpose", "procurement", "--date", "2020-02-12", "--payee", "汾阳市医药公司", "--payee-type", "supplier", "--attachments", "1"}

	// Usage: no acting user (exit 2), checked before any database.
	t.Setenv("LEDGER_USER", "")
	out, errOut, code := ledger(append([]string{"--json"}, append(spend, "--amount", "10.00")...)...)
	if code != 2 || parseCLIError(t, out).Error.Code != "usage" || !strings.Contains(errOut, "--as") {
		t.Fatalf("spend without --as: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// A third decimal is invalid_amount (exit 3) on the amount field.
	out, _, code = ledger(append([]string{"--json", "--as", "wangfang"}, append(spend, "--amount", "0.001")...)...)
	if e := parseCLIError(t, out); code != 3 || e.Error.Code != "invalid_amount" || e.Error.Field != "amount" {
		t.Fatalf("--amount 0.001: exit %d, %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "pg")); err == nil {
		t.Fatal("a rejected flag started the database")
	}

	must("db", "start")
	t.Cleanup(func() { ledger("db", "stop") })
	setup := filepath.Join("..", "..", "configs", "demo", "fenyang.yaml")
	first := must("setup", setup)
	if !strings.Contains(first, "账套 FY-DFZH") {
		t.Fatalf("setup printed %q", first)
	}
	url := strings.TrimSpace(must("db", "url", "--superuser"))
	counts := func() string {
		t.Helper()
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var s string
		err = conn.QueryRow(ctx, `SELECT format('%s books, %s accounts, %s organisations, %s funds, %s users, %s vouchers',
			(SELECT count(*) FROM books), (SELECT count(*) FROM accounts), (SELECT count(*) FROM organisations),
			(SELECT count(*) FROM funds), (SELECT count(*) FROM users), (SELECT count(*) FROM vouchers))`).Scan(&s)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := counts()
	if !strings.HasPrefix(before, "1 books, ") || strings.Contains(before, " 0 organisations") {
		t.Fatalf("after setup: %s", before)
	}
	if again := must("setup", setup); again != first {
		t.Fatalf("the second setup printed %q, the first %q", again, first)
	}
	if after := counts(); after != before {
		t.Fatalf("the second setup changed the counts: %s, then %s", before, after)
	}

	// Money in, half of it allocated to FY-CP-01.
	id := func(out string) string {
		t.Helper()
		var v struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil || v.ID == 0 {
			t.Fatalf("not a voucher: %v\n%s", err, out)
		}
		return strconv.FormatInt(v.ID, 10)
	}
	post := func(voucher string, cash bool) (string, int) {
		t.Helper()
		must("--as", "liqiang", "voucher", "check", voucher)
		if cash {
			must("--as", "zhaomin", "voucher", "sign", voucher)
		}
		out, _, code := ledger("--json", "--as", "liqiang", "voucher", "post", voucher)
		return out, code
	}
	r := id(must("--json", "--as", "wangfang", "receive", "--fund", "FY-UP", "--amount", "100.00", "--date", "2020-02-03", "--attachments", "1"))
	if out, code := post(r, true); code != 0 {
		t.Fatalf("post the receipt: exit %d\n%s", code, out)
	}
	a := id(must("--json", "--as", "wangfang", "allocate", "--fund", "FY-UP", "--to", "FY-CP-01", "--amount", "50.00", "--date", "2020-02-05"))
	if out, code := post(a, true); code != 0 {
		t.Fatalf("post the allocation: exit %d\n%s", code, out)
	}
	// One fen more than FY-CP-01 holds: the draft is made, posting it is
	// rejected.
	s := id(must(append([]string{"--json", "--as", "wangfang"}, append(spend, "--amount", "50.01")...)...))
	out, code = post(s, false)
	e := parseCLIError(t, out)
	if code != 3 || e.Error.Code != "insufficient_funds" || e.Error.Field != "amount" || !strings.Contains(e.Error.Message, "FY-CP-01") {
		t.Fatalf("post the overspend: exit %d, %s", code, out)
	}
	// Item lines: --item is repeatable; items that do not add up to the
	// amount are refused naming the field, and voucher show lists them.
	out, _, code = ledger(append([]string{"--json", "--as", "wangfang"}, append(spend, "--amount", "30.00", "--item", "口罩,,个,10,2.5,25.00")...)...)
	if e := parseCLIError(t, out); code != 3 || e.Error.Code != "invalid_amount" || e.Error.Field != "lines[1].items" {
		t.Fatalf("items short of the amount: exit %d, %s", code, out)
	}
	out, _, code = ledger(append([]string{"--json", "--as", "wangfang"}, append(spend, "--amount", "30.00", "--item", "口罩,个,10,2.5,25.00")...)...)
	if e := parseCLIError(t, out); code != 3 || e.Error.Code != "invalid" || e.Error.Field != "items[1]" {
		t.Fatalf("an item of five parts: exit %d, %s", code, out)
	}
	withItems := id(must(append([]string{"--json", "--as", "wangfang"}, append(spend, "--amount", "30.00",
		"--item", "口罩,一次性医用,个,10,2.5,25.00", "--item", "84消毒液,500ml,瓶,1,5,5.00")...)...))
	shown := must("voucher", "show", withItems)
	for _, want := range []string{"物品明细", "口罩", "一次性医用", "2.5", "25.00", "84消毒液", "500ml"} {
		if !strings.Contains(shown, want) {
			t.Fatalf("voucher show lacks %q:\n%s", want, shown)
		}
	}

	// Exactly what it holds posts.
	s = id(must(append([]string{"--json", "--as", "liuyang"}, append(spend, "--amount", "50.00")...)...))
	if out, code := post(s, false); code != 0 {
		t.Fatalf("post the spend of the whole balance: exit %d\n%s", code, out)
	}
	var bal struct {
		Balances []struct {
			Org     string `json:"org"`
			Account string `json:"account"`
			Own     string `json:"own"`
		} `json:"balances"`
	}
	if err := json.Unmarshal([]byte(must("--json", "balance", "--org", "FY-CP-01", "--fund", "FY-UP")), &bal); err != nil {
		t.Fatal(err)
	}
	spent := ""
	for _, b := range bal.Balances {
		if b.Org == "FY-CP-01" && b.Account == "500101" {
			spent = b.Own
		}
		if b.Account == "121801" && b.Own != "0.00" {
			t.Fatalf("FY-CP-01 holds %s, want 0.00", b.Own)
		}
	}
	if spent != "50.00" {
		t.Fatalf("FY-CP-01 spent %q, want 50.00", spent)
	}
}
