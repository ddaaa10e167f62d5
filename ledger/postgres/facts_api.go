package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// Lists of the facts the audit rules read (publications, roster, members,
// payee accounts, meetings, value dates), a page at a time, with who
// recorded each and when. The writes are in audit.go.

// FactListLimitMax caps a page of a fact list.
const FactListLimitMax = 1000

// FactFilter selects a page of a fact list. Zero fields select everything.
type FactFilter struct {
	// Org keeps the rows of this organisation's subtree; BookWide keeps,
	// with Org, the rows recorded for the whole book (no organisation) too.
	Org      string
	BookWide bool
	// From and To keep value dates of vouchers dated in this range.
	From, To time.Time
	// AfterID (lists keyed by id) or After (lists keyed by a name) start
	// the page after the last row of the previous one.
	AfterID int64
	After   string
	Limit   int // at most FactListLimitMax; 0 takes it
}

func (f *FactFilter) limit() int {
	if f.Limit <= 0 || f.Limit > FactListLimitMax {
		return FactListLimitMax
	}
	return f.Limit
}

// factQuery builds the WHERE clause of a fact list over table alias t;
// the book is $1.
type factQuery struct {
	where []string
	args  []any
}

func newFactQuery(book string) *factQuery {
	return &factQuery{where: []string{"t.book = $1"}, args: []any{book}}
}

// add appends a condition whose "?" placeholders take vals in order.
func (q *factQuery) add(cond string, vals ...any) {
	for _, v := range vals {
		q.args = append(q.args, v)
		cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(q.args)), 1)
	}
	q.where = append(q.where, cond)
}

// orgSubtree is the condition "organisation column col lies in the
// subtree of the organisation given as the placeholder".
func orgSubtree(col string) string {
	return `EXISTS (SELECT 1 FROM organisations o JOIN organisations s ON s.book = o.book AND s.code = ?
		WHERE o.book = t.book AND o.code = ` + col + ` AND (o.path = s.path OR o.path LIKE s.path || '/%'))`
}

func (q *factQuery) org(f *FactFilter, nullable bool) {
	if f.Org == "" {
		return
	}
	if nullable && f.BookWide {
		q.add("(t.org IS NULL OR "+orgSubtree("t.org")+")", f.Org)
		return
	}
	q.add(orgSubtree("t.org"), f.Org)
}

func (q *factQuery) sql() string { return strings.Join(q.where, " AND ") }

