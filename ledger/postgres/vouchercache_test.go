package postgres_test

import (
	"encoding/json"
	"strconv"
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

	// The same id, state and version, but another voucher: a database
	// restored since, where the id was made again. The post takes the
	// voucher that is there.
	y := f.mustFlow("wangfang", sealSpend("FY-CP-01", "20.00"))
	step(f.db, y.ID, ledger.ActCheck)
	if err := f.sql(f.tdb.SuperURL, `DO $$ BEGIN
			SET LOCAL session_replication_role = replica;
			UPDATE vouchers SET made_at = made_at - interval '1 day', total_fen = 7000 WHERE book = 'FY-DFZH' AND id = `+strconv.FormatInt(y.ID, 10)+`;
			UPDATE voucher_lines SET debit_fen = CASE WHEN debit_fen > 0 THEN 7000 ELSE 0 END,
				credit_fen = CASE WHEN credit_fen > 0 THEN 7000 ELSE 0 END WHERE book = 'FY-DFZH' AND voucher_id = `+strconv.FormatInt(y.ID, 10)+`;
		END $$`); err != nil {
		t.Fatal(err)
	}
	if got := step(f.db, y.ID, ledger.ActPost); got.Total().String() != "70.00" {
		t.Fatalf("posted %s, want the 70.00 of the voucher made again", got.Total())
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

// TestStepFromMemoryAnswersAsARead: a step that starts from the draft this
// process made answers with the voucher exactly as a read of it returns
// it, lines, items and beneficiaries included.
func TestStepFromMemoryAnswersAsARead(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fund("10000.00", map[string]string{"FY-CP-01": "5000.00"})
	watchAuth(t, f)
	warm := f.mustFlow("wangfang", receive("1.00")) // the acting users read once
	f.mustStep("liqiang", warm.ID, ledger.ActCheck)
	drafts := map[string]ledger.FlowRequest{
		"a procurement":               sealSpend("FY-CP-01", "120.00"),
		"a relief with beneficiaries": spend("FY-CP-01", "FY-UP", ledger.Relief, "80.00"),
		"a procurement with items": itemSpend("1200.00",
			testItem("医用外科口罩", "50只/盒", "盒", "20", "36.50", "730.00"),
			testItem("84消毒液", "500ml", "瓶", "47", "10", "470.00")),
	}
	for name, r := range drafts {
		v := f.mustFlow("wangfang", r)
		before := postgres.VoucherCacheHits(f.db)
		got, err := f.db.Transition(f.ctx, book, "liqiang", v.ID, ledger.ActCheck)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if postgres.VoucherCacheHits(f.db) != before+1 {
			t.Fatalf("%s: the check read the draft again", name)
		}
		read, err := f.db.Voucher(f.ctx, book, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(read)
		if string(a) != string(b) {
			t.Fatalf("%s: the check from memory answers\n%s\nwhere a read gives\n%s", name, a, b)
		}
	}
}
