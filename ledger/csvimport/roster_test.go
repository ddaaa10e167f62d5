package csvimport

import (
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fenyang/partyfee/ledger"
)

func TestParseRoster(t *testing.T) {
	utf := "\xef\xbb\xbf姓名,身份证号,类别,电话,党组织\n张三,142301197001011234,群众,13800000000,FY-CP-01\n\n李四,142301197001015678,党员,,\n"
	es, err := ParseRoster([]byte(utf), "roster.csv", "FY-CP-02")
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Name != "张三" || es[0].Org != "FY-CP-01" || es[0].IDNumber != "142301197001011234" ||
		es[0].Category != "群众" || es[0].Phone != "13800000000" || es[1].Name != "李四" || es[1].Org != "FY-CP-02" {
		t.Fatalf("UTF-8 roster read as %+v", es)
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("name,id\n王五,142301197001019999\n"))
	if err != nil {
		t.Fatal(err)
	}
	es, err = ParseRoster(gbk, "gbk.csv", "")
	if err != nil || len(es) != 1 || es[0].Name != "王五" || es[0].Org != "" {
		t.Fatalf("GBK roster read as %+v, %v", es, err)
	}
	for _, c := range []struct{ name, data, field string }{
		{"unknown column", "姓名,年龄\n张三,40\n", "file"},
		{"no name column", "身份证号\n142301197001011234\n", "file"},
		{"empty name", "姓名,电话\n张三,1\n,2\n", "line 3"},
		{"no rows", "姓名\n\n", "file"},
	} {
		_, err := ParseRoster([]byte(c.data), "bad.csv", "")
		if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != c.field {
			t.Errorf("%s: %v (field %q), want invalid naming %q", c.name, err, ledger.ErrorField(err), c.field)
		}
	}
}
