package postgres_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// BenchmarkReconcile runs the monthly batch over a month of generated
// posted allocation vouchers (REC_BENCH_VOUCHERS, default 20,000, written
// straight into the tables) and reports, next to the time per run, the
// ratio of the batch's checks (the audit rules excluded: SPEC §9 times them
// on their own) to bare SQL doing the stored-balance, conservation and
// numbering checks plus Verify, measured in the same run.
func BenchmarkReconcile(b *testing.B) {
	n := 20000
	if s := os.Getenv("REC_BENCH_VOUCHERS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	f := newRecFixture(b)
	f.post(ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: recMoney("900000000.00"), Date: recDay("2020-02-01")})
	f.super(fmt.Sprintf(`SET session_replication_role = replica;
		INSERT INTO vouchers (book, id, type, year, month, number, date, summary, attachments, flow, status, maker, made_at,
			checker, checked_at, cashier, signed_at, poster, posted_at, total_fen)
		OVERRIDING SYSTEM VALUE
		SELECT 'FY-DFZH', 100 + g, '记', 2020, 2, 1 + g, date '2020-02-01' + (g %% 28), '划拨', 1, 'allocate', 'posted',
			'wangfang', now(), 'liqiang', now(), 'zhaomin', now(), 'liqiang', now(), 100
		FROM generate_series(1, %[1]d) g;
		INSERT INTO voucher_lines (book, voucher_id, date, line_no, summary, account, org, fund, debit_fen, credit_fen)
		SELECT 'FY-DFZH', 100 + g, date '2020-02-01' + (g %% 28), 1, '划拨', '121801', 'FY-CP-' || lpad((1 + g %% 11)::text, 2, '0'), 'FY-UP', 100, 0 FROM generate_series(1, %[1]d) g
		UNION ALL
		SELECT 'FY-DFZH', 100 + g, date '2020-02-01' + (g %% 28), 2, '划拨', '100201', 'FY', 'FY-UP', 0, 100 FROM generate_series(1, %[1]d) g;
		UPDATE voucher_counters SET last = last + %[1]d WHERE book = 'FY-DFZH' AND year = 2020 AND month = 2;
		DELETE FROM balances WHERE book = 'FY-DFZH';
		INSERT INTO balances (book, account, org, fund, restricted, balance_fen)
		SELECT l.book, l.account, l.org, l.fund, a.restricted, sum(l.debit_fen - l.credit_fen)
		FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id JOIN accounts a ON a.book = l.book AND a.code = l.account
		WHERE v.status = 'posted' GROUP BY 1, 2, 3, 4, 5;
		ANALYZE`, n))

	bare := func() time.Duration {
		start := time.Now()
		for _, q := range []string{
			`SELECT count(*) FROM (SELECT l.account, l.org, l.fund, sum(l.debit_fen - l.credit_fen) s FROM voucher_lines l
				JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id WHERE l.book = 'FY-DFZH' AND v.status = 'posted' GROUP BY 1, 2, 3) j
				FULL JOIN balances b USING (account, org, fund) WHERE coalesce(j.s, 0) <> coalesce(b.balance_fen, 0)`,
			`SELECT l.fund, sum(CASE WHEN l.account IN ('420101', '4801') THEN l.credit_fen - l.debit_fen ELSE 0 END),
				sum(CASE WHEN l.account IN ('100201', '121801', '500101', '500102', '500103', '5501') THEN l.debit_fen - l.credit_fen ELSE 0 END)
				FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
				WHERE l.book = 'FY-DFZH' AND v.status = 'posted' AND v.date <= '2020-02-29' GROUP BY 1`,
			`SELECT count(*) FROM (SELECT number - lag(number, 1, 0) OVER (PARTITION BY type ORDER BY number) g
				FROM vouchers WHERE book = 'FY-DFZH' AND year = 2020 AND month = 2) x WHERE g > 1`,
		} {
			rows, err := f.db.Pool.Query(f.ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			rows.Close()
		}
		if _, err := f.db.Verify(f.ctx, "FY-DFZH", 1); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	p, _ := ledger.ParsePeriod("2020-02")
	var checks, base time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		base += bare()
		b.StartTimer()
		var last string
		prev := time.Now()
		opt := postgres.ReconcileOptions{Book: "FY-DFZH", Period: p, WindowDays: 10, Progress: func(step string, done, total int) {
			if last != "" && last != "audit findings" {
				checks += time.Since(prev)
			}
			if i == 0 && os.Getenv("REC_BENCH_STEPS") != "" {
				b.Logf("%-18s %v", last, time.Since(prev))
			}
			last, prev = step, time.Now()
		}}
		if _, err := f.db.Reconcile(f.ctx, opt); err != nil {
			b.Fatal(err)
		}
	}
	if os.Getenv("REC_BENCH_STEPS") != "" {
		b.Logf("bare %v", base/time.Duration(b.N))
	}
	b.ReportMetric(float64(n), "vouchers")
	b.ReportMetric(checks.Seconds()/base.Seconds(), "checks/bare")
}
