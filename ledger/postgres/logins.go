package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/jackc/pgx/v5"
)

// LoginLimit is one key a login attempt counts against (a user of a book,
// a client address) and the attempts it allows within the window.
type LoginLimit struct {
	Key string
	Max int
}

// loginKeyLenMax bounds a stored key; longer ones are stored as a hash.
const loginKeyLenMax = 200

func loginKey(k string) string {
	if len(k) <= loginKeyLenMax {
		return k
	}
	h := sha256.Sum256([]byte(k))
	return "sha256:" + hex.EncodeToString(h[:])
}

// CountLoginAttempt counts one login attempt against each of limits, before
// the password is checked, and returns how long the caller must wait when
// any key is past its limit (0: the attempt may go on). Each key's count is
// moved by one atomic INSERT … ON CONFLICT … RETURNING, so however many
// attempts run at once, at most Max of them see a count within the limit;
// the count lives in the database, shared by every serving process and kept
// across restarts. A key's window starts with its first attempt and lasts
// window; an attempt after it starts a new one.
func (db *DB) CountLoginAttempt(ctx context.Context, window time.Duration, limits ...LoginLimit) (time.Duration, error) {
	now := db.Now()
	var wait time.Duration
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		wait = 0
		for _, l := range limits {
			var n int
			var start time.Time
			err := tx.QueryRow(ctx, `INSERT INTO login_attempts AS a (key, attempts, window_start) VALUES ($1, 1, $2)
				ON CONFLICT (key) DO UPDATE SET
					attempts = CASE WHEN a.window_start <= $2 - $3::interval THEN 1 ELSE a.attempts + 1 END,
					window_start = CASE WHEN a.window_start <= $2 - $3::interval THEN $2 ELSE a.window_start END
				RETURNING attempts, window_start`, loginKey(l.Key), now, window).Scan(&n, &start)
			if err != nil {
				return err
			}
			if n > l.Max {
				wait = max(wait, start.Add(window).Sub(now), time.Second)
			}
		}
		return nil
	})
	return wait, err
}

// LoginSucceeded forgets the attempts of user (a successful login clears
// the user's failures) and takes the successful attempt back from each of
// addrs, which count failures only.
func (db *DB) LoginSucceeded(ctx context.Context, user string, addrs ...string) error {
	return db.runTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM login_attempts WHERE key = $1`, loginKey(user)); err != nil {
			return err
		}
		for _, a := range addrs {
			if _, err := tx.Exec(ctx, `UPDATE login_attempts SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0`, loginKey(a)); err != nil {
				return err
			}
		}
		return nil
	})
}

// PurgeLoginAttempts deletes the counts whose window started before
// before, and returns how many it deleted.
func (db *DB) PurgeLoginAttempts(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM login_attempts WHERE window_start < $1`, before)
		n = tag.RowsAffected()
		return err
	})
	return n, err
}
