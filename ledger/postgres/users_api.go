package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// UserInfo describes a user for an administrator: never the password hash,
// only whether there is one.
type UserInfo struct {
	Name         string        `json:"name"`
	FullName     string        `json:"full_name"`
	Roles        []ledger.Role `json:"roles"`
	Scope        string        `json:"scope"` // "" for the whole book
	Disabled     bool          `json:"disabled"`
	HasPassword  bool          `json:"has_password"`
	ActiveTokens int           `json:"active_tokens"` // neither expired nor revoked
	CreatedAt    time.Time     `json:"created_at"`
}

const userInfoColumns = `u.name, u.full_name, u.roles, coalesce(u.scope, ''), u.disabled, u.password_hash <> '', u.created_at,
	(SELECT count(*) FROM api_tokens t WHERE t.book = u.book AND t.user_name = u.name AND t.revoked_at IS NULL AND t.expires_at > now())`

func scanUserInfo(row pgx.Row) (UserInfo, error) {
	var u UserInfo
	var roles []string
	if err := row.Scan(&u.Name, &u.FullName, &roles, &u.Scope, &u.Disabled, &u.HasPassword, &u.CreatedAt, &u.ActiveTokens); err != nil {
		return u, err
	}
	u.Roles = []ledger.Role{}
	for _, r := range roles {
		u.Roles = append(u.Roles, ledger.Role(r))
	}
	return u, nil
}

// Users lists the users of book by name.
func (db *DB) Users(ctx context.Context, book string) ([]UserInfo, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+userInfoColumns+` FROM users u WHERE u.book = $1 ORDER BY u.name`, book)
	if err != nil {
		return nil, mapError(err)
	}
	out := []UserInfo{}
	for rows.Next() {
		u, err := scanUserInfo(rows)
		if err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		out = append(out, u)
	}
	return out, mapError(rows.Err())
}

// User reads one user of book, disabled or not.
func (db *DB) User(ctx context.Context, book, name string) (UserInfo, error) {
	u, err := scanUserInfo(db.Pool.QueryRow(ctx, `SELECT `+userInfoColumns+` FROM users u WHERE u.book = $1 AND u.name = $2`, book, name))
	if err == pgx.ErrNoRows {
		return u, ledger.Errorf(ledger.ENotFound, "name", "user %s does not exist in book %s", name, book)
	}
	return u, mapError(err)
}

// SetUserDisabled disables (or enables again) user name of book as actor.
// Disabling revokes the user's tokens, so enabling the user again gives
// no old token back. A user does not disable themselves. Setting the state
// the user already has changes nothing.
func (db *DB) SetUserDisabled(ctx context.Context, book, actor, name string, disabled bool) (UserInfo, error) {
	defer db.auth.clear() // this process answers from the change on (authCache)
	if disabled && actor == name {
		return UserInfo{}, ledger.Errorf(ledger.EInvalid, "name", "%s cannot disable their own account", actor)
	}
	var out UserInfo
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		var was bool
		err := tx.QueryRow(ctx, `SELECT disabled FROM users WHERE book = $1 AND name = $2 FOR UPDATE`, book, name).Scan(&was)
		if err == pgx.ErrNoRows {
			return ledger.Errorf(ledger.ENotFound, "name", "user %s does not exist in book %s", name, book)
		}
		if err != nil {
			return err
		}
		if was != disabled {
			if _, err := tx.Exec(ctx, `UPDATE users SET disabled = $3 WHERE book = $1 AND name = $2`, book, name, disabled); err != nil {
				return err
			}
			revoked := int64(0)
			if disabled {
				tag, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE book = $1 AND user_name = $2 AND revoked_at IS NULL`, book, name)
				if err != nil {
					return err
				}
				revoked = tag.RowsAffected()
			}
			action := "user_enable"
			if disabled {
				action = "user_disable"
			}
			if err := logAction(ctx, tx, book, actor, action, 0, db.Now(), db.Source, map[string]any{"user": name, "tokens_revoked": revoked}); err != nil {
				return err
			}
		}
		out, err = scanUserInfo(tx.QueryRow(ctx, `SELECT `+userInfoColumns+` FROM users u WHERE u.book = $1 AND u.name = $2`, book, name))
		return err
	})
	return out, err
}

// Tokens lists the tokens of user name of book, newest first (never the
// tokens themselves, which are not stored).
func (db *DB) Tokens(ctx context.Context, book, name string) ([]TokenInfo, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, book, user_name, created_at, expires_at, revoked_at, coalesce(created_by, '') FROM api_tokens
		WHERE book = $1 AND user_name = $2 ORDER BY id DESC LIMIT 1000`, book, name)
	if err != nil {
		return nil, mapError(err)
	}
	out := []TokenInfo{}
	for rows.Next() {
		var t TokenInfo
		if err := rows.Scan(&t.ID, &t.Book, &t.User, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt, &t.CreatedBy); err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		out = append(out, t)
	}
	return out, mapError(rows.Err())
}
