package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// BookChoice is a book offered at sign-in.
type BookChoice struct {
	Book string
	Name string
}

// BookChoices lists the books of the database by code.
func (db *DB) BookChoices(ctx context.Context) ([]BookChoice, error) {
	rows, err := db.Pool.Query(ctx, `SELECT book, name FROM books ORDER BY book`)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []BookChoice
	for rows.Next() {
		var c BookChoice
		if err := rows.Scan(&c.Book, &c.Name); err != nil {
			return nil, mapError(err)
		}
		out = append(out, c)
	}
	return out, mapError(rows.Err())
}

// VoucherSearch selects vouchers for the web's 凭证查询 and work queues.
// Every field is optional; the results come in id order, keyset-paged by
// AfterID.
type VoucherSearch struct {
	Book           string
	From, To       time.Time // dates, inclusive
	Number         int       // 凭证号
	Summary        string    // a part of the voucher's or a line's 摘要
	Payee          string    // a part of the 收款人
	AmountMin      int64     // the voucher's total in fen, inclusive (0: open)
	AmountMax      int64     // (0: open)
	Org            string    // a line's organisation is in this subtree
	Fund           string    // a line's fund
	Purpose        string    // a line's purpose
	Statuses       []string  // one of these states
	Maker          string
	AfterID        int64
	Limit          int // at most ListLimitMax
	WithoutDetails bool

	// Flows are the flows (ledger.FlowReceive …) of the vouchers, a red
	// reversal counting as the flow of the voucher it cancels.
	Flows []string
	// The filters of one line (穿透查询 from a figure): when any is set, a
	// voucher has a line that meets all of them together with Fund,
	// Purpose (the account's) and Org (exactly, with OrgOnly).
	Accounts    []string // the line's account is one of these or below it
	AccountType string   // the line's account is of this type (income, expense, …)
	Kinds       []string // the line's fund is of one of these kinds
	Side        string   // debit or credit: the line is on that side
	OrgOnly     bool     // Org is the line's organisation itself, not its subtree

	// Beneficiaries selects the vouchers that pay beneficiaries (T6): the
	// voucher, or the one a red voucher reverses, lists them.
	Beneficiaries bool

	perRow bool  // the lines' conditions are tested voucher by voucher (SearchVouchers)
	below  int64 // ids at most this (0: any)
}

// likePattern escapes s for LIKE and wraps it in %.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// SearchVouchers lists the vouchers f selects with their lines and
// beneficiaries (unless WithoutDetails), in id order; a full page means
// there may be more after its last id.
func (db *DB) SearchVouchers(ctx context.Context, f VoucherSearch) ([]*ledger.Voucher, error) {
	if f.Limit <= 0 || f.Limit > ListLimitMax {
		f.Limit = ListLimitMax
	}
	if !f.byLines() {
		where, args := f.where()
		args = append(args, f.Limit)
		sql := `SELECT ` + voucherColumns + ` FROM vouchers v WHERE ` + strings.Join(where, " AND ") +
			fmt.Sprintf(" ORDER BY v.id LIMIT $%d", len(args))
		return db.searchVouchers(ctx, sql, args)
	}
	// A filter on the vouchers' lines (organisation, fund, purpose, a
	// figure's line) either holds for many vouchers or for few, and the
	// planner cannot tell which. Many: the page is found among the next
	// vouchers by id, each tested by its own lines (a range of ids at a
	// time, searchChunk of them); few: from the lines that meet it, every
	// one of them gathered and sorted by voucher. The first is tried for
	// searchChunks ranges, then the second takes over from where it
	// stopped; either way the page is the next Limit vouchers by id.
	var last int64
	if err := db.Pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM vouchers WHERE book = $1`, f.Book).Scan(&last); err != nil {
		return nil, mapError(err)
	}
	chunk := int64(searchChunk)
	if db.searchChunk > 0 {
		chunk = db.searchChunk
	}
	var out []*ledger.Voucher
	for range searchChunks {
		if f.AfterID >= last || len(out) == f.Limit {
			return out, nil
		}
		c := f
		c.perRow, c.below = true, f.AfterID+chunk
		where, args := c.where()
		args = append(args, f.Limit-len(out))
		vs, err := db.searchVouchers(ctx, `SELECT `+voucherColumns+` FROM vouchers v WHERE `+strings.Join(where, " AND ")+
			fmt.Sprintf(" ORDER BY v.id LIMIT $%d", len(args)), args)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
		f.AfterID = c.below
		if len(vs) > 0 && len(out) == f.Limit {
			return out, nil
		}
	}
	if f.AfterID >= last {
		return out, nil
	}
	f.Limit -= len(out)
	where, args := f.where()
	args = append(args, f.Limit)
	vs, err := db.searchVouchers(ctx, `SELECT `+voucherColumns+` FROM vouchers v WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(" ORDER BY v.id LIMIT $%d", len(args)), args)
	return append(out, vs...), err
}

