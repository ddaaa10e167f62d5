package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// The tests of this file go around the Go rules and write raw SQL as the
// database roles, to prove that PostgreSQL enforces SPEC §4 by itself.

// inTx runs fn in a transaction on a new connection to url and returns
// its error (or the commit's) mapped to a SPEC §4 code.
func (f *fixture) inTx(url string, fn func(tx pgx.Tx) error) error {
	f.t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		f.t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if err := fn(tx); err != nil {
		return postgres.MapError(err)
	}
	return postgres.MapError(tx.Commit(ctx))
}

// sql runs one statement on url and maps its error.
func (f *fixture) sql(url, sql string, args ...any) error {
	f.t.Helper()
	return postgres.MapError(pgtest.Exec(f.t, url, sql, args...))
}

// rawDraft inserts a draft voucher row in tx and returns its id.
func rawDraft(tx pgx.Tx) (int64, error) {
	var id int64
	err := tx.QueryRow(context.Background(), `INSERT INTO vouchers (book, year, month, number, date, summary, maker, made_at)
		VALUES ('FY-DFZH', 0, 0, 1, '2020-02-10', '手工凭证', 'wangfang', now()) RETURNING id`).Scan(&id)
	return id, err
}

// rawRed inserts a draft red voucher cancelling voucher orig in tx.
func rawRed(tx pgx.Tx, orig int64) (int64, error) {
	var id int64
	err := tx.QueryRow(context.Background(), `INSERT INTO vouchers (book, year, month, number, date, summary, flow, reversal_of, maker, made_at)
		VALUES ('FY-DFZH', 0, 0, 1, '2020-02-11', '注销', 'reversal', $1, 'wangfang', now()) RETURNING id`, orig).Scan(&id)
	return id, err
}

// rawLines inserts lines "account org fund purpose debit_fen credit_fen"
// (purpose "-" for none) of voucher id in one statement, numbered after
// the voucher's last line.
func rawLines(tx pgx.Tx, id int64, lines ...string) error {
	var first int
	if err := tx.QueryRow(context.Background(), `SELECT coalesce(max(line_no), 0) + 1 FROM voucher_lines WHERE voucher_id = $1`, id).Scan(&first); err != nil {
		return err
	}
	var values []string
	for i, l := range lines {
		p := strings.Fields(l)
		purpose := "NULL"
		if p[3] != "-" {
			purpose = "'" + p[3] + "'"
		}
		values = append(values, fmt.Sprintf("('FY-DFZH', %d, %d, '手工', '%s', '%s', '%s', %s, %s, %s)", id, first+i, p[0], p[1], p[2], purpose, p[4], p[5]))
	}
	_, err := tx.Exec(context.Background(), `INSERT INTO voucher_lines (book, voucher_id, line_no, summary, account, org, fund, purpose, debit_fen, credit_fen)
		VALUES `+strings.Join(values, ", "))
	return err
}

// rawTwoDrafts inserts two drafts, then their lines in one statement: the
// first's balance at 100.00, the second's debit 200.00 against a credit of
// credit2 fen.
func rawTwoDrafts(tx pgx.Tx, credit2 int) ([]int64, error) {
	a, err := rawDraft(tx)
	if err != nil {
		return nil, err
	}
	b, err := rawDraft(tx)
	if err != nil {
		return nil, err
	}
	_, err = tx.Exec(context.Background(), `INSERT INTO voucher_lines (book, voucher_id, line_no, summary, account, org, fund, debit_fen, credit_fen)
		VALUES ('FY-DFZH', $1, 1, '手工', '121801', 'FY-CP-01', 'FY-UP', 10000, 0), ('FY-DFZH', $1, 2, '手工', '100201', 'FY', 'FY-UP', 0, 10000),
		       ('FY-DFZH', $2, 1, '手工', '121801', 'FY-CP-01', 'FY-UP', 20000, 0), ('FY-DFZH', $2, 2, '手工', '100201', 'FY', 'FY-UP', 0, $3::bigint)`,
		a, b, credit2)
	return []int64{a, b}, err
}

// rawVoucher inserts a draft with lines as the role of url.
func (f *fixture) rawVoucher(url string, lines ...string) error {
	f.t.Helper()
	return f.inTx(url, func(tx pgx.Tx) error {
		id, err := rawDraft(tx)
		if err != nil {
			return err
		}
		return rawLines(tx, id, lines...)
	})
}

