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
	// CreatedBy is the admin who made the token for its user; "" when the
	// user logged in (or the operator made it).
	CreatedBy string `json:"created_by,omitempty"`
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CreateToken makes an API token for user of book valid for ttl. The token
// (256 random bits) is returned once; only its SHA-256 hash is stored.
// It is the user's own login, or the operator's (ledger token create);
// an admin making a token for another user uses CreateTokenAs.
func (db *DB) CreateToken(ctx context.Context, book, user string, ttl time.Duration) (plain string, info TokenInfo, err error) {
	err = db.runTx(ctx, func(tx pgx.Tx) error {
		plain, info, err = insertToken(ctx, tx, book, user, "", ttl)
		return err
	})
	if err != nil {
		return "", TokenInfo{}, err
	}
	return plain, info, nil
}

// insertToken makes a token for user in tx; createdBy is the admin who
// made it for user, "" when the user (or the operator) did.
func insertToken(ctx context.Context, tx pgx.Tx, book, user, createdBy string, ttl time.Duration) (string, TokenInfo, error) {
	if ttl <= 0 || ttl > TokenTTLMax {
		return "", TokenInfo{}, ledger.Errorf(ledger.EInvalid, "ttl", "a token lives between 1s and %v, not %v", TokenTTLMax, ttl)
	}
	if user == ledger.SystemUser {
		return "", TokenInfo{}, ledger.Errorf(ledger.EInvalid, "user", "the built-in user %s has no API tokens", ledger.SystemUser)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", TokenInfo{}, err
	}
	plain := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	var disabled bool
	err := tx.QueryRow(ctx, `SELECT disabled FROM users WHERE book = $1 AND name = $2`, book, user).Scan(&disabled)
	if err == pgx.ErrNoRows {
		return "", TokenInfo{}, ledger.Errorf(ledger.ENotFound, "user", "user %s does not exist in book %s", user, book)
	}
	if err != nil {
		return "", TokenInfo{}, err
	}
	if disabled {
		return "", TokenInfo{}, ledger.Errorf(ledger.EInvalid, "user", "user %s is disabled", user)
	}
	info := TokenInfo{Book: book, User: user, CreatedBy: createdBy}
	var by *string
	if createdBy != "" {
		by = &createdBy
	}
	err = tx.QueryRow(ctx, `INSERT INTO api_tokens (book, user_name, token_hash, expires_at, created_by)
		VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5) RETURNING id, created_at, expires_at`,
		book, user, hashToken(plain), ttl.Seconds(), by).Scan(&info.ID, &info.CreatedAt, &info.ExpiresAt)
	return plain, info, err
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
	hash := hashToken(token)
	now := time.Now()
	if u, info, ok := db.auth.get(string(hash), now); ok {
		return u, info, nil
	}
	gen, cached := db.auth.generation()
	u := &ledger.User{}
	var info TokenInfo
	var roles []string
	var scope *string
	var disabled, expired bool
	err := db.Pool.QueryRow(ctx, `SELECT t.id, t.book, t.user_name, t.created_at, t.expires_at, t.revoked_at, t.expires_at <= now(),
			u.full_name, u.roles, u.scope, u.disabled
		FROM api_tokens t JOIN users u ON u.book = t.book AND u.name = t.user_name
		WHERE t.token_hash = $1`, hash).
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
	if cached {
		db.auth.put(string(hash), gen, u, info, now)
	}
	return u, info, nil
}

// Token reads the description of token id of book.
func (db *DB) Token(ctx context.Context, book string, id int64) (TokenInfo, error) {
	info := TokenInfo{ID: id}
	err := db.Pool.QueryRow(ctx, `SELECT book, user_name, created_at, expires_at, revoked_at, coalesce(created_by, '') FROM api_tokens
		WHERE book = $1 AND id = $2`, book, id).
		Scan(&info.Book, &info.User, &info.CreatedAt, &info.ExpiresAt, &info.RevokedAt, &info.CreatedBy)
	if err == pgx.ErrNoRows {
		return TokenInfo{}, ledger.Errorf(ledger.ENotFound, "id", "token %d does not exist in book %s", id, book)
	}
	return info, mapError(err)
}

