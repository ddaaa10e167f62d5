package postgres_test

import (
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

// A scoped officer records value dates only for vouchers wholly within the
// scope: the branch's own spending yes, the city's allocation to it (whose
// bank line is the city's) no, and nothing is written by the refusal.
func TestValueDateKeepsToScope(t *testing.T) {
	f := newFixture(t, nil)
	f.fund("1000", map[string]string{"FY-CP-01": "500"})
	spend := f.post(ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-01", Purpose: ledger.Procurement,
		Amount: money("10"), Attachments: 1, Decision: "支委会决定"})
	var alloc int64
	if err := f.db.Pool.QueryRow(f.ctx, `SELECT id FROM vouchers WHERE flow = 'allocate'`).Scan(&alloc); err != nil {
		t.Fatal(err)
	}
	err := f.db.SetValueDate(f.ctx, book, "cp01officer", alloc, day("2020-02-11"))
	wantCode(t, err, ledger.EForbidden, "voucher")
	if n := f.count(`SELECT count(*) FROM voucher_value_dates`); n != 0 {
		t.Fatalf("%d value dates stored after a refusal", n)
	}
	if err := f.db.SetValueDate(f.ctx, book, "cp01officer", spend.ID, day("2020-02-11")); err != nil {
		t.Fatalf("the branch's own voucher: %v", err)
	}
	if err := f.db.SetValueDate(f.ctx, book, "wangfang", alloc, day("2020-02-11")); err != nil {
		t.Fatalf("an officer of the whole book: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM voucher_value_dates`); n != 2 {
		t.Fatalf("%d value dates stored, want 2", n)
	}
}
