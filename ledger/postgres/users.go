package postgres

import (
	"cmp"
	"context"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// PasswordLenMin and PasswordLenMax bound passwords (bytes); the upper
// bound keeps hashing cheap for hostile input.
const (
	PasswordLenMin = 8
	PasswordLenMax = 256
)

func checkPasswordText(pw string) error {
	if len(pw) < PasswordLenMin || len(pw) > PasswordLenMax {
		return ledger.Errorf(ledger.EInvalid, "password", "a password has %d to %d bytes", PasswordLenMin, PasswordLenMax)
	}
	return nil
}

// AddUser adds user u to book with an optional password ("" leaves the
// user without one: it can then only use tokens made by `ledger token
// create`).
func (db *DB) AddUser(ctx context.Context, book string, u ledger.User, password string) (*ledger.User, error) {
	return db.AddUserAs(ctx, book, "", u, password)
}

// AddUserAs is AddUser by actor, an admin who manages users of u's scope
// (ledger.CanManageUsers, checked in the transaction); "" is the
// operator (ledger user add). The action log names actor.
func (db *DB) AddUserAs(ctx context.Context, book, actor string, u ledger.User, password string) (*ledger.User, error) {
	if err := ledger.CheckUserText(&u); err != nil {
		return nil, err
	}
	if len(u.Roles) == 0 {
		return nil, ledger.Errorf(ledger.EInvalid, "role", "a user needs at least one role (officer, checker, cashier, auditor, admin)")
	}
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		if !r.Valid() {
			return nil, ledger.Errorf(ledger.EInvalid, "role", "unknown role %q (officer, checker, cashier, auditor, admin)", r)
		}
		roles[i] = string(r)
	}
	if u.Name == ledger.SystemUser {
		return nil, ledger.Errorf(ledger.EInvalid, "name", "%s is the built-in identity", ledger.SystemUser)
	}
	hash := ""
	if password != "" {
		if err := checkPasswordText(password); err != nil {
			return nil, err
		}
		hash = hashPassword(password)
	}
	var scope *string
	if u.Scope != "" {
		scope = &u.Scope
	}
	var out *ledger.User
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		if actor != "" {
			if err := canManage(ctx, tx, book, actor, u.Scope, "scope"); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE book = $1 AND name = $2`, book, u.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ledger.Errorf(ledger.EInvalid, "name", "user %s already exists in book %s", u.Name, book)
		}
		if u.Scope != "" {
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM organisations WHERE book = $1 AND code = $2`, book, u.Scope).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return ledger.Errorf(ledger.ENotFound, "scope", "organisation %s does not exist in book %s", u.Scope, book)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO users (book, name, full_name, roles, scope, password_hash) VALUES ($1, $2, $3, $4, $5, $6)`,
			book, u.Name, u.FullName, roles, scope, hash); err != nil {
			return err
		}
		if err := logAction(ctx, tx, book, cmp.Or(actor, ledger.SystemUser), "user_add", 0, db.Now(), db.Source,
			map[string]any{"user": u.Name, "roles": roles, "scope": u.Scope}); err != nil {
			return err
		}
		var err error
		out, err = loadUser(ctx, tx, book, u.Name)
		return err
	})
	return out, err
}

// SetPassword sets the password of user name of book.
func (db *DB) SetPassword(ctx context.Context, book, name, password string) error {
	return db.SetPasswordAs(ctx, book, "", name, password)
}

// SetPasswordAs is SetPassword by actor, an admin who manages user name
// (checked in the transaction); "" is the operator or the user changing
// their own password. The action log names actor.
func (db *DB) SetPasswordAs(ctx context.Context, book, actor, name, password string) error {
	if err := checkPasswordText(password); err != nil {
		return err
	}
	hash := hashPassword(password)
	return db.runTx(ctx, func(tx pgx.Tx) error {
		if actor != "" {
			if err := canManageUser(ctx, tx, book, actor, name); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $3 WHERE book = $1 AND name = $2`, book, name, hash)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ledger.Errorf(ledger.ENotFound, "user", "user %s does not exist in book %s", name, book)
		}
		return logAction(ctx, tx, book, cmp.Or(actor, ledger.SystemUser), "user_password", 0, db.Now(), db.Source, map[string]any{"user": name})
	})
}

// dummyHash is checked against when a login names an unknown user, so the
// answer takes as long as for a wrong password.
var dummyHash = sync.OnceValue(func() string { return hashPassword("no such user") })

// Login checks a user's password and returns the user. Every failure is the
// same unauthenticated error, whether the user is unknown, disabled, has no
// password or gave a wrong one, and costs the same argon2id check.
func (db *DB) Login(ctx context.Context, book, name, password string) (*ledger.User, error) {
	fail := ledger.Errorf(ledger.EUnauthenticated, "password", "unknown user or wrong password")
	if len(password) > PasswordLenMax || len(name) > 64 || strings.TrimSpace(name) == "" {
		return nil, fail
	}
	var hash string
	var disabled bool
	err := db.Pool.QueryRow(ctx, `SELECT password_hash, disabled FROM users WHERE book = $1 AND name = $2`, book, name).Scan(&hash, &disabled)
	if err != nil && err != pgx.ErrNoRows {
		return nil, mapError(err)
	}
	if err == pgx.ErrNoRows || hash == "" {
		checkPassword(dummyHash(), password)
		return nil, fail
	}
	if !checkPassword(hash, password) || disabled {
		return nil, fail
	}
	u, err := loadUser(ctx, db.Pool, book, name)
	if err != nil {
		return nil, mapError(err)
	}
	return u, nil
}
