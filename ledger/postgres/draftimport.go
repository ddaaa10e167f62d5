package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// DraftInput is one voucher to make as a draft, with where it came from
// (for the error: the file's row).
type DraftInput struct {
	Voucher ledger.Voucher
	// Where names the source of the voucher in errors, e.g. 第 12 行（凭证键 K-3）.
	Where string
}

// DraftImportResult says what ImportDrafts did.
type DraftImportResult struct {
	Made     int      `json:"made"`
	Replayed int      `json:"replayed"`
	IDs      []int64  `json:"ids"`
	Words    []string `json:"words"`
}

// ImportDrafts makes the vouchers as drafts under actor, all in one
// transaction: every rule of CreateVoucher is checked for each (the book's
// rules, the actor's role and scope, active organisations, the database's
// own checks); the first refusal rolls everything back and is returned
// with its code and the voucher's Where prefixed. A voucher whose key was
// used before with the same content is skipped (replayed); with other
// content it is idempotency_conflict.
func (db *DB) ImportDrafts(ctx context.Context, book, actor string, in []DraftInput) (DraftImportResult, error) {
	var res DraftImportResult
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		res = DraftImportResult{}
		b, u, err := db.actorBooks(ctx, tx, book, actor)
		if err != nil {
			return err
		}
		for i := range in {
			w := in[i].Voucher
			w.Book = book
			w.Lines = append([]ledger.Line(nil), w.Lines...)
			wrap := func(err error) error { return wrapWhere(in[i].Where, err) }
			if w.ReversalOf != 0 {
				return wrap(ledger.Errorf(ledger.EInvalid, "reversal_of", "a red reversal is made from the voucher it cancels"))
			}
			if err := ledger.ValidateVoucher(&w, b); err != nil {
				return wrap(err)
			}
			if err := ledger.CheckDate(&w, b, db.Now()); err != nil {
				return wrap(err)
			}
			if err := ledger.Authorize(u, ledger.ActMake, &w, b, b.Book.RequireCashierSign); err != nil {
				return wrap(err)
			}
			if err := ledger.CheckActive(&w, b); err != nil {
				return wrap(err)
			}
			var hash string
			if w.Key != "" {
				hash = requestHash(&w)
				prev, found, err := replayKey(ctx, tx, book, w.Key, actor, hash)
				if err != nil {
					return wrap(mapError(err))
				}
				if found {
					res.Replayed++
					res.IDs = append(res.IDs, prev.ID)
					res.Words = append(res.Words, draftWord(prev))
					continue
				}
			}
			err = db.insertVoucher(ctx, tx, &w, actor, hash, nil)
			if err != nil {
				return wrap(mapError(err))
			}
			res.Made++
			res.IDs = append(res.IDs, w.ID)
			res.Words = append(res.Words, draftWord(&w))
		}
		return nil
	})
	if err != nil {
		return DraftImportResult{}, err
	}
	return res, nil
}

// wrapWhere prefixes a refusal's message with where the voucher came from,
// keeping its code and field.
func wrapWhere(where string, err error) error {
	if where == "" || err == nil {
		return err
	}
	if le, ok := err.(*ledger.Error); ok {
		c := *le
		c.Msg = where + "：" + le.Msg
		return &c
	}
	return err
}

// draftWord names a draft by its month and 凭证字 number, as 2020-02:记-0012
// (the number is taken at the draft's insert).
func draftWord(v *ledger.Voucher) string {
	return fmt.Sprintf("%04d-%02d:%s", v.Year, v.Month, v.Word())
}
