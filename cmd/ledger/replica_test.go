package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// coverText is the audit workbook's cover, every cell.
func coverText(t *testing.T, path string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, " ") + "\n")
	}
	return b.String()
}

// TestDbReplica: `db replica start` makes a streaming hot standby of the
// embedded cluster that status shows as streaming; a report reads from it
// and its cover says so; with the replica stopped the report reads the
// primary and warns in Chinese; `db stop` stops both servers.
func TestDbReplica(t *testing.T) {
	dir := dataDir(t)
	replicaDir := filepath.Join(dir, "replica")
	t.Cleanup(func() { stopIfRunning(replicaDir) })
	ledger := func(args ...string) *exec.Cmd {
		return ledgerCmd(t, nil, append([]string{"--data-dir", dir}, args...)...)
	}
	out := mustRun(t, ledger("db", "replica", "start"))
	if !strings.Contains(out, "streaming") {
		t.Fatalf("db replica start printed no streaming state:\n%s", out)
	}
	if !processAlive(postmasterPID(replicaDir)) || !processAlive(postmasterPID(dir)) {
		t.Fatal("db replica start left a server down")
	}
	status := mustRun(t, ledger("--json", "db", "replica", "status"))
	for _, w := range []string{`"state": "streaming"`, `"lag_bytes"`, `"in_recovery": true`, `"slot": "ledger_replica"`} {
		if !strings.Contains(status, w) {
			t.Errorf("status lacks %s:\n%s", w, status)
		}
	}
	if u := mustRun(t, ledger("db", "url", "--replica", "--auditor")); !strings.Contains(u, "port=5433") || !strings.Contains(u, "user=ledger_auditor") {
		t.Errorf("db url --replica --auditor = %q", u)
	}
	mustRun(t, ledger("setup", "../../configs/demo/fenyang.yaml"))
	mustRun(t, ledger("--as", "wangfang", "receive", "--fund", "FY-UP", "--amount", "90000.00", "--date", "2020-02-03", "--decision", "晋组通〔2020〕8号", "--attachments", "1"))
	book := filepath.Join(t.TempDir(), "audit.xlsx")
	c := ledger("report", "audit", "--period", "2020-02", "--out", book)
	out = mustRun(t, c)
	if strings.Contains(out, "警告") {
		t.Errorf("a report with the replica up warned:\n%s", out)
	}
	if cover := coverText(t, book); !strings.Contains(cover, "只读备库") {
		t.Errorf("the cover does not name the replica:\n%s", cover)
	}
	mustRun(t, ledger("db", "replica", "stop"))
	if processAlive(postmasterPID(replicaDir)) {
		t.Fatal("db replica stop left the replica running")
	}
	out = mustRun(t, ledger("report", "audit", "--period", "2020-02", "--out", book))
	if !strings.Contains(out, "警告：备库无响应") {
		t.Errorf("with the replica down the report did not warn:\n%s", out)
	}
	if cover := coverText(t, book); !strings.Contains(cover, "主库") {
		t.Errorf("the cover does not say the primary was read:\n%s", cover)
	}
	mustRun(t, ledger("db", "replica", "start"))
	mustRun(t, ledger("db", "stop"))
	if processAlive(postmasterPID(replicaDir)) || processAlive(postmasterPID(dir)) {
		t.Fatal("db stop left a server running")
	}
}
