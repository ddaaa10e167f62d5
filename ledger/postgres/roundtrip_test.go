package postgres_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// A voucher is written in one implicit transaction: when the database
// refuses a statement after the voucher's own insert (here a trigger the
// test adds, refusing lines with a marked summary), nothing of it stays —
// no voucher, no number taken, no action, no idempotency key — and the
// next voucher gets the number the refused one would have had.
func TestCreateVoucherIsAllOrNothing(t *testing.T) {
	f := newFixture(t, nil)
	if err := pgtest.Exec(t, f.tdb.SuperURL, `
		CREATE FUNCTION refuse_marked_lines() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.summary = 'REFUSE' THEN RAISE EXCEPTION 'refused by the test'; END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER refuse_marked_lines BEFORE INSERT ON voucher_lines FOR EACH ROW EXECUTE FUNCTION refuse_marked_lines();`); err != nil {
		t.Fatal(err)
	}
	v, err := ledger.BuildFlow(&ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: money("100"), Attachments: 1,
		Date: day("2020-02-10")}, f.books())
	if err != nil {
		t.Fatal(err)
	}
	summary := v.Lines[0].Summary
	v.Lines[0].Summary = "REFUSE"
	v.Key = "refused-1"
	if _, _, err := f.db.CreateVoucher(f.ctx, "wangfang", v); err == nil || !strings.Contains(err.Error(), "refused by the test") {
		t.Fatalf("the refused voucher: %v, want the test trigger's refusal", err)
	}
	for _, q := range []string{
		`SELECT count(*) FROM vouchers`, `SELECT count(*) FROM voucher_lines`, `SELECT count(*) FROM actions WHERE action = 'make'`,
		`SELECT count(*) FROM idempotency`, `SELECT coalesce(sum(last), 0) FROM voucher_counters`,
	} {
		if n := f.count(q); n != 0 {
			t.Errorf("%s = %d after a refused voucher, want 0", q, n)
		}
	}
	v.Lines[0].Summary = summary
	out, replayed, err := f.db.CreateVoucher(f.ctx, "wangfang", v)
	if err != nil || replayed {
		t.Fatalf("the same voucher, not refused: replayed %v, %v", replayed, err)
	}
	if out.Number != 1 || out.ID == 0 {
		t.Fatalf("voucher %d numbered %d, want number 1", out.ID, out.Number)
	}
	if n := f.count(`SELECT count(*) FROM voucher_lines WHERE voucher_id = $1`, out.ID); n != 2 {
		t.Fatalf("%d lines stored, want 2", n)
	}
	if n := f.count(`SELECT count(*) FROM actions WHERE action = 'make' AND voucher_id = $1`, out.ID); n != 1 {
		t.Fatalf("%d make actions, want 1", n)
	}
	if n := f.count(`SELECT count(*) FROM idempotency WHERE key = 'refused-1' AND voucher_id = $1`, out.ID); n != 1 {
		t.Fatalf("the key does not name the voucher")
	}
	again, replayed, err := f.db.CreateVoucher(f.ctx, "wangfang", v)
	if err != nil || !replayed || again.ID != out.ID {
		t.Fatalf("replay: voucher %v, replayed %v, %v; want voucher %d replayed", again, replayed, err, out.ID)
	}
}

// The rules' view of a book is cached between use cases and reloaded when
// the book's revision moves: a change to an organisation made behind the
// application's back (here by the superuser) is seen by the next voucher.
func TestBooksCacheFollowsChanges(t *testing.T) {
	f := newFixture(t, nil)
	f.fund("1000", map[string]string{"FY-CP-01": "500"})
	spend := ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-01", Purpose: ledger.Procurement,
		Amount: money("10"), Attachments: 1, Decision: "支委会决定"}
	f.mustFlow("wangfang", spend)
	var before int64
	if err := f.db.Pool.QueryRow(f.ctx, `SELECT revision FROM books WHERE book = $1`, book).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if err := pgtest.Exec(t, f.tdb.SuperURL, `UPDATE organisations SET name = '改名后的临时党支部', dissolved = '2020-02-05' WHERE book = $1 AND code = 'FY-CP-01'`, book); err != nil {
		t.Fatal(err)
	}
	var after int64
	if err := f.db.Pool.QueryRow(f.ctx, `SELECT revision FROM books WHERE book = $1`, book).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Fatalf("revision %d → %d after an organisation changed", before, after)
	}
	// The flow is built from a fresh LoadBooks; CreateVoucher's own check
	// must see the dissolution too, and name the branch by its new name.
	_, err := f.flow("wangfang", spend)
	wantCode(t, err, ledger.EOrgInactive, "-")
	if !strings.Contains(err.Error(), "改名后的临时党支部") {
		t.Fatalf("the error does not name the renamed branch: %v", err)
	}
}