func TestDatabaseLines(t *testing.T) {
	t.Parallel()
	runCases(t, []ruleCase{
		{name: "balanced lines in one statement", run: func(f *fixture) error {
			if err := f.rawVoucher(f.tdb.AppURL, "121801 FY-CP-01 FY-UP - 10000 0", "100201 FY FY-UP - 0 10000"); err != nil {
				return err
			}
			if n := f.count(`SELECT count(*) FROM vouchers WHERE total_fen = 10000 AND number = 1 AND year = 2020 AND month = 2`); n != 1 {
				f.t.Fatalf("the raw voucher was not numbered and totalled by the database")
			}
			return nil
		}},
		{name: "the lines of two vouchers in one statement, after one voucher's", run: func(f *fixture) error {
			// One session takes both paths of the lines trigger, one after
			// the other: its cached plans must serve both.
			var ids []int64
			err := f.inTx(f.tdb.AppURL, func(tx pgx.Tx) (err error) {
				id, err := rawDraft(tx)
				if err != nil {
					return err
				}
				if err := rawLines(tx, id, "121801 FY-CP-01 FY-UP - 10000 0", "100201 FY FY-UP - 0 10000"); err != nil {
					return err
				}
				ids, err = rawTwoDrafts(tx, 20000)
				return err
			})
			if err != nil {
				return err
			}
			if n := f.count(`SELECT count(*) FROM vouchers WHERE (id, total_fen) IN (($1, 10000), ($2, 20000))`, ids[0], ids[1]); n != 2 {
				f.t.Fatalf("%d of the two vouchers totalled by the database", n)
			}
			return nil
		}},
		{name: "the lines of two vouchers in one statement, the second unbalanced", run: func(f *fixture) error {
			return f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error { _, err := rawTwoDrafts(tx, 19999); return err })
		}, code: ledger.EUnbalanced, field: "lines"},
		{name: "a maker without the officer role", run: func(f *fixture) error {
			return f.sql(f.tdb.AppURL, `INSERT INTO vouchers (book, year, month, number, date, summary, maker, made_at)
				VALUES ('FY-DFZH', 0, 0, 1, '2020-02-10', '手工凭证', 'fengqing', now())`)
		}, code: ledger.EForbidden, field: "maker"},
		{name: "unbalanced per fund", run: func(f *fixture) error {
			return f.rawVoucher(f.tdb.AppURL, "121801 FY-CP-01 FY-UP - 10000 0", "100201 FY FY-MATCH - 0 10000")
		}, code: ledger.EUnbalanced, field: "lines"},
		{name: "unbalanced per fund as the owner", run: func(f *fixture) error {
			return f.rawVoucher(f.tdb.OwnerURL, "121801 FY-CP-01 FY-UP - 10000 0", "100201 FY FY-MATCH - 0 10000")
		}, code: ledger.EUnbalanced, field: "lines"},
		{name: "a single line", run: func(f *fixture) error {
			return f.rawVoucher(f.tdb.AppURL, "121801 FY-CP-01 FY-UP - 10000 0")
		}, code: ledger.EUnbalanced, field: "lines"},
		{name: "a single zero-sum pair split over two statements", run: func(f *fixture) error {
			return f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
				id, err := rawDraft(tx)
				if err != nil {
					return err
				}
				if err := rawLines(tx, id, "121801 FY-CP-01 FY-UP - 10000 0"); err != nil {
					return err
				}
				return rawLines(tx, id, "100201 FY FY-UP - 0 10000")
			})
		}, code: ledger.EUnbalanced, field: "lines"},
		{name: "a negative line outside a reversal", run: func(f *fixture) error {
			return f.rawVoucher(f.tdb.AppURL, "121801 FY-CP-01 FY-UP - -100 0", "100201 FY FY-UP - 0 -100")
		}, code: ledger.EInvalidAmount, field: "lines[1].amount"},
		{name: "a line with both sides", run: func(f *fixture) error {
			return f.rawVoucher(f.tdb.AppURL, "121801 FY-CP-01 FY-UP - 100 100", "100201 FY FY-UP - 100 100")
		}, code: ledger.EInvalidAmount, field: "-"},
		{name: "a parent account", run: func(f *fixture) error {
			return f.rawVoucher(f.tdb.AppURL, "1218 FY-CP-01 FY-UP - 100 0", "100201 FY FY-UP - 0 100")
		}, code: ledger.EInvalid, field: "lines[1].account"},
		{name: "donations spent", run: func(f *fixture) error {
			return f.rawVoucher(f.tdb.AppURL, "500101 FY FY-DON procurement 100 0", "100201 FY FY-DON - 0 100")
		}, code: ledger.EPurposeNotAllowed, field: "lines[1].purpose"},
		{name: "spending without its purpose", run: func(f *fixture) error {
			return f.rawVoucher(f.tdb.AppURL, "500102 FY-CP-01 FY-UP relief 100 0", "121801 FY-CP-01 FY-UP - 0 100")
		}, code: ledger.EPurposeNotAllowed, field: "lines[1].purpose"},
		{name: "a purpose the fund does not permit", run: func(f *fixture) error {
			return f.rawVoucher(f.tdb.AppURL, "500101 FY FY-GEN procurement 100 0", "100201 FY FY-GEN - 0 100")
		}, code: ledger.EPurposeNotAllowed, field: "lines[1].purpose"},
		{name: "lines added to a checked voucher", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			f.mustStep("liqiang", v.ID, ledger.ActCheck)
			return f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
				return rawLines(tx, v.ID, "121801 FY-CP-01 FY-UP - 100 0", "100201 FY FY-UP - 0 100")
			})
		}, code: ledger.EImmutable, field: "lines"},
		{name: "a red voucher negating its original", run: func(f *fixture) error {
			orig := f.post(receive("10.00"))
			return f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
				id, err := rawRed(tx, orig.ID)
				if err != nil {
					return err
				}
				return rawLines(tx, id, "100201 FY FY-UP - -1000 0", "420101 FY FY-UP - 0 -1000")
			})
		}},
		{name: "a red voucher moving money elsewhere", run: func(f *fixture) error {
			orig := f.post(receive("10.00"))
			return f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
				id, err := rawRed(tx, orig.ID)
				if err != nil {
					return err
				}
				return rawLines(tx, id, "100201 FY FY-UP - -1000 0", "121801 FY-CP-01 FY-UP - 0 -1000")
			})
		}, code: ledger.EInvalidAmount, field: "lines"},
		{name: "a red voucher with part of its original", run: func(f *fixture) error {
			orig := f.post(receive("10.00"))
			return f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
				id, err := rawRed(tx, orig.ID)
				if err != nil {
					return err
				}
				return rawLines(tx, id, "100201 FY FY-UP - -500 0", "420101 FY FY-UP - 0 -500")
			})
		}, code: ledger.EInvalidAmount, field: "lines"},
		{name: "a red voucher of a draft", run: func(f *fixture) error {
			orig := f.mustFlow("wangfang", receive("10.00"))
			return f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
				_, err := rawRed(tx, orig.ID)
				return err
			})
		}, code: ledger.EInvalidState, field: "reversal_of"},
		{name: "a red voucher with positive lines", run: func(f *fixture) error {
			orig := f.post(receive("10.00"))
			return f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
				id, err := rawRed(tx, orig.ID)
				if err != nil {
					return err
				}
				return rawLines(tx, id, "420101 FY FY-UP - 1000 0", "100201 FY FY-UP - 0 1000")
			})
		}, code: ledger.EInvalidAmount, field: "lines"},
		{name: "a voucher made as posted", run: func(f *fixture) error {
			return f.sql(f.tdb.AppURL, `INSERT INTO vouchers (book, year, month, number, date, summary, maker, made_at, status, checker, poster, posted_at)
				VALUES ('FY-DFZH', 0, 0, 1, '2020-02-10', '手工凭证', 'wangfang', now(), 'posted', 'liqiang', 'liqiang', now())`)
		}, code: ledger.EInvalidState, field: "status"},
	})
}

