package postgres_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// sealBranches are the branches the seal tests allocate to and spend from.
var sealBranches = []string{"FY-CP-01", "FY-CP-02", "FY-CP-03", "FY-CP-04", "FY-CP-05", "FY-CP-06", "FY-CP-07", "FY-CP-08"}

// sealSpend is a procurement spend of amount by org from FY-UP.
func sealSpend(org, amount string) ledger.FlowRequest {
	return ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: org, Purpose: ledger.Procurement, Amount: money(amount),
		Attachments: 1, Payee: "汾阳市医药公司", PayeeType: ledger.PayeeSupplier}
}

// sealedFixture is a fixture with money allocated to every seal branch and
// n spend vouchers posted (some with beneficiaries), all sealed. It returns
// the ids of the posted vouchers in posting order.
func sealedFixture(t *testing.T, n int) (*fixture, []int64) {
	t.Helper()
	f := newFixture(t, nil)
	allocations := map[string]string{}
	for _, org := range sealBranches {
		allocations[org] = "5000.00"
	}
	f.fund("90000.00", allocations)
	for i := 0; i < n; i++ {
		r := sealSpend(sealBranches[i%len(sealBranches)], fmt.Sprintf("%d.%02d", 10+i, i%100))
		if i%3 == 2 {
			r.Purpose = ledger.Condolence // the fixture adds a beneficiary
		}
		f.post(r)
	}
	if _, err := f.db.SealPending(f.ctx, book); err != nil {
		t.Fatalf("seal: %v", err)
	}
	return f, postedIDs(t, f)
}

