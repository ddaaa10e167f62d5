package demo

import (
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

// TestDemoItemsAddUp: for every article and amounts from 0.01 up, the
// items add up to the amount and each is 数量 × 单价 to the fen, with at
// most 4 decimals: the demo's figures stay the lines'.
func TestDemoItemsAddUp(t *testing.T) {
	for what := range catalogue {
		for fen := int64(1); fen <= 300000; fen += 137 {
			amount := ledger.FromFen(fen)
			items := demoItems(what, amount)
			if len(items) == 0 || len(items) > 2 {
				t.Fatalf("%s %s: %d items", what, amount, len(items))
			}
			sum := ledger.Zero
			for _, it := range items {
				if it.Quantity.Sign() <= 0 || it.UnitPrice.Sign() <= 0 || it.Amount.Sign() <= 0 ||
					!it.UnitPrice.Equal(it.UnitPrice.Round(ledger.ItemDecimalsMax)) || !ledger.ItemAmount(it.Quantity, it.UnitPrice).Equal(it.Amount) {
					t.Fatalf("%s %s: item %+v", what, amount, it)
				}
				sum = sum.Add(it.Amount)
			}
			if !sum.Equal(amount) {
				t.Fatalf("%s %s: items add up to %s", what, amount, sum)
			}
		}
	}
	for _, what := range procurementItems {
		if _, ok := catalogue[what]; !ok {
			t.Errorf("the demo buys %s, which is not in the catalogue", what)
		}
	}
	if demoItems("不在目录中的东西", ledger.FromFen(100)) != nil {
		t.Fatal("an unknown article has items")
	}
}