func TestDatabaseImmutability(t *testing.T) {
	t.Parallel()
	posted := func(f *fixture) int64 { return f.post(receive("10.00")).ID }
	runCases(t, []ruleCase{
		{name: "update lines as the application", run: func(f *fixture) error {
			return f.sql(f.tdb.AppURL, `UPDATE voucher_lines SET debit_fen = debit_fen + 1 WHERE voucher_id = $1`, posted(f))
		}, code: ledger.EForbidden, field: "-"},
		{name: "update lines as the owner", run: func(f *fixture) error {
			return f.sql(f.tdb.OwnerURL, `UPDATE voucher_lines SET debit_fen = debit_fen + 1 WHERE voucher_id = $1`, posted(f))
		}, code: ledger.EImmutable, field: "-"},
		{name: "update a draft's lines as the owner", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			return f.sql(f.tdb.OwnerURL, `UPDATE voucher_lines SET summary = '改' WHERE voucher_id = $1`, v.ID)
		}, code: ledger.EImmutable, field: "-"},
		{name: "delete lines as the application", run: func(f *fixture) error {
			return f.sql(f.tdb.AppURL, `DELETE FROM voucher_lines WHERE voucher_id = $1`, posted(f))
		}, code: ledger.EForbidden, field: "-"},
		{name: "delete lines as the owner", run: func(f *fixture) error {
			return f.sql(f.tdb.OwnerURL, `DELETE FROM voucher_lines WHERE voucher_id = $1`, posted(f))
		}, code: ledger.EImmutable, field: "-"},
		{name: "delete a voucher as the application", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			return f.sql(f.tdb.AppURL, `DELETE FROM vouchers WHERE id = $1`, v.ID)
		}, code: ledger.EForbidden, field: "-"},
		{name: "delete a voucher as the owner", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			return f.sql(f.tdb.OwnerURL, `DELETE FROM vouchers WHERE id = $1`, v.ID)
		}, code: ledger.EImmutable, field: "-"},
		{name: "update a posted voucher", run: func(f *fixture) error {
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET summary = '改' WHERE id = $1`, posted(f))
		}, code: ledger.EImmutable, field: "-"},
		{name: "update a posted voucher as the owner", run: func(f *fixture) error {
			return f.sql(f.tdb.OwnerURL, `UPDATE vouchers SET date = '2020-02-11' WHERE id = $1`, posted(f))
		}, code: ledger.EImmutable, field: "-"},
		{name: "a draft's total set apart from its lines", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET total_fen = 1 WHERE id = $1`, v.ID)
		}, code: ledger.EImmutable, field: "-"},
		{name: "delete the action log as the owner", run: func(f *fixture) error {
			posted(f)
			return f.sql(f.tdb.OwnerURL, `DELETE FROM actions`)
		}, code: ledger.EImmutable, field: "-"},
		{name: "update the action log as the application", run: func(f *fixture) error {
			posted(f)
			return f.sql(f.tdb.AppURL, `UPDATE actions SET actor = 'someone'`)
		}, code: ledger.EForbidden, field: "-"},
		{name: "move a voucher counter as the application", run: func(f *fixture) error {
			posted(f)
			return f.sql(f.tdb.AppURL, `UPDATE voucher_counters SET last = last + 1`)
		}, code: ledger.EForbidden, field: "-"},
	})
}

