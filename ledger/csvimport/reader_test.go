package csvimport

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fenyang/partyfee/ledger"
)

const header = "key,date,type,summary,account,organisation,fund,purpose,debit,credit,attachments,maker,checker,poster\n"

func readAll(t *testing.T, data string) ([]*Voucher, error) {
	t.Helper()
	rd, err := NewReader(strings.NewReader(data), "t.csv")
	if err != nil {
		return nil, err
	}
	var out []*Voucher
	for {
		v, err := rd.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
}

func wantErr(t *testing.T, err error, code, field string) {
	t.Helper()
	if ledger.ErrorCode(err) != code || ledger.ErrorField(err) != field {
		t.Fatalf("error %v: want code %s field %q", err, code, field)
	}
}

func TestReaderGroupsRowsIntoVouchers(t *testing.T) {
	data := header +
		"A,2020-02-03,,摘要一,100201,FY,FY-UP,,\"1,000.50\",,2,wangfang,liqiang,liqiang\n" +
		"A,,,,420101,FY,FY-UP,,,¥1000.5,,,,\n" +
		",,,,,,,,,,,,,\n" + // a blank row is skipped
		"B,2020/2/4,记,摘要二,500101,FY-CP-01,FY-UP,物资采购,12,,1,wangfang,liqiang,liqiang\n" +
		"B,2020年2月4日,记,,121801,FY-CP-01,FY-UP,,,12.00,1,wangfang,liqiang,liqiang\n"
	vs, err := readAll(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 {
		t.Fatalf("%d vouchers, want 2", len(vs))
	}
	a, b := vs[0], vs[1]
	if a.Key != "A" || a.Row != 2 || a.LastRow != 3 || a.Type != "记" || a.Attachments != 2 || len(a.Lines) != 2 ||
		a.Lines[0].Debit != 100050 || a.Lines[1].Credit != 100050 || a.Lines[1].Row != 3 {
		t.Fatalf("voucher A = %+v", a)
	}
	if !b.Date.Equal(time.Date(2020, 2, 4, 0, 0, 0, 0, time.UTC)) || b.Row != 5 || b.Lines[0].Purpose != ledger.Procurement ||
		b.Lines[0].Debit != 1200 || b.Lines[1].Summary != "" {
		t.Fatalf("voucher B = %+v", b)
	}
}

func TestReaderHeaders(t *testing.T) {
	chinese := "借方金额,贷方金额,凭证键,日期,凭证字,摘要,科目,党组织,资金来源,用途,附单据数,制单人,审核人,记账人,出纳\n" +
		"1.00,,K,2020-02-03,记,s,100201,FY,FY-UP,,1,a,b,c,d\n" +
		",1.00,K,2020-02-03,记,s,420101,FY,FY-UP,,1,a,b,c,d\n"
	vs, err := readAll(t, "\ufeff"+chinese)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0].Cashier != "d" || vs[0].Lines[0].Debit != 100 || vs[0].Lines[1].Credit != 100 {
		t.Fatalf("vouchers %+v", vs)
	}
	_, err = readAll(t, "key,date,type,summary,account,organisation,fund,purpose,debit,credit,attachments,maker,checker\n")
	wantErr(t, err, ledger.EInvalid, "row 1")
	_, err = readAll(t, strings.Replace(header, "poster", "poster,approver", 1))
	wantErr(t, err, ledger.EInvalid, "row 1: approver")
	_, err = readAll(t, strings.Replace(header, "poster", "poster,记账人", 1))
	wantErr(t, err, ledger.EInvalid, "row 1: poster")
	_, err = readAll(t, "")
	wantErr(t, err, ledger.EInvalid, "file")
}

func TestReaderRejectsRows(t *testing.T) {
	good := "K,2020-02-03,记,s,100201,FY,FY-UP,,1.00,,1,a,b,c\n"
	for _, c := range []struct {
		name, rows  string
		code, field string
	}{
		{"three decimals", "K,2020-02-03,记,s,100201,FY,FY-UP,,0.001,,1,a,b,c\n", ledger.EInvalidAmount, "row 2: debit"},
		{"a negative amount", "K,2020-02-03,记,s,100201,FY,FY-UP,,,-1.00,1,a,b,c\n", ledger.EInvalidAmount, "row 2: credit"},
		{"not a number", "K,2020-02-03,记,s,100201,FY,FY-UP,,1.0.0,,1,a,b,c\n", ledger.EInvalidAmount, "row 2: debit"},
		{"over the maximum", "K,2020-02-03,记,s,100201,FY,FY-UP,,1000000000000.00,,1,a,b,c\n", ledger.EInvalidAmount, "row 2: debit"},
		{"both sides", "K,2020-02-03,记,s,100201,FY,FY-UP,,1.00,1.00,1,a,b,c\n", ledger.EInvalidAmount, "row 2: debit"},
		{"neither side", "K,2020-02-03,记,s,100201,FY,FY-UP,,0,0.00,1,a,b,c\n", ledger.EInvalidAmount, "row 2: debit"},
		{"a bad date", "K,2020-13-03,记,s,100201,FY,FY-UP,,1.00,,1,a,b,c\n", ledger.EInvalid, "row 2: date"},
		{"no maker", "K,2020-02-03,记,s,100201,FY,FY-UP,,1.00,,1,,b,c\n", ledger.EInvalid, "row 2: maker"},
		{"no key", ",2020-02-03,记,s,100201,FY,FY-UP,,1.00,,1,a,b,c\n", ledger.EInvalid, "row 2: key"},
		{"a bad purpose", "K,2020-02-03,记,s,500101,FY,FY-UP,travel,1.00,,1,a,b,c\n", ledger.EPurposeNotAllowed, "row 2: purpose"},
		{"bad attachments", "K,2020-02-03,记,s,100201,FY,FY-UP,,1.00,,-1,a,b,c\n", ledger.EInvalid, "row 2: attachments"},
		{"another checker on a later row", good + "K,,,,420101,FY,FY-UP,,,1.00,,,x,\n", ledger.EInvalid, "row 3: checker"},
		{"a key again after another", good + "L,2020-02-03,记,s,100201,FY,FY-UP,,1.00,,1,a,b,c\n" + good, ledger.EInvalid, "row 4: key"},
		{"a field too many", "K,2020-02-03,记,s,100201,FY,FY-UP,,1.00,,1,a,b,c,extra\n", ledger.EInvalid, "row 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := readAll(t, header+c.rows)
			wantErr(t, err, c.code, c.field)
		})
	}
}

