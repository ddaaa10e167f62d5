package postgres

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/argon2"

	"github.com/fenyang/partyfee/ledger"
)

// querier is what both a pool and a transaction offer.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ApplySetup loads books, charts, organisations, funds and users. It is
// idempotent: existing rows are updated to the file's values, nothing is
// deleted, and users keep their password unless the file gives one.
func (db *DB) ApplySetup(ctx context.Context, s *ledger.Setup) error {
	return db.ApplySetupAs(ctx, s, "")
}

// ApplySetupAs is ApplySetup by a person, actor: setup changes the whole
// book, so actor must be an admin of the whole book of every book s
// names. "" is the installation's own run (ledger setup without --as).
func (db *DB) ApplySetupAs(ctx context.Context, s *ledger.Setup, actor string) error {
	defer db.auth.clear() // this process answers from the change on (authCache)
	if err := ledger.CheckSetupText(s); err != nil {
		return err
	}
	return db.runTx(ctx, func(tx pgx.Tx) error {
		if actor != "" {
			for i := range s.Books {
				u, err := loadUser(ctx, tx, s.Books[i].Book.Code, actor)
				if err != nil {
					return err
				}
				if err := ledger.CanActBookWide(u, "set up the book"); err != nil {
					return err
				}
			}
		}
		for i := range s.Books {
			if err := applyBook(ctx, tx, &s.Books[i]); err != nil {
				return err
			}
		}
		for _, r := range s.RollupReaders {
			by := cmp.Or(actor, ledger.SystemUser)
			if _, err := tx.Exec(ctx, `INSERT INTO rollup_readers (book, reader_book, reader, granted_by) VALUES ($1, $2, $3, $4)
				ON CONFLICT DO NOTHING`, r.Book, r.ReaderBook, r.Reader, by); err != nil {
				return err
			}
		}
		return nil
	})
}

func applyBook(ctx context.Context, tx pgx.Tx, bs *ledger.BookSetup) error {
	b := bs.Book
	zone, amountMax := b.TimeZone, b.VoucherAmountMax
	if zone == "" {
		zone = ledger.TimeZoneDefault
	}
	if amountMax.Sign() <= 0 {
		amountMax = ledger.VoucherAmountMaxDefault
	}
	var firstPeriod *time.Time
	if !b.FirstPeriod.IsZero() {
		firstPeriod = &b.FirstPeriod
	}
	_, err := tx.Exec(ctx, `INSERT INTO books (book, name, bank_name, bank_account, require_cashier_sign, voucher_types, approval_threshold_fen,
			time_zone, first_period, date_days_ahead, voucher_amount_max_fen)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (book) DO UPDATE SET name = excluded.name, bank_name = excluded.bank_name, bank_account = excluded.bank_account,
			require_cashier_sign = excluded.require_cashier_sign, voucher_types = excluded.voucher_types,
			approval_threshold_fen = excluded.approval_threshold_fen, time_zone = excluded.time_zone, first_period = excluded.first_period,
			date_days_ahead = excluded.date_days_ahead, voucher_amount_max_fen = excluded.voucher_amount_max_fen`,
		b.Code, b.Name, b.BankName, b.BankAccount, b.RequireCashierSign, b.VoucherTypes, bs.ApprovalThreshold.Fen(),
		zone, firstPeriod, b.DateDaysAhead, amountMax.Fen())
	if err != nil {
		return fmt.Errorf("book %s: %w", b.Code, err)
	}
	// Parents before children: the codes sort that way in a 4-2-2 chart.
	accts := append([]ledger.Account(nil), bs.Accounts...)
	sortAccounts(accts)
	for _, a := range accts {
		var parent *string
		if a.Parent != "" {
			parent = &a.Parent
		}
		var purpose *string
		if a.Purpose != "" {
			p := string(a.Purpose)
			purpose = &p
		}
		if _, err := tx.Exec(ctx, `INSERT INTO accounts (book, code, name, type, side, parent, leaf, purpose, restricted, cash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (book, code) DO UPDATE SET name = excluded.name, type = excluded.type, side = excluded.side,
				parent = excluded.parent, leaf = excluded.leaf, purpose = excluded.purpose,
				restricted = excluded.restricted, cash = excluded.cash`,
			b.Code, a.Code, a.Name, string(a.Type), string(a.Side), parent, a.Leaf, purpose, a.Restricted, a.Cash); err != nil {
			return fmt.Errorf("account %s: %w", a.Code, err)
		}
	}
	orgs := map[string]*ledger.Organisation{}
	for i := range bs.Orgs {
		orgs[bs.Orgs[i].Code] = &bs.Orgs[i]
	}
	// Parents first: insert in order of depth, keeping the file's order
	// (the position) within a level.
	for depth := 0; depth < ledger.OrgDepthMax; depth++ {
		for pos, o := range bs.Orgs {
			if ledger.Depth(orgs, o.Code) != depth {
				continue
			}
			var parent *string
			if o.Parent != "" {
				parent = &o.Parent
			}
			var setUp *time.Time
			if !o.SetUp.IsZero() {
				setUp = &o.SetUp
			}
			var threshold *int64
			if o.ApprovalThreshold != nil {
				f := o.ApprovalThreshold.Fen()
				threshold = &f
			}
			path := strings.Join(reverse(ancestors(orgs, o.Code)), "/")
			if _, err := tx.Exec(ctx, `INSERT INTO organisations (book, code, name, kind, parent, category, host_unit, secretary,
					set_up, dissolved, approval_threshold_fen, depth, path, position)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
				ON CONFLICT (book, code) DO UPDATE SET name = excluded.name, kind = excluded.kind, parent = excluded.parent,
					category = excluded.category, host_unit = excluded.host_unit, secretary = excluded.secretary,
					set_up = excluded.set_up, dissolved = excluded.dissolved,
					approval_threshold_fen = excluded.approval_threshold_fen, depth = excluded.depth,
					path = excluded.path, position = excluded.position`,
				b.Code, o.Code, o.Name, string(o.Kind), parent, o.Category, o.HostUnit, o.Secretary,
				setUp, o.Dissolved, threshold, depth, path, pos); err != nil {
				return fmt.Errorf("organisation %s: %w", o.Code, err)
			}
		}
	}
	for _, f := range bs.Funds {
		purposes := make([]string, len(f.Purposes))
		for i, p := range f.Purposes {
			purposes[i] = string(p)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO funds (book, code, name, kind, project, purposes) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (book, code) DO UPDATE SET name = excluded.name, kind = excluded.kind, project = excluded.project, purposes = excluded.purposes`,
			b.Code, f.Code, f.Name, string(f.Kind), f.Project, purposes); err != nil {
			return fmt.Errorf("fund %s: %w", f.Code, err)
		}
	}
	for _, us := range bs.Users {
		u := us.User
		roles := make([]string, len(u.Roles))
		for i, r := range u.Roles {
			roles[i] = string(r)
		}
		var scope *string
		if u.Scope != "" {
			scope = &u.Scope
		}
		hash := ""
		if us.Password != "" {
			hash = hashPassword(us.Password)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO users (book, name, full_name, roles, scope, password_hash) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (book, name) DO UPDATE SET full_name = excluded.full_name, roles = excluded.roles, scope = excluded.scope,
				password_hash = CASE WHEN excluded.password_hash = '' THEN users.password_hash ELSE excluded.password_hash END`,
			b.Code, u.Name, u.FullName, roles, scope, hash); err != nil {
			return fmt.Errorf("user %s: %w", u.Name, err)
		}
	}
	return nil
}