func TestDatabaseWorkflow(t *testing.T) {
	t.Parallel()
	const post = `UPDATE vouchers SET status = 'posted', poster = $2, posted_at = now() WHERE id = $1`
	checked := func(f *fixture, r ledger.FlowRequest) int64 {
		v := f.mustFlow("wangfang", r)
		f.mustStep("liqiang", v.ID, ledger.ActCheck)
		return v.ID
	}
	runCases(t, []ruleCase{
		{name: "post a checked non-cash voucher", run: func(f *fixture) error {
			f.fund("100.00", map[string]string{"FY-CP-01": "100.00"})
			id := checked(f, spend("FY-CP-01", "FY-UP", ledger.Procurement, "100.00"))
			if err := f.sql(f.tdb.AppURL, post, id, "zhouhui"); err != nil {
				return err
			}
			if b := f.balance("121801", "FY-CP-01", "FY-UP"); !b.IsZero() {
				f.t.Fatalf("balance after a raw post = %s, want 0.00", b)
			}
			return nil
		}},
		{name: "draft straight to posted", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET status = 'posted', checker = 'liqiang', checked_at = now(), poster = 'liqiang', posted_at = now() WHERE id = $1`, v.ID)
		}, code: ledger.EInvalidState, field: "status"},
		{name: "checker is the maker", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET status = 'checked', checker = 'wangfang', checked_at = now() WHERE id = $1`, v.ID)
		}, code: ledger.ESamePerson, field: "checker"},
		{name: "checker without the checker role", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET status = 'checked', checker = 'liuyang', checked_at = now() WHERE id = $1`, v.ID)
		}, code: ledger.EForbidden, field: "checker"},
		{name: "poster without the checker role", run: func(f *fixture) error {
			f.fund("100.00", map[string]string{"FY-CP-01": "100.00"})
			id := checked(f, spend("FY-CP-01", "FY-UP", ledger.Procurement, "1.00"))
			return f.sql(f.tdb.AppURL, post, id, "fengqing")
		}, code: ledger.EForbidden, field: "poster"},
		{name: "void by someone other than the maker", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET status = 'void', voided_by = 'liuyang', voided_at = now() WHERE id = $1`, v.ID)
		}, code: ledger.ESamePerson, field: "voided_by"},
		{name: "cashier is the checker", run: func(f *fixture) error {
			id := checked(f, receive("10.00"))
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET status = 'signed', cashier = 'liqiang', signed_at = now() WHERE id = $1`, id)
		}, code: ledger.ESamePerson, field: "cashier"},
		{name: "poster is the maker", run: func(f *fixture) error {
			f.fund("100.00", map[string]string{"FY-CP-01": "100.00"})
			id := checked(f, spend("FY-CP-01", "FY-UP", ledger.Procurement, "1.00"))
			return f.sql(f.tdb.AppURL, post, id, "wangfang")
		}, code: ledger.ESamePerson, field: "poster"},
		{name: "a cash voucher posted unsigned", run: func(f *fixture) error {
			id := checked(f, receive("10.00"))
			return f.sql(f.tdb.AppURL, post, id, "liqiang")
		}, code: ledger.EInvalidState, field: "status"},
		{name: "a posted voucher voided", run: func(f *fixture) error {
			v := f.post(receive("10.00"))
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET status = 'void', voided_by = 'wangfang', voided_at = now() WHERE id = $1`, v.ID)
		}, code: ledger.EImmutable, field: "-"},
		{name: "a signed voucher back to draft", run: func(f *fixture) error {
			id := checked(f, receive("10.00"))
			f.mustStep("zhaomin", id, ledger.ActSign)
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET status = 'draft', checker = NULL, checked_at = NULL WHERE id = $1`, id)
		}, code: ledger.EInvalidState, field: "status"},
		{name: "overdraw a new restricted balance", run: func(f *fixture) error {
			id := checked(f, spend("FY-CP-01", "FY-UP", ledger.Procurement, "100.00"))
			return f.sql(f.tdb.AppURL, post, id, "liqiang")
		}, code: ledger.EInsufficientFunds, field: "-"},
		{name: "overdraw an existing restricted balance", run: func(f *fixture) error {
			f.fund("100.00", map[string]string{"FY-CP-01": "50.00"})
			id := checked(f, spend("FY-CP-01", "FY-UP", ledger.Procurement, "50.01"))
			err := f.sql(f.tdb.AppURL, post, id, "liqiang")
			if b := f.balance("121801", "FY-CP-01", "FY-UP"); !b.Equal(money("50.00")) {
				f.t.Fatalf("balance after the rejected post = %s, want 50.00", b)
			}
			return err
		}, code: ledger.EInsufficientFunds, field: "-"},
		{name: "overdraw by posting two vouchers in one statement", run: func(f *fixture) error {
			f.fund("100.00", map[string]string{"FY-CP-01": "100.00"})
			a := checked(f, spend("FY-CP-01", "FY-UP", ledger.Procurement, "60.00"))
			b := checked(f, spend("FY-CP-01", "FY-UP", ledger.Relief, "60.00"))
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET status = 'posted', poster = 'zhouhui', posted_at = now() WHERE id IN ($1, $2)`, a, b)
		}, code: ledger.EInsufficientFunds, field: "-"},
		{name: "post into a closed period", run: func(f *fixture) error {
			f.fund("100.00", map[string]string{"FY-CP-01": "100.00"})
			id := checked(f, spend("FY-CP-01", "FY-UP", ledger.Procurement, "1.00"))
			if err := f.sql(f.tdb.OwnerURL, `BEGIN;
				ALTER TABLE periods DISABLE TRIGGER periods_before_update;
				UPDATE periods SET status = 'closed' WHERE year = 2020 AND month = 2;
				ALTER TABLE periods ENABLE TRIGGER periods_before_update;
				COMMIT`); err != nil {
				f.t.Fatal(err)
			}
			return f.sql(f.tdb.AppURL, post, id, "liqiang")
		}, code: ledger.EPeriodClosed, field: "date"},
		{name: "close a period with a checked voucher", run: func(f *fixture) error {
			checked(f, receive("10.00"))
			return f.sql(f.tdb.AppURL, `UPDATE periods SET status = 'closed' WHERE year = 2020 AND month = 2`)
		}, code: ledger.EInvalidState, field: "-"},
		{name: "allocate to a dissolved organisation", run: func(f *fixture) error {
			f.fund("100.00", nil)
			id := checked(f, allocate("FY-OT-04", "1.00"))
			f.mustStep("zhaomin", id, ledger.ActSign)
			if err := f.sql(f.tdb.AppURL, `UPDATE organisations SET dissolved = '2020-02-01' WHERE code = 'FY-OT-04'`); err != nil {
				f.t.Fatal(err)
			}
			return f.sql(f.tdb.AppURL, post, id, "liqiang")
		}, code: ledger.EOrgInactive, field: "lines[1].org"},
	})
}

