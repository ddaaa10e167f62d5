package postgres

import (
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// The administrator's use cases beside users.go and tokens.go: a user's
// roles and scope, a user's web sessions (listed and ended), the last
// sign-in of each user. Each authorizes its actor inside its transaction
// with ledger.CanManageUsers, as the token use cases do.

// canManage refuses actor unless actor is an admin who manages users of
// scope ("" the whole book); field names the scope in the request.
func canManage(ctx context.Context, tx pgx.Tx, book, actor, scope, field string) error {
	u, err := loadUser(ctx, tx, book, actor)
	if err != nil {
		return err
	}
	if !u.Has(ledger.RoleAdmin) {
		return ledger.CanManageUsers(u, nil, "", "user")
	}
	b, err := loadBooks(ctx, tx, book)
	if err != nil {
		return err
	}
	if scope != "" && b.Orgs[scope] == nil {
		return ledger.Errorf(ledger.ENotFound, field, "organisation %s does not exist", scope)
	}
	return ledger.CanManageUsers(u, b, scope, field)
}

// canManageUser refuses actor unless actor manages user name (its scope
// within actor's); a user that does not exist is not_found.
func canManageUser(ctx context.Context, tx pgx.Tx, book, actor, name string) error {
	u, b, scope, err := tokenOwner(ctx, tx, book, actor, name, "name")
	if err != nil {
		return err
	}
	return ledger.CanManageUsers(u, b, scope, "name")
}

// SetUserAccess gives user name of book the roles and the scope ("" the
// whole book) as actor: an admin who manages the user as it is and the
// scope it gets, so a branch's admin neither reaches a user outside the
// branch nor grants a wider scope. An admin does not take their own admin
// role away (the book would lose its way in). The change is logged with
// what it was.
func (db *DB) SetUserAccess(ctx context.Context, book, actor, name string, roles []ledger.Role, scope string) (UserInfo, error) {
	if len(roles) == 0 {
		return UserInfo{}, ledger.Errorf(ledger.EInvalid, "roles", "roles is required: one or more of officer, checker, cashier, auditor, admin")
	}
	var names []string
	for _, r := range roles {
		if !r.Valid() {
			return UserInfo{}, ledger.Errorf(ledger.EInvalid, "roles", "unknown role %q (officer, checker, cashier, auditor, admin)", r)
		}
		if !slices.Contains(names, string(r)) {
			names = append(names, string(r))
		}
	}
	if actor == name && !slices.Contains(names, string(ledger.RoleAdmin)) {
		return UserInfo{}, ledger.Errorf(ledger.EInvalid, "roles", "%s cannot take away their own admin role", actor)
	}
	var out UserInfo
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		var wasRoles []string
		var wasScope string
		err := tx.QueryRow(ctx, `SELECT roles, coalesce(scope, '') FROM users WHERE book = $1 AND name = $2 FOR UPDATE`, book, name).
			Scan(&wasRoles, &wasScope)
		if err == pgx.ErrNoRows {
			return ledger.Errorf(ledger.ENotFound, "name", "user %s does not exist in book %s", name, book)
		}
		if err != nil {
			return err
		}
		if err := canManage(ctx, tx, book, actor, wasScope, "name"); err != nil {
			return err
		}
		if err := canManage(ctx, tx, book, actor, scope, "scope"); err != nil {
			return err
		}
		var sc *string
		if scope != "" {
			sc = &scope
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET roles = $3, scope = $4 WHERE book = $1 AND name = $2`, book, name, names, sc); err != nil {
			return err
		}
		if err := logAction(ctx, tx, book, actor, "user_access", 0, db.Now(), db.Source, map[string]any{"user": name,
			"roles": names, "scope": scope, "was_roles": wasRoles, "was_scope": wasScope}); err != nil {
			return err
		}
		out, err = scanUserInfo(tx.QueryRow(ctx, `SELECT `+userInfoColumns+` FROM users u WHERE u.book = $1 AND u.name = $2`, book, name))
		return err
	})
	return out, err
}

// SessionInfo describes a web session for an administrator (never its id
// nor its CSRF secret).
type SessionInfo struct {
	ID        int64
	User      string
	CreatedAt time.Time // the sign-in
	LastSeen  time.Time
	ExpiresAt time.Time
}

// UserSessions lists the live web sessions of user name of book (neither
// past their expiry nor idle for idle), newest first.
func (db *DB) UserSessions(ctx context.Context, book, name string, idle time.Duration) ([]SessionInfo, error) {
	now := db.Now().UTC()
	rows, err := db.Pool.Query(ctx, `SELECT id, user_name, created_at, last_seen, expires_at FROM web_sessions
		WHERE book = $1 AND user_name = $2 AND expires_at > $3 AND last_seen > $4 ORDER BY id DESC LIMIT 1000`,
		book, name, now, now.Add(-idle))
	if err != nil {
		return nil, mapError(err)
	}
	out := []SessionInfo{}
	for rows.Next() {
		var s SessionInfo
		if err := rows.Scan(&s.ID, &s.User, &s.CreatedAt, &s.LastSeen, &s.ExpiresAt); err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		out = append(out, s)
	}
	return out, mapError(rows.Err())
}

// EndSessionAs ends web session id of book as actor: the session's own
// user or an admin who manages that user. A session outside actor's reach
// is not_found, as one that does not exist (an id tells nothing about
// other accounts). The act is logged.
func (db *DB) EndSessionAs(ctx context.Context, book, actor string, id int64) (SessionInfo, error) {
	var s SessionInfo
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id, user_name, created_at, last_seen, expires_at FROM web_sessions WHERE book = $1 AND id = $2 FOR UPDATE`,
			book, id).Scan(&s.ID, &s.User, &s.CreatedAt, &s.LastSeen, &s.ExpiresAt)
		if err == pgx.ErrNoRows {
			return ledger.Errorf(ledger.ENotFound, "id", "session %d does not exist", id)
		}
		if err != nil {
			return err
		}
		u, b, scope, err := tokenOwner(ctx, tx, book, actor, s.User, "id")
		if err != nil {
			return err
		}
		if s.User != actor && ledger.CanManageUsers(u, b, scope, "id") != nil {
			return ledger.Errorf(ledger.ENotFound, "id", "session %d does not exist", id)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM web_sessions WHERE id = $1`, id); err != nil {
			return err
		}
		return logAction(ctx, tx, book, actor, "session.end", 0, db.Now(), db.Source, map[string]any{"user": s.User, "session_id": id})
	})
	return s, err
}

// LastSignIns gives, per user of book, the latest web sign-in still on
// record (sessions are deleted when they end, so a user who signed in long
// ago has none).
func (db *DB) LastSignIns(ctx context.Context, book string) (map[string]time.Time, error) {
	rows, err := db.Pool.Query(ctx, `SELECT user_name, max(created_at) FROM web_sessions WHERE book = $1 GROUP BY user_name`, book)
	if err != nil {
		return nil, mapError(err)
	}
	out := map[string]time.Time{}
	for rows.Next() {
		var name string
		var at time.Time
		if err := rows.Scan(&name, &at); err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		out[name] = at
	}
	return out, mapError(rows.Err())
}
