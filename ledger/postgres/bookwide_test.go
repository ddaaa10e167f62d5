package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// cp01admin is an admin scoped to the branch FY-CP-01, added by the tests
// of this file.
const cp01admin = "cp01admin"

func addBranchAdmin(t *testing.T, db *postgres.DB) {
	t.Helper()
	if _, err := db.AddUser(context.Background(), book, ledger.User{Name: cp01admin, Roles: []ledger.Role{ledger.RoleAdmin}, Scope: "FY-CP-01"}, ""); err != nil {
		t.Fatal(err)
	}
}

// wantState asserts that err is a PostgreSQL error with SQLSTATE state.
func wantState(t *testing.T, what string, err error, state string) {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != state {
		t.Fatalf("%s: %v, want SQLSTATE %s", what, err, state)
	}
}

// Defect 2 of issue 14: a branch-scoped admin re-opened the whole book's
// closed month and dropped its seal. Re-opening, the batch, setup and the
// import are acts on the whole book: refused in the use case to anyone but
// an admin of the whole book, and the database re-opens a month only after
// a re-open event by one in the same transaction, also in raw SQL.
func TestBookWideActsNeedAWholeBookAdmin(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	addBranchAdmin(t, f.db)
	if res := f.reconcile("2020-01", postgres.ReconcileOptions{Close: true}); !res.Closed {
		t.Fatalf("january: %s", res.SummaryJSON())
	}
	jan, _ := ledger.ParsePeriod("2020-01")
	seal := func() string {
		var s string
		if err := f.db.Pool.QueryRow(f.ctx, `SELECT status || coalesce(seal, '') FROM periods WHERE book = $1 AND year = 2020 AND month = 1`, recBook).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	closed := seal()

	// The use case.
	err := f.db.ReopenPeriod(f.ctx, recBook, cp01admin, jan, "补记")
	wantCode(t, err, ledger.EForbidden, "user")
	err = f.db.ReopenPeriod(f.ctx, recBook, ledger.SystemUser, jan, "补记")
	wantCode(t, err, ledger.EForbidden, "user")
	_, err = f.tryReconcile("2020-02", postgres.ReconcileOptions{Close: true, Actor: cp01admin})
	wantCode(t, err, ledger.EForbidden, "user")
	_, err = f.tryReconcile("2020-02", postgres.ReconcileOptions{Actor: "wangfang"})
	wantCode(t, err, ledger.EForbidden, "user")
	err = f.db.DissolveOrg(f.ctx, recBook, cp01admin, "FY-CP-02", day("2020-03-15"))
	wantCode(t, err, ledger.EForbidden, "org")
	s, err := configs.ParseSetup(configs.Demo(), "demo/fenyang.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Books[0].Users {
		s.Books[0].Users[i].Password = ""
	}
	wantCode(t, f.db.ApplySetupAs(f.ctx, s, cp01admin), ledger.EForbidden, "user")
	if got := seal(); got != closed {
		t.Fatalf("january after the refusals: %q, want %q", got, closed)
	}
	if n := countRows(t, f.db, `SELECT count(*) FROM period_events WHERE action = 'reopen'`); n != 0 {
		t.Fatalf("%d re-open events after the refusals", n)
	}

	// Raw SQL as ledger_app.
	raw := func(sqls ...string) error {
		return pgx.BeginFunc(f.ctx, f.db.Pool, func(tx pgx.Tx) error {
			for _, q := range sqls {
				if _, err := tx.Exec(f.ctx, q); err != nil {
					return err
				}
			}
			return nil
		})
	}
	reopen := `UPDATE periods SET status = 'open', seal = NULL, seal_seq = NULL, summary = NULL WHERE book = 'FY-DFZH' AND year = 2020 AND month = 1`
	event := func(actor string) string {
		return `INSERT INTO period_events (book, year, month, action, actor, at, reason) VALUES ('FY-DFZH', 2020, 1, 'reopen', '` + actor + `', now(), 'x')`
	}
	wantState(t, "re-open without an event", raw(reopen), "LE011")
	wantState(t, "a branch admin's re-open event", raw(event(cp01admin), reopen), "LE011")
	wantState(t, "the batch's re-open event", raw(event(ledger.SystemUser), reopen), "LE011")
	wantState(t, "a branch admin closes", raw(`INSERT INTO period_events (book, year, month, action, actor, at) VALUES ('FY-DFZH', 2020, 1, 'close', 'cp01admin', now())`), "LE011")
	// An event of an earlier transaction does not re-open the month again.
	if err := raw(event("sunlixin")); err != nil {
		t.Fatalf("a whole-book admin's event: %v", err)
	}
	wantState(t, "re-open on an old event", raw(reopen), "LE011")
	if got := seal(); got != closed {
		t.Fatalf("january after raw SQL: %q, want %q", got, closed)
	}
	// The one way: the event and the update in one transaction.
	if err := raw(event("sunlixin"), reopen); err != nil {
		t.Fatalf("a whole-book admin re-opens: %v", err)
	}
	if got := seal(); got != "open" {
		t.Fatalf("january after the re-open: %q", got)
	}
	// The whole-book admin passes the use case too.
	if res := f.reconcile("2020-01", postgres.ReconcileOptions{Close: true, Actor: "sunlixin"}); !res.Closed {
		t.Fatalf("january closed again by an admin: %s", res.SummaryJSON())
	}
	if err := f.db.ReopenPeriod(f.ctx, recBook, "sunlixin", jan, "补记"); err != nil {
		t.Fatal(err)
	}
}

func countRows(t *testing.T, db *postgres.DB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Defect 3 of issue 14: a branch-scoped admin revoked any token of the
// book by its sequential id, the whole-book admin's included. Tokens obey
// the scope of user management; one outside it is not_found.
func TestTokensKeepToScope(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	addBranchAdmin(t, f.db)
	_, top, err := f.db.CreateToken(f.ctx, book, "sunlixin", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, branch, err := f.db.CreateToken(f.ctx, book, "cp01officer", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.db.RevokeTokenAs(f.ctx, book, cp01admin, top.ID)
	wantCode(t, err, ledger.ENotFound, "id")
	_, err = f.db.RevokeTokenAs(f.ctx, book, "wangfang", top.ID)
	wantCode(t, err, ledger.ENotFound, "id")
	_, err = f.db.TokensAs(f.ctx, book, cp01admin, "sunlixin")
	wantCode(t, err, ledger.EForbidden, "name")
	_, _, err = f.db.CreateTokenAs(f.ctx, book, cp01admin, "sunlixin", time.Hour)
	wantCode(t, err, ledger.EForbidden, "name")
	if n := countRows(t, f.db, `SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL`); n != 0 {
		t.Fatalf("%d tokens revoked by the refusals", n)
	}
	if n := countRows(t, f.db, `SELECT count(*) FROM api_tokens WHERE user_name = 'sunlixin'`); n != 1 {
		t.Fatalf("%d tokens of sunlixin, want 1", n)
	}
	// Within the scope, and one's own.
	if ts, err := f.db.TokensAs(f.ctx, book, cp01admin, "cp01officer"); err != nil || len(ts) != 1 {
		t.Fatalf("the branch officer's tokens: %v %v", ts, err)
	}
	if _, err := f.db.RevokeTokenAs(f.ctx, book, cp01admin, branch.ID); err != nil {
		t.Fatalf("the branch officer's token: %v", err)
	}
	if _, err := f.db.RevokeTokenAs(f.ctx, book, "sunlixin", top.ID); err != nil {
		t.Fatalf("one's own token: %v", err)
	}
	if n := countRows(t, f.db, `SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL`); n != 2 {
		t.Fatalf("%d tokens revoked, want 2", n)
	}
}

// An admin minting a token for another user is logged as such and shown
// to auditors, who never read a password hash.
func TestTokenMintedForAnotherIsLoggedForAuditors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	_, tok, err := f.db.CreateTokenAs(f.ctx, book, "sunlixin", "wangfang", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if tok.CreatedBy != "sunlixin" {
		t.Fatalf("created_by %q", tok.CreatedBy)
	}
	if _, own, err := f.db.CreateTokenAs(f.ctx, book, "wangfang", "wangfang", time.Hour); err != nil || own.CreatedBy != "" {
		t.Fatalf("one's own token: %+v %v", own, err)
	}
	aud := f.tdb.Open(t, f.tdb.AuditURL)
	var by, logged string
	if err := aud.Pool.QueryRow(f.ctx, `SELECT created_by FROM api_tokens WHERE id = $1`, tok.ID).Scan(&by); err != nil || by != "sunlixin" {
		t.Fatalf("the auditor reads created_by %q: %v", by, err)
	}
	if err := aud.Pool.QueryRow(f.ctx, `SELECT actor || ' ' || (detail->>'user') FROM actions
		WHERE action = 'token.create' AND (detail->>'token_id')::bigint = $1`, tok.ID).Scan(&logged); err != nil || logged != "sunlixin wangfang" {
		t.Fatalf("the auditor reads the action %q: %v", logged, err)
	}
	_, err = aud.Pool.Exec(f.ctx, `SELECT password_hash FROM users LIMIT 1`)
	wantState(t, "the auditor reads password hashes", err, "42501")
	var n int
	if err := aud.Pool.QueryRow(f.ctx, `SELECT count(*) FROM (SELECT name, roles, scope, disabled FROM users) u`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("the auditor reads the users: %d %v", n, err)
	}
}

// Defect 5 of issue 14: a branch-scoped officer wrote book-wide audit
// facts (meetings' attendees, payee accounts' personal flag) that the
// rules read for every branch. Every fact write keeps to the scope.
func TestBookWideFactsNeedTheWholeBook(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	addBranchAdmin(t, f.db)
	for _, actor := range []string{"cp01officer", cp01admin} {
		err := f.db.AddMeeting(f.ctx, book, actor, audit.Meeting{Decision: "部务会2020-02-04", Attendees: []string{"孙立新"}})
		wantCode(t, err, ledger.EForbidden, "org")
		err = f.db.SetPayeeAccount(f.ctx, book, actor, audit.PayeeAccount{Payee: "白云峰", Personal: true})
		wantCode(t, err, ledger.EForbidden, "org")
		_, err = f.db.AddPublicity(f.ctx, book, actor, audit.PublicityRecord{Date: day("2020-03-02"), Channel: "公示栏"})
		wantCode(t, err, ledger.EForbidden, "org")
		err = f.db.AddRosterEntry(f.ctx, book, actor, audit.RosterEntry{Name: "张三", IDNumber: "141182197001011232", Category: "群众"})
		wantCode(t, err, ledger.EForbidden, "org")
	}
	if n := countRows(t, f.db, `SELECT (SELECT count(*) FROM meetings) + (SELECT count(*) FROM payee_accounts) + (SELECT count(*) FROM publicity)
		+ (SELECT count(*) FROM beneficiary_roster)`); n != 0 {
		t.Fatalf("%d facts written by the refusals", n)
	}
	// The branch's own facts, and the whole book's officer.
	if err := f.db.AddMember(f.ctx, book, "cp01officer", audit.Member{Org: "FY-CP-01", Name: "白云峰", Cadre: true}); err != nil {
		t.Fatalf("a member of the branch: %v", err)
	}
	if err := f.db.AddMeeting(f.ctx, book, "wangfang", audit.Meeting{Decision: "部务会2020-02-04", Attendees: []string{"孙立新"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.SetPayeeAccount(f.ctx, book, "wangfang", audit.PayeeAccount{Payee: "白云峰", Personal: true}); err != nil {
		t.Fatal(err)
	}
}