func TestDatabaseBalancesAreWrittenOnlyByPosting(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fund("100.00", map[string]string{"FY-CP-01": "100.00"})
	for _, c := range []struct{ url, sql string }{
		{f.tdb.AppURL, `UPDATE balances SET balance_fen = balance_fen + 100000`},
		{f.tdb.AppURL, `INSERT INTO balances (book, account, org, fund, balance_fen) VALUES ('FY-DFZH', '121801', 'FY-CP-02', 'FY-UP', 100000)`},
		{f.tdb.AppURL, `DELETE FROM balances`},
		{f.tdb.AuditURL, `UPDATE balances SET balance_fen = 0`},
	} {
		if err := f.sql(c.url, c.sql); ledger.ErrorCode(err) != ledger.EForbidden {
			t.Errorf("%s: %v, want forbidden", c.sql, err)
		}
	}
	if b := f.balance("121801", "FY-CP-01", "FY-UP"); !b.Equal(money("100.00")) {
		t.Fatalf("balance = %s, want 100.00", b)
	}
	// The owner may write a balance, but never below zero where restricted.
	err := f.sql(f.tdb.OwnerURL, `UPDATE balances SET balance_fen = -1 WHERE account = '121801' AND org = 'FY-CP-01'`)
	wantCode(t, err, ledger.EInsufficientFunds, "-")
}

