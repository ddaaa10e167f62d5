package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// EditVoucher replaces the header, lines and beneficiaries of draft id of
// book next.Book with next's, as actor (its maker or an admin in scope),
// provided the draft is still at version: the edit makes the next version
// and the action log keeps the content before and after it. Its number,
// month, 凭证字 and flow stay.
//
// The draft is read and everything is checked first, as for a new voucher;
// then, in one transaction, one statement moves the draft a version up only
// if it is still a draft at version (a concurrent edit, check or void that
// came first leaves it alone: stale version is invalid_state, a check
// immutable), ledger_clear_draft deletes its children and they are written
// again by the statements a new draft's are (queueVoucherChildren), with
// the action. The database checks the same again (vouchers_guard_edit,
// the line triggers, vouchers_edit_complete at commit).
func (db *DB) EditVoucher(ctx context.Context, actor string, id int64, version int, next *ledger.Voucher) (*ledger.Voucher, error) {
	var out *ledger.Voucher
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = db.editVoucher(ctx, tx, actor, id, version, next)
		return err
	})
	return out, err
}

func (db *DB) editVoucher(ctx context.Context, tx pgx.Tx, actor string, id int64, version int, next *ledger.Voucher) (*ledger.Voucher, error) {
	book := next.Book
	old, err := loadVoucher(ctx, tx, book, id, false)
	if err != nil {
		return nil, err
	}
	b, u, err := db.actorBooks(ctx, tx, book, actor)
	if err != nil {
		return nil, err
	}
	if err := ledger.CanEditDraft(u, old, b); err != nil {
		return nil, err
	}
	if err := ledger.CheckEdit(old, next, version); err != nil {
		return nil, err
	}
	w := ledger.Edited(old, next)
	if err := ledger.ValidateVoucher(w, b); err != nil {
		return nil, err
	}
	if err := ledger.CheckDate(w, b, db.Now()); err != nil {
		return nil, err
	}
	// The new lines' organisations are authorized as a new voucher's.
	if err := ledger.Authorize(u, ledger.ActMake, w, b, b.Book.RequireCashierSign); err != nil {
		return nil, err
	}
	if err := ledger.CheckActive(w, b); err != nil {
		return nil, err
	}
	docTypes := w.DocTypes
	if docTypes == nil {
		docTypes = []string{}
	}
	w.DocTypes = docTypes
	now := db.Now().Round(time.Microsecond).UTC()
	tag, err := tx.Exec(ctx, `UPDATE vouchers SET version = version + 1, edited_by = $4, edited_at = $5, date = $6, summary = $7,
			attachments = $8, doc_types = $9, decision = $10, payee = $11, payee_type = $12, method = $13, memo = $14,
			closing = $15, correcting = $16
		WHERE book = $1 AND id = $2 AND version = $3 AND status = 'draft'`,
		book, id, version, actor, now, w.Date, w.Summary, w.Attachments, docTypes, w.Decision, w.Payee, w.PayeeType, w.Method,
		w.Memo, w.Closing, w.Correcting)
	if err != nil {
		return nil, err
	}
	if tag.RowsAffected() == 0 {
		// Moved since it was read (under this statement's wait for a
		// concurrent edit's lock): say how.
		cur, err := loadVoucher(ctx, tx, book, id, false)
		if err != nil {
			return nil, err
		}
		if err := ledger.CheckEdit(cur, w, version); err != nil {
			return nil, err
		}
		return nil, ledger.Errorf(ledger.EInvalidState, "version", "%s is at version %d, not %d: it was edited meanwhile; read it again", cur.Word(), cur.Version, version)
	}
	before, after := ledger.Content(old), ledger.Content(w)
	detail := ledger.EditDetail{Version: w.Version, Changed: ledger.Changed(before, after), Before: before, After: after}
	batch := &pgx.Batch{}
	batch.Queue(`SELECT ledger_clear_draft($1, $2)`, book, id)
	n := queueVoucherChildren(batch, w, fmt.Sprintf("%d::bigint", id))
	batch.Queue(`INSERT INTO actions (book, at, actor, action, voucher_id, source, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		book, now, actor, string(ledger.ActEdit), id, db.Source, detail)
	br := tx.SendBatch(ctx, batch)
	err = func() error {
		for i := 0; i < n+2; i++ {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		return nil
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return loadVoucher(ctx, tx, book, id, false)
}

// VoucherHistory lists what was done to voucher id, oldest first, from the
// action log: its making (version 1), each edit with the fields it changed
// and the content before and after (ID numbers masked), and each workflow
// step with the version it acted on.
func (db *DB) VoucherHistory(ctx context.Context, book string, id int64) ([]ledger.VersionEntry, error) {
	var out []ledger.VersionEntry
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM vouchers WHERE book = $1 AND id = $2)`, book, id).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return ledger.Errorf(ledger.ENotFound, "id", "voucher %d does not exist in book %s", id, book)
		}
		rows, err := tx.Query(ctx, `SELECT action, actor, at, source, detail FROM actions
			WHERE book = $1 AND voucher_id = $2 ORDER BY id`, book, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = nil
		version := 1
		for rows.Next() {
			var e ledger.VersionEntry
			var action string
			var detail []byte
			if err := rows.Scan(&action, &e.Actor, &e.At, &e.Source, &detail); err != nil {
				return err
			}
			e.Action = ledger.Action(action)
			if e.Action == ledger.ActEdit {
				var d ledger.EditDetail
				if err := json.Unmarshal(detail, &d); err != nil {
					return fmt.Errorf("edit of voucher %d: %w", id, err)
				}
				before, after := d.Before.Masked(), d.After.Masked()
				version, e.Changed, e.Before, e.After = d.Version, d.Changed, &before, &after
			}
			e.Version = version
			out = append(out, e)
		}
		return rows.Err()
	}, snapshot)
	return out, err
}
