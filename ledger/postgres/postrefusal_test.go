package postgres_test

import (
	"strings"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

// TestPostingRefusalIsExplained: a posting is checked for its restricted
// balances (and its period) by the database alone, and a refusal is told
// as a person needs it — the balance with what it holds and what the
// voucher needs — from a read made after the refusal. (A period closes
// only when every voucher in it is posted or void, so a posting finds its
// period closed only in a race with the close.)
func TestPostingRefusalIsExplained(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fund("10.00", nil)
	ready := func(v *ledger.Voucher) {
		f.mustStep("liqiang", v.ID, ledger.ActCheck)
		if touchesCash(v) {
			f.mustStep("zhaomin", v.ID, ledger.ActSign)
		}
	}

	over := f.mustFlow("wangfang", allocate("FY-CP-01", "10.01"))
	ready(over)
	_, err := f.step("liqiang", over.ID, ledger.ActPost)
	wantCode(t, err, ledger.EInsufficientFunds, "amount")
	if msg := err.Error(); !strings.Contains(msg, "10.00") || !strings.Contains(msg, "10.01") || !strings.Contains(msg, over.Word()) {
		t.Errorf("the refusal does not name what the balance holds, what the voucher needs and the voucher: %s", msg)
	}

	if n := f.count(`SELECT count(*) FROM vouchers WHERE status = 'posted' AND id = $1`, over.ID); n != 0 {
		t.Fatal("the refused voucher was posted")
	}
	if got := f.balance("121801", "FY-CP-01", "FY-UP"); !got.IsZero() {
		t.Fatalf("the branch's balance moved to %s", got)
	}
}