func TestParseFenAgreesWithParseAmount(t *testing.T) {
	for _, s := range []string{"1", "1.5", "1.50", "0.01", "999999999999.99", "12,345.67", "¥3.20", " 7.1 ", "0.001", "1.", ".5", "01.10", "-1", "1e3"} {
		fen, err := parseFen(s)
		m, merr := ledger.ParseMoney(s)
		if merr == nil && m.Sign() < 0 {
			if err == nil {
				t.Errorf("%q: parseFen accepted a negative amount", s)
			}
			continue
		}
		if (err == nil) != (merr == nil) {
			t.Errorf("%q: parseFen err %v, ParseMoney err %v", s, err, merr)
			continue
		}
		if err == nil && fen != m.Fen() {
			t.Errorf("%q: parseFen %d, ParseMoney %d fen", s, fen, m.Fen())
		}
	}
}

// TestDecodeGBK: GBK text is recognised at its first non-ASCII byte, even
// after a long ASCII start; broken text is refused with its row.
func TestDecodeGBK(t *testing.T) {
	rows := header
	for i := 0; i < 5000; i++ { // well past the sniffing window
		rows += fmt.Sprintf("K%d,2020-02-03,,s,100201,FY,FY-UP,,1.00,,1,a,b,c\n", i)
	}
	rows += "K4999,2020-02-03,,汾阳市医药公司口罩,420101,FY,FY-UP,,,5000.00,1,a,b,c\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(rows)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := readAll(t, gbk)
	if err != nil {
		t.Fatal(err)
	}
	if last := vs[len(vs)-1]; len(vs) != 5000 || last.Lines[len(last.Lines)-1].Summary != "汾阳市医药公司口罩" {
		t.Fatalf("GBK summary not decoded: %d vouchers", len(vs))
	}
	// A byte that is neither UTF-8 nor GBK.
	_, err = readAll(t, header+"K,2020-02-03,记,s\xff\xff,100201,FY,FY-UP,,1.00,,1,a,b,c\n")
	if ledger.ErrorCode(err) != ledger.EInvalid {
		t.Fatalf("broken text: %v", err)
	}
}
