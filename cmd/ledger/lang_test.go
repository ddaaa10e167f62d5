package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/internal/exit"
)

// TestCLIUsageSpeaksTheLocale: an unknown subcommand is a usage error in
// Chinese by default and in English with --locale en; help follows.
func TestCLIUsageSpeaksTheLocale(t *testing.T) {
	_, errOut, code := runLedger(t, nil, "voucher", "print")
	if code != exit.Usage || !strings.Contains(errOut, "未知命令") || !strings.Contains(errOut, `"print"`) {
		t.Errorf("voucher print: exit %d, %q", code, errOut)
	}
	_, errOut, code = runLedger(t, map[string]string{"LEDGER_LOCALE": "en"}, "voucher", "print")
	if code != exit.Usage || !strings.Contains(errOut, `unknown command "print"`) {
		t.Errorf("voucher print in English: exit %d, %q", code, errOut)
	}
	t.Setenv("LEDGER_LOCALE", "")
	out, _, code := runLedger(t, nil, "voucher", "--help")
	if code != 0 || !strings.Contains(out, "可用命令") || !strings.Contains(out, "审核草稿") {
		t.Errorf("voucher --help: exit %d\n%s", code, out)
	}
	out, _, code = runLedger(t, nil, "--locale", "en", "voucher", "--help")
	if code != 0 || !strings.Contains(out, "Available Commands") || !strings.Contains(out, "Check a draft") {
		t.Errorf("voucher --help --locale en: exit %d\n%s", code, out)
	}
	if _, errOut, code := runLedger(t, nil, "--locale", "fr", "daxie", "1"); code != exit.Usage || !strings.Contains(errOut, "locale") {
		t.Errorf("--locale fr: exit %d, %q", code, errOut)
	}
}

// TestCLIRefusalsSpeakTheLocale: a refusal prints the Describe line, in
// Chinese by default and English with --locale en, exits 3, and --json
// keeps code and field English; a missing file is invalid, naming it.
func TestCLIRefusalsSpeakTheLocale(t *testing.T) {
	_, errOut, code := runLedger(t, nil, "daxie", "1.001")
	if code != exit.Rejected || !strings.HasPrefix(errOut, "错误：金额不合规（invalid_amount，字段 amount）：") {
		t.Errorf("daxie 1.001: exit %d, %q", code, errOut)
	}
	_, errOut, code = runLedger(t, nil, "--locale", "en", "daxie", "1.001")
	if code != exit.Rejected || !strings.HasPrefix(errOut, "error: invalid amount (invalid_amount, field amount): ") {
		t.Errorf("daxie 1.001 --locale en: exit %d, %q", code, errOut)
	}
	out, _, code := runLedger(t, nil, "--json", "daxie", "1.001")
	e := parseCLIError(t, out)
	if code != exit.Rejected || e.Error.Code != "invalid_amount" || e.Error.Field != "amount" || !regexp.MustCompile(`\p{Han}`).MatchString(e.Error.Message) {
		t.Errorf("--json: exit %d, %s", code, out)
	}
	missing := filepath.Join(t.TempDir(), "nowhere.yaml")
	out, errOut, code = runLedger(t, nil, "--json", "setup", missing)
	e = parseCLIError(t, out)
	if code != exit.Rejected || e.Error.Code != "invalid" || e.Error.Field != "file" || !strings.Contains(errOut, "文件 "+missing+" 不存在") {
		t.Errorf("setup of a missing file: exit %d, %s %s", code, out, errOut)
	}
}

// TestCLIUserListBalanceAndPeriodClose: user list names people by full
// name; balance prints directions, never a negative credit, and 无数据
// when empty; period close closes the month as the batch does.
func TestCLIUserListBalanceAndPeriodClose(t *testing.T) {
	t.Parallel()
	l := newRCLedger(t)
	out, errOut, code := l.run(t, "user", "list")
	if code != 0 || !strings.Contains(out, "王芳") || !strings.Contains(out, "wangfang") || !strings.Contains(out, "姓名") {
		t.Fatalf("user list: exit %d\n%s%s", code, out, errOut)
	}
	out, _, code = l.run(t, "user", "list", "--json")
	var users struct {
		Users []struct {
			Name     string `json:"name"`
			FullName string `json:"full_name"`
		} `json:"users"`
	}
	if err := json.Unmarshal([]byte(out), &users); code != 0 || err != nil || len(users.Users) < 5 {
		t.Fatalf("user list --json: exit %d, %v\n%s", code, err, out)
	}
	out, errOut, code = l.run(t, "balance")
	if code != 0 || !strings.Contains(out, "借") || !strings.Contains(out, "贷") || regexp.MustCompile(`\s-\d`).MatchString(out) {
		t.Fatalf("balance: exit %d\n%s%s", code, out, errOut)
	}
	if out, _, code = l.run(t, "balance", "--as-of", "2019-01-01", "--fund", "FY-UP"); code != 0 || strings.TrimSpace(out) != "无数据" {
		t.Errorf("balance of an empty book: exit %d\n%s", code, out)
	}
	out, errOut, code = l.run(t, "period", "close", "2020-02", "--bank-statement", l.statement)
	if code != 0 || !strings.Contains(out, "2020-02") {
		t.Fatalf("period close: exit %d\n%s%s", code, out, errOut)
	}
	out, _, _ = l.run(t, "period", "list", "--json")
	var periods struct {
		Periods []struct {
			Year, Month int
			Status      string
		} `json:"periods"`
	}
	if err := json.Unmarshal([]byte(out), &periods); err != nil {
		t.Fatal(err)
	}
	closed := false
	for _, p := range periods.Periods {
		closed = closed || p.Year == 2020 && p.Month == 2 && p.Status == "closed"
	}
	if !closed {
		t.Errorf("period close left 2020-02 open: %s", out)
	}
	// A voucher into the closed month is refused in Chinese, exit 3.
	_, errOut, code = l.run(t, "--as", "wangfang", "receive", "--fund", "FY-UP", "--amount", "1.00", "--date", "2020-02-27", "--attachments", "1")
	if code != exit.Rejected || !strings.HasPrefix(errOut, "错误：期间已结账（period_closed") {
		t.Errorf("receive into a closed month: exit %d, %q", code, errOut)
	}
	if _, errOut, code = l.run(t, "period", "close", "2020-13"); code == 0 || !strings.Contains(errOut, "2020-13") {
		t.Errorf("period close 2020-13: exit %d, %q", code, errOut)
	}
}
