package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// book is the demo book every test of this package works in.
const book = "FY-DFZH"

// clock is the fixed time of the use cases in these tests.
var clock = time.Date(2020, 2, 10, 8, 0, 0, 0, time.UTC)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func money(s string) ledger.Money { return ledger.MustParseMoney(s) }

// fixture is a fresh database holding the demo setup (configs/demo/fenyang.yaml).
type fixture struct {
	t   testing.TB
	tdb *pgtest.TestDB
	db  *postgres.DB
	ctx context.Context
}

// newFixture loads the demo setup, changed by mod when it is not nil, into a
// fresh database and opens it as the application role on a fixed clock.
// Passwords are dropped: hashing them would only slow the tests down.
func newFixture(t testing.TB, mod func(*ledger.BookSetup)) *fixture {
	t.Helper()
	s, err := configs.ParseSetup(configs.Demo(), "demo/fenyang.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Books[0].Users {
		s.Books[0].Users[i].Password = ""
	}
	if mod != nil {
		mod(&s.Books[0])
	}
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	db.Now = func() time.Time { return clock }
	f := &fixture{t: t, tdb: tdb, db: db, ctx: context.Background()}
	if err := db.ApplySetup(f.ctx, s); err != nil {
		t.Fatalf("apply setup: %v", err)
	}
	return f
}

// withOrg changes organisation code of a setup.
func withOrg(code string, change func(o *ledger.Organisation)) func(*ledger.BookSetup) {
	return func(bs *ledger.BookSetup) {
		for i := range bs.Orgs {
			if bs.Orgs[i].Code == code {
				change(&bs.Orgs[i])
				return
			}
		}
		panic("no organisation " + code)
	}
}

// withUser adds a user to a setup.
func withUser(name string, roles ...ledger.Role) func(*ledger.BookSetup) {
	return func(bs *ledger.BookSetup) {
		bs.Users = append(bs.Users, ledger.UserSetup{User: ledger.User{Name: name, FullName: name, Roles: roles, Book: book}})
	}
}

func (f *fixture) books() *ledger.Books {
	f.t.Helper()
	b, err := f.db.LoadBooks(f.ctx, book)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

// flow builds a flow voucher and makes it as actor.
func (f *fixture) flow(actor string, r ledger.FlowRequest) (*ledger.Voucher, error) {
	b, err := f.db.LoadBooks(f.ctx, book)
	if err != nil {
		return nil, err
	}
	if r.Date.IsZero() {
		r.Date = day("2020-02-10")
	}
	if r.Purpose == ledger.Condolence || r.Purpose == ledger.Relief {
		r.Beneficiaries = []ledger.Beneficiary{{Name: "张三", Category: "群众", IDNumber: "142301197001011236", Amount: r.Amount}}
	}
	v, err := ledger.BuildFlow(&r, b)
	if err != nil {
		return nil, err
	}
	out, _, err := f.db.CreateVoucher(f.ctx, actor, v)
	return out, err
}

func (f *fixture) mustFlow(actor string, r ledger.FlowRequest) *ledger.Voucher {
	f.t.Helper()
	v, err := f.flow(actor, r)
	if err != nil {
		f.t.Fatalf("%s %s %s: %v", actor, r.Flow, r.Amount, err)
	}
	return v
}

func (f *fixture) step(actor string, id int64, act ledger.Action) (*ledger.Voucher, error) {
	return f.db.Transition(f.ctx, book, actor, id, act)
}

func (f *fixture) mustStep(actor string, id int64, act ledger.Action) *ledger.Voucher {
	f.t.Helper()
	v, err := f.step(actor, id, act)
	if err != nil {
		f.t.Fatalf("%s %s voucher %d: %v", actor, act, id, err)
	}
	return v
}

// approve checks a draft as liqiang, has zhaomin sign it when it touches
// cash or bank, and posts it as liqiang; it returns the first error.
func (f *fixture) approve(v *ledger.Voucher) error {
	return approve(f.ctx, f.db, v, "liqiang", "zhaomin", "liqiang")
}

func approve(ctx context.Context, db *postgres.DB, v *ledger.Voucher, checker, cashier, poster string) error {
	if _, err := db.Transition(ctx, book, checker, v.ID, ledger.ActCheck); err != nil {
		return err
	}
	if touchesCash(v) {
		if _, err := db.Transition(ctx, book, cashier, v.ID, ledger.ActSign); err != nil {
			return err
		}
	}
	_, err := db.Transition(ctx, book, poster, v.ID, ledger.ActPost)
	return err
}

// touchesCash is the default chart's definition of a cash/bank voucher.
func touchesCash(v *ledger.Voucher) bool {
	for _, l := range v.Lines {
		if l.Account == ledger.AcctBank || l.Account == ledger.AcctCash {
			return true
		}
	}
	return false
}

// post makes a flow voucher as wangfang and takes it through to posted.
func (f *fixture) post(r ledger.FlowRequest) *ledger.Voucher {
	f.t.Helper()
	v := f.mustFlow("wangfang", r)
	if err := f.approve(v); err != nil {
		f.t.Fatalf("post %s %s: %v", r.Flow, r.Amount, err)
	}
	return v
}

// fund receives amount of FY-UP and allocates each of allocations to its
// branch, all posted.
func (f *fixture) fund(amount string, allocations map[string]string) {
	f.t.Helper()
	f.post(ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: money(amount), Attachments: 1})
	for org, a := range allocations {
		f.post(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: org, Amount: money(a)})
	}
}

// balance reads a stored balance straight from the balances table.
func (f *fixture) balance(account, org, fund string) ledger.Money {
	f.t.Helper()
	var fen int64
	err := f.db.Pool.QueryRow(f.ctx, `SELECT balance_fen FROM balances WHERE book = $1 AND account = $2 AND org = $3 AND fund = $4`,
		book, account, org, fund).Scan(&fen)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		f.t.Fatal(err)
	}
	return ledger.FromFen(fen)
}

// count runs a count query.
func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.Pool.QueryRow(f.ctx, sql, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// wantCode fails t unless err carries code (and field, when field is not
// "-").
func wantCode(t testing.TB, err error, code, field string) {
	t.Helper()
	if got := ledger.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
	if field != "-" {
		if got := ledger.ErrorField(err); got != field {
			t.Fatalf("error field = %q, want %q (err: %v)", got, field, err)
		}
	}
}

// generalVoucher is a voucher of the given lines dated 2020-02-10.
func generalVoucher(lines ...ledger.Line) *ledger.Voucher {
	return &ledger.Voucher{Book: book, Date: day("2020-02-10"), Summary: "测试凭证", Attachments: 1, Lines: lines}
}

func dr(account, org, fund, amount string) ledger.Line {
	return ledger.Line{Account: account, Org: org, Fund: fund, Debit: money(amount), Credit: ledger.Zero}
}

func cr(account, org, fund, amount string) ledger.Line {
	return ledger.Line{Account: account, Org: org, Fund: fund, Debit: ledger.Zero, Credit: money(amount)}
}