func dateText(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func moneyPtr(fen *int64) *ledger.Money {
	if fen == nil {
		return nil
	}
	m := ledger.FromFen(*fen)
	return &m
}

// PublicityRow is a recorded publication (公示).
type PublicityRow struct {
	ID          int64         `json:"id"`
	Org         string        `json:"org"` // "" for the whole book
	Date        string        `json:"date"`
	Channel     string        `json:"channel"`
	Through     string        `json:"through,omitempty"`
	Procurement *ledger.Money `json:"procurement,omitempty"`
	Condolence  *ledger.Money `json:"condolence,omitempty"`
	Relief      *ledger.Money `json:"relief,omitempty"`
	Total       ledger.Money  `json:"total"`
	CreatedBy   string        `json:"created_by"`
	CreatedAt   time.Time     `json:"created_at"`
}

// Publicity lists publications by id.
func (db *DB) Publicity(ctx context.Context, book string, f FactFilter) ([]PublicityRow, error) {
	q := newFactQuery(book)
	q.org(&f, true)
	if f.AfterID > 0 {
		q.add("t.id > ?", f.AfterID)
	}
	where := q.sql()
	return listFacts(ctx, db, `SELECT t.id, coalesce(t.org, ''), t.date, t.channel, t.through, t.procurement_fen, t.condolence_fen,
			t.relief_fen, t.reported_total_fen, t.created_by, t.created_at
		FROM publicity t WHERE `+where+fmt.Sprintf(` ORDER BY t.id LIMIT %d`, f.limit()), q.args, func(row pgx.Row) (PublicityRow, error) {
		var p PublicityRow
		var date time.Time
		var through *time.Time
		var proc, cond, rel *int64
		var total int64
		if err := row.Scan(&p.ID, &p.Org, &date, &p.Channel, &through, &proc, &cond, &rel, &total, &p.CreatedBy, &p.CreatedAt); err != nil {
			return p, err
		}
		p.Date, p.Through = date.Format(time.DateOnly), dateText(through)
		p.Procurement, p.Condolence, p.Relief, p.Total = moneyPtr(proc), moneyPtr(cond), moneyPtr(rel), ledger.FromFen(total)
		return p, nil
	})
}

// RosterRow is a person on the approved condolence/relief roster (花名册).
type RosterRow struct {
	ID        int64     `json:"id"`
	Org       string    `json:"org"` // "" for every organisation of the book
	Name      string    `json:"name"`
	IDNumber  string    `json:"id_number"`
	Phone     string    `json:"phone"`
	Category  string    `json:"category"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Roster lists the roster by id.
func (db *DB) Roster(ctx context.Context, book string, f FactFilter) ([]RosterRow, error) {
	q := newFactQuery(book)
	q.org(&f, true)
	if f.AfterID > 0 {
		q.add("t.id > ?", f.AfterID)
	}
	where := q.sql()
	return listFacts(ctx, db, `SELECT t.id, coalesce(t.org, ''), t.name, t.id_number, t.phone, t.category, t.created_by, t.created_at
		FROM beneficiary_roster t WHERE `+where+fmt.Sprintf(` ORDER BY t.id LIMIT %d`, f.limit()), q.args, func(row pgx.Row) (RosterRow, error) {
		var e RosterRow
		if err := row.Scan(&e.ID, &e.Org, &e.Name, &e.IDNumber, &e.Phone, &e.Category, &e.CreatedBy, &e.CreatedAt); err != nil {
			return e, err
		}
		return e, nil
	})
}

// MemberRow is a member or cadre of an organisation.
type MemberRow struct {
	ID        int64     `json:"id"`
	Org       string    `json:"org"`
	Name      string    `json:"name"`
	IDNumber  string    `json:"id_number"`
	Cadre     bool      `json:"cadre"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Members lists members by id.
func (db *DB) Members(ctx context.Context, book string, f FactFilter) ([]MemberRow, error) {
	q := newFactQuery(book)
	q.org(&f, false)
	if f.AfterID > 0 {
		q.add("t.id > ?", f.AfterID)
	}
	where := q.sql()
	return listFacts(ctx, db, `SELECT t.id, t.org, t.name, t.id_number, t.cadre, t.created_by, t.created_at
		FROM org_members t WHERE `+where+fmt.Sprintf(` ORDER BY t.id LIMIT %d`, f.limit()), q.args, func(row pgx.Row) (MemberRow, error) {
		var m MemberRow
		if err := row.Scan(&m.ID, &m.Org, &m.Name, &m.IDNumber, &m.Cadre, &m.CreatedBy, &m.CreatedAt); err != nil {
			return m, err
		}
		return m, nil
	})
}

// PayeeAccountRow tells whether a payee is paid into a personal account.
type PayeeAccountRow struct {
	Payee     string    `json:"payee"`
	Personal  bool      `json:"personal"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PayeeAccounts lists payee accounts by payee.
func (db *DB) PayeeAccounts(ctx context.Context, book string, f FactFilter) ([]PayeeAccountRow, error) {
	q := newFactQuery(book)
	if f.After != "" {
		q.add("t.payee > ?", f.After)
	}
	where := q.sql()
	return listFacts(ctx, db, `SELECT t.payee, t.personal, t.updated_by, t.updated_at
		FROM payee_accounts t WHERE `+where+fmt.Sprintf(` ORDER BY t.payee LIMIT %d`, f.limit()), q.args, func(row pgx.Row) (PayeeAccountRow, error) {
		var p PayeeAccountRow
		if err := row.Scan(&p.Payee, &p.Personal, &p.UpdatedBy, &p.UpdatedAt); err != nil {
			return p, err
		}
		return p, nil
	})
}

// PayeeAccount reads the account of one payee.
func (db *DB) PayeeAccount(ctx context.Context, book, payee string) (PayeeAccountRow, error) {
	p := PayeeAccountRow{Payee: payee}
	err := db.Pool.QueryRow(ctx, `SELECT personal, updated_by, updated_at FROM payee_accounts WHERE book = $1 AND payee = $2`,
		book, payee).Scan(&p.Personal, &p.UpdatedBy, &p.UpdatedAt)
	if err == pgx.ErrNoRows {
		return p, ledger.Errorf(ledger.ENotFound, "payee", "no account recorded for payee %s", payee)
	}
	return p, mapError(err)
}

// MeetingRow is a collective decision with its attendees.
type MeetingRow struct {
	Decision  string    `json:"decision"`
	Attendees []string  `json:"attendees"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Meetings lists meetings by decision reference.
func (db *DB) Meetings(ctx context.Context, book string, f FactFilter) ([]MeetingRow, error) {
	q := newFactQuery(book)
	if f.After != "" {
		q.add("t.decision > ?", f.After)
	}
	where := q.sql()
	return listFacts(ctx, db, `SELECT t.decision, t.attendees, t.updated_by, t.updated_at
		FROM meetings t WHERE `+where+fmt.Sprintf(` ORDER BY t.decision LIMIT %d`, f.limit()), q.args, func(row pgx.Row) (MeetingRow, error) {
		var m MeetingRow
		if err := row.Scan(&m.Decision, &m.Attendees, &m.UpdatedBy, &m.UpdatedAt); err != nil {
			return m, err
		}
		return m, nil
	})
}

// Meeting reads one meeting by its decision reference.
func (db *DB) Meeting(ctx context.Context, book, decision string) (MeetingRow, error) {
	m := MeetingRow{Decision: decision}
	err := db.Pool.QueryRow(ctx, `SELECT attendees, updated_by, updated_at FROM meetings WHERE book = $1 AND decision = $2`,
		book, decision).Scan(&m.Attendees, &m.UpdatedBy, &m.UpdatedAt)
	if err == pgx.ErrNoRows {
		return m, ledger.Errorf(ledger.ENotFound, "decision", "no meeting recorded for %s", decision)
	}
	return m, mapError(err)
}

// ValueDateRow is the bank value date recorded for a voucher.
type ValueDateRow struct {
	VoucherID   int64     `json:"voucher_id"`
	Word        string    `json:"word"`   // 字号 of the voucher
	Period      string    `json:"period"` // its month, YYYY-MM
	VoucherDate string    `json:"voucher_date"`
	ValueDate   string    `json:"value_date"`
	Source      string    `json:"source"` // manual, or statement
	SetBy       string    `json:"set_by"`
	SetAt       time.Time `json:"set_at"`
}

const valueDateColumns = `t.voucher_id, v.type, v.number, v.year, v.month, v.date, t.value_date, t.source, t.set_by, t.set_at`

func scanValueDate(row pgx.Row) (ValueDateRow, error) {
	var d ValueDateRow
	var typ string
	var number, year, month int
	var vdate, value time.Time
	if err := row.Scan(&d.VoucherID, &typ, &number, &year, &month, &vdate, &value, &d.Source, &d.SetBy, &d.SetAt); err != nil {
		return d, err
	}
	d.Word, d.Period = fmt.Sprintf("%s-%04d", typ, number), fmt.Sprintf("%04d-%02d", year, month)
	d.VoucherDate, d.ValueDate = vdate.Format(time.DateOnly), value.Format(time.DateOnly)
	return d, nil
}

// ValueDates lists value dates by voucher id; with f.Org, of the vouchers
// with a line in that subtree.
func (db *DB) ValueDates(ctx context.Context, book string, f FactFilter) ([]ValueDateRow, error) {
	q := newFactQuery(book)
	if f.Org != "" {
		q.add(`EXISTS (SELECT 1 FROM voucher_lines l
			JOIN organisations o ON o.book = l.book AND o.code = l.org
			JOIN organisations s ON s.book = l.book AND s.code = ?
			WHERE l.book = t.book AND l.voucher_id = t.voucher_id AND (o.path = s.path OR o.path LIKE s.path || '/%'))`, f.Org)
	}
	if !f.From.IsZero() {
		q.add("v.date >= ?", f.From)
	}
	if !f.To.IsZero() {
		q.add("v.date <= ?", f.To)
	}
	if f.AfterID > 0 {
		q.add("t.voucher_id > ?", f.AfterID)
	}
	where := q.sql()
	return listFacts(ctx, db, `SELECT `+valueDateColumns+`
		FROM voucher_value_dates t JOIN vouchers v ON v.book = t.book AND v.id = t.voucher_id
		WHERE `+where+fmt.Sprintf(` ORDER BY t.voucher_id LIMIT %d`, f.limit()), q.args, scanValueDate)
}

// ValueDate reads the value date of voucher id.
func (db *DB) ValueDate(ctx context.Context, book string, id int64) (ValueDateRow, error) {
	d, err := scanValueDate(db.Pool.QueryRow(ctx, `SELECT `+valueDateColumns+`
		FROM voucher_value_dates t JOIN vouchers v ON v.book = t.book AND v.id = t.voucher_id
		WHERE t.book = $1 AND t.voucher_id = $2`, book, id))
	if err == pgx.ErrNoRows {
		return d, ledger.Errorf(ledger.ENotFound, "id", "no value date recorded for voucher %d", id)
	}
	return d, mapError(err)
}

// PublicityByID reads one publication.
func (db *DB) PublicityByID(ctx context.Context, book string, id int64) (PublicityRow, error) {
	ps, err := db.Publicity(ctx, book, FactFilter{AfterID: id - 1, Limit: 1})
	if err != nil {
		return PublicityRow{}, err
	}
	if len(ps) == 0 || ps[0].ID != id {
		return PublicityRow{}, ledger.Errorf(ledger.ENotFound, "id", "no publication %d in book %s", id, book)
	}
	return ps[0], nil
}

// listFacts runs a list query and scans each row with scan; no rows is an
// empty list.
func listFacts[T any](ctx context.Context, db *DB, sql string, args []any, scan func(pgx.Row) (T, error)) ([]T, error) {
	rows, err := db.Pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
	if out == nil {
		out = []T{}
	}
	return out, mapError(err)
}