// postedIDs lists the posted vouchers by posting order.
func postedIDs(t *testing.T, f *fixture) []int64 {
	t.Helper()
	rows, err := f.db.Pool.Query(f.ctx, `SELECT id FROM vouchers WHERE book = $1 AND status = 'posted' ORDER BY posted_at, id`, book)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

type storedSeal struct {
	seq, voucherID int64
	seal, prev     []byte
}

func storedSeals(t *testing.T, f *fixture) []storedSeal {
	t.Helper()
	rows, err := f.db.Pool.Query(f.ctx, `SELECT seq, voucher_id, seal, prev FROM voucher_seals WHERE book = $1 ORDER BY seq`, book)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedSeal
	for rows.Next() {
		var s storedSeal
		if err := rows.Scan(&s.seq, &s.voucherID, &s.seal, &s.prev); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkChain asserts that the stored chain is 1..len, each seal links to
// the one before and is the seal of its voucher as read back.
func checkChain(t *testing.T, f *fixture) []storedSeal {
	t.Helper()
	seals := storedSeals(t, f)
	var prev []byte
	for i, s := range seals {
		if s.seq != int64(i+1) {
			t.Fatalf("position %d holds seq %d: the chain has a gap", i+1, s.seq)
		}
		if !bytes.Equal(s.prev, prev) {
			t.Fatalf("seq %d links to %x, want %x", s.seq, s.prev, prev)
		}
		v, err := f.db.Voucher(f.ctx, book, s.voucherID)
		if err != nil {
			t.Fatal(err)
		}
		files, err := f.db.Attachments(f.ctx, book, s.voucherID)
		if err != nil {
			t.Fatal(err)
		}
		sealed := make([]ledger.SealedAttachment, len(files))
		for i := range files {
			sealed[i] = files[i].Sealed()
		}
		if want := ledger.SealV2(v, sealed, s.seq, prev); !bytes.Equal(s.seal, want[:]) {
			t.Fatalf("seq %d (voucher %d): stored seal %x, recomputed %x", s.seq, s.voucherID, s.seal, want)
		}
		prev = s.seal
	}
	var headSeq int64
	var headSeal []byte
	if err := f.db.Pool.QueryRow(f.ctx, `SELECT seq, seal FROM seal_heads WHERE book = $1`, book).Scan(&headSeq, &headSeal); err != nil {
		t.Fatalf("chain head: %v", err)
	}
	if headSeq != int64(len(seals)) || !bytes.Equal(headSeal, prev) {
		t.Fatalf("chain head = (%d, %x), want (%d, %x)", headSeq, headSeal, len(seals), prev)
	}
	return seals
}

func TestSealPendingSealsEveryPostedVoucherOnce(t *testing.T) {
	t.Parallel()
	f, ids := sealedFixture(t, 6)
	// A draft and a checked voucher are not sealed.
	draft := f.mustFlow("wangfang", sealSpend("FY-CP-01", "1.00"))
	checked := f.mustFlow("wangfang", sealSpend("FY-CP-02", "2.00"))
	f.mustStep("liqiang", checked.ID, ledger.ActCheck)
	if n, err := f.db.SealPending(f.ctx, book); err != nil || n != 0 {
		t.Fatalf("second SealPending = %d, %v; want 0, nil", n, err)
	}
	seals := checkChain(t, f)
	if len(seals) != len(ids) {
		t.Fatalf("%d seals for %d posted vouchers", len(seals), len(ids))
	}
	for i, s := range seals {
		if s.voucherID != ids[i] {
			t.Fatalf("seq %d seals voucher %d, want %d (posting order)", s.seq, s.voucherID, ids[i])
		}
		if s.voucherID == draft.ID || s.voucherID == checked.ID {
			t.Fatalf("unposted voucher %d sealed", s.voucherID)
		}
	}
	if n := f.count(`SELECT count(*) FROM seal_pending WHERE book = $1`, book); n != 0 {
		t.Fatalf("%d vouchers left in the seal queue", n)
	}
	// Posting the checked one queues it; the next pass seals it at the end.
	f.mustStep("liqiang", checked.ID, ledger.ActPost)
	if n, err := f.db.SealPending(f.ctx, book); err != nil || n != 1 {
		t.Fatalf("SealPending after one more post = %d, %v; want 1, nil", n, err)
	}
	seals = checkChain(t, f)
	if last := seals[len(seals)-1]; last.voucherID != checked.ID || last.seq != int64(len(ids)+1) {
		t.Fatalf("last seal = voucher %d at %d, want voucher %d at %d", last.voucherID, last.seq, checked.ID, len(ids)+1)
	}
	res, err := f.db.Verify(f.ctx, book, 0)
	if err != nil || !res.Clean() {
		t.Fatalf("verify after sealing: %v %+v", err, res.Problems)
	}
}

// The seal covers the voucher as read back from PostgreSQL: timestamps
// with nanoseconds seal like their microsecond truncation.
func TestSealSurvivesMicrosecondStorage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.db.Now = func() time.Time { return clock.Add(123456789 * time.Nanosecond) }
	f.fund("1000.00", map[string]string{"FY-CP-01": "100.00"})
	if _, err := f.db.SealPending(f.ctx, book); err != nil {
		t.Fatal(err)
	}
	checkChain(t, f)
	res, err := f.db.Verify(f.ctx, book, 0)
	if err != nil || !res.Clean() || res.Checked != 2 {
		t.Fatalf("verify = %+v, %v; want 2 clean seals", res, err)
	}
}

// Eight goroutines make, check and post 50 vouchers each while a Sealer
// seals in the background, nudged after every posting: the chain ends up
// gapless, in commit order, and verifies.
func TestSealerWhileConcurrentPosting(t *testing.T) {
	t.Parallel()
	const workers, each = 8, 50
	f := newFixture(t, nil)
	allocations := map[string]string{}
	for _, org := range sealBranches {
		allocations[org] = "5000.00"
	}
	f.fund("90000.00", allocations)
	sealer := postgres.NewSealer(f.db, postgres.SealerOptions{Delay: time.Millisecond})
	f.db.AfterPost = sealer.Nudge

	var wg sync.WaitGroup
	errs := make(chan error, workers)
	posted := make([][]int64, workers) // each worker's vouchers in the order their postings committed
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int, org string) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				v, err := f.flow("wangfang", sealSpend(org, "1.00"))
				if err == nil {
					err = f.approve(v)
				}
				if err != nil {
					errs <- fmt.Errorf("%s voucher %d: %w", org, i, err)
					return
				}
				posted[w] = append(posted[w], v.ID)
			}
		}(w, sealBranches[w])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(f.ctx, 30*time.Second)
	defer cancel()
	if _, err := sealer.Close(ctx); err != nil {
		t.Fatalf("closing the sealer: %v", err)
	}
	want := 1 + len(sealBranches) + workers*each
	seals := checkChain(t, f)
	if len(seals) != want {
		t.Fatalf("%d seals, want %d", len(seals), want)
	}
	// Commit order: a worker posts a voucher only after its previous
	// posting committed, so its vouchers hold increasing positions.
	seqOf := map[int64]int64{}
	for _, s := range seals {
		seqOf[s.voucherID] = s.seq
	}
	for w, ids := range posted {
		for i := 1; i < len(ids); i++ {
			if seqOf[ids[i]] <= seqOf[ids[i-1]] {
				t.Fatalf("worker %d: voucher %d committed after voucher %d but sealed at %d, before %d",
					w, ids[i], ids[i-1], seqOf[ids[i]], seqOf[ids[i-1]])
			}
		}
	}
	res, err := f.db.Verify(f.ctx, book, 0)
	if err != nil || !res.Clean() || res.Checked != int64(want) || len(res.Pending) != 0 {
		t.Fatalf("verify: %v checked=%d pending=%d problems=%+v", err, res.Checked, len(res.Pending), res.Problems)
	}
}