// A draft takes its number at its insert, from the month's counter; nobody
// may change it: a transaction that writes another number into it is
// refused, and the number its own draft took goes back to the next voucher.
func TestNumberTakenAtInsert(t *testing.T) {
	f := newFixture(t, nil)
	var id int64
	err := f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
		var err error
		if id, err = rawDraft(tx); err != nil {
			return err
		}
		if err := rawLines(tx, id, "100201 FY FY-UP - 100 0", "420101 FY FY-UP - 0 100"); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(context.Background(), `SELECT number FROM vouchers WHERE id = $1`, id).Scan(&n); err != nil {
			return err
		}
		if n != 1 {
			t.Errorf("before commit the draft is numbered %d, want 1", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT number FROM vouchers WHERE id = $1`, id); n != 1 {
		t.Fatalf("after commit the draft is numbered %d, want 1", n)
	}
	err = f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
		id, err := rawDraft(tx)
		if err != nil {
			return err
		}
		if err := rawLines(tx, id, "100201 FY FY-UP - 100 0", "420101 FY FY-UP - 0 100"); err != nil {
			return err
		}
		_, err = tx.Exec(context.Background(), `UPDATE vouchers SET number = 7 WHERE id = $1`, id)
		return err
	})
	wantCode(t, err, ledger.EImmutable, "-")
	err = f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), `UPDATE vouchers SET number = 9 WHERE id = $1`, id)
		return err
	})
	wantCode(t, err, ledger.EImmutable, "-")
	v := f.mustFlow("wangfang", ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: money("5"), Attachments: 1})
	if v.Number != 2 {
		t.Fatalf("the next voucher is numbered %d, want 2 (no gap after the refused one)", v.Number)
	}
	if n := f.count(`SELECT count(*) FROM vouchers`); n != 2 {
		t.Fatalf("%d vouchers stored, want 2", n)
	}
}

// A voucher's number never changes, whatever number it holds: one below
// zero (which the table's check allows; written here with the triggers
// off) is refused a new number as any other.
func TestNumberNeverChanges(t *testing.T) {
	f := newFixture(t, nil)
	v := f.mustFlow("wangfang", ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: money("5"), Attachments: 1})
	if err := f.inTx(f.tdb.SuperURL, func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), `SET LOCAL session_replication_role = replica; UPDATE vouchers SET number = -5 WHERE id = `+strconv.FormatInt(v.ID, 10))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.sql(f.tdb.OwnerURL, `UPDATE vouchers SET number = 7 WHERE id = $1`, v.ID), ledger.EImmutable, "-")
	if n := f.count(`SELECT number FROM vouchers WHERE id = $1`, v.ID); n != -5 {
		t.Fatalf("the number is %d, want -5 unchanged", n)
	}
}

// A use case that panics inside its transaction rolls it back and gives
// its connection back to the pool: nothing it wrote stays, and the pool
// is not left a connection short.
func TestPanicInTransactionReleasesTheConnection(t *testing.T) {
	f := newFixture(t, nil)
	before := f.db.Pool.Stat().AcquiredConns()
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic did not reach the caller")
			}
		}()
		f.db.RunTxForTest(f.ctx, func(tx pgx.Tx) error {
			if _, err := tx.Exec(f.ctx, `INSERT INTO actions (book, at, actor, action, source, detail) VALUES ($1, now(), 'wangfang', 'login', 'test', '{}')`, book); err != nil {
				t.Fatal(err)
			}
			panic("a bug in a use case")
		})
	}()
	if got := f.db.Pool.Stat().AcquiredConns(); got != before {
		t.Fatalf("%d connections held after the panic, %d before", got, before)
	}
	if n := f.count(`SELECT count(*) FROM actions WHERE source = 'test'`); n != 0 {
		t.Fatalf("%d rows of the panicked transaction stayed", n)
	}
}