func sortAccounts(a []ledger.Account) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j].Code < a[j-1].Code; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

func ancestors(orgs map[string]*ledger.Organisation, code string) []string {
	var out []string
	for c := code; c != "" && len(out) <= ledger.OrgDepthMax; {
		out = append(out, c)
		o := orgs[c]
		if o == nil {
			break
		}
		c = o.Parent
	}
	return out
}

func reverse(s []string) []string {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
	return s
}

// argon2id parameters (RFC 9106 second recommended option, lighter memory).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// hashPassword hashes a password with argon2id in the PHC string format.
func hashPassword(pw string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// checkPassword compares a password with a hashPassword hash in constant time.
func checkPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// LoadBooks reads what the rules need to know about a book: the cached
// copy while the book's revision stands (see bookCache), one query to
// learn that — none while the process hears every change (WatchAuth:
// migrations/00024 notifies each change of a book, its chart, organisations
// or funds, and this process's own setup and dissolution forget at once).
// The Books are shared: read-only.
func (db *DB) LoadBooks(ctx context.Context, book string) (*ledger.Books, error) {
	gen, heard := db.auth.generation()
	if heard {
		if b := db.books.current(book, gen); b != nil {
			return b, nil
		}
	}
	var rev int64
	err := db.Pool.QueryRow(ctx, `SELECT revision FROM books WHERE book = $1`, book).Scan(&rev)
	if err == pgx.ErrNoRows {
		return nil, ledger.Errorf(ledger.ENotFound, "book", "book %s does not exist (load it with `ledger setup FILE`)", book)
	}
	if err != nil {
		return nil, mapError(err)
	}
	b, err := db.booksAt(ctx, db.Pool, book, rev)
	if err == nil && heard {
		db.books.confirm(book, rev, gen)
	}
	return b, mapError(err)
}

func loadBooks(ctx context.Context, q querier, book string) (*ledger.Books, error) {
	b := &ledger.Books{Book: &ledger.Book{Code: book}, Chart: ledger.Chart{}, Orgs: map[string]*ledger.Organisation{}, Funds: map[string]*ledger.Fund{}}
	var firstPeriod *time.Time
	var amountMaxFen int64
	err := q.QueryRow(ctx, `SELECT name, bank_name, bank_account, require_cashier_sign, voucher_types,
			time_zone, first_period, date_days_ahead, voucher_amount_max_fen FROM books WHERE book = $1`, book).
		Scan(&b.Book.Name, &b.Book.BankName, &b.Book.BankAccount, &b.Book.RequireCashierSign, &b.Book.VoucherTypes,
			&b.Book.TimeZone, &firstPeriod, &b.Book.DateDaysAhead, &amountMaxFen)
	if firstPeriod != nil {
		b.Book.FirstPeriod = *firstPeriod
	}
	b.Book.VoucherAmountMax = ledger.FromFen(amountMaxFen)
	if err == pgx.ErrNoRows {
		return nil, ledger.Errorf(ledger.ENotFound, "book", "book %s does not exist (load it with `ledger setup FILE`)", book)
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT code, name, type, side, coalesce(parent, ''), leaf, coalesce(purpose, ''), restricted, cash FROM accounts WHERE book = $1`, book)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		a := &ledger.Account{}
		var typ, side, purpose string
		if err := rows.Scan(&a.Code, &a.Name, &typ, &side, &a.Parent, &a.Leaf, &purpose, &a.Restricted, &a.Cash); err != nil {
			return nil, err
		}
		a.Type, a.Side, a.Purpose = ledger.AccountType(typ), ledger.Side(side), ledger.Purpose(purpose)
		b.Chart[a.Code] = a
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	orgs, err := loadOrgs(ctx, q, book)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		b.Orgs[o.Code] = o
	}
	rows, err = q.Query(ctx, `SELECT code, name, kind, project, purposes FROM funds WHERE book = $1`, book)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		f := &ledger.Fund{Book: book}
		var kind string
		var purposes []string
		if err := rows.Scan(&f.Code, &f.Name, &kind, &f.Project, &purposes); err != nil {
			return nil, err
		}
		f.Kind = ledger.FundKind(kind)
		for _, p := range purposes {
			f.Purposes = append(f.Purposes, ledger.Purpose(p))
		}
		b.Funds[f.Code] = f
	}
	return b, rows.Err()
}

// loadOrgs returns the organisations in tree order (path, position).
func loadOrgs(ctx context.Context, q querier, book string) ([]*ledger.Organisation, error) {
	rows, err := q.Query(ctx, `SELECT code, name, kind, coalesce(parent, ''), category, host_unit, secretary,
			set_up, dissolved, approval_threshold_fen
		FROM organisations WHERE book = $1 ORDER BY depth, position, code`, book)
	if err != nil {
		return nil, err
	}
	var out []*ledger.Organisation
	for rows.Next() {
		o := &ledger.Organisation{Book: book}
		var kind string
		var setUp *time.Time
		var threshold *int64
		if err := rows.Scan(&o.Code, &o.Name, &kind, &o.Parent, &o.Category, &o.HostUnit, &o.Secretary, &setUp, &o.Dissolved, &threshold); err != nil {
			return nil, err
		}
		o.Kind = ledger.OrgKind(kind)
		if setUp != nil {
			o.SetUp = *setUp
		}
		if threshold != nil {
			m := ledger.FromFen(*threshold)
			o.ApprovalThreshold = &m
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Organisations lists a book's organisations in tree order: parents first,
// children in the setup file's order.
func (db *DB) Organisations(ctx context.Context, book string) ([]*ledger.Organisation, error) {
	orgs, err := loadOrgs(ctx, db.Pool, book)
	return orgs, mapError(err)
}

// LoadUser reads a user of a book; the built-in "system" user reads
// everything and writes nothing.
func (db *DB) LoadUser(ctx context.Context, book, name string) (*ledger.User, error) {
	u, err := loadUser(ctx, db.Pool, book, name)
	return u, mapError(err)
}

func loadUser(ctx context.Context, q querier, book, name string) (*ledger.User, error) {
	if name == ledger.SystemUser {
		return &ledger.User{Name: ledger.SystemUser, FullName: "system", Book: book}, nil
	}
	u := &ledger.User{Name: name, Book: book}
	var roles []string
	var scope *string
	var disabled bool
	err := q.QueryRow(ctx, `SELECT full_name, roles, scope, disabled FROM users WHERE book = $1 AND name = $2`, book, name).
		Scan(&u.FullName, &roles, &scope, &disabled)
	if err == pgx.ErrNoRows {
		return nil, ledger.Errorf(ledger.EUnauthenticated, "user", "user %s does not exist in book %s", name, book)
	}
	if err != nil {
		return nil, err
	}
	if disabled {
		return nil, ledger.Errorf(ledger.EUnauthenticated, "user", "user %s is disabled", name)
	}
	for _, r := range roles {
		u.Roles = append(u.Roles, ledger.Role(r))
	}
	if scope != nil {
		u.Scope = *scope
	}
	return u, nil
}
