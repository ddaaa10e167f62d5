package ledger_test

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/fenyang/partyfee/ledger"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// itemVoucher is a procurement spend of amount with items on its
// expense line (put there after BuildFlow, which validates).
func itemVoucher(t *testing.T, amount string, items ...ledger.Item) *ledger.Voucher {
	t.Helper()
	v, err := ledger.BuildFlow(&ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-01", Purpose: ledger.Procurement,
		Amount: m(amount), Date: date("2020-02-10")}, demoBooks(t))
	if err != nil {
		t.Fatal(err)
	}
	v.Lines[0].Items = items
	return v
}

func item(name, qty, price, amount string) ledger.Item {
	return ledger.Item{Name: name, Spec: "", Unit: "个", Quantity: dec(qty), UnitPrice: dec(price), Amount: m(amount)}
}

func TestCheckItemsOK(t *testing.T) {
	b := demoBooks(t)
	for _, c := range []struct {
		name   string
		amount string
		items  []ledger.Item
	}{
		{"one item", "1200.00", []ledger.Item{item("医用口罩", "1000", "1.2", "1200.00")}},
		{"several items", "1480.00", []ledger.Item{item("医用口罩", "1000", "1.2", "1200.00"), item("84消毒液", "20", "14", "280.00")}},
		{"four-decimal unit price rounds half up", "12.35", []ledger.Item{item("酒精棉片", "1", "12.345", "12.35")}},
		{"fractional quantity", "31.25", []ledger.Item{item("大米", "2.5", "12.5", "31.25")}},
		{"price with 4 decimals times quantity", "100.00", []ledger.Item{item("棉签", "3", "33.3333", "100.00")}},
		{"no items", "1200.00", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := itemVoucher(t, c.amount, c.items...)
			if err := ledger.ValidateVoucher(v, b); err != nil {
				t.Fatalf("refused: %v", err)
			}
			if got := len(v.Lines[0].Items); got != len(c.items) {
				t.Fatalf("%d items on the expense line, want %d", got, len(c.items))
			}
		})
	}
	// Goods given on condolence (慰问品) are items too.
	v, err := ledger.BuildFlow(&ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-01", Purpose: ledger.Condolence,
		Amount: m("200.00"), Date: date("2020-02-10"), Items: []ledger.Item{item("方便面", "10", "20", "200.00")},
		Beneficiaries: []ledger.Beneficiary{{Name: "张三", Category: "医务人员", Amount: m("200.00")}}}, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := ledger.ValidateVoucher(v, b); err != nil {
		t.Fatalf("condolence goods refused: %v", err)
	}
}

func TestCheckItemsRefused(t *testing.T) {
	b := demoBooks(t)
	for _, c := range []struct {
		name, amount string
		items        []ledger.Item
		code, field  string
	}{
		{"product off by a fen", "12.34", []ledger.Item{item("酒精棉片", "1", "12.345", "12.34")}, ledger.EInvalidAmount, "lines[1].items[1].amount"},
		{"sum differs from the line", "1200.00", []ledger.Item{item("医用口罩", "900", "1.2", "1080.00")}, ledger.EInvalidAmount, "lines[1].items"},
		{"zero quantity", "1200.00", []ledger.Item{item("医用口罩", "0", "1.2", "1200.00")}, ledger.EInvalid, "lines[1].items[1].quantity"},
		{"negative unit price", "1200.00", []ledger.Item{item("医用口罩", "1000", "-1.2", "1200.00")}, ledger.EInvalid, "lines[1].items[1].unit_price"},
		{"five-decimal unit price", "12.35", []ledger.Item{item("酒精棉片", "1", "12.34567", "12.35")}, ledger.EInvalid, "lines[1].items[1].unit_price"},
		{"five-decimal quantity", "12.35", []ledger.Item{item("酒精棉片", "1.00001", "12.35", "12.35")}, ledger.EInvalid, "lines[1].items[1].quantity"},
		{"zero amount", "1.00", []ledger.Item{{Name: "棉签", Quantity: dec("1"), UnitPrice: dec("1"), Amount: ledger.Zero}}, ledger.EInvalidAmount, "lines[1].items[1].amount"},
		{"empty name", "1200.00", []ledger.Item{item(" ", "1000", "1.2", "1200.00")}, ledger.EInvalid, "lines[1].items[1].name"},
		{"control character", "1200.00", []ledger.Item{item("口罩\x1b[2J", "1000", "1.2", "1200.00")}, ledger.EInvalid, "lines[1].items[1].name"},
		{"name too long", "1200.00", []ledger.Item{item(strings.Repeat("口", ledger.ItemNameLenMax+1), "1000", "1.2", "1200.00")}, ledger.EInvalid, "lines[1].items[1].name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := itemVoucher(t, c.amount, c.items...)
			err := ledger.ValidateVoucher(v, b)
			if ledger.ErrorCode(err) != c.code || ledger.ErrorField(err) != c.field {
				t.Fatalf("got %v (%s, %s), want %s on %s", err, ledger.ErrorCode(err), ledger.ErrorField(err), c.code, c.field)
			}
		})
	}
	t.Run("items on the credit line", func(t *testing.T) {
		v := itemVoucher(t, "1200.00")
		v.Lines[1].Items = []ledger.Item{item("医用口罩", "1000", "1.2", "1200.00")}
		if err := ledger.ValidateVoucher(v, b); ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "lines[2].items" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("items on a receipt", func(t *testing.T) {
		_, err := ledger.BuildFlow(&ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: m("10.00"), Date: date("2020-02-10"),
			Items: []ledger.Item{item("口罩", "1", "10", "10.00")}}, b)
		if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "item" {
			t.Fatalf("got %v", err)
		}
	})
}

func TestParseItem(t *testing.T) {
	it, err := ledger.ParseItem("医用外科口罩, 50只/盒 ,盒, 20 ,36.5,730.00", 1)
	if err != nil {
		t.Fatal(err)
	}
	if it.Name != "医用外科口罩" || it.Spec != "50只/盒" || it.Unit != "盒" || !it.Quantity.Equal(dec("20")) ||
		!it.UnitPrice.Equal(dec("36.5")) || !it.Amount.Equal(m("730.00")) {
		t.Fatalf("parsed %+v", it)
	}
	for _, c := range []struct{ in, code, field string }{
		{"口罩,,个,1,2", ledger.EInvalid, "items[2]"},
		{"口罩,,个,x,2,2.00", ledger.EInvalid, "items[2].quantity"},
		{"口罩,,个,1,2e3,2.00", ledger.EInvalid, "items[2].unit_price"},
		{"口罩,,个,1,2,2.001", ledger.EInvalidAmount, "items[2].amount"},
		{"口罩,,个,1,2,0", ledger.EInvalidAmount, "items[2].amount"},
	} {
		_, err := ledger.ParseItem(c.in, 2)
		if ledger.ErrorCode(err) != c.code || ledger.ErrorField(err) != c.field {
			t.Errorf("%q: got %v, want %s on %s", c.in, err, c.code, c.field)
		}
	}
}
