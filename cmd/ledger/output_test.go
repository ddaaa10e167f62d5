package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// TestCLIOutputSpeaksTheLocale: the normal output a person reads (table
// headers, status words, summaries, a voucher's 大写 total) is Chinese by
// default and English with --locale en; --json keeps its keys and status
// words English.
func TestCLIOutputSpeaksTheLocale(t *testing.T) {
	t.Parallel()
	l := newRCLedger(t)
	latinWord := regexp.MustCompile(`\b[a-z]{4,}\b`)
	out, errOut, code := l.run(t, "voucher", "list")
	if code != 0 || !strings.Contains(out, "字号") || !strings.Contains(out, "已记账") || latinWord.MatchString(strings.SplitN(out, "\n", 2)[0]) {
		t.Errorf("voucher list: exit %d\n%s%s", code, out, errOut)
	}
	out, _, code = l.run(t, "--locale", "en", "voucher", "list")
	if code != 0 || !strings.Contains(out, "number") || !strings.Contains(out, "posted") || strings.Contains(out, "已记账") {
		t.Errorf("voucher list --locale en: exit %d\n%s", code, out)
	}
	out, _, code = l.run(t, "voucher", "list", "--json")
	if code != 0 || !strings.Contains(out, `"status": "posted"`) && !strings.Contains(out, `"status":"posted"`) {
		t.Errorf("voucher list --json: exit %d\n%s", code, out)
	}
	out, _, code = l.run(t, "voucher", "show", "2020-02:记-1")
	if code != 0 || !regexp.MustCompile(`合计（大写）：人民币[壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整零]+`).MatchString(out) ||
		!regexp.MustCompile(`制单 \p{Han}{2,3}  审核 \p{Han}{2,3}`).MatchString(out) {
		t.Errorf("voucher show (people by full name): exit %d\n%s", code, out)
	}
	out, _, code = l.run(t, "period", "list")
	if code != 0 || !strings.Contains(out, "月份") || !strings.Contains(out, "未结账") || strings.Contains(out, "open") {
		t.Errorf("period list: exit %d\n%s", code, out)
	}
	out, _, code = l.run(t, "--locale", "en", "period", "list")
	if code != 0 || !strings.Contains(out, "month") || !strings.Contains(out, "open") {
		t.Errorf("period list --locale en: exit %d\n%s", code, out)
	}
	out, _, code = l.run(t, "period", "list", "--json")
	var periods struct {
		Periods []struct{ Status string } `json:"periods"`
	}
	if err := json.Unmarshal([]byte(out), &periods); code != 0 || err != nil || len(periods.Periods) == 0 || periods.Periods[0].Status != "open" {
		t.Errorf("period list --json: exit %d, %v\n%s", code, err, out)
	}
	out, _, code = l.run(t, "verify")
	if code != 0 || !strings.Contains(out, "账套 FY-DFZH：") || latinWord.MatchString(strings.ReplaceAll(out, "FY-DFZH", "")) {
		t.Errorf("verify: exit %d\n%s", code, out)
	}
	out, _, code = l.run(t, "--locale", "en", "verify")
	if code != 0 || !strings.Contains(out, "book FY-DFZH: ") {
		t.Errorf("verify --locale en: exit %d\n%s", code, out)
	}
}
