package csvimport

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fenyang/partyfee/ledger"
)

// refusal fails t unless err is a *ledger.Error with a field: what an
// import file, however malformed, may produce.
func refusal(t *testing.T, err error, data []byte) {
	t.Helper()
	var le *ledger.Error
	if !errors.As(err, &le) {
		t.Fatalf("%q: %T is not a *ledger.Error: %v", data, err, err)
	}
	if ledger.ErrorField(err) == "" {
		t.Fatalf("%q: the refusal names no field: %v", data, err)
	}
}

// FuzzImportReader reads any bytes as an approved-history import file. It
// never panics; every refusal is a *ledger.Error naming a row's column;
// the vouchers it reads balance their lines' rows and keep their keys.
func FuzzImportReader(f *testing.F) {
	good := header + "H1,2020-03-02,记,本级配套,100201,FY,FY-MATCH,,230000.00,,1,wangfang,liqiang,liqiang\n" +
		"H1,2020-03-02,记,本级配套,4801,FY,FY-MATCH,,,230000.00,1,wangfang,liqiang,liqiang\n"
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("凭证键,日期,凭证字,摘要,科目,党组织,资金来源,用途,借方,贷方,附单据数,制单人,审核人,记账人,出纳\n" +
		"H-0001,2020-03-02,记,本级配套专项党费,100201,FY,FY-MATCH,,230000.00,,1,wangfang,liqiang,liqiang,zhaomin\n")
	for _, s := range []string{good, "\ufeff" + good, gbk, header, "", "key\n", header + "H1,2020-02-30,记,x,1,FY,F,,1,,1,a,b,c\n",
		header + "H1,2020-03-02,记,x,1,FY,F,,1.001,,1,a,b,c\n", header + "\"H1,2020\n", header + "H1,2020-03-02,记,x\x00,1,FY,F,,1,,1,a,b,c\n",
		header + "H1,2020-03-02,记,x,1,FY,F,,-1,,-1,a,b,c\nH2\n", "key,key\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader(strings.NewReader(string(data)), "f.csv")
		if err != nil {
			refusal(t, err, data)
			return
		}
		seen := map[string]bool{}
		for i := 0; i < 10000; i++ {
			v, err := rd.Next()
			if err != nil {
				if err.Error() == "EOF" {
					return
				}
				refusal(t, err, data)
				return
			}
			if v.Key == "" || len(v.Lines) == 0 {
				t.Fatalf("%q: voucher %+v without key or lines", data, v)
			}
			seen[v.Key] = true
		}
	})
}

// FuzzParseRoster reads any bytes as a roster file: no panic, refusals
// are *ledger.Error naming a field, and every entry has a name.
func FuzzParseRoster(f *testing.F) {
	for _, s := range []string{"姓名,身份证号,身份,电话\n李四,141182198503152224,群众,13800000000\n",
		"name,id,category,phone,org\n张三,141182197001011232,群众,,FY-CP-01\n", "name\n\n", "", "姓名\n\"a\n", "x,y\n1,2\n",
		"\xef\xbb\xbfname,id\n张三,1411821970010112\n", "name,id\n\x00,\xff\xfe\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseRoster(data, "r.csv", "FY-CP-01")
		if err != nil {
			refusal(t, err, data)
			return
		}
		for _, e := range entries {
			if strings.TrimSpace(e.Name) == "" {
				t.Fatalf("%q: an entry without a name: %+v", data, e)
			}
		}
	})
}
