package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// SessionCookie names the cookie of a web session: the web pages set it at
// sign-in and the API accepts it, with the session's CSRF token in the
// X-CSRF-Token header, as well as a bearer token.
const SessionCookie = "ledger_session"

// CSRFHeader carries a session's CSRF token on API requests made by page
// scripts with the session cookie.
const CSRFHeader = "X-CSRF-Token"

// sessionIDLen is the length of a session id: 32 random bytes in unpadded
// base64url.
var sessionIDLen = base64.RawURLEncoding.EncodedLen(32)

// Session is a signed-in web session; the session id itself is never
// stored, only its SHA-256 hash.
type Session struct {
	ID        int64
	Book      string
	User      string
	CSRF      string // the token the session's forms and scripts echo
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time // the absolute end; the idle timeout may end it sooner
}

func randomToken() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

func hashSession(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

// CreateSession starts a web session of user of book lasting at most
// maxAge, and returns the session id (shown once, for the cookie) with the
// session. The user must exist and not be disabled; the caller checked the
// password (Login).
func (db *DB) CreateSession(ctx context.Context, book, user string, maxAge time.Duration) (string, Session, error) {
	if maxAge <= 0 {
		return "", Session{}, ledger.Errorf(ledger.EInvalid, "web.session_max", "a web session lasts more than 0s, not %v", maxAge)
	}
	id, err := randomToken()
	if err != nil {
		return "", Session{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return "", Session{}, err
	}
	s := Session{Book: book, User: user, CSRF: csrf}
	now := db.Now().UTC()
	err = db.runTx(ctx, func(tx pgx.Tx) error {
		if _, err := loadUser(ctx, tx, book, user); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO web_sessions (book, user_name, session_hash, csrf_secret, created_at, last_seen, expires_at)
			VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id, created_at, last_seen, expires_at`,
			book, user, hashSession(id), csrf, now, now.Add(maxAge)).Scan(&s.ID, &s.CreatedAt, &s.LastSeen, &s.ExpiresAt)
	})
	if err != nil {
		return "", Session{}, mapError(err)
	}
	return id, s, nil
}

// SessionUser returns the user and the session of session id, and marks the
// session seen now. A malformed or unknown id, a session idle longer than
// idle or past its expiry (deleted then), or a disabled user is
// unauthenticated.
func (db *DB) SessionUser(ctx context.Context, id string, idle time.Duration) (*ledger.User, Session, error) {
	fail := func(err error) (*ledger.User, Session, error) { return nil, Session{}, err }
	unknown := ledger.Errorf(ledger.EUnauthenticated, "session", "the session is not known; sign in again")
	if len(id) != sessionIDLen {
		return fail(unknown)
	}
	now := db.Now().UTC()
	var s Session
	var u *ledger.User
	var ended, missing bool
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		ended, missing = false, false
		err := tx.QueryRow(ctx, `SELECT id, book, user_name, csrf_secret, created_at, last_seen, expires_at FROM web_sessions
			WHERE session_hash = $1 FOR UPDATE`, hashSession(id)).
			Scan(&s.ID, &s.Book, &s.User, &s.CSRF, &s.CreatedAt, &s.LastSeen, &s.ExpiresAt)
		if err == pgx.ErrNoRows {
			missing = true
			return nil
		}
		if err != nil {
			return err
		}
		if !now.Before(s.ExpiresAt) || (idle > 0 && now.Sub(s.LastSeen) >= idle) {
			ended = true
			_, err := tx.Exec(ctx, `DELETE FROM web_sessions WHERE id = $1`, s.ID)
			return err
		}
		if u, err = loadUser(ctx, tx, s.Book, s.User); err != nil {
			return err
		}
		// Marking every request would write on every page view; a minute's
		// precision is enough for an idle timeout counted in minutes.
		if now.Sub(s.LastSeen) >= time.Minute {
			s.LastSeen = now
			_, err = tx.Exec(ctx, `UPDATE web_sessions SET last_seen = $2 WHERE id = $1`, s.ID, now)
		}
		return err
	})
	switch {
	case err == nil && missing:
		return fail(unknown)
	case err != nil && ledger.ErrorCode(err) == ledger.EUnauthenticated:
		return fail(ledger.Errorf(ledger.EUnauthenticated, "session", "the session's user is disabled; sign in again"))
	case err != nil:
		return nil, Session{}, mapError(err)
	case ended:
		return fail(ledger.Errorf(ledger.EUnauthenticated, "session", "the session has expired; sign in again"))
	}
	return u, s, nil
}

// EndSession deletes session id (sign-out); an unknown id is no error.
func (db *DB) EndSession(ctx context.Context, id string) error {
	return db.runTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM web_sessions WHERE session_hash = $1`, hashSession(id))
		return err
	})
}

// EndSessions deletes every session of user of book but the one with
// keepID (0: all), e.g. after the user changed the password; it returns
// how many it ended.
func (db *DB) EndSessions(ctx context.Context, book, user string, keepID int64) (int64, error) {
	var n int64
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM web_sessions WHERE book = $1 AND user_name = $2 AND id <> $3`, book, user, keepID)
		n = tag.RowsAffected()
		return err
	})
	return n, err
}

// PurgeSessions deletes the sessions past their expiry or idle longer than
// idle, and returns how many it deleted.
func (db *DB) PurgeSessions(ctx context.Context, idle time.Duration) (int64, error) {
	var n int64
	now := db.Now().UTC()
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM web_sessions WHERE expires_at <= $1 OR last_seen <= $2`, now, now.Add(-idle))
		n = tag.RowsAffected()
		return err
	})
	return n, err
}

// ChangePassword sets the password of user of book to next after checking
// the current one: a wrong current password is unauthenticated on the
// field current.
func (db *DB) ChangePassword(ctx context.Context, book, user, current, next string) error {
	if _, err := db.Login(ctx, book, user, current); err != nil {
		return ledger.Errorf(ledger.EUnauthenticated, "current", "the current password is wrong")
	}
	return db.SetPassword(ctx, book, user, next)
}
