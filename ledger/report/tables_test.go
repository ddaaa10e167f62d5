package report_test

import (
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/report"
)

var m = ledger.MustParseMoney

func t1Row(org, fund string, kind ledger.FundKind, opening, income, in, used, out string) report.T1Row {
	r := report.T1Row{Org: org, OrgName: org, Fund: fund, FundName: fund, FundKind: kind, Opening: m(opening), Income: m(income),
		AllocatedIn: m(in), Recovered: ledger.Zero, AllocatedOut: m(out), Used: m(used), Returned: ledger.Zero}
	r.Closing = r.Opening.Add(r.Income).Add(r.AllocatedIn).Sub(r.AllocatedOut).Sub(r.Used)
	return r
}

func TestBuildT1(t *testing.T) {
	rows := []report.T1Row{
		t1Row("FY", "FY-MATCH", ledger.FundMatching, "0", "230000.00", "0", "0", "100.00"),
		t1Row("FY", "FY-UP", ledger.FundUpper, "0", "90000.00", "0", "0", "5000.00"),
		t1Row("FY-CP-01", "FY-UP", ledger.FundUpper, "0", "0", "5000.00", "1234.50", "0"),
		t1Row("FY-CP-01", "FY-MATCH", ledger.FundMatching, "0", "0", "100.00", "0.01", "0"),
	}
	tb, err := report.BuildT1(rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Groups) != 2 || tb.Groups[0].Fund != "FY-UP" || tb.Groups[1].Fund != "FY-MATCH" {
		t.Fatalf("groups %+v: upper-level funds come first", tb.Groups)
	}
	if g := tb.Groups[0]; len(g.Rows) != 2 || g.Rows[0] != 1 || g.Rows[1] != 2 || !g.Sub[5].Equal(m("1234.50")) || !g.Sub[1].Equal(m("90000.00")) {
		t.Errorf("FY-UP group %+v", g)
	}
	if !tb.Total[1].Equal(m("320000.00")) || !tb.Upper.Equal(m("90000.00")) || !tb.Matching.Equal(m("230000.00")) ||
		!tb.Total[2].Equal(tb.Total[4]) || !tb.Total[5].Equal(m("1234.51")) {
		t.Errorf("total %v upper %s matching %s", tb.Total, tb.Upper, tb.Matching)
	}
	bad := append([]report.T1Row(nil), rows...)
	bad[2].Closing = bad[2].Closing.Add(m("0.01"))
	if _, err := report.BuildT1(bad); ledger.ErrorCode(err) != ledger.EInvalid {
		t.Errorf("a row off by a fen: %v", err)
	}
}

func TestBuildT4(t *testing.T) {
	rows, tot := report.BuildT4([]report.T4Row{
		{Purpose: ledger.Relief, Count: 2, Amount: m("300.00"), Cash: m("100.00"), Persons: 2},
		{Purpose: ledger.Procurement, Count: 1, Amount: m("700.00"), Cash: ledger.Zero, NoReceipt: 1},
		{Purpose: ledger.Relief, Count: 1, Amount: m("50.00"), Cash: ledger.Zero, Persons: 1},
	})
	if len(rows) != len(ledger.Purposes) {
		t.Fatalf("%d rows, want one per purpose", len(rows))
	}
	for i, p := range ledger.Purposes {
		if rows[i].Purpose != p {
			t.Errorf("row %d is %s, want %s", i, rows[i].Purpose, p)
		}
	}
	relief := rows[2]
	if relief.Count != 3 || !relief.Amount.Equal(m("350.00")) || relief.Persons != 3 {
		t.Errorf("relief %+v", relief)
	}
	if !rows[1].Amount.IsZero() || rows[1].Count != 0 {
		t.Errorf("condolence without spending %+v", rows[1])
	}
	if tot.Count != 4 || !tot.Amount.Equal(m("1050.00")) || !tot.Cash.Equal(m("100.00")) || tot.NoReceipt != 1 || tot.Persons != 3 {
		t.Errorf("total %+v", tot)
	}
}

func t5Row(org, parent, in, used string) report.T5Row {
	r := report.T5Row{Org: org, Name: org, Parent: parent, Opening: ledger.Zero, In: m(in), Used: m(used), Returned: ledger.Zero}
	r.Closing = r.In.Sub(r.Used)
	return r
}

