package ledger_test

import (
	"fmt"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

// lineText is "account org fund Dr|Cr amount" of a line.
func lineText(l ledger.Line) string {
	if l.Debit.IsZero() {
		return fmt.Sprintf("%s %s %s Cr %s", l.Account, l.Org, l.Fund, l.Credit)
	}
	return fmt.Sprintf("%s %s %s Dr %s", l.Account, l.Org, l.Fund, l.Debit)
}

func TestBuildFlowPostings(t *testing.T) {
	b := demoBooks(t)
	one := []ledger.Beneficiary{{Name: "张三", Category: "群众", Amount: m("500.00")}}
	for _, c := range []struct {
		name   string
		r      ledger.FlowRequest
		lines  []string
		flow   string
		method string
	}{
		{"receive", ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: m("90000.00")},
			[]string{"100201 FY FY-UP Dr 90000.00", "420101 FY FY-UP Cr 90000.00"}, "receive", ""},
		{"receive donations", ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-DON", Amount: m("12.34")},
			[]string{"100201 FY FY-DON Dr 12.34", "230701 FY FY-DON Cr 12.34"}, "donation", ""},
		{"match", ledger.FlowRequest{Flow: ledger.FlowMatch, Fund: "FY-MATCH", Amount: m("230000.00")},
			[]string{"100201 FY FY-MATCH Dr 230000.00", "4801 FY FY-MATCH Cr 230000.00"}, "match", ""},
		{"match from the general fund", ledger.FlowRequest{Flow: ledger.FlowMatch, Fund: "FY-MATCH", Amount: m("230000.00"), FromGeneral: "FY-GEN"},
			[]string{"100201 FY FY-MATCH Dr 230000.00", "4801 FY FY-MATCH Cr 230000.00", "5801 FY FY-GEN Dr 230000.00", "100201 FY FY-GEN Cr 230000.00"}, "match", ""},
		{"allocate", ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-01", Amount: m("12000.00")},
			[]string{"121801 FY-CP-01 FY-UP Dr 12000.00", "100201 FY FY-UP Cr 12000.00"}, "allocate", "bank"},
		{"spend", ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-01", Purpose: ledger.Procurement, Amount: m("1200.00")},
			[]string{"500101 FY-CP-01 FY-UP Dr 1200.00", "121801 FY-CP-01 FY-UP Cr 1200.00"}, "spend", "bank"},
		{"spend on relief", ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-MATCH", Org: "FY-FXQZ", Purpose: ledger.Relief, Amount: m("500.00"), Beneficiaries: one},
			[]string{"500103 FY-FXQZ FY-MATCH Dr 500.00", "121801 FY-FXQZ FY-MATCH Cr 500.00"}, "spend", "bank"},
		{"root spends from the bank", ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Purpose: ledger.Condolence, Amount: m("500.00"), Beneficiaries: one},
			[]string{"500102 FY FY-UP Dr 500.00", "100201 FY FY-UP Cr 500.00"}, "spend", "bank"},
		{"root spends cash", ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Purpose: ledger.Procurement, Amount: m("50.00"), Method: ledger.MethodCash},
			[]string{"500101 FY FY-UP Dr 50.00", "1001 FY FY-UP Cr 50.00"}, "spend", "cash"},
		{"return", ledger.FlowRequest{Flow: ledger.FlowReturn, Fund: "FY-UP", Org: "FY-OT-04", Amount: m("350.00")},
			[]string{"100201 FY FY-UP Dr 350.00", "121801 FY-OT-04 FY-UP Cr 350.00"}, "return", "bank"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.r.Date = date("2020-02-10")
			v, err := ledger.BuildFlow(&c.r, b)
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Lines) != len(c.lines) {
				t.Fatalf("%d lines, want %d", len(v.Lines), len(c.lines))
			}
			for i, l := range v.Lines {
				if got := lineText(l); got != c.lines[i] {
					t.Errorf("line %d = %s, want %s", i+1, got, c.lines[i])
				}
			}
			if v.Flow != c.flow || v.Method != c.method || v.Type != "记" || v.Summary == "" || v.Book != "FY-DFZH" {
				t.Fatalf("voucher: flow %q method %q type %q summary %q book %q", v.Flow, v.Method, v.Type, v.Summary, v.Book)
			}
			if err := ledger.ValidateVoucher(v, b); err != nil {
				t.Fatalf("the flow's voucher is not valid: %v", err)
			}
		})
	}
}

