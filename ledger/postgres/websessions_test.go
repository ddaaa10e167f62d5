package postgres_test

import (
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

func TestWebSessionLifetime(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	now := clock
	f.db.Now = func() time.Time { return now }
	const idle = 30 * time.Minute
	sessions := func() int { return f.count(`SELECT count(*) FROM web_sessions WHERE user_name = 'wangfang'`) }

	id, s, err := f.db.CreateSession(f.ctx, book, "wangfang", 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.CSRF) < 32 || s.CSRF == id || !s.ExpiresAt.Equal(now.Add(2*time.Hour)) {
		t.Fatalf("session %+v", s)
	}
	if f.count(`SELECT count(*) FROM web_sessions WHERE session_hash = convert_to($1, 'UTF8')`, id) != 0 {
		t.Fatal("the session id is stored in the clear")
	}
	u, got, err := f.db.SessionUser(f.ctx, id, idle)
	if err != nil || u.Name != "wangfang" || u.FullName != "王芳" || !u.Has(ledger.RoleOfficer) || got.CSRF != s.CSRF {
		t.Fatalf("SessionUser: %+v %+v %v", u, got, err)
	}
	// Used every 25 minutes it lives until its absolute end, then ends.
	for range 4 {
		now = now.Add(25 * time.Minute)
		if _, _, err := f.db.SessionUser(f.ctx, id, idle); err != nil {
			t.Fatalf("at %s: %v", now, err)
		}
	}
	now = now.Add(25 * time.Minute) // 2h05m after sign-in
	_, _, err = f.db.SessionUser(f.ctx, id, idle)
	wantCode(t, err, ledger.EUnauthenticated, "session")
	if sessions() != 0 {
		t.Error("an expired session is kept")
	}

	// Idle past the timeout, it ends.
	id, _, err = f.db.CreateSession(f.ctx, book, "wangfang", 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(idle)
	_, _, err = f.db.SessionUser(f.ctx, id, idle)
	wantCode(t, err, ledger.EUnauthenticated, "session")

	// Disabling the user deletes the user's sessions (a trigger, so any
	// path that disables a user ends them).
	id, _, err = f.db.CreateSession(f.ctx, book, "wangfang", 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SetUserDisabled(f.ctx, book, "sunlixin", "wangfang", true); err != nil {
		t.Fatal(err)
	}
	if sessions() != 0 {
		t.Error("disabling the user kept the user's sessions")
	}
	_, _, err = f.db.SessionUser(f.ctx, id, idle)
	wantCode(t, err, ledger.EUnauthenticated, "session")
	_, _, err = f.db.CreateSession(f.ctx, book, "wangfang", time.Hour)
	wantCode(t, err, ledger.EUnauthenticated, "user")
	if _, err := f.db.SetUserDisabled(f.ctx, book, "sunlixin", "wangfang", false); err != nil {
		t.Fatal(err)
	}

	// Sign-out, and ids that were never issued.
	id, _, err = f.db.CreateSession(f.ctx, book, "wangfang", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.EndSession(f.ctx, id); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{id, "", "short", id[:len(id)-1] + "A"} {
		_, _, err = f.db.SessionUser(f.ctx, bad, idle)
		wantCode(t, err, ledger.EUnauthenticated, "session")
	}
	_, _, err = f.db.CreateSession(f.ctx, book, "nobody", time.Hour)
	wantCode(t, err, ledger.EUnauthenticated, "user")
	_, _, err = f.db.CreateSession(f.ctx, book, "wangfang", 0)
	wantCode(t, err, ledger.EInvalid, "web.session_max")
}

func TestSearchVouchersFilters(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fund("10000.00", map[string]string{"FY-CP-01": "3000.00", "FY-CP-02": "2000.00"})
	spend := f.mustFlow("wangfang", ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Procurement,
		Amount: money("123.45"), Payee: "汾阳市100%医药_公司", PayeeType: ledger.PayeeSupplier, Attachments: 1})
	ids := func(s postgres.VoucherSearch) []int64 {
		t.Helper()
		s.Book = book
		vs, err := f.db.SearchVouchers(f.ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, v := range vs {
			if len(v.Lines) == 0 {
				t.Errorf("voucher %d came without its lines", v.ID)
			}
			out = append(out, v.ID)
		}
		return out
	}
	for name, c := range map[string]struct {
		s    postgres.VoucherSearch
		want int
	}{
		"payee with LIKE characters": {postgres.VoucherSearch{Payee: "100%医药_"}, 1},
		"a % alone matches no payee": {postgres.VoucherSearch{Payee: "%%"}, 0},
		"amount range":               {postgres.VoucherSearch{AmountMin: 12345, AmountMax: 12345}, 1},
		"draft of wangfang":          {postgres.VoucherSearch{Statuses: []string{"draft"}, Maker: "wangfang"}, 1},
		"posted":                     {postgres.VoucherSearch{Statuses: []string{"posted"}}, 3},
		"subtree of FY-CP-02":        {postgres.VoucherSearch{Org: "FY-CP-02"}, 1},
		"purpose":                    {postgres.VoucherSearch{Purpose: "procurement", Fund: "FY-UP"}, 1},
		"number":                     {postgres.VoucherSearch{Number: spend.Number}, 1},
		"after the last":             {postgres.VoucherSearch{AfterID: spend.ID}, 0},
		"a page of two":              {postgres.VoucherSearch{Limit: 2}, 2},
	} {
		if got := ids(c.s); len(got) != c.want {
			t.Errorf("%s: %d vouchers %v, want %d", name, len(got), got, c.want)
		}
	}
	if got := ids(postgres.VoucherSearch{Payee: "医药"}); len(got) != 1 || got[0] != spend.ID {
		t.Errorf("payee: %v", got)
	}
	h, err := f.db.VoucherHistory(f.ctx, book, spend.ID)
	if err != nil || len(h) == 0 || h[0].Actor != "wangfang" {
		t.Errorf("history %+v %v", h, err)
	}
}
