package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

func TestCellName(t *testing.T) {
	for _, c := range []struct {
		col, row int
		want     string
	}{{1, 1, "A1"}, {26, 3, "Z3"}, {27, 10, "AA10"}, {52, 1, "AZ1"}, {703, 1048576, "AAA1048576"}} {
		if got := cellName(c.col, c.row); got != c.want {
			t.Errorf("cellName(%d, %d) = %s, want %s", c.col, c.row, got, c.want)
		}
	}
}

func TestDateSerial(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want int64
	}{
		{day(2020, 2, 7), 43868},
		{day(1900, 3, 1), 61},
		{time.Date(2020, 2, 29, 23, 59, 0, 0, time.FixedZone("CST", 8*3600)), 43890}, // the calendar date where it was taken
	} {
		if got := dateSerial(c.t); got != c.want {
			t.Errorf("dateSerial(%s) = %d, want %d", c.t, got, c.want)
		}
	}
}

func TestMoneyFloat(t *testing.T) {
	wb := &workbook{}
	for _, s := range []string{"0.00", "0.01", "-9999.99", "320000.00", "999999999999.99", "-999999999999.99"} {
		mny := m(s)
		v := wb.float(mny)
		if back := ledger.FromFen(int64(v*100 + map[bool]float64{true: 0.5, false: -0.5}[v >= 0])); !back.Equal(mny) {
			t.Errorf("float(%s) = %v does not round-trip", s, v)
		}
	}
	if wb.err != nil {
		t.Fatalf("err = %v", wb.err)
	}
	// Past 2^53 fen a float64 no longer holds every fen: refused.
	wb.float(ledger.FromFen(1<<53 + 1))
	if ledger.ErrorCode(wb.err) != ledger.EInvalidAmount {
		t.Errorf("huge amount: err = %v, want invalid_amount", wb.err)
	}
}

func TestSumFormula(t *testing.T) {
	a := &part{name: "T3 使用明细"}
	b := &part{name: "T3 使用明细 (2)"}
	for _, c := range []struct {
		spans []span
		from  *part
		want  string
	}{
		{nil, a, ""},
		{[]span{{a, 4, 9}}, a, "SUM(K4:K9)"},
		{[]span{{a, 4, 4}, {a, 6, 8}}, a, "SUM(K4,K6:K8)"},
		{[]span{{a, 4, 99}, {b, 4, 7}}, b, "SUM('T3 使用明细'!K4:K99,K4:K7)"},
		{[]span{{a, 4, 99}}, nil, "SUM('T3 使用明细'!K4:K99)"},
	} {
		if got := sumFormula(11, c.spans, c.from); got != c.want {
			t.Errorf("sumFormula(%v) = %q, want %q", c.spans, got, c.want)
		}
	}
	// More than 255 arguments nest, so Excel's argument limit holds.
	var many []span
	for r := 1; r <= 600; r += 2 {
		many = append(many, span{a, r, r})
	}
	f := sumFormula(1, many, a)
	if !strings.HasPrefix(f, "SUM(SUM(A1,") || strings.Count(f, "SUM(") != 3 {
		t.Errorf("600 arguments: %.60s… (%d SUMs)", f, strings.Count(f, "SUM("))
	}
	for _, arg := range splitArgs(strings.TrimSuffix(strings.TrimPrefix(f, "SUM("), ")")) {
		if n := len(splitArgs(strings.TrimSuffix(strings.TrimPrefix(arg, "SUM("), ")"))); n > sumArgsMax {
			t.Errorf("nested SUM has %d arguments", n)
		}
	}
}

func TestSpanList(t *testing.T) {
	a, b := &part{name: "a"}, &part{name: "b"}
	var l spanList
	for _, r := range []int{4, 5, 6, 8, 9} {
		l.add(a, r)
	}
	l.add(b, 4)
	l.add(b, 5)
	want := []span{{a, 4, 6}, {a, 8, 9}, {b, 4, 5}}
	if len(l) != len(want) {
		t.Fatalf("spans = %v, want %v", l, want)
	}
	for i := range want {
		if l[i] != want[i] {
			t.Errorf("span %d = %v, want %v", i, l[i], want[i])
		}
	}
}

func TestVoucherIndex(t *testing.T) {
	x := &voucherIndex{col: "B", parts: []string{"凭证清单", "凭证清单 (2)"}}
	x.note(30, 0, 4)
	x.note(10, 0, 6)
	x.note(20, 1, 4)
	x.note(10, 1, 9) // listed again later: the first row counts
	for _, c := range []struct {
		id   int64
		want string
		ok   bool
	}{{10, "'凭证清单'!B6", true}, {20, "'凭证清单 (2)'!B4", true}, {30, "'凭证清单'!B4", true}, {40, "", false}} {
		got, ok := x.target(c.id)
		if got != c.want || ok != c.ok {
			t.Errorf("target(%d) = %q, %v; want %q, %v", c.id, got, ok, c.want, c.ok)
		}
	}
}

// A total beyond 大写 (Σ of many vouchers of 999,999,999,999.99) is marked,
// never an error that aborts the workbook (issue #14, defect 1).
func TestCapitalsOutOfRange(t *testing.T) {
	big := ledger.MustParseMoney("999999999999.99").Add(ledger.MustParseMoney("0.01"))
	if got := capitals(big); got != capitalsOutOfRange {
		t.Fatalf("capitals(%s) = %q", big.Format(), got)
	}
	if got := capitals(big.Neg()); got != capitalsOutOfRange {
		t.Fatalf("capitals(-%s) = %q", big.Format(), got)
	}
	if got := capitals(ledger.MustParseMoney("-320000.00")); got != "人民币负叁拾贰万元整" {
		t.Fatalf("capitals(-320000) = %q", got)
	}
}