// RevokeToken revokes token id of book; revoking a revoked token is a
// no-op that keeps the first revocation time.
func (db *DB) RevokeToken(ctx context.Context, book string, id int64) (TokenInfo, error) {
	defer db.auth.clear() // this process answers from the change on (authCache)
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

// tokenOwner reads, in tx, actor as a user, the books, and the scope of
// user owner ("" the whole book); an owner that does not exist is
// not_found naming field.
func tokenOwner(ctx context.Context, tx pgx.Tx, book, actor, owner, field string) (*ledger.User, *ledger.Books, string, error) {
	u, err := loadUser(ctx, tx, book, actor)
	if err != nil {
		return nil, nil, "", err
	}
	b, err := loadBooks(ctx, tx, book)
	if err != nil {
		return nil, nil, "", err
	}
	var scope string
	err = tx.QueryRow(ctx, `SELECT coalesce(scope, '') FROM users WHERE book = $1 AND name = $2`, book, owner).Scan(&scope)
	if err == pgx.ErrNoRows {
		return nil, nil, "", ledger.Errorf(ledger.ENotFound, field, "user %s does not exist in book %s", owner, book)
	}
	return u, b, scope, err
}

// CreateTokenAs makes an API token for user as actor: the user
// themselves, or an admin who manages user (ledger.CanManageUsers); ""
// is the operator (ledger token create without --as). A token made for
// another user records its maker and is logged in the action log
// (token.create, naming the user and the token), which auditors read.
func (db *DB) CreateTokenAs(ctx context.Context, book, actor, user string, ttl time.Duration) (plain string, info TokenInfo, err error) {
	err = db.runTx(ctx, func(tx pgx.Tx) error {
		by := ""
		if actor == "" {
			actor = ledger.SystemUser
		} else if user != actor {
			u, b, scope, err := tokenOwner(ctx, tx, book, actor, user, "name")
			if err != nil {
				return err
			}
			if err := ledger.CanManageUsers(u, b, scope, "name"); err != nil {
				return err
			}
			by = actor
		}
		if plain, info, err = insertToken(ctx, tx, book, user, by, ttl); err != nil {
			return err
		}
		return logAction(ctx, tx, book, actor, "token.create", 0, db.Now(), db.Source,
			map[string]any{"user": user, "token_id": info.ID, "expires_at": info.ExpiresAt, "for_another_user": user != actor})
	})
	if err != nil {
		return "", TokenInfo{}, err
	}
	return plain, info, nil
}

// RevokeTokenAs revokes token id of book as actor: the token's own user,
// or an admin who manages its user; "" is the operator (ledger token
// revoke without --as). A token outside actor's reach is not_found, as
// one that does not exist. The revocation is logged.
func (db *DB) RevokeTokenAs(ctx context.Context, book, actor string, id int64) (TokenInfo, error) {
	defer db.auth.clear() // this process answers from the change on (authCache)
	var info TokenInfo
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		var owner string
		err := tx.QueryRow(ctx, `SELECT user_name FROM api_tokens WHERE book = $1 AND id = $2`, book, id).Scan(&owner)
		if err == pgx.ErrNoRows {
			return ledger.Errorf(ledger.ENotFound, "id", "token %d does not exist", id)
		}
		if err != nil {
			return err
		}
		if actor == "" {
			actor = ledger.SystemUser
		} else {
			u, b, scope, err := tokenOwner(ctx, tx, book, actor, owner, "id")
			if err != nil {
				return err
			}
			if err := ledger.CanManageTokens(u, b, owner, scope, id); err != nil {
				return err
			}
		}
		info = TokenInfo{ID: id}
		if err := tx.QueryRow(ctx, `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE book = $1 AND id = $2
			RETURNING book, user_name, created_at, expires_at, revoked_at, coalesce(created_by, '')`, book, id).
			Scan(&info.Book, &info.User, &info.CreatedAt, &info.ExpiresAt, &info.RevokedAt, &info.CreatedBy); err != nil {
			return err
		}
		return logAction(ctx, tx, book, actor, "token.revoke", 0, db.Now(), db.Source, map[string]any{"user": owner, "token_id": id})
	})
	return info, err
}

// TokensAs lists the tokens of user name as actor: their own, or those of
// a user actor manages; another user's are not_found.
func (db *DB) TokensAs(ctx context.Context, book, actor, name string) ([]TokenInfo, error) {
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		u, b, scope, err := tokenOwner(ctx, tx, book, actor, name, "name")
		if err != nil {
			return err
		}
		return ledger.CanManageTokens(u, b, name, scope, 0)
	}, snapshot)
	if err != nil {
		return nil, err
	}
	return db.Tokens(ctx, book, name)
}