// TestDatabaseAuditorWritesNothing: the auditor role may read every table
// and write none, except the finding states and notes SPEC §4 allows it.
func TestDatabaseAuditorWritesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fund("100.00", map[string]string{"FY-CP-01": "100.00"})
	allowedInsert := map[string]bool{"finding_events": true}
	allowedUpdate := map[string]bool{"audit_findings": true}
	rows, err := f.db.Pool.Query(f.ctx, `SELECT c.table_name, min(c.column_name) FROM information_schema.tables t
		JOIN information_schema.columns c ON c.table_schema = t.table_schema AND c.table_name = t.table_name
		WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.is_generated = 'NEVER' AND c.is_identity = 'NO'
		GROUP BY c.table_name ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var tc [2]string
		return tc, r.Scan(&tc[0], &tc[1])
	})
	if err != nil {
		t.Fatal(err)
	}
	core := 0
	for _, tc := range tables {
		table, column := pgx.Identifier{tc[0]}.Sanitize(), pgx.Identifier{tc[1]}.Sanitize()
		switch tc[0] {
		case "vouchers", "voucher_lines", "balances", "actions", "books", "users", "periods":
			core++
		}
		if !allowedInsert[tc[0]] {
			if err := f.sql(f.tdb.AuditURL, `INSERT INTO `+table+` DEFAULT VALUES`); ledger.ErrorCode(err) != ledger.EForbidden {
				t.Errorf("auditor INSERT INTO %s: %v, want forbidden", tc[0], err)
			}
		}
		if !allowedUpdate[tc[0]] {
			if err := f.sql(f.tdb.AuditURL, `UPDATE `+table+` SET `+column+` = `+column); ledger.ErrorCode(err) != ledger.EForbidden {
				t.Errorf("auditor UPDATE %s: %v, want forbidden", tc[0], err)
			}
		}
		if err := f.sql(f.tdb.AuditURL, `DELETE FROM `+table); ledger.ErrorCode(err) != ledger.EForbidden {
			t.Errorf("auditor DELETE FROM %s: %v, want forbidden", tc[0], err)
		}
		if err := f.sql(f.tdb.AuditURL, `TRUNCATE `+table); ledger.ErrorCode(err) != ledger.EForbidden {
			t.Errorf("auditor TRUNCATE %s: %v, want forbidden", tc[0], err)
		}
	}
	if core != 7 {
		t.Fatalf("found %d of the 7 core tables checked", core)
	}
	// Reading is what the auditor is for.
	for _, table := range []string{"vouchers", "voucher_lines", "balances", "actions", "organisations", "funds"} {
		if err := f.sql(f.tdb.AuditURL, `SELECT count(*) FROM `+table); err != nil {
			t.Errorf("auditor reads %s: %v", table, err)
		}
	}
}

// TestStepRulesFireBeforeThePosting: the rules of a step
// (vouchers_guard_step) fire before the posting's trigger
// (vouchers_posting): AFTER row triggers fire in the order of their names
// (migrations/00042_voucher_guards_after_the_row.sql). A post by the
// voucher's maker of a voucher that would overdraw is refused for the
// poster, before the posting takes the balances' locks; by a checker, for
// the balance.
func TestStepRulesFireBeforeThePosting(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	id := f.checkedVoucher(spend("FY-CP-01", "FY-UP", ledger.Procurement, "1.00"))
	for _, c := range []struct{ poster, state string }{{"wangfang", "LE006"}, {"liqiang", "23514"}} {
		err := f.sql(f.tdb.AppURL, rawPost, id, c.poster)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != c.state {
			t.Errorf("a post by %s that would overdraw: %v, want %s", c.poster, err, c.state)
		}
	}
}

// TestDatabaseLinesCarryTheirVouchersDate: a line carries its voucher's
// date, by which 明细账 and the monthly batch find it (migration 00049).
// Written without one it takes the voucher's; written with another it is
// refused; a draft redated without its lines written again is refused at
// commit; an edit that redates a draft redates its lines.
func TestDatabaseLinesCarryTheirVouchersDate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fund("100.00", nil)
	ctx := context.Background()
	linesDated := func(id int64) []string {
		t.Helper()
		rows, err := f.db.Pool.Query(ctx, `SELECT DISTINCT date::text FROM voucher_lines WHERE book = 'FY-DFZH' AND voucher_id = $1 ORDER BY 1`, id)
		if err != nil {
			t.Fatal(err)
		}
		dates, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return dates
	}

	var id int64
	if err := f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
		var err error
		if id, err = rawDraft(tx); err != nil {
			return err
		}
		return rawLines(tx, id, "121801 FY-CP-01 FY-UP - 100 0", "100201 FY FY-UP - 0 100")
	}); err != nil {
		t.Fatal(err)
	}
	if got := linesDated(id); !slices.Equal(got, []string{"2020-02-10"}) {
		t.Errorf("lines written without a date are dated %v, want their voucher's 2020-02-10", got)
	}

	err := f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
		id, err := rawDraft(tx)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO voucher_lines (book, voucher_id, date, line_no, summary, account, org, fund, debit_fen, credit_fen)
			VALUES ('FY-DFZH', $1, '2020-02-10', 1, '手工', '121801', 'FY-CP-01', 'FY-UP', 100, 0),
			       ('FY-DFZH', $1, '2020-02-11', 2, '手工', '100201', 'FY', 'FY-UP', 0, 100)`, id)
		return err
	})
	if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "lines.date" {
		t.Errorf("a line dated otherwise than its voucher: %v, want invalid (lines.date)", err)
	}

	v := f.mustFlow("wangfang", allocate("FY-CP-01", "10.00"))
	err = f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE vouchers SET version = 2, edited_by = 'wangfang', edited_at = now(), date = '2020-02-12'
			WHERE book = 'FY-DFZH' AND id = $1`, v.ID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO actions (book, at, actor, action, voucher_id, source, detail)
			VALUES ('FY-DFZH', now(), 'wangfang', 'edit', $1, 'cli', '{"version": 2}')`, v.ID)
		return err
	})
	if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "lines.date" {
		t.Errorf("a draft redated without its lines: %v, want invalid (lines.date)", err)
	}
	if got := linesDated(v.ID); !slices.Equal(got, []string{"2020-02-10"}) {
		t.Errorf("after the refused redating the lines are dated %v, want 2020-02-10", got)
	}

	if _, err := f.edit("wangfang", v, 1, func(w *ledger.Voucher) { w.Date = day("2020-02-12") }); err != nil {
		t.Fatal(err)
	}
	if got := linesDated(v.ID); !slices.Equal(got, []string{"2020-02-12"}) {
		t.Errorf("the edit redated the draft to 2020-02-12 and its lines to %v", got)
	}
}
