package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// TestCLIVoucherEdit edits a draft by flags and by file, is refused a
// stale version and a checked voucher, and shows the versions.
func TestCLIVoucherEdit(t *testing.T) {
	t.Parallel()
	tdb := pgtest.NewDatabase(t)
	ledger := func(args ...string) (string, string, int) {
		t.Helper()
		return runLedgerURL(t, tdb.OwnerURL, args...)
	}
	must := func(args ...string) string {
		t.Helper()
		out, errOut, code := ledger(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
		return out
	}
	must("setup", "../../configs/demo/fenyang.yaml")
	must("--as", "wangfang", "allocate", "--fund", "FY-UP", "--to", "FY-CP-01", "--amount", "10.00", "--date", "2020-02-05", "--attachments", "1")
	out := must("--as", "wangfang", "voucher", "edit", "2020-02:记-1", "--version", "1", "--summary", "划拨（改）", "--attachments", "2")
	if !strings.Contains(out, "第2版") || !strings.Contains(out, "划拨（改）") || !strings.Contains(out, "附单据 2 张") {
		t.Fatalf("edit by flags printed:\n%s", out)
	}
	file := filepath.Join(t.TempDir(), "v.yaml")
	os.WriteFile(file, []byte(`date: 2020-02-06
summary: 划拨（按文件）
attachments: 1
lines:
  - {account: "121801", org: FY-CP-01, fund: FY-UP, debit: "12.50"}
  - {account: "100201", org: FY, fund: FY-UP, credit: "12.50"}
`), 0o600)
	out = must("--json", "--as", "wangfang", "voucher", "edit", "2020-02:记-1", file, "--version", "2", "--memo", "补记")
	var v struct {
		Version int    `json:"version"`
		Number  int    `json:"number"`
		Total   string `json:"total"`
		Memo    string `json:"memo"`
		Flow    string `json:"flow"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Version != 3 || v.Number != 1 || v.Total != "12.50" || v.Memo != "补记" || v.Flow != "allocate" {
		t.Fatalf("edit by file: %v %s", err, out)
	}

	refused := func(code, field string, args ...string) {
		t.Helper()
		out, _, status := ledger(append([]string{"--json"}, args...)...)
		e := parseCLIError(t, out)
		if status != exit.Rejected || e.Error.Code != code || e.Error.Field != field {
			t.Fatalf("%v: exit %d %+v", args, status, e)
		}
	}
	refused("invalid_state", "version", "--as", "wangfang", "voucher", "edit", "2020-02:记-1", "--version", "2", "--summary", "旧版本")
	refused("invalid", "date", "--as", "wangfang", "voucher", "edit", "2020-02:记-1", "--version", "3", "--date", "2020-03-01")
	must("--as", "liqiang", "voucher", "check", "2020-02:记-1")
	refused("immutable", "status", "--as", "wangfang", "voucher", "edit", "2020-02:记-1", "--version", "3", "--summary", "审核后")

	out = must("voucher", "show", "2020-02:记-1")
	for _, want := range []string{"修改记录:", "第1版", "wangfang  制单", "第2版", "改动: 附单据张数（1 → 2）、摘要（", "→ 划拨（改））", "分录（合计 10.00 → 合计 12.50）", "第3版", "liqiang  审核"} {
		if !strings.Contains(out, want) {
			t.Fatalf("voucher show lacks %q:\n%s", want, out)
		}
	}
	var shown struct {
		History []struct {
			Version int      `json:"version"`
			Action  string   `json:"action"`
			Changed []string `json:"changed"`
		} `json:"history"`
	}
	if err := json.Unmarshal([]byte(must("--json", "voucher", "show", "2020-02:记-1")), &shown); err != nil || len(shown.History) != 4 ||
		shown.History[2].Version != 3 || !strings.Contains(strings.Join(shown.History[2].Changed, ","), "date,lines,memo") {
		t.Fatalf("voucher show --json: %v %+v", err, shown)
	}
}
