package postgres_test

import (
	"errors"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/migrations"
)

// The rules in one table. Every SPEC §4 code, and every SQLSTATE the
// schema's triggers raise, is produced on each path that can reach it:
//
//   - the use case: the adapter's methods, where Go refuses before the write
//     (the error carries no PostgreSQL error);
//   - raw SQL as ledger_app, around every Go check, where the database
//     refuses by itself (the error carries the PostgreSQL error named);
//   - the bulk import (ledger import --approved, DB.ImportApproved).
//
// So a rule dropped from Go, or from the schema, fails here; a path that
// cannot reach a code says why.

// parityPath is one way of breaking a rule. run nil means the path cannot
// reach the code, and why says so.
type parityPath struct {
	run   func(f *fixture) error
	field string // the field the error names; "-": any
	// state: on the raw SQL path, the PostgreSQL error's SQLSTATE (a
	// trigger's LEnnn, or PostgreSQL's own: 23514 a check, 42501 a
	// privilege); on the other paths "go" (refused in Go, before the
	// write) or "db" (refused by the database).
	state string
	why   string
}

type parityRow struct {
	code string
	rule string
	use  parityPath // the use case
	sql  parityPath // raw SQL as ledger_app
	bulk parityPath // ledger import --approved
}

// unreachable marks a path that cannot produce the code.
func unreachable(why string) parityPath { return parityPath{why: why} }

// specCodes are the codes of SPEC §4. in_progress has no constant: no
// path of the ledger produces it (see its row).
var specCodes = []string{
	ledger.EInvalidAmount, ledger.EUnbalanced, ledger.EInsufficientFunds, ledger.EPurposeNotAllowed,
	ledger.EPeriodClosed, ledger.EOrgInactive, ledger.ENotFound, ledger.EUnauthenticated, ledger.EForbidden,
	ledger.ESamePerson, ledger.EInvalidState, ledger.EImmutable, ledger.EIdempotencyConflict, ledger.ETooLarge,
	ledger.ERateLimited, ledger.EUnavailable, "in_progress", ledger.EInvalid, ledger.EInternal,
}

// importFile is the import test file funding (rows 2–7) followed by rows.
func importFile(rows ...string) string {
	s := funding
	for _, r := range rows {
		s += r + "\n"
	}
	return s
}

// importRows imports rows after funding; the rows start at row 8.
func (f *fixture) importRows(rows ...string) error {
	_, err := f.importCSV(importFile(rows...), postgres.ImportOptions{BatchSize: 1})
	return err
}

// rawImport calls ledger_import_approved as ledger_app, around the Go
// import, with one voucher of 2020-02-10 made by wangfang, checked by
// liqiang, signed by zhaomin and posted by liqiang: debit fen to
// 121801 FY-CP-01, credit to 100201 FY, of FY-UP.
func (f *fixture) rawImport(fen int64) error {
	return f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
		_, err := tx.Exec(f.ctx, `SELECT ledger_import_approved('FY-DFZH', 'sunlixin', now(),
			'{2}', '{K}', '{2020-02-10}', '{记}', '{导入}', '{1}', '{1}', '{2}', '{3}', '{2}', '{wangfang,liqiang,zhaomin}',
			'{1,1}', '{1,2}', '{2,3}', '{NULL,NULL}', '{1,2}', ARRAY[$1, 0]::bigint[], ARRAY[0, $1]::bigint[],
			'{121801,100201}', '{FY-CP-01,FY}', '{FY-UP,FY-UP}', '{NULL,NULL}')`, fen)
		return err
	})
}

// checkedVoucher makes r as wangfang and has liqiang check it.
func (f *fixture) checkedVoucher(r ledger.FlowRequest) int64 {
	f.t.Helper()
	v := f.mustFlow("wangfang", r)
	f.mustStep("liqiang", v.ID, ledger.ActCheck)
	return v.ID
}

const rawPost = `UPDATE vouchers SET status = 'posted', poster = $2, posted_at = now() WHERE id = $1`

