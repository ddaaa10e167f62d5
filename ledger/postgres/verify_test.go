package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// tamper runs statements as the superuser with triggers (and foreign keys)
// switched off, the way someone with psql and the superuser password would
// change the database behind the application.
func tamper(t *testing.T, f *fixture, statements ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.tdb.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SET session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	for _, s := range statements {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("tamper %q: %v", s, err)
		}
	}
}

func verifyClean(t *testing.T, f *fixture) postgres.VerifyResult {
	t.Helper()
	res, err := f.db.Verify(f.ctx, book, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Clean() {
		t.Fatalf("verify found %d problems: %+v", res.ProblemCount, res.Problems)
	}
	return res
}

func sealCount(t *testing.T, f *fixture) int {
	t.Helper()
	return f.count(`SELECT count(*) FROM voucher_seals WHERE book = $1`, book)
}

func TestVerifyCleanChain(t *testing.T) {
	t.Parallel()
	f, ids := sealedFixture(t, 7)
	res := verifyClean(t, f)
	seals := storedSeals(t, f)
	if res.Checked != int64(len(ids)) || res.LastSeq != int64(len(ids)) || res.HeadSeq != res.LastSeq {
		t.Fatalf("verify checked %d up to %d (head %d), want %d", res.Checked, res.LastSeq, res.HeadSeq, len(ids))
	}
	if res.Head != hex.EncodeToString(seals[len(seals)-1].seal) {
		t.Fatalf("head %s, want the last stored seal %x", res.Head, seals[len(seals)-1].seal)
	}
	// From a later position: only the rest is recomputed, linked to the
	// stored seal before it.
	res, err := f.db.Verify(f.ctx, book, 4)
	if err != nil || !res.Clean() || res.Checked != int64(len(ids)-3) {
		t.Fatalf("verify from 4: %v checked %d problems %+v", err, res.Checked, res.Problems)
	}
	// An empty book verifies too.
	g := newFixture(t, nil)
	if res := verifyClean(t, g); res.Checked != 0 || res.Head != "" {
		t.Fatalf("empty chain: %+v", res)
	}
	if _, err := f.db.Verify(f.ctx, "NO-SUCH", 0); ledger.ErrorCode(err) != ledger.ENotFound {
		t.Fatalf("verify of an unknown book: %v", err)
	}
}

// Each way of tampering with the database behind the application is found,
// and the first problem names the voucher.
func TestVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	const n = 8
	cases := []struct {
		name string
		// do tampers; it returns the id of the voucher the first problem
		// must name and the position it must be found at.
		do       func(t *testing.T, f *fixture, ids []int64, seals []storedSeal) (int64, int64)
		kind     string
		problems int64 // 0: any number
	}{{
		name: "one fen more on a line",
		do: func(t *testing.T, f *fixture, ids []int64, seals []storedSeal) (int64, int64) {
			tamper(t, f, sqlf(`UPDATE voucher_lines SET debit_fen = debit_fen + 1 WHERE book = '%s' AND voucher_id = %d AND line_no = 1`, book, seals[4].voucherID))
			return seals[4].voucherID, 5
		},
		kind: postgres.ProblemContent, problems: 1,
	}, {
		name: "payee changed",
		do: func(t *testing.T, f *fixture, ids []int64, seals []storedSeal) (int64, int64) {
			tamper(t, f, sqlf(`UPDATE vouchers SET payee = '某某商店' WHERE book = '%s' AND id = %d`, book, seals[2].voucherID))
			return seals[2].voucherID, 3
		},
		kind: postgres.ProblemContent, problems: 1,
	}, {
		name: "beneficiary's ID number changed",
		do: func(t *testing.T, f *fixture, ids []int64, seals []storedSeal) (int64, int64) {
			var id int64
			if err := f.db.Pool.QueryRow(f.ctx, `SELECT b.voucher_id FROM voucher_beneficiaries b JOIN voucher_seals s USING (book, voucher_id) ORDER BY s.seq LIMIT 1`).Scan(&id); err != nil {
				t.Fatal(err)
			}
			tamper(t, f, sqlf(`UPDATE voucher_beneficiaries SET id_number = '142301197001019991' WHERE book = '%s' AND voucher_id = %d`, book, id))
			for _, s := range seals {
				if s.voucherID == id {
					return id, s.seq
				}
			}
			t.Fatal("beneficiary voucher not sealed")
			return 0, 0
		},
		kind: postgres.ProblemContent, problems: 1,
	}, {
		name: "voucher deleted with its seal",
		do: func(t *testing.T, f *fixture, ids []int64, seals []storedSeal) (int64, int64) {
			id := seals[3].voucherID
			tamper(t, f,
				sqlf(`DELETE FROM voucher_seals WHERE book = '%s' AND seq = 4`, book),
				sqlf(`DELETE FROM voucher_beneficiaries WHERE book = '%s' AND voucher_id = %d`, book, id),
				sqlf(`DELETE FROM voucher_lines WHERE book = '%s' AND voucher_id = %d`, book, id),
				sqlf(`DELETE FROM vouchers WHERE book = '%s' AND id = %d`, book, id))
			return id, 4
		},
		kind: postgres.ProblemGap, problems: 1,
	}, {
		name: "voucher deleted, seal kept",
		do: func(t *testing.T, f *fixture, ids []int64, seals []storedSeal) (int64, int64) {
			id := seals[5].voucherID
			tamper(t, f,
				sqlf(`DELETE FROM voucher_lines WHERE book = '%s' AND voucher_id = %d`, book, id),
				sqlf(`DELETE FROM voucher_beneficiaries WHERE book = '%s' AND voucher_id = %d`, book, id),
				sqlf(`DELETE FROM vouchers WHERE book = '%s' AND id = %d`, book, id))
			return id, 6
		},
		kind: postgres.ProblemVoucherMissing, problems: 1,
	}, {
		name: "last voucher deleted with its seal",
		do: func(t *testing.T, f *fixture, ids []int64, seals []storedSeal) (int64, int64) {
			last := seals[len(seals)-1]
			tamper(t, f,
				sqlf(`DELETE FROM voucher_seals WHERE book = '%s' AND seq = %d`, book, last.seq),
				sqlf(`DELETE FROM voucher_lines WHERE book = '%s' AND voucher_id = %d`, book, last.voucherID),
				sqlf(`DELETE FROM voucher_beneficiaries WHERE book = '%s' AND voucher_id = %d`, book, last.voucherID),
				sqlf(`DELETE FROM vouchers WHERE book = '%s' AND id = %d`, book, last.voucherID))
			return last.voucherID, last.seq
		},
		kind: postgres.ProblemHead, problems: 1,
	}, {
		name: "posted voucher inserted with a forged seal",
		do: func(t *testing.T, f *fixture, ids []int64, seals []storedSeal) (int64, int64) {
			last := seals[len(seals)-1]
			id := insertPostedVoucher(t, f)
			forged := sha256.Sum256([]byte("forged"))
			tamper(t, f, sqlf(`INSERT INTO voucher_seals (book, seq, voucher_id, seal, prev) VALUES ('%s', %d, %d, '\x%x', '\x%x')`,
				book, last.seq+1, id, forged, last.seal))
			return id, last.seq + 1
		},
		kind: postgres.ProblemContent, // and the head no longer matches
	}, {
		name: "posted voucher inserted without a seal",
		do: func(t *testing.T, f *fixture, ids []int64, seals []storedSeal) (int64, int64) {
			return insertPostedVoucher(t, f), 0
		},
		kind: postgres.ProblemUnsealed, problems: 1,
	}, {
		name: "two positions swapped",
		do: func(t *testing.T, f *fixture, ids []int64, seals []storedSeal) (int64, int64) {
			tamper(t, f,
				sqlf(`UPDATE voucher_seals SET seq = 1000000 WHERE book = '%s' AND seq = 3`, book),
				sqlf(`UPDATE voucher_seals SET seq = 3 WHERE book = '%s' AND seq = 6`, book),
				sqlf(`UPDATE voucher_seals SET seq = 6 WHERE book = '%s' AND seq = 1000000`, book))
			return seals[5].voucherID, 3
		},
		kind: postgres.ProblemLink,
	}, {
		name: "posted voucher set back to checked",
		do: func(t *testing.T, f *fixture, ids []int64, seals []storedSeal) (int64, int64) {
			tamper(t, f, sqlf(`UPDATE vouchers SET status = 'checked' WHERE book = '%s' AND id = %d`, book, seals[6].voucherID))
			return seals[6].voucherID, 7
		},
		kind: postgres.ProblemNotPosted, problems: 1,
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f, ids := sealedFixture(t, n)
			seals := storedSeals(t, f)
			verifyClean(t, f)
			wantID, wantSeq := c.do(t, f, ids, seals)
			before := sealCount(t, f)
			res, err := f.db.Verify(f.ctx, book, 0)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("problems: %+v", res.Problems)
			first := res.First()
			if res.Clean() || first == nil {
				t.Fatalf("tampering not found: %+v", res)
			}
			if first.Kind != c.kind || first.VoucherID != wantID || first.Seq != wantSeq {
				t.Fatalf("first problem = %+v, want kind %s, voucher %d, seq %d (all: %+v)", *first, c.kind, wantID, wantSeq, res.Problems)
			}
			if c.problems > 0 && res.ProblemCount != c.problems {
				t.Fatalf("%d problems, want %d: %+v", res.ProblemCount, c.problems, res.Problems)
			}
			if first.Message == "" || first.Kind != postgres.ProblemGap && first.Kind != postgres.ProblemHead &&
				first.Kind != postgres.ProblemVoucherMissing && !strings.Contains(first.Message, first.Voucher) {
				t.Fatalf("message %q does not name voucher %s", first.Message, first.Voucher)
			}
			if after := sealCount(t, f); after != before {
				t.Fatalf("verify changed the seals: %d → %d", before, after)
			}
		})
	}
}

