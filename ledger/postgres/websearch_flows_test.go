package postgres_test

import (
	"slices"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// TestSearchVouchersFlows selects vouchers by flow, a red voucher counting
// as the flow of the voucher it cancels (the drill-down of the audit
// tables' totals).
func TestSearchVouchersFlows(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fund("10000.00", map[string]string{"FY-CP-01": "3000.00"})
	spend := f.post(ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Procurement,
		Amount: money("123.45"), Payee: "西口超市", PayeeType: ledger.PayeeSupplier, Attachments: 1})
	red, err := f.db.Reverse(f.ctx, book, "wangfang", spend.ID, spend.Date.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.approve(red); err != nil {
		t.Fatal(err)
	}
	ret := f.post(ledger.FlowRequest{Flow: ledger.FlowReturn, Org: "FY-CP-01", Fund: "FY-UP", Amount: money("10.00"), Attachments: 1})
	search := func(flows ...string) []int64 {
		t.Helper()
		vs, err := f.db.SearchVouchers(f.ctx, postgres.VoucherSearch{Book: book, Flows: flows, Statuses: []string{"posted"}})
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, v := range vs {
			out = append(out, v.ID)
		}
		return out
	}
	if got := search(ledger.FlowSpend); !slices.Equal(got, []int64{spend.ID, red.ID}) {
		t.Errorf("spend: %v, want the spending %d and its red voucher %d", got, spend.ID, red.ID)
	}
	if got := search(ledger.FlowReturn); !slices.Equal(got, []int64{ret.ID}) {
		t.Errorf("return: %v, want %d", got, ret.ID)
	}
	if got := search(ledger.FlowReceive, ledger.FlowMatch); len(got) != 1 {
		t.Errorf("receive or match: %v, want the one receipt", got)
	}
	if got := search(ledger.FlowAllocate); len(got) != 1 {
		t.Errorf("allocate: %v, want the one allocation", got)
	}
	if got := search(); len(got) != 5 {
		t.Errorf("no flow: %v, want every posted voucher", got)
	}
}
