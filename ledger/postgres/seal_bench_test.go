package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// Benchmarks of tamper evidence (SPEC §8, §9). Sizes come from the
// environment so that the full-scale ratios can be measured on purpose:
//
//	LEDGER_BENCH_VERIFY_N=1000000 go test ./ledger/postgres -run '^$' -bench 'Verify|BareReadHash' -benchtime 3x -timeout 2h
//	LEDGER_BENCH_POST_N=2000 go test ./ledger/postgres -run '^$' -bench PostSealing -benchtime 3x
//
// BenchmarkVerify and BenchmarkBareReadHash report vouchers/s over the
// same generated chain; SPEC §9 wants verify at ≥ 50 % of the bare read.
// BenchmarkVerifyVsBareRead runs both alternately on one database and
// reports the ratio directly. BenchmarkPostSealing reports posting
// throughput with sealing off and on, alternately in the same run, and
// their ratio (≥ 0.90 wanted).

func benchEnvInt(name string, def int) int {
	if s := os.Getenv(name); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return def
}

// benchChain makes a book with n posted spend vouchers of two lines (every
// tenth with two beneficiaries), written straight into the tables as the
// superuser for speed, and seals them with SealPending, the real sealer.
func benchChain(b *testing.B, n int) *fixture {
	b.Helper()
	f := newFixture(b, nil)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.tdb.SuperURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	start := time.Now()
	for _, sql := range []string{
		`SET session_replication_role = replica`,
		`INSERT INTO vouchers (book, type, year, month, number, date, summary, attachments, decision, payee, payee_type, method, flow, status,
			maker, made_at, checker, checked_at, poster, posted_at, total_fen)
		SELECT 'FY-DFZH', '记', 2020, 2, g, date '2020-02-01' + (g % 29), '专项党费报账：物资采购第' || g || '笔', 1 + g % 5, '部务会2020-02-04',
			'汾阳市医药公司', 'supplier', '', 'spend', 'posted',
			'wangfang', t, 'liqiang', t, 'liqiang', t + g * interval '1 millisecond', 100 + g % 100000
		FROM generate_series(1, $1::int) g, (SELECT timestamptz '2020-02-10 08:00:00+00' AS t) c`,
		`INSERT INTO voucher_lines (book, voucher_id, date, line_no, summary, account, org, fund, purpose, debit_fen, credit_fen)
		SELECT book, id, date, 1, '物资采购', '500101', 'FY-CP-0' || (1 + id % 8), 'FY-UP', 'procurement', total_fen, 0 FROM vouchers
		UNION ALL
		SELECT book, id, date, 2, '物资采购', '121801', 'FY-CP-0' || (1 + id % 8), 'FY-UP', NULL, 0, total_fen FROM vouchers`,
		`INSERT INTO voucher_beneficiaries (book, voucher_id, seq, name, category, id_number, amount_fen)
		SELECT book, id, s, '受助人' || id || '-' || s, '群众', '1423011970010' || lpad((id % 100000)::text, 5, '0'), 1
		FROM vouchers, generate_series(1, 2) s WHERE id % 10 = 0`,
		`INSERT INTO seal_pending (book, voucher_id, posted_at) SELECT book, id, posted_at FROM vouchers`,
		`ANALYZE`,
	} {
		var args []any
		if len(sql) > 30 && sql[:20] == "INSERT INTO vouchers" {
			args = []any{n}
		}
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			b.Fatalf("%.60s…: %v", sql, err)
		}
	}
	loaded := time.Since(start)
	start = time.Now()
	sealed, err := f.db.SealPending(ctx, book)
	if err != nil || sealed != n {
		b.Fatalf("SealPending = %d, %v; want %d", sealed, err, n)
	}
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("chain of %d vouchers: loaded in %v, sealed in %v (%.0f vouchers/s)", n, loaded.Round(time.Millisecond),
		time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds())
	return f
}

func runVerify(b *testing.B, f *fixture, n int) {
	res, err := f.db.Verify(context.Background(), book, 0)
	if err != nil {
		b.Fatal(err)
	}
	if !res.Clean() || res.Checked != int64(n) {
		b.Fatalf("verify: checked %d of %d, problems %+v", res.Checked, n, res.Problems)
	}
}