// insertPostedVoucher inserts, as the superuser behind the triggers, a
// posted voucher with two lines; it returns its id.
func insertPostedVoucher(t *testing.T, f *fixture) int64 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.tdb.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SET session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	var id int64
	err = conn.QueryRow(ctx, `INSERT INTO vouchers (book, type, year, month, number, date, summary, attachments, flow, status,
			maker, made_at, checker, checked_at, poster, posted_at, total_fen)
		VALUES ($1, '记', 2020, 2, 999, '2020-02-11', '专项党费报账', 1, 'spend', 'posted',
			'wangfang', $2, 'liqiang', $2, 'liqiang', $2, 88800) RETURNING id`, book, clock).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO voucher_lines (book, voucher_id, date, line_no, summary, account, org, fund, purpose, debit_fen, credit_fen) VALUES
		($1, $2, '2020-02-11', 1, '报账', '500101', 'FY-CP-01', 'FY-UP', 'procurement', 88800, 0),
		($1, $2, '2020-02-11', 2, '报账', '121801', 'FY-CP-01', 'FY-UP', NULL, 0, 88800)`, book, id); err != nil {
		t.Fatal(err)
	}
	return id
}

func sqlf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// Verify never seals: a posted voucher waiting for the sealer is listed as
// pending, one that waited too long or was never queued is a problem, and
// neither gets a seal from verify.
func TestVerifyNeverSeals(t *testing.T) {
	t.Parallel()
	f, _ := sealedFixture(t, 2)
	v := f.post(sealSpend("FY-CP-01", "3.00")) // queued, not sealed: no sealer runs here
	before := sealCount(t, f)
	res := verifyClean(t, f)
	if len(res.Pending) != 1 || res.Pending[0].VoucherID != v.ID {
		t.Fatalf("pending = %+v, want voucher %d", res.Pending, v.ID)
	}
	if sealCount(t, f) != before || f.count(`SELECT count(*) FROM voucher_seals WHERE voucher_id = $1`, v.ID) != 0 {
		t.Fatal("verify sealed a voucher")
	}
	// Left in the queue for longer than SealGrace: the sealer is not doing
	// its job, and verify says so.
	tamper(t, f, sqlf(`UPDATE seal_pending SET queued_at = now() - interval '1 hour' WHERE book = '%s' AND voucher_id = %d`, book, v.ID))
	res, err := f.db.Verify(f.ctx, book, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p := res.First(); p == nil || p.Kind != postgres.ProblemUnsealed || p.VoucherID != v.ID || len(res.Pending) != 0 {
		t.Fatalf("verify after an hour in the queue: %+v", res)
	}
	if f.count(`SELECT count(*) FROM voucher_seals WHERE voucher_id = $1`, v.ID) != 0 {
		t.Fatal("verify sealed a voucher")
	}
	// The sealer still seals it, and then all is well.
	if n, err := f.db.SealPending(f.ctx, book); err != nil || n != 1 {
		t.Fatalf("SealPending = %d, %v", n, err)
	}
	verifyClean(t, f)
}

// The period seal, recorded when the period closes, checks a printed
// report against the database later.
func TestVerifyPeriod(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fund("9000.00", map[string]string{"FY-CP-01": "3000.00"})
	for _, d := range []string{"2020-02-20", "2020-03-02", "2020-02-25", "2020-03-05"} {
		r := sealSpend("FY-CP-01", "10.00")
		r.Date = day(d)
		f.post(r)
	}
	if _, err := f.db.SealPending(f.ctx, book); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.VerifyPeriod(f.ctx, book, 2020, 2, ""); ledger.ErrorCode(err) != ledger.EInvalidState {
		t.Fatalf("verify of a period without a recorded seal: %v", err)
	}
	seq, head, err := f.db.PeriodSeal(f.ctx, book, 2020, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Pool.Exec(f.ctx, `UPDATE periods SET seal = $4, seal_seq = $5 WHERE book = $1 AND year = $2 AND month = $3`,
		book, 2020, 2, head, seq); err != nil {
		t.Fatal(err)
	}
	res, err := f.db.VerifyPeriod(f.ctx, book, 2020, 2, strings.ToUpper(head))
	if err != nil || !res.Clean() || res.PeriodSeq != seq || res.PeriodSeal != head || res.Checked != seq {
		t.Fatalf("VerifyPeriod with the printed seal: %v %+v", err, res)
	}
	// A different printed seal.
	other := strings.Repeat("ab", 32)
	res, err = f.db.VerifyPeriod(f.ctx, book, 2020, 2, other)
	if err != nil || res.Clean() || res.First().Kind != postgres.ProblemPeriodSeal {
		t.Fatalf("VerifyPeriod with another seal: %v %+v", err, res)
	}
	if _, err := f.db.VerifyPeriod(f.ctx, book, 2020, 2, "not-a-seal"); ledger.ErrorCode(err) != ledger.EInvalid {
		t.Fatalf("a malformed printed seal: %v", err)
	}
	// A March voucher changed after the February seal: February still
	// verifies; the whole chain does not.
	seals := storedSeals(t, f)
	tamper(t, f, sqlf(`UPDATE voucher_lines SET credit_fen = credit_fen + 1 WHERE book = '%s' AND voucher_id = %d AND line_no = 2`, book, seals[len(seals)-1].voucherID))
	if res, err := f.db.VerifyPeriod(f.ctx, book, 2020, 2, head); err != nil || !res.Clean() {
		t.Fatalf("February after a later change: %v %+v", err, res.Problems)
	}
	// A February voucher changed: the printed seal no longer checks out.
	tamper(t, f, sqlf(`UPDATE vouchers SET summary = '改过的摘要' WHERE book = '%s' AND id = %d`, book, seals[2].voucherID))
	res, err = f.db.VerifyPeriod(f.ctx, book, 2020, 2, head)
	if err != nil || res.Clean() || res.First().VoucherID != seals[2].voucherID || res.First().Kind != postgres.ProblemContent {
		t.Fatalf("February after a change in February: %v %+v", err, res.Problems)
	}
}