// The ranges of ids a search by the vouchers' lines tests voucher by
// voucher before it reads the lines that meet it instead.
const (
	searchChunk  = 4096
	searchChunks = 6
)

// byLines tells whether f selects by the vouchers' lines.
func (f *VoucherSearch) byLines() bool {
	return f.Org != "" || f.Fund != "" || f.Purpose != "" || f.lineFiltered()
}

// sub closes a condition's subquery on a voucher's lines: tested voucher
// by voucher in a range of ids (OFFSET 0 keeps it a subplan, never a join
// over every line that meets it).
func (f *VoucherSearch) sub() string {
	if f.perRow {
		return " OFFSET 0)"
	}
	return ")"
}

// where is the condition of f on vouchers v (without the page's limit)
// and its arguments.
func (f *VoucherSearch) where() ([]string, []any) {
	args := []any{f.Book}
	where := []string{"v.book = $1"}
	add := func(cond string, val any) {
		args = append(args, val)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if !f.From.IsZero() {
		add("v.date >= ?", f.From)
	}
	if !f.To.IsZero() {
		add("v.date <= ?", f.To)
	}
	if f.Number > 0 {
		add("v.number = ?", f.Number)
	}
	if f.Summary != "" {
		add(`(v.summary LIKE ? OR EXISTS (SELECT 1 FROM voucher_lines l WHERE l.book = v.book AND l.voucher_id = v.id AND l.summary LIKE ?))`, likePattern(f.Summary))
	}
	if f.Payee != "" {
		add("v.payee LIKE ?", likePattern(f.Payee))
	}
	// A voucher's total is the sum of its debits (the line trigger keeps
	// it for a draft; the posting check holds it for the others).
	if f.AmountMin > 0 {
		add("v.total_fen >= ?", f.AmountMin)
	}
	if f.AmountMax > 0 {
		add("v.total_fen <= ?", f.AmountMax)
	}
	if f.Fund != "" {
		add("EXISTS (SELECT 1 FROM voucher_lines l WHERE l.book = v.book AND l.voucher_id = v.id AND l.fund = ?"+f.sub(), f.Fund)
	}
	if f.Purpose != "" {
		add("EXISTS (SELECT 1 FROM voucher_lines l WHERE l.book = v.book AND l.voucher_id = v.id AND l.purpose = ?"+f.sub(), f.Purpose)
	}
	if f.Org != "" {
		// The subtree's codes once (an uncorrelated, hashed subquery),
		// then each voucher's lines by the primary key.
		add(`EXISTS (SELECT 1 FROM voucher_lines l WHERE l.book = v.book AND l.voucher_id = v.id AND l.org IN (
			SELECT o.code FROM organisations o JOIN organisations s ON s.book = o.book AND s.code = ?
			WHERE o.book = $1 AND (o.path = s.path OR o.path LIKE s.path || '/%'))`+f.sub(), f.Org)
	}
	if len(f.Statuses) > 0 {
		add("v.status = ANY(?)", f.Statuses)
	}
	if f.Maker != "" {
		add("v.maker = ?", f.Maker)
	}
	if len(f.Flows) > 0 {
		add(`(v.flow = ANY(?) OR EXISTS (SELECT 1 FROM vouchers o WHERE o.book = v.book AND o.id = v.reversal_of AND o.flow = ANY($`+fmt.Sprint(len(args)+1)+`)))`, f.Flows)
	}
	if f.Beneficiaries {
		where = append(where, payingBeneficiariesSQL)
	}
	if f.AfterID > 0 {
		add("v.id > ?", f.AfterID)
	}
	if f.below > 0 {
		add("v.id <= ?", f.below)
	}
	if f.lineFiltered() {
		cond, largs := f.lineCondition(len(args))
		args = append(args, largs...)
		where = append(where, "EXISTS (SELECT 1 FROM voucher_lines l "+lineJoins+" WHERE l.book = v.book AND l.voucher_id = v.id AND "+cond+f.sub())
	}
	return where, args
}

func (db *DB) searchVouchers(ctx context.Context, sql string, args []any) ([]*ledger.Voucher, error) {
	rows, err := db.Pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapError(err)
	}
	var out []*ledger.Voucher
	for rows.Next() {
		v, err := scanVoucher(rows)
		if err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	// The lines decide what a scoped user may see, so they are read even
	// when the caller shows none of them.
	if err := loadLines(ctx, db.Pool, out); err != nil {
		return nil, mapError(err)
	}
	return out, nil
}

// ReversedBy returns the id of the red voucher (not void) cancelling
// voucher id, 0 when there is none.
func (db *DB) ReversedBy(ctx context.Context, book string, id int64) (int64, error) {
	var rid int64
	err := db.Pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM vouchers WHERE book = $1 AND reversal_of = $2 AND status <> 'void'`, book, id).Scan(&rid)
	return rid, mapError(err)
}