func TestBuildT5(t *testing.T) {
	rows := []report.T5Row{t5Row("FY", "", "0", "0"), t5Row("G1", "FY-CP-01", "0", "10.00"), t5Row("FY-CP-01", "FY", "5000.00", "1000.00"),
		t5Row("FY-CP-02", "FY", "800.00", "30.00")}
	tb, err := report.BuildT5(rows)
	if err != nil {
		t.Fatal(err)
	}
	// FY, FY-CP-01, G1, 小计 FY-CP-01, FY-CP-02, 小计 FY.
	type want struct {
		org      string
		level    int
		subtotal bool
		used     string
	}
	wants := []want{{"FY", 0, false, "0"}, {"FY-CP-01", 1, false, "1000.00"}, {"G1", 2, false, "10.00"}, {"FY-CP-01", 1, true, "1010.00"},
		{"FY-CP-02", 1, false, "30.00"}, {"FY", 0, true, "1040.00"}}
	if len(tb.Entries) != len(wants) {
		t.Fatalf("%d entries, want %d: %+v", len(tb.Entries), len(wants), tb.Entries)
	}
	for i, w := range wants {
		e := tb.Entries[i]
		if rows[e.Row].Org != w.org || e.Level != w.level || e.Subtotal != w.subtotal || !e.Sums[2].Equal(m(w.used)) {
			t.Errorf("entry %d %+v (%s), want %+v", i, e, rows[e.Row].Org, w)
		}
	}
	if p := tb.Entries[5].Parts; len(p) != 3 || p[0] != 0 || p[1] != 3 || p[2] != 4 {
		t.Errorf("小计 FY adds up %v, want its own row, 小计 FY-CP-01 and FY-CP-02", p)
	}
	if len(tb.Roots) != 1 || tb.Roots[0] != 5 || !tb.Total[1].Equal(m("5800.00")) || !tb.Total[4].Equal(m("4760.00")) {
		t.Errorf("roots %v total %v", tb.Roots, tb.Total)
	}

	for name, rows := range map[string][]report.T5Row{
		"listed twice": {t5Row("FY", "", "0", "0"), t5Row("FY", "", "0", "0")},
		"a cycle":      {t5Row("A", "B", "0", "0"), t5Row("B", "A", "0", "0")},
		"unbalanced":   {{Org: "FY", Opening: ledger.Zero, In: m("1.00"), Used: ledger.Zero, Returned: ledger.Zero, Closing: ledger.Zero}},
	} {
		if _, err := report.BuildT5(rows); ledger.ErrorCode(err) != ledger.EInvalid {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestBuildT7(t *testing.T) {
	day := time.Date(2020, 3, 2, 0, 0, 0, 0, time.UTC)
	groups, tot := report.BuildT7([]report.T7Row{
		{Org: "B", OrgName: "乙", Purpose: ledger.Procurement, Count: 2, Amount: m("10.00"), PublishedOn: day},
		{Org: "A", OrgName: "甲", Purpose: ledger.Relief, Count: 1, Amount: m("5.00"), Persons: 1},
		{Org: "B", OrgName: "乙", Purpose: ledger.Relief, Count: 1, Amount: m("2.50"), Persons: 2},
	})
	if len(groups) != 2 || groups[0].Org != "B" || len(groups[0].Rows) != 2 || groups[0].Rows[1] != 2 || groups[0].Count != 3 ||
		!groups[0].Amount.Equal(m("12.50")) || groups[0].Persons != 2 || groups[1].Org != "A" {
		t.Errorf("groups %+v", groups)
	}
	if len(tot.Rows) != 3 || tot.Rows[2] != 1 || tot.Count != 4 || !tot.Amount.Equal(m("17.50")) || tot.Persons != 3 {
		t.Errorf("total %+v", tot)
	}
}

func TestT9Sides(t *testing.T) {
	x := &report.T9Table{BookBalance: m("1000.00"), BankBalance: m("1100.00"),
		BankReceived: []report.T9Item{{Amount: m("3.00")}}, BookReceived: []report.T9Item{{Amount: m("200.00")}, {Amount: m("-100.00")}},
		BookPaid: []report.T9Item{{Amount: m("197.00")}}}
	s := x.Sides()
	if !s[0].Plus.Sum.Equal(m("3.00")) || !s[0].Minus.Sum.IsZero() || !s[0].Adjusted.Equal(m("1003.00")) {
		t.Errorf("the book's side %+v", s[0])
	}
	if !s[1].Plus.Sum.Equal(m("100.00")) || !s[1].Minus.Sum.Equal(m("197.00")) || !s[1].Adjusted.Equal(m("1003.00")) {
		t.Errorf("the bank's side %+v", s[1])
	}
}
