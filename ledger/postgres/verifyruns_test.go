package postgres_test

import (
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// A verify run is recorded with what it found; the last one is read back;
// runs are history that the application cannot change.
func TestRecordVerifyRuns(t *testing.T) {
	t.Parallel()
	f, ids := sealedFixture(t, 3)
	if _, ok, err := f.db.LastVerifyRun(f.ctx, book); err != nil || ok {
		t.Fatalf("a run before any: %v, %v", ok, err)
	}
	res := verifyClean(t, f)
	at := time.Date(2020, 3, 1, 9, 0, 0, 0, time.UTC)
	first, err := f.db.RecordVerify(f.ctx, book, "fengqing", "web", &res, at)
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := f.db.LastVerifyRun(f.ctx, book)
	if err != nil || !ok || got.ID != first.ID || !got.Clean() || got.Checked != int64(len(ids)) || got.Actor != "fengqing" ||
		got.Source != "web" || !got.At.Equal(at) || got.Period != "" {
		t.Fatalf("the last run %+v, %v, %v", got, ok, err)
	}
	// A broken chain is recorded with its count and first problem.
	tamper(t, f, sqlf(`UPDATE vouchers SET payee = '某某商店' WHERE book = '%s' AND id = %d`, book, storedSeals(t, f)[1].voucherID))
	res, err = f.db.Verify(f.ctx, book, 0)
	if err != nil || res.Clean() {
		t.Fatalf("verify of a tampered chain: %v, %v", res.ProblemCount, err)
	}
	if _, err := f.db.RecordVerify(f.ctx, book, "", "cli", &res, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _, err = f.db.LastVerifyRun(f.ctx, book)
	if err != nil || got.Clean() || got.Count != res.ProblemCount || got.FirstProblem != res.First().Message || got.Actor != ledger.SystemUser || got.Source != "cli" {
		t.Fatalf("the last run after tampering %+v, %v", got, err)
	}
	if _, err := f.db.Pool.Exec(f.ctx, `UPDATE verify_runs SET problems = 0 WHERE book = $1`, book); ledger.ErrorCode(err) == "" {
		t.Errorf("a verify run was changed: %v", err)
	}
	if _, err := f.db.Pool.Exec(f.ctx, `DELETE FROM verify_runs WHERE book = $1`, book); err == nil {
		t.Error("a verify run was deleted")
	}
	if n := f.count(`SELECT count(*) FROM verify_runs WHERE book = $1`, book); n != 2 {
		t.Errorf("%d runs stored, want 2", n)
	}
}
