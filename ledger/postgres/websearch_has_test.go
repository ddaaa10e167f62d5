package postgres_test

import (
	"slices"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// TestSearchVouchersBeneficiaries selects the vouchers that pay
// beneficiaries (T6), a red voucher counting by the beneficiaries of the
// voucher it cancels.
func TestSearchVouchersBeneficiaries(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fund("10000.00", map[string]string{"FY-CP-01": "3000.00"})
	f.post(ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Procurement,
		Amount: money("123.45"), Payee: "西口超市", PayeeType: ledger.PayeeSupplier, Attachments: 1})
	a := money("500.00")
	paid := f.post(ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Condolence, Amount: a,
		Payee: "张三", PayeeType: ledger.PayeeIndividual, Attachments: 1,
		Beneficiaries: []ledger.Beneficiary{{Name: "张三", Category: "群众", Amount: a}}})
	red, err := f.db.Reverse(f.ctx, book, "wangfang", paid.ID, paid.Date.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.approve(red); err != nil {
		t.Fatal(err)
	}
	vs, err := f.db.SearchVouchers(f.ctx, postgres.VoucherSearch{Book: book, Beneficiaries: true, Statuses: []string{"posted"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, v := range vs {
		got = append(got, v.ID)
	}
	if !slices.Equal(got, []int64{paid.ID, red.ID}) {
		t.Errorf("paying beneficiaries: %v, want the payment %d and its red voucher %d", got, paid.ID, red.ID)
	}
}