func TestBuildFlowSummaryAndPayee(t *testing.T) {
	b := demoBooks(t)
	r := ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-01", Purpose: ledger.Procurement, Amount: m("1.00"),
		Date: date("2020-02-10"), Payee: "汾阳市医药公司"}
	v, err := ledger.BuildFlow(&r, b)
	if err != nil {
		t.Fatal(err)
	}
	if want := "高速汾阳东口检测站点临时党支部专项党费报账—物资采购（汾阳市医药公司）"; v.Summary != want {
		t.Fatalf("summary %q, want %q", v.Summary, want)
	}
	r = ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-01", Amount: m("1.00"), Date: date("2020-02-10")}
	if v, err = ledger.BuildFlow(&r, b); err != nil {
		t.Fatal(err)
	}
	if v.Payee != "汾阳市交通运输局" || v.PayeeType != ledger.PayeeHostUnit {
		t.Fatalf("allocation payee %q (%s), want the host unit", v.Payee, v.PayeeType)
	}
	r.Summary = "  自定摘要 "
	if v, err = ledger.BuildFlow(&r, b); err != nil || v.Summary != "自定摘要" {
		t.Fatalf("summary %q, %v", v.Summary, err)
	}
}

func TestBuildFlowErrors(t *testing.T) {
	b := demoBooks(t)
	two := []ledger.Beneficiary{{Name: "张三", Amount: m("300.00")}, {Name: "李四", Amount: m("199.99")}}
	for _, c := range []struct {
		name, code, field string
		r                 ledger.FlowRequest
	}{
		{"zero amount", ledger.EInvalidAmount, "amount", ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: ledger.Zero}},
		{"negative amount", ledger.EInvalidAmount, "amount", ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: m("-1.00")}},
		{"no fund", ledger.EInvalid, "fund", ledger.FlowRequest{Flow: ledger.FlowReceive, Amount: m("1.00")}},
		{"unknown fund", ledger.ENotFound, "fund", ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-X", Amount: m("1.00")}},
		{"unknown organisation", ledger.ENotFound, "org", ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-99", Amount: m("1.00")}},
		{"unknown flow", ledger.EInvalid, "flow", ledger.FlowRequest{Flow: "gift", Fund: "FY-UP", Amount: m("1.00")}},
		{"receive matching money", ledger.EInvalid, "fund", ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-MATCH", Amount: m("1.00")}},
		{"match upper money", ledger.EInvalid, "fund", ledger.FlowRequest{Flow: ledger.FlowMatch, Fund: "FY-UP", Amount: m("1.00")}},
		{"match from a special fund", ledger.EInvalid, "from_general", ledger.FlowRequest{Flow: ledger.FlowMatch, Fund: "FY-MATCH", Amount: m("1.00"), FromGeneral: "FY-UP"}},
		{"allocate to nobody", ledger.EInvalid, "to", ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Amount: m("1.00")}},
		{"allocate to the root", ledger.EInvalid, "to", ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY", Amount: m("1.00")}},
		{"allocate general money", ledger.EInvalid, "fund", ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-GEN", Org: "FY-CP-01", Amount: m("1.00")}},
		{"spend without a purpose", ledger.EPurposeNotAllowed, "purpose", ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-01", Amount: m("1.00")}},
		{"spend on an unknown purpose", ledger.EPurposeNotAllowed, "purpose", ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-01", Purpose: "banquet", Amount: m("1.00")}},
		{"spend donations", ledger.EPurposeNotAllowed, "fund", ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-DON", Org: "FY-CP-01", Purpose: ledger.Procurement, Amount: m("1.00")}},
		{"spend the general fund", ledger.EPurposeNotAllowed, "purpose", ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-GEN", Org: "FY-CP-01", Purpose: ledger.Procurement, Amount: m("1.00")}},
		{"relief without beneficiaries", ledger.EInvalid, "beneficiary", ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-01", Purpose: ledger.Relief, Amount: m("1.00")}},
		{"beneficiaries one fen short", ledger.EInvalidAmount, "beneficiary", ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-01", Purpose: ledger.Condolence, Amount: m("500.00"), Beneficiaries: two}},
		{"return from nobody", ledger.EInvalid, "org", ledger.FlowRequest{Flow: ledger.FlowReturn, Fund: "FY-UP", Amount: m("1.00")}},
		{"return from the root", ledger.EInvalid, "org", ledger.FlowRequest{Flow: ledger.FlowReturn, Fund: "FY-UP", Org: "FY", Amount: m("1.00")}},
		{"an unknown method", ledger.EInvalid, "method", ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: m("1.00"), Method: "wire"}},
		{"an amount over the maximum", ledger.EInvalidAmount, "lines[1].amount", ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: ledger.AmountMax.Add(ledger.FromFen(1))}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.r.Date = date("2020-02-20")
			v, err := ledger.BuildFlow(&c.r, b)
			if v != nil {
				t.Fatalf("a voucher was built: %+v", v)
			}
			errorIs(t, err, c.code, c.field)
		})
	}
	r := ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: m("1.00")}
	_, err := ledger.BuildFlow(&r, b)
	errorIs(t, err, ledger.EInvalid, "date")
}