// bareReadHash is the baseline of SPEC §9: one ordered read of the rows
// verify needs (seals with their vouchers and lines, and the
// beneficiaries) and SHA-256 over their bytes as they arrive.
func bareReadHash(b *testing.B, f *fixture, n int) {
	ctx := context.Background()
	conn, err := f.db.Pool.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Release()
	h := sha256.New()
	seals := 0
	var last int64
	for q, sql := range []string{
		`SELECT s.seq, s.seal, s.prev, v.id, v.type, v.year, v.month, v.number, v.date, v.summary, v.attachments, v.decision,
			v.payee, v.payee_type, v.method, v.flow, v.reversal_of, v.maker, v.made_at, v.checker, v.checked_at,
			v.cashier, v.signed_at, v.poster, v.posted_at, v.status,
			l.line_no, l.account, l.org, l.fund, l.purpose, l.debit_fen, l.credit_fen
		FROM voucher_seals s JOIN vouchers v ON v.book = s.book AND v.id = s.voucher_id
		JOIN voucher_lines l ON l.book = s.book AND l.voucher_id = s.voucher_id
		WHERE s.book = $1 ORDER BY s.seq, l.line_no`,
		`SELECT s.seq, b.name, b.category, b.id_number, b.amount_fen
		FROM voucher_seals s JOIN voucher_beneficiaries b ON b.book = s.book AND b.voucher_id = s.voucher_id
		WHERE s.book = $1 ORDER BY s.seq, b.seq`,
	} {
		rows, err := conn.Query(ctx, sql, book)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			raw := rows.RawValues()
			for _, c := range raw {
				h.Write(c)
			}
			if q == 0 { // count the seals: seq arrives as a binary int8
				if len(raw[0]) != 8 {
					b.Fatalf("seq arrived as %d bytes", len(raw[0]))
				}
				if seq := int64(binary.BigEndian.Uint64(raw[0])); seq != last {
					seals++
					last = seq
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	if seals != n {
		b.Fatalf("bare read saw %d seals, want %d", seals, n)
	}
}

func BenchmarkVerify(b *testing.B) {
	n := benchEnvInt("LEDGER_BENCH_VERIFY_N", 2000)
	f := benchChain(b, n)
	b.ResetTimer()
	for b.Loop() {
		runVerify(b, f, n)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "vouchers/s")
}

func BenchmarkBareReadHash(b *testing.B) {
	n := benchEnvInt("LEDGER_BENCH_VERIFY_N", 2000)
	f := benchChain(b, n)
	b.ResetTimer()
	for b.Loop() {
		bareReadHash(b, f, n)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "vouchers/s")
}

// BenchmarkVerifyVsBareRead alternates verify and the bare read on one
// chain and reports verify's speed as a fraction of the bare read's.
func BenchmarkVerifyVsBareRead(b *testing.B) {
	n := benchEnvInt("LEDGER_BENCH_VERIFY_N", 2000)
	f := benchChain(b, n)
	var verifyTime, bareTime time.Duration
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		bareReadHash(b, f, n)
		bareTime += time.Since(t)
		t = time.Now()
		runVerify(b, f, n)
		verifyTime += time.Since(t)
	}
	b.ReportMetric(float64(n)*float64(b.N)/verifyTime.Seconds(), "verify-vouchers/s")
	b.ReportMetric(float64(n)*float64(b.N)/bareTime.Seconds(), "bare-vouchers/s")
	b.ReportMetric(bareTime.Seconds()/verifyTime.Seconds(), "verify/bare")
}

// BenchmarkPostSealing posts rounds of checked spend vouchers from eight
// goroutines (one branch each), alternately with sealing off (no sealer,
// and the trigger that queues postings for it disabled) and on (queued,
// and a Sealer nudged after every posting). Only the postings are timed;
// with sealing on, the sealer runs alongside them.
func BenchmarkPostSealing(b *testing.B) {
	const workers = 8
	round := benchEnvInt("LEDGER_BENCH_POST_N", 400)
	f := newFixture(b, nil)
	allocations := map[string]string{}
	for _, org := range sealBranches {
		allocations[org] = "1000000.00"
	}
	f.fund("9000000.00", allocations)
	owner := f.tdb.Open(b, f.tdb.OwnerURL)
	ctx := context.Background()
	var off, on time.Duration
	var offN, onN int
	b.ResetTimer()
	for b.Loop() {
		for _, sealing := range []bool{false, true} {
			b.StopTimer()
			trigger := "DISABLE"
			if sealing {
				trigger = "ENABLE"
			}
			if _, err := owner.Pool.Exec(ctx, `ALTER TABLE vouchers `+trigger+` TRIGGER vouchers_queue_seal`); err != nil {
				b.Fatal(err)
			}
			perWorker := benchCheckedDrafts(b, f, workers, round)
			var sealer *postgres.Sealer
			f.db.AfterPost = nil
			if sealing {
				sealer = postgres.NewSealer(f.db, postgres.SealerOptions{})
				f.db.AfterPost = sealer.Nudge
			}
			b.StartTimer()
			t := time.Now()
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for _, ids := range perWorker {
				wg.Add(1)
				go func(ids []int64) {
					defer wg.Done()
					for _, id := range ids {
						if _, err := f.db.Transition(ctx, book, "liqiang", id, ledger.ActPost); err != nil {
							errs <- err
							return
						}
					}
				}(ids)
			}
			wg.Wait()
			elapsed := time.Since(t)
			b.StopTimer()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			if sealing {
				on += elapsed
				onN += round
				if _, err := sealer.Close(ctx); err != nil {
					b.Fatal(err)
				}
				if n := f.count(`SELECT count(*) FROM seal_pending`); n != 0 {
					b.Fatalf("%d postings left unsealed after the sealer closed", n)
				}
			} else {
				off += elapsed
				offN += round
			}
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(offN)/off.Seconds(), "off-posts/s")
	b.ReportMetric(float64(onN)/on.Seconds(), "on-posts/s")
	b.ReportMetric((float64(onN)/on.Seconds())/(float64(offN)/off.Seconds()), "on/off")
}

// benchCheckedDrafts makes n checked spend vouchers of 1.00 through the
// application role (so every trigger runs), split over workers branches,
// in three set-based statements; it returns the ids per worker.
func benchCheckedDrafts(b *testing.B, f *fixture, workers, n int) [][]int64 {
	b.Helper()
	ctx := context.Background()
	tx, err := f.db.Pool.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, `INSERT INTO vouchers (book, type, year, month, number, date, summary, attachments, payee, payee_type, flow, maker, made_at)
		SELECT $1, '记', 0, 0, 1, '2020-02-10', '专项党费报账', 1, '汾阳市医药公司', 'supplier', 'spend', 'wangfang', $2
		FROM generate_series(1, $3::int) RETURNING id`, book, clock, n)
	if err != nil {
		b.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		b.Fatal(err)
	}
	per := make([][]int64, workers)
	var vid []int64
	var no []int32
	var account, org []string
	var purpose []*string
	var debit, credit []int64
	proc := string(ledger.Procurement)
	for i, id := range ids {
		w := i % workers
		per[w] = append(per[w], id)
		o := sealBranches[w]
		vid = append(vid, id, id)
		no = append(no, 1, 2)
		account = append(account, ledger.AcctProcurement, ledger.AcctPending)
		org = append(org, o, o)
		purpose = append(purpose, &proc, nil)
		debit = append(debit, 100, 0)
		credit = append(credit, 0, 100)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO voucher_lines (book, voucher_id, line_no, summary, account, org, fund, purpose, debit_fen, credit_fen)
		SELECT $1, t.vid, t.no, '物资采购', t.account, t.org, 'FY-UP', t.purpose, t.debit, t.credit
		FROM unnest($2::bigint[], $3::int[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[])
			AS t (vid, no, account, org, purpose, debit, credit)`,
		book, vid, no, account, org, purpose, debit, credit); err != nil {
		b.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE vouchers SET status = 'checked', checker = 'liqiang', checked_at = $2 WHERE book = $1 AND id = ANY($3)`,
		book, clock, ids); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	return per
}
