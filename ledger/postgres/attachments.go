package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// ActAttach is the action logged when a file is attached to a voucher; its
// detail records the file's number, hash, size, media type and name, which
// `ledger verify` compares with the stored files.
const ActAttach = "attach"

// AttachFile stores the checked file a (ledger.NewAttachment) as the next
// attachment of draft voucher id, attached by actor: the maker or an admin
// whose scope holds the voucher's organisations (ledger.CanAttach; the
// database checks the same). The voucher row is locked, so files attached
// at once are numbered one after the other. It returns the stored file
// without its bytes.
func (db *DB) AttachFile(ctx context.Context, book, actor string, id int64, a *ledger.Attachment) (*ledger.Attachment, error) {
	var out ledger.Attachment
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		v, err := loadVoucher(ctx, tx, book, id, true)
		if err != nil {
			return err
		}
		b, u, err := db.actorBooks(ctx, tx, book, actor)
		if err != nil {
			return err
		}
		if err := ledger.CanAttach(u, v, b); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(no), 0) FROM voucher_attachments WHERE book = $1 AND voucher_id = $2`, book, id).Scan(&n); err != nil {
			return err
		}
		if n >= ledger.AttachmentsPerVoucherMax {
			return ledger.Errorf(ledger.ETooLarge, "file", "%s has %d files already; a voucher holds at most %d", v.Word(), n, ledger.AttachmentsPerVoucherMax)
		}
		out = *a
		out.Book, out.VoucherID, out.No, out.UploadedBy, out.UploadedAt = book, id, n+1, actor, db.Now().Round(time.Microsecond).UTC()
		out.Data = nil
		if _, err := tx.Exec(ctx, `INSERT INTO voucher_attachments (book, voucher_id, no, file_name, media_type, size, sha256, data, uploaded_by, uploaded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			book, id, out.No, out.FileName, out.MediaType, out.Size, out.SHA256[:], a.Data, actor, out.UploadedAt); err != nil {
			return err
		}
		return logAction(ctx, tx, book, actor, ActAttach, id, out.UploadedAt, db.Source, map[string]any{
			"no": out.No, "sha256": out.SHA256Hex(), "size": out.Size, "media_type": out.MediaType, "file_name": out.FileName,
		})
	})
	if err != nil {
		return nil, mapError(err)
	}
	return &out, nil
}

const attachmentColumns = `book, voucher_id, no, file_name, media_type, size, sha256, uploaded_by, uploaded_at`

func scanAttachment(row pgx.Row, data bool) (ledger.Attachment, error) {
	var a ledger.Attachment
	var sum []byte
	dst := []any{&a.Book, &a.VoucherID, &a.No, &a.FileName, &a.MediaType, &a.Size, &sum, &a.UploadedBy, &a.UploadedAt}
	if data {
		dst = append(dst, &a.Data)
	}
	if err := row.Scan(dst...); err != nil {
		return a, err
	}
	copy(a.SHA256[:], sum)
	return a, nil
}

// Attachments lists the files of voucher id, without their bytes, in
// number order. The caller decides who may read the voucher.
func (db *DB) Attachments(ctx context.Context, book string, id int64) ([]ledger.Attachment, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+attachmentColumns+` FROM voucher_attachments WHERE book = $1 AND voucher_id = $2 ORDER BY no`, book, id)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ledger.Attachment, error) { return scanAttachment(r, false) })
	if out == nil {
		out = []ledger.Attachment{}
	}
	return out, mapError(err)
}

// Attachment reads file no of voucher id with its bytes.
func (db *DB) Attachment(ctx context.Context, book string, id int64, no int) (*ledger.Attachment, error) {
	a, err := scanAttachment(db.Pool.QueryRow(ctx, `SELECT `+attachmentColumns+`, data FROM voucher_attachments WHERE book = $1 AND voucher_id = $2 AND no = $3`, book, id, no), true)
	if err == pgx.ErrNoRows {
		return nil, ledger.Errorf(ledger.ENotFound, "no", "voucher %d has no file %d", id, no)
	}
	if err != nil {
		return nil, mapError(err)
	}
	return &a, nil
}

// loadSealedAttachments reads what the seal covers of the files of the
// vouchers ids, by voucher id.
func loadSealedAttachments(ctx context.Context, q querier, book string, ids []int64) (map[int64][]ledger.SealedAttachment, error) {
	out := map[int64][]ledger.SealedAttachment{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT voucher_id, no, sha256, size, media_type FROM voucher_attachments
		WHERE book = $1 AND voucher_id = ANY($2) ORDER BY voucher_id, no`, book, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var f ledger.SealedAttachment
		var sum []byte
		if err := rows.Scan(&id, &f.No, &sum, &f.Size, &f.MediaType); err != nil {
			return nil, err
		}
		copy(f.SHA256[:], sum)
		out[id] = append(out[id], f)
	}
	return out, rows.Err()
}

// VoucherFor reads voucher id for actor, refused unless actor may read it
// (ledger.CanReadVoucher); actor "" reads without a check, as the command
// line's reads do without --as.
func (db *DB) VoucherFor(ctx context.Context, book, actor string, id int64) (*ledger.Voucher, error) {
	v, err := loadVoucher(ctx, db.Pool, book, id, false)
	if err != nil || actor == "" {
		return v, mapError(err)
	}
	b, u, err := db.actorBooks(ctx, db.Pool, book, actor)
	if err != nil {
		return nil, mapError(err)
	}
	if err := ledger.CanReadVoucher(u, v, b); err != nil {
		return nil, err
	}
	return v, nil
}
