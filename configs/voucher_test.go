package configs

import (
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

func TestParseVoucherItems(t *testing.T) {
	file := `date: 2020-02-10
summary: 购入测温枪
lines:
  - {account: "500101", org: FY-CP-01, fund: FY-UP, purpose: procurement, debit: "390.00",
     items: [{name: 红外测温枪, unit: 把, quantity: "2", unit_price: "180", amount: "360.00"},
             {name: 电池, spec: 5号, unit: 节, quantity: "10", unit_price: "3.0000", amount: "30.00"}]}
  - {account: "121801", org: FY-CP-01, fund: FY-UP, credit: "390.00"}
`
	v, err := ParseVoucher([]byte(file), "v.yaml", "FY-DFZH")
	if err != nil {
		t.Fatal(err)
	}
	its := v.Lines[0].Items
	if len(its) != 2 || its[1].Name != "电池" || its[1].Spec != "5号" || its[1].UnitPrice.String() != "3" || its[1].Amount.String() != "30.00" {
		t.Fatalf("items %+v", its)
	}
	for _, c := range []struct{ file, code, field string }{
		{`{date: 2020-02-10, summary: x, lines: [{account: "500101", debit: "1.00", items: [{name: a, quantity: "1e2", unit_price: "1", amount: "1.00"}]}]}`, ledger.EInvalid, "lines[1].items[1].quantity"},
		{`{date: 2020-02-10, summary: x, lines: [{account: "500101", debit: "1.00", items: [{name: a, quantity: "1", unit_price: "1", amount: "1.001"}]}]}`, ledger.EInvalidAmount, "lines[1].items[1].amount"},
		{`{date: 2020-02-10, summary: x, lines: [{account: "500101", debit: "1.00", items: [{name: a, qty: "1"}]}]}`, ledger.EInvalid, "-"},
	} {
		_, err := ParseVoucher([]byte(c.file), "v.yaml", "FY-DFZH")
		if ledger.ErrorCode(err) != c.code || (c.field != "-" && ledger.ErrorField(err) != c.field) {
			t.Errorf("%s: got %v (%s)", c.file, err, ledger.ErrorField(err))
		}
	}
}
