package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAuditRollupPage: an auditor reads the roll-up of the books of the
// database they may read — here their own — on screen and as a workbook;
// an officer is refused both.
func TestAuditRollupPage(t *testing.T) {
	e := newEnv(t)
	a := e.login("fengqing")
	p := a.get("/audit/rollup?period=2020-02")
	if p.status != http.StatusOK || !strings.Contains(p.body, "分账套汇总") || !strings.Contains(p.body, "中共汾阳市委组织部（党费专户）") ||
		!strings.Contains(p.body, "90,000.00") || !strings.Contains(p.body, "本期无跨账套下拨") {
		t.Fatalf("roll-up page: %d\n%s", p.status, p.body)
	}
	x := a.get("/audit/rollup.xlsx?period=2020-02")
	if x.status != http.StatusOK || !strings.HasPrefix(x.body, "PK") {
		t.Fatalf("roll-up workbook: %d %v", x.status, x.header)
	}
	o := e.login("wangfang")
	for _, path := range []string{"/audit/rollup?period=2020-02", "/audit/rollup.xlsx?period=2020-02"} {
		if p := o.get(path); p.status != http.StatusForbidden {
			t.Errorf("officer %s: %d", path, p.status)
		}
	}
}
