package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// TokenPrefix starts every API token, so a token is recognisable in a
// configuration file or a leaked log and malformed ones are refused without
// a database lookup.
const TokenPrefix = "lgr_"

// tokenLen is the length of a token: the prefix and 32 random bytes in
// unpadded base64url.
var tokenLen = len(TokenPrefix) + base64.RawURLEncoding.EncodedLen(32)

// TokenTTLMax bounds the lifetime of an API token.
const TokenTTLMax = 366 * 24 * time.Hour

// TokenInfo describes an API token; the token itself is never stored.
type TokenInfo struct {
	ID        int64      `json:"id"`
	Book      string     `json:"book"`
	User      string     `json:"user"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CreateToken makes an API token for user of book valid for ttl. The token
// (256 random bits) is returned once; only its SHA-256 hash is stored.
func (db *DB) CreateToken(ctx context.Context, book, user string, ttl time.Duration) (plain string, info TokenInfo, err error) {
	if ttl <= 0 || ttl > TokenTTLMax {
		return "", TokenInfo{}, ledger.Errorf(ledger.EInvalid, "ttl", "a token lives between 1s and %v, not %v", TokenTTLMax, ttl)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", TokenInfo{}, err
	}
	plain = TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	err = db.runTx(ctx, func(tx pgx.Tx) error {
		if user == ledger.SystemUser {
			return ledger.Errorf(ledger.EInvalid, "user", "the built-in user %s has no API tokens", ledger.SystemUser)
		}
		var disabled bool
		err := tx.QueryRow(ctx, `SELECT disabled FROM users WHERE book = $1 AND name = $2`, book, user).Scan(&disabled)
		if err == pgx.ErrNoRows {
			return ledger.Errorf(ledger.ENotFound, "user", "user %s does not exist in book %s", user, book)
		}
		if err != nil {
			return err
		}
		if disabled {
			return ledger.Errorf(ledger.EInvalid, "user", "user %s is disabled", user)
		}
		info = TokenInfo{Book: book, User: user}
		return tx.QueryRow(ctx, `INSERT INTO api_tokens (book, user_name, token_hash, expires_at)
			VALUES ($1, $2, $3, now() + make_interval(secs => $4)) RETURNING id, created_at, expires_at`,
			book, user, hashToken(plain), ttl.Seconds()).Scan(&info.ID, &info.CreatedAt, &info.ExpiresAt)
	})
	if err != nil {
		return "", TokenInfo{}, err
	}
	return plain, info, nil
}

// Authenticate returns the user an API token belongs to, or
// unauthenticated when the token is malformed, unknown, expired or
// revoked, or its user is disabled. The token's id is in the returned
// TokenInfo.
func (db *DB) Authenticate(ctx context.Context, token string) (*ledger.User, TokenInfo, error) {
	// Each reason is its own format, so that the catalogue renders it.
	bad := func(err *ledger.Error) (*ledger.User, TokenInfo, error) {
		return nil, TokenInfo{}, err
	}
	if len(token) != tokenLen || !strings.HasPrefix(token, TokenPrefix) {
		return bad(ledger.Errorf(ledger.EUnauthenticated, "token", "the bearer token is malformed"))
	}
	u := &ledger.User{}
	var info TokenInfo
	var roles []string
	var scope *string
	var disabled, expired bool
	err := db.Pool.QueryRow(ctx, `SELECT t.id, t.book, t.user_name, t.created_at, t.expires_at, t.revoked_at, t.expires_at <= now(),
			u.full_name, u.roles, u.scope, u.disabled
		FROM api_tokens t JOIN users u ON u.book = t.book AND u.name = t.user_name
		WHERE t.token_hash = $1`, hashToken(token)).
		Scan(&info.ID, &info.Book, &info.User, &info.CreatedAt, &info.ExpiresAt, &info.RevokedAt, &expired,
			&u.FullName, &roles, &scope, &disabled)
	if err == pgx.ErrNoRows {
		return bad(ledger.Errorf(ledger.EUnauthenticated, "token", "the bearer token is not known"))
	}
	if err != nil {
		return nil, TokenInfo{}, mapError(err)
	}
	switch {
	case info.RevokedAt != nil:
		return bad(ledger.Errorf(ledger.EUnauthenticated, "token", "the bearer token was revoked"))
	case expired:
		return bad(ledger.Errorf(ledger.EUnauthenticated, "token", "the bearer token has expired"))
	case disabled:
		return bad(ledger.Errorf(ledger.EUnauthenticated, "token", "the token's user is disabled"))
	}
	u.Name, u.Book = info.User, info.Book
	for _, r := range roles {
		u.Roles = append(u.Roles, ledger.Role(r))
	}
	if scope != nil {
		u.Scope = *scope
	}
	return u, info, nil
}

// Token reads the description of token id of book.
func (db *DB) Token(ctx context.Context, book string, id int64) (TokenInfo, error) {
	info := TokenInfo{ID: id}
	err := db.Pool.QueryRow(ctx, `SELECT book, user_name, created_at, expires_at, revoked_at FROM api_tokens WHERE book = $1 AND id = $2`, book, id).
		Scan(&info.Book, &info.User, &info.CreatedAt, &info.ExpiresAt, &info.RevokedAt)
	if err == pgx.ErrNoRows {
		return TokenInfo{}, ledger.Errorf(ledger.ENotFound, "id", "token %d does not exist in book %s", id, book)
	}
	return info, mapError(err)
}

// RevokeToken revokes token id of book; revoking a revoked token is a
// no-op that keeps the first revocation time.
func (db *DB) RevokeToken(ctx context.Context, book string, id int64) (TokenInfo, error) {
	var info TokenInfo
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		info = TokenInfo{ID: id}
		err := tx.QueryRow(ctx, `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE book = $1 AND id = $2
			RETURNING book, user_name, created_at, expires_at, revoked_at`, book, id).
			Scan(&info.Book, &info.User, &info.CreatedAt, &info.ExpiresAt, &info.RevokedAt)
		if err == pgx.ErrNoRows {
			return ledger.Errorf(ledger.ENotFound, "id", "token %d does not exist in book %s", id, book)
		}
		return err
	})
	return info, err
}
