package postgres_test

import (
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger/postgres"
)

// TestLoadBooksHearsEveryChange answers a book from memory while WatchAuth
// listens, and reads it again after every change of the book, its chart,
// organisations or funds: by raw SQL (another process) once the database's
// notice (migrations/00024) arrives, through this DB at once.
func TestLoadBooksHearsEveryChange(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	if _, err := f.db.LoadBooks(f.ctx, book); err != nil {
		t.Fatal(err)
	}
	if postgres.BooksHeard(f.db, book) {
		t.Fatal("a book is answered from memory without the listener")
	}
	watchAuth(t, f)
	heard := func() {
		t.Helper()
		if _, err := f.db.LoadBooks(f.ctx, book); err != nil {
			t.Fatal(err)
		}
		if !postgres.BooksHeard(f.db, book) {
			t.Fatal("the book read while listening is not answered from memory")
		}
	}
	raw := func(sql string, args ...any) {
		t.Helper()
		_, gen0, _ := postgres.AuthCacheState(f.db)
		if _, err := f.db.Pool.Exec(f.ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "the notice", func() bool { _, gen, _ := postgres.AuthCacheState(f.db); return gen != gen0 })
		if postgres.BooksHeard(f.db, book) {
			t.Fatalf("%s: the book is still answered from memory", sql)
		}
	}

	heard()
	raw(`UPDATE organisations SET name = '汾阳市第一检测站临时党支部' WHERE book = $1 AND code = 'FY-CP-01'`, book)
	b, err := f.db.LoadBooks(f.ctx, book)
	if err != nil || b.Orgs["FY-CP-01"].Name != "汾阳市第一检测站临时党支部" {
		t.Fatalf("after the organisation's change: %v", err)
	}
	heard()
	raw(`UPDATE accounts SET name = '物资采购支出' WHERE book = $1 AND code = '500101'`, book)
	if b, err = f.db.LoadBooks(f.ctx, book); err != nil || b.Chart["500101"].Name != "物资采购支出" {
		t.Fatalf("after the account's change: %v", err)
	}
	heard()
	raw(`UPDATE funds SET name = '上级下拨专项党费（更名）' WHERE book = $1 AND code = 'FY-UP'`, book)
	if b, err = f.db.LoadBooks(f.ctx, book); err != nil || b.Funds["FY-UP"].Name != "上级下拨专项党费（更名）" {
		t.Fatalf("after the fund's change: %v", err)
	}
	heard()
	raw(`UPDATE books SET date_days_ahead = date_days_ahead + 1 WHERE book = $1`, book)
	heard()

	// Through this DB: forgotten at once, before any notice.
	if err := f.db.DissolveOrg(f.ctx, book, "sunlixin", "FY-CP-02", time.Date(2020, 3, 15, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if postgres.BooksHeard(f.db, book) {
		t.Fatal("after a dissolution through this DB the book is still answered from memory")
	}
	if b, err = f.db.LoadBooks(f.ctx, book); err != nil || b.Orgs["FY-CP-02"].Dissolved == nil {
		t.Fatalf("after the dissolution: %v", err)
	}
}
