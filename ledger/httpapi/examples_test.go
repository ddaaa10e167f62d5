package httpapi_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCurlExamples runs the README's curl examples (testdata/api-examples.sh)
// against a test server on the demo setup and checks what they print.
func TestCurlExamples(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the examples need %s: %v", tool, err)
		}
	}
	e := newEnv(t)
	cmd := exec.Command("bash", "testdata/api-examples.sh")
	cmd.Env = append(cmd.Environ(), "BASE="+e.ts.URL)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("api-examples.sh: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
	}
	want := []string{
		`{"user":"wangfang","roles":["officer"],"scope":""}`,
		"receipt: voucher 1",
		"记-0001 checked", "记-0001 signed", "记-0001 posted",
		"记-0002 checked", "记-0002 signed", "记-0002 posted",
		"Idempotency-Replayed: true",
		"记-0003 checked", "记-0003 posted",
		`{"code":"invalid_amount","field":"amount"}`,
		"121801 其他应收款—专项党费待报账 10800.00",
		"500101 党费支出—专项—物资采购 1200.00",
		"by number: 记-0002 allocate 12000.00",
		"meeting 部务会2020-02-04纪要第3号: 孙立新、王芳、李强",
		"payee 汾阳市医药公司: personal false",
		"roster: 2 rows, 2 new",
		"publicity 2020-03-05: 1200.00",
		"value date 记-0002: 2020-02-05",
		"记-0001 receive 90000.00 wangfang/liqiang/liqiang",
		"记-0002 allocate 12000.00 wangfang/liqiang/liqiang",
		"记-0003 spend 1200.00 wangfang/liqiang/liqiang",
		"audit 2020-02: ",
		"finding A-03: acknowledged",
		"finding A-03: rectified",
		"roster FY-CP-01 张三 1423**********1236",
		"roster FY-CP-01 李四 ",
		"reconcile 2020-02: icbc 2 lines, balanced true",
		"workbook: 200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"verify: clean true, 0 problems",
		"auditor roster: forbidden",
		"auditor void: forbidden",
		"auditor reconcile: forbidden user",
		"user chenjing: officer in FY-CP-02",
		"token for chenjing: true",
		"chenjing disabled: true, 0 active tokens",
		"after logout: 401",
	}
	got := string(out)
	rest := got
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("the examples do not print %q (in order); they printed:\n%s", w, got)
		}
		rest = rest[i+len(w):]
	}
	if n := e.count(`SELECT count(*) FROM vouchers`); n != 3 {
		t.Fatalf("%d vouchers after the examples, want 3", n)
	}
	// One run, the admin's with the statement; the auditor's was refused.
	if n := e.count(`SELECT count(*) FROM reconcile_runs`); n != 1 {
		t.Fatalf("%d reconciliation runs after the examples, want 1", n)
	}
	checkInvariants(t, e.db)
}
