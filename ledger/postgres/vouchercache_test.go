package postgres_test

import (
	"testing"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// TestStepFromMemoryHonoursEveryChange: a workflow step on a voucher this
// process moved last starts from the voucher in memory, without a read,
// and still acts on the voucher as it is when another process moved it,
// edited it or attached a file to it.
func TestStepFromMemoryHonoursEveryChange(t *testing.T) {
	t.Parallel()
	f, v := attachFixture(t, nil)
	watchAuth(t, f)
	other := f.tdb.Open(t, f.tdb.AppURL) // another process, with memories of its own
	other.Now = f.db.Now
	hits := func() int64 { return postgres.VoucherCacheHits(f.db) }
	step := func(db *postgres.DB, id int64, act ledger.Action) *ledger.Voucher {
		t.Helper()
		out, err := db.Transition(f.ctx, book, "liqiang", id, act)
		if err != nil {
			t.Fatalf("%s voucher %d: %v", act, id, err)
		}
		return out
	}

	// The post after this process's check: from memory.
	step(f.db, v.ID, ledger.ActCheck)
	before := hits()
	if got := step(f.db, v.ID, ledger.ActPost); got.Status != ledger.StatusPosted || got.Poster != "liqiang" {
		t.Fatalf("posted from memory: %+v", got)
	}
	if hits() != before+1 {
		t.Fatal("the post read the voucher again")
	}

	// Unchecked by the other process: the post finds it a draft.
	w := f.mustFlow("wangfang", sealSpend("FY-CP-01", "50.00"))
	step(f.db, w.ID, ledger.ActCheck)
	step(other, w.ID, ledger.ActUncheck)
	_, err := f.db.Transition(f.ctx, book, "liqiang", w.ID, ledger.ActPost)
	wantCode(t, err, ledger.EInvalidState, "status")

	// Edited and checked again by the other process, the same state at a
	// new version: the post takes the new version.
	step(f.db, w.ID, ledger.ActCheck)
	step(other, w.ID, ledger.ActUncheck)
	if _, err := other.EditVoucher(f.ctx, "wangfang", w.ID, 1, changed(w, amount("60.00"))); err != nil {
		t.Fatal(err)
	}
	step(other, w.ID, ledger.ActCheck)
	if got := step(f.db, w.ID, ledger.ActPost); got.Version != 2 || got.Total().String() != "60.00" {
		t.Fatalf("posted version %d of %s, want version 2 of 60.00", got.Version, got.Total())
	}
	if got := f.balance("500101", "FY-CP-01", "FY-UP"); got.String() != "180.00" {
		t.Fatalf("the branch's spending is %s, want 120.00 + 60.00", got)
	}

	// A file attached by the other process leaves the version as it is:
	// the step from memory counts the attachments as it writes.
	x := f.mustFlow("wangfang", sealSpend("FY-CP-01", "10.00"))
	step(f.db, x.ID, ledger.ActCheck)
	step(f.db, x.ID, ledger.ActUncheck)
	if _, err := other.AttachFile(f.ctx, book, "wangfang", x.ID, mustAttachment(t, "scan.pdf", attPDF)); err != nil {
		t.Fatal(err)
	}
	before = hits()
	if got := step(f.db, x.ID, ledger.ActCheck); got.Files != 1 {
		t.Fatalf("the check from memory shows %d attachments, want 1", got.Files)
	}
	if hits() != before+1 {
		t.Fatal("the check read the voucher again")
	}
}
