package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// bookCache keeps what the rules read about each book (the book, its chart,
// organisations and funds) between transactions, stamped with the book's
// revision (migrations/00001_baseline.sql: every change to those rows bumps it). A use
// case reads the revision with its acting user in one query and reloads
// the book only when the revision moved. Callers treat the Books as
// read-only: they are shared.
type bookCache struct {
	mu sync.Mutex
	m  map[string]cachedBooks
}

type cachedBooks struct {
	rev int64
	b   *ledger.Books
	// heard is set when LoadBooks read the revision rev at auth
	// generation gen (authCache): the books stand, without another read,
	// until the next change is heard.
	heard bool
	gen   uint64
}

// current returns the books of book confirmed at generation gen, if any.
func (c *bookCache) current(book string, gen uint64) *ledger.Books {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[book]; ok && e.heard && e.gen == gen {
		return e.b
	}
	return nil
}

// confirm records that book's revision was rev when read at generation
// gen (read before the revision itself).
func (c *bookCache) confirm(book string, rev int64, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[book]; ok && e.rev == rev {
		e.heard, e.gen = true, gen
		c.m[book] = e
	}
}

func (c *bookCache) get(book string, rev int64) *ledger.Books {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[book]; ok && e.rev == rev {
		return e.b
	}
	return nil
}

func (c *bookCache) put(book string, rev int64, b *ledger.Books) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cachedBooks{}
	}
	if e, ok := c.m[book]; !ok || e.rev <= rev {
		c.m[book] = cachedBooks{rev: rev, b: b}
	}
}

// actorBooks returns the rules' view of book and the acting user, reading
// the book's revision and the user in one query and the book itself only
// when the cached one is stale. A missing book is not_found; a missing or
// disabled user is unauthenticated.
//
// Outside a transaction (q is the pool), a user and book read while the
// process hears of every change (authCache) stand without a read until the
// next change is heard: cachedActor.
func (db *DB) actorBooks(ctx context.Context, q querier, book, actor string) (*ledger.Books, *ledger.User, error) {
	if q == querier(db.Pool) {
		if b, u := db.cachedActor(book, actor); u != nil {
			return b, u, nil
		}
	}
	gen, heard := db.auth.generation()
	rev, u, err := scanActor(q.QueryRow(ctx, actorSQL, book, actor), book, actor)
	if err != nil {
		return nil, nil, err
	}
	b, err := db.booksAt(ctx, q, book, rev)
	if err != nil {
		return nil, nil, err
	}
	if heard && q == querier(db.Pool) {
		db.rememberActor(book, rev, gen, u)
	}
	return b, u, nil
}

// cachedActor returns the book and its user actor as last read, when both
// were read at the auth cache's current generation (nothing about tokens,
// users or the book changed since, migrations/00019 and 00024) and the
// user's entry is younger than authCacheTTL; nil otherwise. The database
// still checks the user's roles on every voucher it writes.
func (db *DB) cachedActor(book, actor string) (*ledger.Books, *ledger.User) {
	gen, on := db.auth.generation()
	if !on {
		return nil, nil
	}
	b := db.books.current(book, gen)
	if b == nil {
		return nil, nil
	}
	u := db.auth.actor(book, actor, gen, time.Now())
	if u == nil {
		return nil, nil
	}
	return b, u
}

// rememberActor keeps user u of book and the book at revision rev, both
// read at generation gen (taken before the read), for cachedActor.
func (db *DB) rememberActor(book string, rev int64, gen uint64, u *ledger.User) {
	db.books.confirm(book, rev, gen)
	db.auth.putActor(book, gen, u, time.Now())
}

// actorSQL reads book $1's revision and its user $2 (scanActor).
const actorSQL = `SELECT b.revision, u.name IS NOT NULL, u.full_name, u.roles, u.scope, u.disabled
	FROM books b LEFT JOIN users u ON u.book = b.book AND u.name = $2 WHERE b.book = $1`

// scanActor reads the row of actorSQL: the book's revision and the user.
func scanActor(row pgx.Row, book, actor string) (int64, *ledger.User, error) {
	var rev int64
	var found bool
	var fullName *string
	var roles []string
	var scope *string
	var disabled *bool
	err := row.Scan(&rev, &found, &fullName, &roles, &scope, &disabled)
	if err == pgx.ErrNoRows {
		return 0, nil, ledger.Errorf(ledger.ENotFound, "book", "book %s does not exist (load it with `ledger setup FILE`)", book)
	}
	if err != nil {
		return 0, nil, err
	}
	switch {
	case actor == ledger.SystemUser:
		return rev, &ledger.User{Name: ledger.SystemUser, FullName: "system", Book: book}, nil
	case !found:
		return 0, nil, ledger.Errorf(ledger.EUnauthenticated, "user", "user %s does not exist in book %s", actor, book)
	case disabled != nil && *disabled:
		return 0, nil, ledger.Errorf(ledger.EUnauthenticated, "user", "user %s is disabled", actor)
	}
	u := &ledger.User{Name: actor, Book: book}
	if fullName != nil {
		u.FullName = *fullName
	}
	for _, r := range roles {
		u.Roles = append(u.Roles, ledger.Role(r))
	}
	if scope != nil {
		u.Scope = *scope
	}
	return rev, u, nil
}

// booksAt returns book as of revision rev or later: the cached one, or a
// fresh load (cached under rev).
func (db *DB) booksAt(ctx context.Context, q querier, book string, rev int64) (*ledger.Books, error) {
	if b := db.books.get(book, rev); b != nil {
		return b, nil
	}
	b, err := loadBooks(ctx, q, book)
	if err != nil {
		return nil, err
	}
	db.books.put(book, rev, b)
	return b, nil
}
