package postgres_test

import (
	"slices"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// withScopedAdmin adds cp01admin, an admin of the branch FY-CP-01.
func withScopedAdmin(bs *ledger.BookSetup) {
	bs.Users = append(bs.Users, ledger.UserSetup{User: ledger.User{Name: "cp01admin", Roles: []ledger.Role{ledger.RoleAdmin}, Scope: "FY-CP-01", Book: book}})
}

func TestAdminUserUseCases(t *testing.T) {
	t.Parallel()
	f := newFixture(t, withScopedAdmin)
	logged := func(action, actor string) int {
		return f.count(`SELECT count(*) FROM actions WHERE book = $1 AND action = $2 AND actor = $3`, book, action, actor)
	}

	// Adding: the actor is authorized in the transaction and logged.
	_, err := f.db.AddUserAs(f.ctx, book, "cp01admin", ledger.User{Name: "wide", Roles: []ledger.Role{ledger.RoleOfficer}}, "")
	wantCode(t, err, ledger.EForbidden, "scope")
	_, err = f.db.AddUserAs(f.ctx, book, "cp01admin", ledger.User{Name: "sib", Roles: []ledger.Role{ledger.RoleOfficer}, Scope: "FY-CP-02"}, "")
	wantCode(t, err, ledger.EForbidden, "scope")
	_, err = f.db.AddUserAs(f.ctx, book, "wangfang", ledger.User{Name: "x1", Roles: []ledger.Role{ledger.RoleOfficer}, Scope: "FY-CP-01"}, "")
	wantCode(t, err, ledger.EForbidden, "user")
	_, err = f.db.AddUserAs(f.ctx, book, "cp01admin", ledger.User{Name: "g1", Roles: []ledger.Role{ledger.RoleOfficer}, Scope: "FY-CP-01-G1"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if f.count(`SELECT count(*) FROM users WHERE book = $1 AND name IN ('wide', 'sib', 'x1')`, book) != 0 || logged("user_add", "cp01admin") != 1 {
		t.Fatal("refused users were added, or the added one is not logged under its admin")
	}

	// Roles and scope: the user as it is and the scope it gets are both
	// the admin's.
	_, err = f.db.SetUserAccess(f.ctx, book, "cp01admin", "g1", []ledger.Role{ledger.RoleOfficer}, "FY")
	wantCode(t, err, ledger.EForbidden, "scope")
	_, err = f.db.SetUserAccess(f.ctx, book, "cp01admin", "wangfang", []ledger.Role{ledger.RoleOfficer}, "FY-CP-01")
	wantCode(t, err, ledger.EForbidden, "name")
	_, err = f.db.SetUserAccess(f.ctx, book, "cp01admin", "g1", []ledger.Role{ledger.RoleOfficer}, "NOPE")
	wantCode(t, err, ledger.ENotFound, "scope")
	_, err = f.db.SetUserAccess(f.ctx, book, "cp01admin", "nobody", []ledger.Role{ledger.RoleOfficer}, "FY-CP-01")
	wantCode(t, err, ledger.ENotFound, "name")
	_, err = f.db.SetUserAccess(f.ctx, book, "cp01admin", "g1", nil, "FY-CP-01")
	wantCode(t, err, ledger.EInvalid, "roles")
	_, err = f.db.SetUserAccess(f.ctx, book, "cp01admin", "g1", []ledger.Role{"boss"}, "FY-CP-01")
	wantCode(t, err, ledger.EInvalid, "roles")
	_, err = f.db.SetUserAccess(f.ctx, book, "cp01admin", "cp01admin", []ledger.Role{ledger.RoleChecker}, "FY-CP-01")
	wantCode(t, err, ledger.EInvalid, "roles")
	u, err := f.db.SetUserAccess(f.ctx, book, "cp01admin", "g1", []ledger.Role{ledger.RoleOfficer, ledger.RoleChecker, ledger.RoleOfficer}, "FY-CP-01-G2")
	if err != nil || u.Scope != "FY-CP-01-G2" || !slices.Equal(u.Roles, []ledger.Role{ledger.RoleOfficer, ledger.RoleChecker}) {
		t.Fatalf("g1 moved: %+v %v", u, err)
	}
	if logged("user_access", "cp01admin") != 1 {
		t.Error("the change is not logged")
	}
	u, err = f.db.SetUserAccess(f.ctx, book, "sunlixin", "wangfang", []ledger.Role{ledger.RoleAuditor}, "")
	if err != nil || u.Scope != "" || !slices.Equal(u.Roles, []ledger.Role{ledger.RoleAuditor}) {
		t.Fatalf("the book's admin changes wangfang: %+v %v", u, err)
	}

	// Passwords.
	wantCode(t, f.db.SetPasswordAs(f.ctx, book, "cp01admin", "liqiang", "a long passphrase"), ledger.EForbidden, "name")
	if err := f.db.SetPasswordAs(f.ctx, book, "cp01admin", "cp01officer", "a long passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Login(f.ctx, book, "cp01officer", "a long passphrase"); err != nil {
		t.Errorf("the new password: %v", err)
	}
	if logged("user_password", "cp01admin") != 1 {
		t.Error("the reset is not logged under its admin")
	}
}

func TestAdminSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, withScopedAdmin)
	const idle = 30 * time.Minute
	mustSession := func(user string) {
		t.Helper()
		if _, _, err := f.db.CreateSession(f.ctx, book, user, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	mustSession("cp01officer")
	mustSession("cp01officer")
	mustSession("wangfang")
	ss, err := f.db.UserSessions(f.ctx, book, "cp01officer", idle)
	if err != nil || len(ss) != 2 || ss[0].ID < ss[1].ID || ss[0].User != "cp01officer" {
		t.Fatalf("cp01officer's sessions: %+v %v", ss, err)
	}
	last, err := f.db.LastSignIns(f.ctx, book)
	if err != nil || !last["cp01officer"].Equal(clock) || !last["wangfang"].Equal(clock) || !last["liqiang"].IsZero() {
		t.Fatalf("last sign-ins: %v %v", last, err)
	}
	w, _ := f.db.UserSessions(f.ctx, book, "wangfang", idle)

	// Outside the admin's reach a session is not found, and stays.
	_, err = f.db.EndSessionAs(f.ctx, book, "cp01admin", w[0].ID)
	wantCode(t, err, ledger.ENotFound, "id")
	_, err = f.db.EndSessionAs(f.ctx, book, "cp01admin", 999999)
	wantCode(t, err, ledger.ENotFound, "id")
	if n := f.count(`SELECT count(*) FROM web_sessions WHERE user_name = 'wangfang'`); n != 1 {
		t.Fatalf("wangfang has %d sessions", n)
	}
	if s, err := f.db.EndSessionAs(f.ctx, book, "cp01admin", ss[0].ID); err != nil || s.User != "cp01officer" {
		t.Fatalf("ending a session of the branch: %+v %v", s, err)
	}
	if rest, _ := f.db.UserSessions(f.ctx, book, "cp01officer", idle); len(rest) != 1 || rest[0].ID != ss[1].ID {
		t.Errorf("after ending one: %+v", rest)
	}
	// A user ends their own.
	if _, err := f.db.EndSessionAs(f.ctx, book, "wangfang", w[0].ID); err != nil {
		t.Fatal(err)
	}
	if f.count(`SELECT count(*) FROM actions WHERE book = $1 AND action = 'session.end'`, book) != 2 {
		t.Error("ended sessions are not logged")
	}
	// Disabling ends the rest (the trigger).
	if _, err := f.db.SetUserDisabled(f.ctx, book, "cp01admin", "cp01officer", true); err != nil {
		t.Fatal(err)
	}
	if rest, _ := f.db.UserSessions(f.ctx, book, "cp01officer", idle); len(rest) != 0 {
		t.Errorf("a disabled user keeps sessions %+v", rest)
	}
}