var parityTable = []parityRow{
	{code: ledger.EInvalidAmount, rule: "amounts are > 0; negative only on a red reversal",
		use: parityPath{run: func(f *fixture) error {
			_, err := f.create("wangfang", generalVoucher(dr("121801", "FY-CP-01", "FY-UP", "-1.00"), cr("100201", "FY", "FY-UP", "-1.00")))
			return err
		}, field: "lines[1].amount", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			return f.rawVoucher(f.tdb.AppURL, "121801 FY-CP-01 FY-UP - -100 0", "100201 FY FY-UP - 0 -100")
		}, field: "lines[1].amount", state: "LE009"},
		bulk: parityPath{run: func(f *fixture) error {
			return f.importRows("X,2020-02-12,记,报账,500101,FY-CP-01,FY-UP,procurement,0.00,,1,wangfang,liqiang,liqiang,",
				"X,2020-02-12,记,报账,121801,FY-CP-01,FY-UP,,,0.00,1,wangfang,liqiang,liqiang,")
		}, field: "row 8: debit", state: "go"}},
	{code: ledger.EUnbalanced, rule: "Σdebit = Σcredit for each fund of the voucher",
		use: parityPath{run: func(f *fixture) error {
			_, err := f.create("wangfang", generalVoucher(dr("121801", "FY-CP-01", "FY-UP", "1.00"), cr("100201", "FY", "FY-MATCH", "1.00")))
			return err
		}, field: "lines", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			return f.rawVoucher(f.tdb.AppURL, "121801 FY-CP-01 FY-UP - 10000 0", "100201 FY FY-MATCH - 0 10000")
		}, field: "lines", state: "LE001"},
		bulk: parityPath{run: func(f *fixture) error {
			return f.importRows("X,2020-02-12,记,报账,500101,FY-CP-01,FY-UP,procurement,10.00,,1,wangfang,liqiang,liqiang,",
				"X,2020-02-12,记,报账,121801,FY-CP-01,FY-UP,,,9.99,1,wangfang,liqiang,liqiang,")
		}, field: "row 8: debit", state: "go"}},
	{code: ledger.EInsufficientFunds, rule: "a restricted balance never goes below zero on posting",
		use: parityPath{run: func(f *fixture) error {
			f.fund("10.00", nil)
			return f.makePost(allocate("FY-CP-01", "10.01"))
		}, field: "amount", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			id := f.checkedVoucher(spend("FY-CP-01", "FY-UP", ledger.Procurement, "1.00"))
			return f.sql(f.tdb.AppURL, rawPost, id, "liqiang")
		}, field: "-", state: "23514"},
		bulk: parityPath{run: func(f *fixture) error {
			return f.importRows("X,2020-02-12,记,报账,500101,FY-CP-01,FY-UP,procurement,500.01,,1,wangfang,liqiang,liqiang,",
				"X,2020-02-12,记,报账,121801,FY-CP-01,FY-UP,,,500.01,1,wangfang,liqiang,liqiang,")
		}, field: "row 9: credit", state: "go"}},
	{code: ledger.EInsufficientFunds, rule: "an imported batch never takes a restricted balance below zero",
		use: unreachable("the use cases post one voucher at a time (the row above)"),
		sql: parityPath{run: func(f *fixture) error {
			return f.rawImport(100)
		}, field: "rows[3].credit", state: "LE002"},
		bulk: unreachable("Go refuses the overdraft first, in file order (the row above)")},
	{code: ledger.EPurposeNotAllowed, rule: "spending names a purpose the fund permits; donations are never spent",
		use: parityPath{run: func(f *fixture) error {
			_, err := f.create("wangfang", generalVoucher(dr("500101", "FY", "FY-GEN", "1.00"), cr("100201", "FY", "FY-GEN", "1.00")))
			return err
		}, field: "lines[1].purpose", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			return f.rawVoucher(f.tdb.AppURL, "500101 FY FY-DON procurement 100 0", "100201 FY FY-DON - 0 100")
		}, field: "lines[1].purpose", state: "LE003"},
		bulk: parityPath{run: func(f *fixture) error {
			return f.importRows("X,2020-02-12,记,报账,500101,FY,FY-GEN,procurement,1.00,,1,wangfang,liqiang,liqiang,",
				"X,2020-02-12,记,报账,300101,FY,FY-GEN,,,1.00,1,wangfang,liqiang,liqiang,")
		}, field: "row 8: purpose", state: "go"}},
	{code: ledger.EInvalidState, rule: "a month whose bank account moved closes with its bank statement or a written reason",
		use: parityPath{run: func(f *fixture) error {
			f.fund("10.00", nil)
			feb, _ := ledger.ParsePeriod("2020-02")
			_, err := f.db.Reconcile(f.ctx, postgres.ReconcileOptions{Book: book, Period: feb, Close: true})
			return err
		}, field: "bank_statement", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			f.fund("10.00", nil)
			return f.sql(f.tdb.AppURL, `UPDATE periods SET status = 'closed', closed_by = 'system' WHERE year = 2020 AND month = 2`)
		}, field: "bank_statement", state: "LE007"},
		bulk: unreachable("an import closes no month")},
	{code: ledger.EPeriodClosed, rule: "nothing is made or posted in a closed period",
		use: parityPath{run: func(f *fixture) error {
			f.fund("10.00", nil)
			f.closeFebruary()
			// Go does not look at the period before the write: the
			// numbering trigger refuses the draft.
			_, err := f.flow("wangfang", allocate("FY-CP-01", "1.00"))
			return err
		}, field: "date", state: "db"},
		sql: parityPath{run: func(f *fixture) error {
			f.fund("10.00", nil)
			f.closeFebruary()
			return f.rawVoucher(f.tdb.AppURL, "121801 FY-CP-01 FY-UP - 100 0", "100201 FY FY-UP - 0 100")
		}, field: "date", state: "LE004"},
		bulk: parityPath{run: func(f *fixture) error {
			f.fund("10.00", nil)
			f.closeFebruary()
			return f.importRows("X,2020-02-12,记,报账,500101,FY-CP-01,FY-UP,procurement,1.00,,1,wangfang,liqiang,liqiang,",
				"X,2020-02-12,记,报账,121801,FY-CP-01,FY-UP,,,1.00,1,wangfang,liqiang,liqiang,")
		}, field: "row 4: date", state: "go"}},
	{code: ledger.EOrgInactive, rule: "no allocation to or spending by an organisation outside its active dates",
		use: parityPath{run: func(f *fixture) error {
			f.fund("10.00", nil)
			if err := f.sql(f.tdb.AppURL, `UPDATE organisations SET dissolved = '2020-02-01' WHERE code = 'FY-OT-04'`); err != nil {
				f.t.Fatal(err)
			}
			_, err := f.flow("wangfang", allocate("FY-OT-04", "1.00"))
			return err
		}, field: "lines[1].org", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			f.fund("10.00", nil)
			id := f.checkedVoucher(allocate("FY-OT-04", "1.00"))
			f.mustStep("zhaomin", id, ledger.ActSign)
			if err := f.sql(f.tdb.AppURL, `UPDATE organisations SET dissolved = '2020-02-01' WHERE code = 'FY-OT-04'`); err != nil {
				f.t.Fatal(err)
			}
			return f.sql(f.tdb.AppURL, rawPost, id, "liqiang")
		}, field: "lines[1].org", state: "LE005"},
		bulk: parityPath{run: func(f *fixture) error {
			if err := f.sql(f.tdb.AppURL, `UPDATE organisations SET dissolved = '2020-02-05' WHERE code = 'FY-OT-04'`); err != nil {
				f.t.Fatal(err)
			}
			return f.importRows("X,2020-02-12,记,划拨,121801,FY-OT-04,FY-UP,,1.00,,1,wangfang,liqiang,liqiang,zhaomin",
				"X,2020-02-12,记,划拨,100201,FY,FY-UP,,,1.00,1,wangfang,liqiang,liqiang,zhaomin")
		}, field: "row 8: organisation", state: "go"}},
	{code: ledger.ENotFound, rule: "lines name an organisation, fund and account of the book",
		use: parityPath{run: func(f *fixture) error {
			_, err := f.create("wangfang", generalVoucher(dr("121801", "FY-NONE", "FY-UP", "1.00"), cr("100201", "FY", "FY-UP", "1.00")))
			return err
		}, field: "lines[1].org", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			return f.rawVoucher(f.tdb.AppURL, "121801 FY-NONE FY-UP - 100 0", "100201 FY FY-UP - 0 100")
		}, field: "lines[1].org", state: "LE012"},
		bulk: parityPath{run: func(f *fixture) error {
			return f.importRows("X,2020-02-12,记,报账,500101,FY-NONE,FY-UP,procurement,1.00,,1,wangfang,liqiang,liqiang,",
				"X,2020-02-12,记,报账,121801,FY-NONE,FY-UP,,,1.00,1,wangfang,liqiang,liqiang,")
		}, field: "row 8: organisation", state: "go"}},
	{code: ledger.EUnauthenticated, rule: "a user acts with a good password or token",
		use: parityPath{run: func(f *fixture) error {
			_, _, err := f.db.Authenticate(f.ctx, "not-a-token")
			return err
		}, field: "token", state: "go"},
		sql:  unreachable("the database knows its roles, not the ledger's users, passwords and tokens"),
		bulk: unreachable("the import runs as a named admin; an unknown or disabled one is forbidden (its row)")},
	{code: ledger.EForbidden, rule: "a step needs its role; ledger_app never deletes vouchers",
		use: parityPath{run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("1.00"))
			_, err := f.step("liuyang", v.ID, ledger.ActCheck)
			return err
		}, field: "-", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			return f.sql(f.tdb.AppURL, `INSERT INTO vouchers (book, year, month, number, date, summary, maker, made_at)
				VALUES ('FY-DFZH', 0, 0, 1, '2020-02-10', '手工凭证', 'fengqing', now())`)
		}, field: "maker", state: "LE011"},
		bulk: parityPath{run: func(f *fixture) error {
			_, err := f.importCSV(funding, postgres.ImportOptions{Actor: "wangfang"})
			return err
		}, field: "user", state: "go"}},
	{code: ledger.EForbidden, rule: "ledger_app deletes no voucher (a privilege, not a trigger)",
		use: unreachable("no use case deletes a voucher"),
		sql: parityPath{run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("1.00"))
			return f.sql(f.tdb.AppURL, `DELETE FROM vouchers WHERE id = $1`, v.ID)
		}, field: "-", state: "42501"},
		bulk: unreachable("an import only adds vouchers")},
	{code: ledger.ESamePerson, rule: "the maker does not check their own voucher",
		use: parityPath{run: func(f *fixture) error {
			v := f.mustFlow("sunlixin", receive("1.00"))
			_, err := f.step("sunlixin", v.ID, ledger.ActCheck)
			return err
		}, field: "-", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("1.00"))
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET status = 'checked', checker = 'wangfang', checked_at = now() WHERE id = $1`, v.ID)
		}, field: "checker", state: "LE006"},
		bulk: parityPath{run: func(f *fixture) error {
			return f.importRows("X,2020-02-12,记,报账,500101,FY-CP-01,FY-UP,procurement,1.00,,1,sunlixin,sunlixin,liqiang,",
				"X,2020-02-12,记,报账,121801,FY-CP-01,FY-UP,,,1.00,1,sunlixin,sunlixin,liqiang,")
		}, field: "row 8: checker", state: "go"}},
	{code: ledger.EInvalidState, rule: "a cash/bank voucher is signed by the cashier before it is posted",
		use: parityPath{run: func(f *fixture) error {
			id := f.checkedVoucher(receive("1.00"))
			_, err := f.step("liqiang", id, ledger.ActPost)
			return err
		}, field: "-", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			id := f.checkedVoucher(receive("1.00"))
			return f.sql(f.tdb.AppURL, rawPost, id, "liqiang")
		}, field: "status", state: "LE007"},
		bulk: parityPath{run: func(f *fixture) error {
			return f.importRows("X,2020-02-12,记,划拨,121801,FY-CP-02,FY-UP,,1.00,,1,wangfang,liqiang,liqiang,",
				"X,2020-02-12,记,划拨,100201,FY,FY-UP,,,1.00,1,wangfang,liqiang,liqiang,")
		}, field: "row 8: cashier", state: "go"}},
	{code: ledger.EImmutable, rule: "a posted voucher is never changed; corrections are reversals",
		use: parityPath{run: func(f *fixture) error {
			v := f.post(receive("1.00"))
			_, err := f.edit("wangfang", v, 1, func(w *ledger.Voucher) { w.Summary = "改" })
			return err
		}, field: "status", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			v := f.post(receive("1.00"))
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET summary = '改' WHERE id = $1`, v.ID)
		}, field: "-", state: "LE008"},
		bulk: unreachable("an import only adds new posted vouchers; a key imported before is skipped or idempotency_conflict")},
	{code: ledger.EImmutable, rule: "a checked voucher is not edited; it is unchecked first",
		use: parityPath{run: func(f *fixture) error {
			id := f.checkedVoucher(allocate("FY-CP-01", "1.00"))
			v, err := f.db.Voucher(f.ctx, book, id)
			if err != nil {
				return err
			}
			_, err = f.edit("wangfang", v, 1, func(w *ledger.Voucher) { w.Summary = "改" })
			return err
		}, field: "status", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			id := f.checkedVoucher(allocate("FY-CP-01", "1.00"))
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET version = 2, edited_by = 'wangfang', edited_at = now(), summary = '改' WHERE id = $1`, id)
		}, field: "status", state: "LE008"},
		bulk: unreachable("an import edits nothing")},
	{code: ledger.EInvalidState, rule: "an edit names the version it changes; a stale one is refused",
		use: parityPath{run: func(f *fixture) error {
			v := f.mustFlow("wangfang", allocate("FY-CP-01", "1.00"))
			if _, err := f.edit("wangfang", v, 1, func(w *ledger.Voucher) { w.Summary = "一" }); err != nil {
				f.t.Fatal(err)
			}
			_, err := f.edit("wangfang", v, 1, func(w *ledger.Voucher) { w.Summary = "二" })
			return err
		}, field: "version", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			v := f.mustFlow("wangfang", allocate("FY-CP-01", "1.00"))
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET version = 3, edited_by = 'wangfang', edited_at = now() WHERE id = $1`, v.ID)
		}, field: "version", state: "LE007"},
		bulk: unreachable("an import edits nothing")},
	{code: ledger.EInvalid, rule: "an edit keeps the voucher's month (and so its number): void and re-enter",
		use: parityPath{run: func(f *fixture) error {
			v := f.mustFlow("wangfang", allocate("FY-CP-01", "1.00"))
			_, err := f.edit("wangfang", v, 1, func(w *ledger.Voucher) { w.Date = day("2020-03-02") })
			return err
		}, field: "date", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			v := f.mustFlow("wangfang", allocate("FY-CP-01", "1.00"))
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET version = 2, edited_by = 'wangfang', edited_at = now(), date = '2020-03-02' WHERE id = $1`, v.ID)
			// the row's check of its year and month against its date, met
			// before the edit's rules (AFTER triggers since migration 00042)
		}, field: "date", state: "23514"},
		bulk: unreachable("an import edits nothing")},
	{code: ledger.ESamePerson, rule: "a draft is edited by its maker or an admin",
		use: parityPath{run: func(f *fixture) error {
			v := f.mustFlow("wangfang", allocate("FY-CP-01", "1.00"))
			_, err := f.edit("liuyang", v, 1, func(w *ledger.Voucher) { w.Summary = "改" })
			return err
		}, field: "user", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			v := f.mustFlow("wangfang", allocate("FY-CP-01", "1.00"))
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET version = 2, edited_by = 'liuyang', edited_at = now() WHERE id = $1`, v.ID)
		}, field: "edited_by", state: "LE006"},
		bulk: unreachable("an import edits nothing")},
	{code: ledger.EIdempotencyConflict, rule: "a key names one request",
		use: parityPath{run: func(f *fixture) error {
			a := generalVoucher(dr("121801", "FY-CP-01", "FY-UP", "1.00"), cr("100201", "FY", "FY-UP", "1.00"))
			a.Key = "K-1"
			if _, err := f.create("wangfang", a); err != nil {
				f.t.Fatal(err)
			}
			b := generalVoucher(dr("121801", "FY-CP-01", "FY-UP", "2.00"), cr("100201", "FY", "FY-UP", "2.00"))
			b.Key = "K-1"
			_, err := f.create("wangfang", b)
			return err
		}, field: "-", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			insert := `INSERT INTO vouchers (book, year, month, number, date, summary, maker, made_at, idem_key)
				VALUES ('FY-DFZH', 0, 0, 1, '2020-02-10', $1, 'wangfang', now(), 'K-1')`
			if err := f.sql(f.tdb.AppURL, insert, "第一"); err != nil {
				f.t.Fatal(err)
			}
			return f.sql(f.tdb.AppURL, insert, "第二")
		}, field: "-", state: "23505"},
		bulk: parityPath{run: func(f *fixture) error {
			if _, err := f.importCSV(funding, postgres.ImportOptions{}); err != nil {
				f.t.Fatal(err)
			}
			_, err := f.importCSV(strings.Replace(funding, "口罩", "口罩和手套", 1), postgres.ImportOptions{})
			return err
		}, field: "row 6: key", state: "go"}},
	{code: ledger.EInvalid, rule: "lines post to leaf accounts only",
		use: parityPath{run: func(f *fixture) error {
			_, err := f.create("wangfang", generalVoucher(dr("1218", "FY-CP-01", "FY-UP", "1.00"), cr("100201", "FY", "FY-UP", "1.00")))
			return err
		}, field: "lines[1].account", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			return f.rawVoucher(f.tdb.AppURL, "1218 FY-CP-01 FY-UP - 100 0", "100201 FY FY-UP - 0 100")
		}, field: "lines[1].account", state: "LE010"},
		bulk: parityPath{run: func(f *fixture) error {
			return f.importRows("X,2020-02-12,记,报账,5001,FY-CP-01,FY-UP,procurement,1.00,,1,wangfang,liqiang,liqiang,",
				"X,2020-02-12,记,报账,121801,FY-CP-01,FY-UP,,,1.00,1,wangfang,liqiang,liqiang,")
		}, field: "row 8: account", state: "go"}},
	{code: ledger.EInvalid, rule: "a new voucher is dated in the book's window: first period to today + date_days_ahead (issue #14)",
		use: parityPath{run: func(f *fixture) error {
			v := generalVoucher(dr("121801", "FY-CP-01", "FY-UP", "1.00"), cr("100201", "FY", "FY-UP", "1.00"))
			v.Date = day("9999-12-31")
			_, err := f.create("wangfang", v)
			return err
		}, field: "date", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			return f.sql(f.tdb.AppURL, `INSERT INTO vouchers (book, year, month, number, date, summary, maker, made_at)
				VALUES ('FY-DFZH', 0, 0, 1, '9999-12-31', '远期凭证', 'wangfang', now())`)
		}, field: "date", state: "LE010"},
		bulk: unreachable("approved history is posted, dated by its own records; the window holds for new drafts")},
	{code: ledger.EInvalidAmount, rule: "one voucher's total stays under the book's ceiling (issue #14)",
		use: parityPath{run: func(f *fixture) error {
			_, err := f.create("wangfang", generalVoucher(dr("121801", "FY-CP-01", "FY-UP", "100000000.01"), cr("100201", "FY", "FY-UP", "100000000.01")))
			return err
		}, field: "amount", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			return f.rawVoucher(f.tdb.AppURL, "121801 FY-CP-01 FY-UP - 10000000001 0", "100201 FY FY-UP - 0 10000000001")
		}, field: "amount", state: "LE009"},
		bulk: parityPath{run: func(f *fixture) error {
			return f.importRows("X,2020-02-12,记,报账,500101,FY-CP-01,FY-UP,procurement,100000000.01,,1,wangfang,liqiang,liqiang,",
				"X,2020-02-12,记,报账,121801,FY-CP-01,FY-UP,,,100000000.01,1,wangfang,liqiang,liqiang,")
		}, field: "-", state: "go"}},
	{code: ledger.EInvalid, rule: "a beneficiary's identity number is a real one of its kind (GB 11643 for a resident card)",
		use: parityPath{run: func(f *fixture) error {
			_, err := f.create("wangfang", beneficiaryVoucher("", wrongCheck("19700101", "123")))
			return err
		}, field: "beneficiaries[1].id_number", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			return f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
				id, err := rawDraft(tx)
				if err != nil {
					return err
				}
				if err := rawLines(tx, id, "500102 FY-CP-01 FY-UP condolence 100 0", "121801 FY-CP-01 FY-UP - 0 100"); err != nil {
					return err
				}
				_, err = tx.Exec(f.ctx, `INSERT INTO voucher_beneficiaries (book, voucher_id, seq, name, id_number, amount_fen)
					VALUES ('FY-DFZH', $1, 1, '张三', '123', 100)`, id)
				return err
			})
		}, field: "id_number", state: "23514"},
		bulk: unreachable("the bulk import carries no beneficiaries")},
	{code: ledger.EInvalidAmount, rule: "an item's 数量 × 单价, rounded half up to the fen, is its 金额 (issue #15)",
		use: parityPath{run: func(f *fixture) error {
			_, err := f.flow("wangfang", itemSpend("12.34", testItem("酒精棉片", "", "盒", "1", "12.345", "12.34")))
			return err
		}, field: "lines[1].items[1].amount", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			return f.rawItemVoucher("1 1 1 12.345 1234", "1 2 1 87.66 8766")
		}, field: "items.amount", state: "23514"},
		bulk: unreachable("the bulk import carries no items")},
	{code: ledger.EInvalidAmount, rule: "a line's items add up to its amount (issue #15; the database checks at commit)",
		use: parityPath{run: func(f *fixture) error {
			_, err := f.flow("wangfang", itemSpend("100.00", testItem("口罩", "", "个", "99", "1", "99.00")))
			return err
		}, field: "lines[1].items", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			return f.rawItemVoucher("1 1 99 1 9900")
		}, field: "lines[1].items", state: "LE009"},
		bulk: unreachable("the bulk import carries no items")},
	{code: ledger.EInvalid, rule: "items stand on the debit side of a spending line only (issue #15)",
		use: parityPath{run: func(f *fixture) error {
			l1, l2 := dr("500101", "FY-CP-01", "FY-UP", "100.00"), cr("121801", "FY-CP-01", "FY-UP", "100.00")
			l1.Purpose = ledger.Procurement
			l2.Items = []ledger.Item{testItem("口罩", "", "个", "100", "1", "100.00")}
			_, err := f.create("wangfang", generalVoucher(l1, l2))
			return err
		}, field: "lines[2].items", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			return f.rawItemVoucher("2 1 100 1 10000")
		}, field: "lines[2].items", state: "LE010"},
		bulk: unreachable("the bulk import carries no items")},
	{code: ledger.EInvalid, rule: "an item's quantity and unit price are > 0 with at most 4 decimals (issue #15)",
		use: parityPath{run: func(f *fixture) error {
			_, err := f.flow("wangfang", itemSpend("100.00", testItem("口罩", "", "个", "1.00001", "100", "100.00")))
			return err
		}, field: "lines[1].items[1].quantity", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			return f.rawItemVoucher("1 1 1.00001 100 10000")
		}, field: "items.quantity", state: "23514"},
		bulk: unreachable("the bulk import carries no items")},
	{code: ledger.EImmutable, rule: "items are written while the voucher is a draft, never after (issue #15)",
		use: unreachable("no use case adds items to a voucher that is no longer a draft"),
		sql: parityPath{run: func(f *fixture) error {
			v := f.mustFlow("wangfang", spend("FY-CP-01", "FY-UP", ledger.Procurement, "100.00"))
			f.mustStep("liqiang", v.ID, ledger.ActCheck)
			return f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error { return rawItems(tx, v.ID, "1 1 100 1 10000") })
		}, field: "items", state: "LE008"},
		bulk: unreachable("the bulk import carries no items")},
	{code: ledger.EInvalidState, rule: "files are attached to a draft only (issue #15)",
		use: parityPath{run: func(f *fixture) error {
			v := f.post(receive("1.00"))
			_, err := f.db.AttachFile(f.ctx, book, "wangfang", v.ID, mustAttachment(f.t, "a.pdf", attPDF))
			return err
		}, field: "status", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			v := f.post(receive("1.00"))
			return f.rawAttach(v.ID, 1, "wangfang", "application/pdf", attPDF, nil)
		}, field: "status", state: "LE007"},
		bulk: unreachable("the bulk import carries no files")},
	{code: ledger.ESamePerson, rule: "only the maker or an admin attaches files (issue #15)",
		use: parityPath{run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("1.00"))
			_, err := f.db.AttachFile(f.ctx, book, "liuyang", v.ID, mustAttachment(f.t, "a.pdf", attPDF))
			return err
		}, field: "user", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("1.00"))
			return f.rawAttach(v.ID, 1, "liuyang", "application/pdf", attPDF, nil)
		}, field: "user", state: "LE006"},
		bulk: unreachable("the bulk import carries no files")},
	{code: ledger.EInvalid, rule: "a file's content is of an accepted type, decided by its bytes (issue #15)",
		use: parityPath{run: func(f *fixture) error {
			_, err := ledger.NewAttachment("a.pdf", []byte("not a PDF"), ledger.DefaultAttachmentLimits())
			return err
		}, field: "file", state: "go"},
		sql: parityPath{run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("1.00"))
			return f.rawAttach(v.ID, 1, "wangfang", "application/pdf", []byte("not a PDF"), nil)
		}, field: "file", state: "23514"},
		bulk: unreachable("the bulk import carries no files")},
	{code: ledger.EForbidden, rule: "ledger_app never changes or deletes a stored file (a privilege; the trigger keeps a checked voucher's files even from the owner)",
		use: unreachable("no use case changes or deletes a file"),
		sql: parityPath{run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("1.00"))
			if err := f.rawAttach(v.ID, 1, "wangfang", "application/pdf", attPDF, nil); err != nil {
				f.t.Fatal(err)
			}
			return f.sql(f.tdb.AppURL, `DELETE FROM voucher_attachments WHERE voucher_id = $1`, v.ID)
		}, field: "-", state: "42501"},
		bulk: unreachable("the bulk import carries no files")},
	{code: ledger.ETooLarge, rule: "request bodies are limited",
		use:  unreachable("the HTTP API's body limit (ledger/httpapi), before any use case"),
		sql:  unreachable("the HTTP API's body limit"),
		bulk: unreachable("the HTTP API's body limit")},
	{code: ledger.ERateLimited, rule: "failed logins are rate-limited",
		use:  unreachable("the serving process limits logins (ledger/httpapi), not the adapter"),
		sql:  unreachable("the serving process limits logins"),
		bulk: unreachable("the serving process limits logins")},
	{code: ledger.EUnavailable, rule: "the database does not answer",
		use:  unreachable("not a rule: the database being down (ledger/httpapi's outage tests)"),
		sql:  unreachable("not a rule"),
		bulk: unreachable("not a rule")},
	{code: "in_progress", rule: "a key whose first request still runs",
		use:  unreachable("not produced: a pending key is taken over by the next request with it (README, Idempotency)"),
		sql:  unreachable("not produced"),
		bulk: unreachable("not produced")},
	{code: ledger.EInternal, rule: "anything unforeseen",
		use:  unreachable("not a rule"),
		sql:  unreachable("not a rule"),
		bulk: unreachable("not a rule")},
}