// A Sealer that is never nudged never seals; Close then does nothing.
func TestSealerIdleNeverSeals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fund("1000.00", nil)
	s := postgres.NewSealer(f.db, postgres.SealerOptions{})
	if n, err := s.Close(f.ctx); n != 0 || err != nil {
		t.Fatalf("Close of an idle sealer = %d, %v", n, err)
	}
	if n := f.count(`SELECT count(*) FROM voucher_seals`); n != 0 {
		t.Fatalf("an idle sealer sealed %d vouchers", n)
	}
	// Nudged once, it picks up what earlier posts left behind.
	s = postgres.NewSealer(f.db, postgres.SealerOptions{})
	s.Nudge()
	if _, err := s.Close(f.ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT count(*) FROM voucher_seals`); n != 1 {
		t.Fatalf("after a nudge %d seals, want 1", n)
	}
}

// What the database itself refuses the application role: changing or
// deleting seals, a seal that does not continue the chain, a seal of an
// unposted voucher, moving the head back, beneficiaries added to a posted
// voucher, and changing or deleting posted vouchers and their lines.
func TestSealTablesRefuseTheApplicationRole(t *testing.T) {
	t.Parallel()
	f, ids := sealedFixture(t, 3)
	draft := f.mustFlow("wangfang", sealSpend("FY-CP-01", "1.00"))
	seals := storedSeals(t, f)
	last := seals[len(seals)-1]
	forged := bytes.Repeat([]byte{7}, 32)
	cases := []struct {
		name, sql string
		args      []any
		code      string
	}{
		{"update a seal", `UPDATE voucher_seals SET seal = $2 WHERE book = $1 AND seq = 1`, []any{book, forged}, ledger.EForbidden},
		{"delete a seal", `DELETE FROM voucher_seals WHERE book = $1 AND seq = 1`, []any{book}, ledger.EForbidden},
		{"truncate seals", `TRUNCATE voucher_seals`, nil, ledger.EForbidden},
		{"seal out of chain", `INSERT INTO voucher_seals (book, seq, voucher_id, seal, prev) VALUES ($1, $2, $3, $4, $4)`,
			[]any{book, last.seq + 1, draft.ID, forged}, ledger.EInvalid},
		{"seal a draft", `INSERT INTO voucher_seals (book, seq, voucher_id, seal, prev) VALUES ($1, $2, $3, $4, $5)`,
			[]any{book, last.seq + 1, draft.ID, forged, last.seal}, ledger.EInvalidState},
		{"seal a voucher that does not exist", `INSERT INTO voucher_seals (book, seq, voucher_id, seal, prev) VALUES ($1, $2, $3, $4, $5)`,
			[]any{book, last.seq + 1, int64(1) << 40, forged, last.seal}, ledger.EInvalidState},
		{"seal twice", `INSERT INTO voucher_seals (book, seq, voucher_id, seal, prev) VALUES ($1, $2, $3, $4, $5)`,
			[]any{book, last.seq + 1, ids[0], forged, last.seal}, ledger.EInvalid},
		{"head backwards", `UPDATE seal_heads SET seq = 1, seal = $2 WHERE book = $1`, []any{book, seals[0].seal}, ledger.EImmutable},
		{"head to a foreign seal", `UPDATE seal_heads SET seq = seq, seal = $2 WHERE book = $1`, []any{book, forged}, ledger.EInvalid},
		{"delete the head", `DELETE FROM seal_heads WHERE book = $1`, []any{book}, ledger.EForbidden},
		{"beneficiary on a posted voucher", `INSERT INTO voucher_beneficiaries (book, voucher_id, seq, name, amount_fen) VALUES ($1, $2, 9, '李四', 100)`,
			[]any{book, ids[0]}, ledger.EImmutable},
		{"change a posted voucher", `UPDATE vouchers SET payee = 'x' WHERE book = $1 AND id = $2`, []any{book, ids[0]}, ledger.EImmutable},
		{"delete a posted voucher", `DELETE FROM vouchers WHERE book = $1 AND id = $2`, []any{book, ids[0]}, ledger.EForbidden},
		{"change a line", `UPDATE voucher_lines SET debit_fen = debit_fen + 1 WHERE book = $1 AND voucher_id = $2 AND line_no = 1`, []any{book, ids[0]}, ledger.EForbidden},
		{"delete a line", `DELETE FROM voucher_lines WHERE book = $1 AND voucher_id = $2`, []any{book, ids[0]}, ledger.EForbidden},
	}
	for _, c := range cases {
		_, err := f.db.Pool.Exec(f.ctx, c.sql, c.args...)
		if err == nil {
			t.Errorf("%s: the application role was allowed", c.name)
			continue
		}
		if got := ledger.ErrorCode(postgresError(err)); got != c.code {
			t.Errorf("%s: code %s, want %s (%v)", c.name, got, c.code, err)
		}
	}
	// Even the schema owner, who holds every privilege on the tables,
	// meets the append-only triggers.
	owner := f.tdb.Open(t, f.tdb.OwnerURL)
	for _, sql := range []string{
		`UPDATE voucher_seals SET sealed_at = now() WHERE seq = 1`,
		`DELETE FROM voucher_seals WHERE seq = 1`,
		`TRUNCATE voucher_seals CASCADE`,
		`DELETE FROM seal_heads`,
	} {
		_, err := owner.Pool.Exec(f.ctx, sql)
		if got := ledger.ErrorCode(postgresError(err)); got != ledger.EImmutable {
			t.Errorf("owner %q: code %q, want immutable (%v)", sql, got, err)
		}
	}
	// The auditor reads seals and writes none.
	aud := f.tdb.Open(t, f.tdb.AuditURL)
	var n int
	if err := aud.Pool.QueryRow(f.ctx, `SELECT count(*) FROM voucher_seals`).Scan(&n); err != nil || n != len(seals) {
		t.Fatalf("auditor reads %d seals (%v), want %d", n, err, len(seals))
	}
	if _, err := aud.Pool.Exec(f.ctx, `INSERT INTO seal_pending (book, voucher_id, posted_at) VALUES ($1, $2, now())`, book, draft.ID); err == nil {
		t.Fatal("the auditor queued a voucher for sealing")
	}
	// Nor does the application's role: only the posting queues a voucher
	// (migration 00039).
	if _, err := f.db.Pool.Exec(f.ctx, `INSERT INTO seal_pending (book, voucher_id, posted_at) VALUES ($1, $2, now())`, book, draft.ID); ledger.ErrorCode(postgresError(err)) != ledger.EForbidden {
		t.Fatalf("the application's role queued a voucher for sealing: %v", err)
	}
	checkChain(t, f)
}

// postgresError maps a raw database error to a ledger code the way the
// adapter does.
func postgresError(err error) error { return postgres.MapErrorForTest(err) }

func TestPeriodSeal(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	seq, head, err := f.db.PeriodSeal(f.ctx, book, 2020, 2)
	if err != nil || seq != 0 || head != strings.Repeat("0", 64) {
		t.Fatalf("PeriodSeal of an empty book = %d %q %v; want 0 and the genesis", seq, head, err)
	}
	f.fund("9000.00", map[string]string{"FY-CP-01": "3000.00"})
	// February, March, February again (posted later, into the open month),
	// then March.
	for _, d := range []string{"2020-02-20", "2020-03-02", "2020-02-25", "2020-03-05"} {
		r := sealSpend("FY-CP-01", "10.00")
		r.Date = day(d)
		f.post(r)
	}
	if _, _, err := f.db.PeriodSeal(f.ctx, book, 2020, 2); ledger.ErrorCode(err) != ledger.EInvalidState {
		t.Fatalf("PeriodSeal with unsealed vouchers: %v, want invalid_state", err)
	}
	if _, err := f.db.SealPending(f.ctx, book); err != nil {
		t.Fatal(err)
	}
	seals := checkChain(t, f)
	// Positions: receive 1, allocate 2, Feb 3, Mar 4, Feb 5, Mar 6.
	for _, c := range []struct {
		year, month int
		seq         int64
	}{{2020, 1, 0}, {2020, 2, 5}, {2020, 3, 6}, {2020, 4, 6}, {2021, 1, 6}} {
		seq, head, err := f.db.PeriodSeal(f.ctx, book, c.year, c.month)
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Repeat("0", 64)
		if c.seq > 0 {
			want = hex.EncodeToString(seals[c.seq-1].seal)
		}
		if seq != c.seq || head != want {
			t.Errorf("PeriodSeal(%d-%02d) = %d %s, want %d %s", c.year, c.month, seq, head, c.seq, want)
		}
	}
	if _, _, err := f.db.PeriodSeal(f.ctx, "NO-SUCH", 2020, 2); ledger.ErrorCode(err) != ledger.ENotFound {
		t.Fatalf("PeriodSeal of an unknown book: %v", err)
	}
	if _, _, err := f.db.PeriodSeal(f.ctx, book, 2020, 13); ledger.ErrorCode(err) != ledger.EInvalid {
		t.Fatalf("PeriodSeal of month 13: %v", err)
	}
}

// A sealer does not extend a chain whose tail was tampered with: the
// database refuses the next seal, and the chain stays as verify found it.
func TestSealRefusesToExtendATamperedChain(t *testing.T) {
	t.Parallel()
	f, _ := sealedFixture(t, 2)
	seals := storedSeals(t, f)
	last := seals[len(seals)-1]
	tamper(t, f, sqlf(`DELETE FROM voucher_seals WHERE book = '%s' AND seq = %d`, book, last.seq))
	v := f.post(sealSpend("FY-CP-03", "4.00"))
	if _, err := f.db.SealPending(f.ctx, book); ledger.ErrorCode(err) != ledger.EInvalid {
		t.Fatalf("SealPending on a cut chain: %v, want invalid (the seal would not continue the chain)", err)
	}
	if n := f.count(`SELECT count(*) FROM voucher_seals WHERE voucher_id = $1`, v.ID); n != 0 {
		t.Fatal("the sealer extended a tampered chain")
	}
	if n := f.count(`SELECT count(*) FROM seal_pending WHERE voucher_id = $1`, v.ID); n != 1 {
		t.Fatal("the refused voucher left the queue")
	}
	res, err := f.db.Verify(f.ctx, book, 0)
	if err != nil || res.Clean() || res.First().Kind != postgres.ProblemHead {
		t.Fatalf("verify of the cut chain: %v %+v", err, res.Problems)
	}
}
