package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// authCache keeps the user of each API token seen lately, so that a
// request of the serving process costs no round trip to authenticate. It
// holds entries only while WatchAuth listens for the database's
// notification that tokens or users changed (migrations/00019): every
// change of api_tokens or users — a revocation, a disabled user, new
// roles — by any process empties it when it commits (and so does a change
// of a book, 00024, after which LoadBooks reads the book's revision again), and so does the
// same change made through this DB (at once, without waiting for the
// notification). Without the listener (a lost connection, or a process
// that does not serve) every request reads the database, as before.
type authCache struct {
	mu      sync.Mutex
	on      bool
	gen     uint64 // bumped by every change: an entry read before it is stale
	entries map[string]authEntry
	hits    int64
	// actors keeps the acting users of the use cases (actorBooks) by book
	// and name, under the same generation: a draft or a workflow step of
	// a user seen lately reads neither the user nor the book's revision.
	actors    map[actorKey]actorEntry
	actorHits int64
}

type actorKey struct{ book, name string }

type actorEntry struct {
	user  ledger.User
	until time.Time
}

type authEntry struct {
	user  ledger.User
	info  TokenInfo
	until time.Time
}

const (
	// authCacheTTL bounds how long an entry stands even without a
	// change: a token expires, and a lost notification costs at most it.
	authCacheTTL = 5 * time.Second
	// authCacheMax bounds the entries; beyond it the cache starts over.
	authCacheMax = 10000
	// authChannel is the channel of the database's notification.
	authChannel = "ledger_auth"
)

// generation returns the current generation, or false when the cache is
// off.
func (c *authCache) generation() (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen, c.on
}

func (c *authCache) get(hash string, now time.Time) (*ledger.User, TokenInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || !c.on || !now.Before(e.until) {
		return nil, TokenInfo{}, false
	}
	c.hits++
	return copyUser(&e.user), e.info, true
}

// put keeps what was read at generation gen, unless something changed
// since.
func (c *authCache) put(hash string, gen uint64, u *ledger.User, info TokenInfo, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on || gen != c.gen {
		return
	}
	if len(c.entries) >= authCacheMax {
		c.entries = map[string]authEntry{}
	}
	until := now.Add(authCacheTTL)
	if info.ExpiresAt.Before(until) {
		until = info.ExpiresAt
	}
	c.entries[hash] = authEntry{user: *copyUser(u), info: info, until: until}
}

// actor returns the user name of book read at generation gen, while it
// stands.
func (c *authCache) actor(book, name string, gen uint64, now time.Time) *ledger.User {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.actors[actorKey{book, name}]
	if !ok || !c.on || gen != c.gen || !now.Before(e.until) {
		return nil
	}
	c.actorHits++
	return copyUser(&e.user)
}

// putActor keeps user u of book as read at generation gen, unless
// something changed since.
func (c *authCache) putActor(book string, gen uint64, u *ledger.User, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on || gen != c.gen {
		return
	}
	if c.actors == nil || len(c.actors) >= authCacheMax {
		c.actors = map[actorKey]actorEntry{}
	}
	c.actors[actorKey{book, u.Name}] = actorEntry{user: *copyUser(u), until: now.Add(authCacheTTL)}
}

// copyUser copies u with roles of its own: what the cache keeps and what it
// hands out are never shared.
func copyUser(u *ledger.User) *ledger.User {
	c := *u
	c.Roles = append([]ledger.Role(nil), u.Roles...)
	return &c
}

// clear forgets every entry; set turns the cache on or off.
func (c *authCache) clear() { c.set(true, false) }

func (c *authCache) set(keep, on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.entries = map[string]authEntry{}
	c.actors = map[actorKey]actorEntry{}
	if !keep {
		c.on = on
	}
}

// WatchAuth lets Authenticate answer from memory while it runs: it
// listens, on a connection of its own, for the notification that tokens or
// users changed, and empties the cache at each. It returns when ctx ends;
// a lost connection turns the cache off until it listens again.
func (db *DB) WatchAuth(ctx context.Context) {
	for {
		err := db.listenAuth(ctx)
		db.auth.set(false, false)
		if ctx.Err() != nil {
			return
		}
		_ = err
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func (db *DB) listenAuth(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, db.Pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+authChannel); err != nil {
		return err
	}
	db.auth.set(false, true)
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		db.auth.clear()
	}
}