func TestRulesParity(t *testing.T) {
	t.Parallel()
	for _, row := range parityTable {
		for _, p := range []struct {
			name string
			path parityPath
		}{{"use case", row.use}, {"raw SQL", row.sql}, {"import", row.bulk}} {
			if p.path.run == nil {
				if p.path.why == "" {
					t.Errorf("%s, %s: neither a case nor a reason why the path cannot reach it", row.code, p.name)
				}
				continue
			}
			t.Run(row.code+"/"+p.name+"/"+row.rule, func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, nil)
				err := p.path.run(f)
				wantCode(t, err, row.code, p.path.field)
				var pe *pgconn.PgError
				fromDB := errors.As(err, &pe)
				switch p.path.state {
				case "go":
					if fromDB {
						t.Fatalf("refused by the database (%s), not by Go before the write: %v", pe.Code, err)
					}
				case "db":
					if !fromDB {
						t.Fatalf("refused in Go, not by the database: %v", err)
					}
				default:
					if !fromDB || pe.Code != p.path.state {
						t.Fatalf("want the database's %s, got %v", p.path.state, err)
					}
				}
			})
		}
	}
}

// TestRulesParityCoversEveryCode: the table has a row for each SPEC §4
// code, and a raw SQL case for each SQLSTATE the migrations raise.
func TestRulesParityCoversEveryCode(t *testing.T) {
	rows := map[string]bool{}
	states := map[string]bool{}
	for _, r := range parityTable {
		rows[r.code] = true
		states[r.sql.state] = true
	}
	for _, c := range specCodes {
		if !rows[c] {
			t.Errorf("SPEC §4 code %s has no row in the parity table", c)
		}
	}
	raised := map[string]bool{}
	le := regexp.MustCompile(`ERRCODE = '(LE[0-9]{3})'`)
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		for _, m := range le.FindAllStringSubmatch(string(b), -1) {
			raised[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for s := range raised {
		if !states[s] {
			missing = append(missing, s)
		}
	}
	sort.Strings(missing)
	if len(raised) < 12 || len(missing) > 0 {
		t.Fatalf("the migrations raise %d SQLSTATEs; without a raw SQL case in the parity table: %v", len(raised), missing)
	}
}
