package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
)

// Limits on the facts the audit rules read.
const (
	findingNoteLenMax   = 2000
	meetingAttendeesMax = 200
)

// StoredFinding is a finding as recorded, with its state: one row of the
// exception list (T8 异常情况清单: 规则编号 | 问题类型 | 严重程度 | 凭证字号 |
// 日期 | 党组织 | 金额 | 说明 | 责任人 | 整改期限 | 整改状态).
type StoredFinding struct {
	ID          int64        // the short number people use (ledger audit ack 12)
	Key         string       // the stable key of audit.Finding
	Rule        string       // A-01 … A-17
	Type        string       // 问题类型
	Severity    string       // HIGH, MEDIUM or LOW
	VoucherID   int64        // 0 when the finding is not about one voucher
	Voucher     string       // 凭证字号 such as 记-0012
	Date        time.Time    // zero when the finding has no date
	Org         string       // organisation code, "" for the whole book
	Amount      ledger.Money // 金额
	Explanation string       // 说明
	Responsible string       // 责任人
	State       string       // open, acknowledged or rectified
	Note        string       // the auditor's latest note
	Deadline    *time.Time   // 整改期限
	FirstSeenAt time.Time
	LastSeenAt  time.Time
	UpdatedBy   string
	UpdatedAt   *time.Time
}

// StateName is the Chinese label of the finding's state.
func (f *StoredFinding) StateName() string { return audit.FindingStateName(f.State) }

// MarshalJSON writes dates as YYYY-MM-DD, amounts as decimal strings and
// timestamps in RFC 3339.
func (f StoredFinding) MarshalJSON() ([]byte, error) {
	type view struct {
		ID          int64        `json:"id"`
		Key         string       `json:"key"`
		Rule        string       `json:"rule"`
		Type        string       `json:"type"`
		Severity    string       `json:"severity"`
		VoucherID   int64        `json:"voucher_id,omitempty"`
		Voucher     string       `json:"voucher,omitempty"`
		Date        string       `json:"date,omitempty"`
		Org         string       `json:"org,omitempty"`
		Amount      ledger.Money `json:"amount"`
		Explanation string       `json:"explanation"`
		Responsible string       `json:"responsible,omitempty"`
		State       string       `json:"state"`
		StateName   string       `json:"state_name"`
		Note        string       `json:"note,omitempty"`
		Deadline    string       `json:"deadline,omitempty"`
		FirstSeenAt time.Time    `json:"first_seen_at"`
		LastSeenAt  time.Time    `json:"last_seen_at"`
		UpdatedBy   string       `json:"updated_by,omitempty"`
		UpdatedAt   *time.Time   `json:"updated_at,omitempty"`
	}
	v := view{ID: f.ID, Key: f.Key, Rule: f.Rule, Type: f.Type, Severity: f.Severity, VoucherID: f.VoucherID,
		Voucher: f.Voucher, Org: f.Org, Amount: f.Amount, Explanation: f.Explanation, Responsible: f.Responsible,
		State: f.State, StateName: f.StateName(), Note: f.Note, FirstSeenAt: f.FirstSeenAt, LastSeenAt: f.LastSeenAt,
		UpdatedBy: f.UpdatedBy, UpdatedAt: f.UpdatedAt}
	if !f.Date.IsZero() {
		v.Date = f.Date.Format(time.DateOnly)
	}
	if f.Deadline != nil {
		v.Deadline = f.Deadline.Format(time.DateOnly)
	}
	return json.Marshal(v)
}

// auditSnapshotTx runs fn in one read-only REPEATABLE READ transaction, so that
// everything it reads comes from one snapshot.
func (db *DB) auditSnapshotTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return db.runTx(ctx, fn, snapshot)
}

// AuditInput loads everything the audit rules read for book, evaluated over
// [from, asOf]: the book, chart, organisations, funds and users; every
// voucher of the book dated on or before asOf, in every state, with its
// lines and beneficiaries (two streaming queries); the publications dated
// on or before asOf; the roster, members, payee accounts and meetings; the
// bank value dates; and the closed periods. It reads one snapshot and never
// the clock: from and asOf are dates (a zero from is the start of the
// project).
func (db *DB) AuditInput(ctx context.Context, book string, from, asOf time.Time) (*audit.Input, error) {
	if asOf.IsZero() {
		return nil, ledger.Errorf(ledger.EInvalid, "as_of", "the evaluation date is missing")
	}
	if !from.IsZero() && from.After(asOf) {
		return nil, ledger.Errorf(ledger.EInvalid, "from", "the window starts %s, after its end %s", from.Format(time.DateOnly), asOf.Format(time.DateOnly))
	}
	in := &audit.Input{From: from, AsOf: asOf, BankValueDates: map[int64]time.Time{}}
	err := db.auditSnapshotTx(ctx, func(tx pgx.Tx) error {
		b, err := loadBooks(ctx, tx, book)
		if err != nil {
			return err
		}
		in.Book, in.Chart, in.Orgs, in.Funds = *b.Book, b.Chart, b.Orgs, b.Funds
		if in.Users, err = loadAuditUsers(ctx, tx, book); err != nil {
			return err
		}
		if in.Vouchers, err = loadAuditVouchers(ctx, tx, book, asOf); err != nil {
			return err
		}
		if in.Publicity, err = loadPublicity(ctx, tx, book, asOf); err != nil {
			return err
		}
		if in.Roster, err = loadRoster(ctx, tx, book); err != nil {
			return err
		}
		if in.Members, err = loadMembers(ctx, tx, book); err != nil {
			return err
		}
		if in.PayeeAccounts, err = loadPayeeAccounts(ctx, tx, book); err != nil {
			return err
		}
		if in.Meetings, err = loadMeetings(ctx, tx, book); err != nil {
			return err
		}
		if err := loadValueDates(ctx, tx, book, in.BankValueDates); err != nil {
			return err
		}
		in.ClosedPeriods, err = loadClosedPeriods(ctx, tx, book)
		return err
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}

func loadAuditUsers(ctx context.Context, q querier, book string) (map[string]*ledger.User, error) {
	rows, err := q.Query(ctx, `SELECT name, full_name, roles, coalesce(scope, '') FROM users WHERE book = $1`, book)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*ledger.User{}
	for rows.Next() {
		u := &ledger.User{Book: book}
		var roles []string
		if err := rows.Scan(&u.Name, &u.FullName, &roles, &u.Scope); err != nil {
			return nil, err
		}
		for _, r := range roles {
			u.Roles = append(u.Roles, ledger.Role(r))
		}
		out[u.Name] = u
	}
	return out, rows.Err()
}

// loadAuditVouchers streams the vouchers dated on or before asOf with their
// lines (one query, a voucher row repeated per line), then their
// beneficiaries (a second query), both in id order.
func loadAuditVouchers(ctx context.Context, q querier, book string, asOf time.Time) ([]ledger.Voucher, error) {
	rows, err := q.Query(ctx, `SELECT v.id, v.type, v.year, v.month, v.number, v.date, v.summary, v.attachments, v.doc_types,
			v.decision, v.payee, v.payee_type, v.method, v.flow, v.memo, v.closing, v.correcting, v.status,
			coalesce(v.reversal_of, 0), coalesce(v.correction_of, 0), coalesce(v.idem_key, ''), v.maker, v.made_at,
			coalesce(v.checker, ''), v.checked_at, coalesce(v.cashier, ''), v.signed_at, coalesce(v.poster, ''), v.posted_at,
			l.line_no, l.summary, l.account, l.org, l.fund, coalesce(l.purpose, ''), l.debit_fen, l.credit_fen,
			(SELECT count(*) FROM voucher_attachments a WHERE a.book = v.book AND a.voucher_id = v.id)::int
		FROM vouchers v LEFT JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id
		WHERE v.book = $1 AND v.date <= $2
		ORDER BY v.id, l.line_no`, book, asOf)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.Voucher
	index := map[int64]int{}
	for rows.Next() {
		var v ledger.Voucher
		var status string
		var madeAt time.Time
		var lineNo *int
		var lSummary, lAccount, lOrg, lFund, lPurpose *string
		var d, c *int64
		if err := rows.Scan(&v.ID, &v.Type, &v.Year, &v.Month, &v.Number, &v.Date, &v.Summary, &v.Attachments, &v.DocTypes,
			&v.Decision, &v.Payee, &v.PayeeType, &v.Method, &v.Flow, &v.Memo, &v.Closing, &v.Correcting, &status,
			&v.ReversalOf, &v.CorrectionOf, &v.Key, &v.Maker, &madeAt, &v.Checker, &v.CheckedAt, &v.Cashier, &v.SignedAt,
			&v.Poster, &v.PostedAt, &lineNo, &lSummary, &lAccount, &lOrg, &lFund, &lPurpose, &d, &c, &v.Files); err != nil {
			return nil, err
		}
		i, seen := index[v.ID]
		if !seen {
			v.Book = book
			v.Status = ledger.VoucherStatus(status)
			v.MadeAt = &madeAt
			i = len(out)
			index[v.ID] = i
			out = append(out, v)
		}
		if lineNo != nil {
			out[i].Lines = append(out[i].Lines, ledger.Line{No: *lineNo, Summary: *lSummary, Account: *lAccount, Org: *lOrg,
				Fund: *lFund, Purpose: ledger.Purpose(*lPurpose), Debit: ledger.FromFen(*d), Credit: ledger.FromFen(*c)})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	rows, err = q.Query(ctx, `SELECT b.voucher_id, b.name, b.category, b.id_number, b.phone, b.reason, b.amount_fen
		FROM voucher_beneficiaries b JOIN vouchers v ON v.book = b.book AND v.id = b.voucher_id
		WHERE b.book = $1 AND v.date <= $2
		ORDER BY b.voucher_id, b.seq`, book, asOf)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p ledger.Beneficiary
		var vid, amt int64
		if err := rows.Scan(&vid, &p.Name, &p.Category, &p.IDNumber, &p.Phone, &p.Reason, &amt); err != nil {
			return nil, err
		}
		p.Amount = ledger.FromFen(amt)
		if i, ok := index[vid]; ok {
			out[i].Beneficiaries = append(out[i].Beneficiaries, p)
		}
	}
	return out, rows.Err()
}

func loadPublicity(ctx context.Context, q querier, book string, asOf time.Time) ([]audit.PublicityRecord, error) {
	rows, err := q.Query(ctx, `SELECT coalesce(org, ''), date, channel, through, procurement_fen, condolence_fen, relief_fen, reported_total_fen
		FROM publicity WHERE book = $1 AND date <= $2 ORDER BY date, id`, book, asOf)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.PublicityRecord
	for rows.Next() {
		var p audit.PublicityRecord
		var through *time.Time
		var totals [3]*int64
		var total int64
		if err := rows.Scan(&p.Org, &p.Date, &p.Channel, &through, &totals[0], &totals[1], &totals[2], &total); err != nil {
			return nil, err
		}
		if through != nil {
			p.Through = *through
		}
		p.Totals = map[ledger.Purpose]ledger.Money{}
		for i, pur := range ledger.Purposes {
			if totals[i] != nil {
				p.Totals[pur] = ledger.FromFen(*totals[i])
			}
		}
		p.ReportedTotal = ledger.FromFen(total)
		out = append(out, p)
	}
	return out, rows.Err()
}

func loadRoster(ctx context.Context, q querier, book string) ([]audit.RosterEntry, error) {
	rows, err := q.Query(ctx, `SELECT coalesce(org, ''), name, id_number, phone, category FROM beneficiary_roster WHERE book = $1 ORDER BY id`, book)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.RosterEntry
	for rows.Next() {
		var e audit.RosterEntry
		if err := rows.Scan(&e.Org, &e.Name, &e.IDNumber, &e.Phone, &e.Category); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func loadMembers(ctx context.Context, q querier, book string) ([]audit.Member, error) {
	rows, err := q.Query(ctx, `SELECT org, name, id_number, cadre FROM org_members WHERE book = $1 ORDER BY id`, book)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Member
	for rows.Next() {
		var m audit.Member
		if err := rows.Scan(&m.Org, &m.Name, &m.IDNumber, &m.Cadre); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func loadPayeeAccounts(ctx context.Context, q querier, book string) ([]audit.PayeeAccount, error) {
	rows, err := q.Query(ctx, `SELECT payee, personal FROM payee_accounts WHERE book = $1 ORDER BY payee`, book)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.PayeeAccount
	for rows.Next() {
		var p audit.PayeeAccount
		if err := rows.Scan(&p.Payee, &p.Personal); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func loadMeetings(ctx context.Context, q querier, book string) ([]audit.Meeting, error) {
	rows, err := q.Query(ctx, `SELECT decision, attendees FROM meetings WHERE book = $1 ORDER BY decision`, book)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Meeting
	for rows.Next() {
		var m audit.Meeting
		if err := rows.Scan(&m.Decision, &m.Attendees); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func loadValueDates(ctx context.Context, q querier, book string, out map[int64]time.Time) error {
	rows, err := q.Query(ctx, `SELECT voucher_id, value_date FROM voucher_value_dates WHERE book = $1`, book)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var d time.Time
		if err := rows.Scan(&id, &d); err != nil {
			return err
		}
		out[id] = d
	}
	return rows.Err()
}

// loadClosedPeriods lists every close of a period (from the period log, and
// the period's own close time for a close the log does not hold), earliest
// first.
func loadClosedPeriods(ctx context.Context, q querier, book string) ([]audit.ClosedPeriod, error) {
	rows, err := q.Query(ctx, `SELECT year, month, at FROM period_events WHERE book = $1 AND action = 'close'
		UNION
		SELECT year, month, closed_at FROM periods p WHERE book = $1 AND status = 'closed' AND closed_at IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM period_events e WHERE e.book = p.book AND e.year = p.year AND e.month = p.month AND e.action = 'close')
		ORDER BY 3, 1, 2`, book)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.ClosedPeriod
	for rows.Next() {
		var c audit.ClosedPeriod
		if err := rows.Scan(&c.Year, &c.Month, &c.ClosedAt); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

const findingColumns = `f.id, f.key, f.rule, f.type, f.severity, coalesce(f.voucher_id, 0), f.voucher_word, f.date, f.org,
	f.amount_fen, f.explanation, f.responsible, f.state, f.note, f.deadline, f.first_seen_at, f.last_seen_at,
	coalesce(f.updated_by, ''), f.updated_at`

func scanFinding(row pgx.Row) (*StoredFinding, error) {
	f := &StoredFinding{}
	var date *time.Time
	var amount int64
	if err := row.Scan(&f.ID, &f.Key, &f.Rule, &f.Type, &f.Severity, &f.VoucherID, &f.Voucher, &date, &f.Org, &amount,
		&f.Explanation, &f.Responsible, &f.State, &f.Note, &f.Deadline, &f.FirstSeenAt, &f.LastSeenAt, &f.UpdatedBy, &f.UpdatedAt); err != nil {
		return nil, err
	}
	if date != nil {
		f.Date = *date
	}
	f.Amount = ledger.FromFen(amount)
	return f, nil
}

func collectFindings(rows pgx.Rows) ([]StoredFinding, error) {
	defer rows.Close()
	out := []StoredFinding{}
	for rows.Next() {
		f, err := scanFinding(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *f)
	}
	return out, rows.Err()
}

// RecordFindings records one evaluation of period: findings new to the
// book are stored open; a finding found before (same key) keeps its state,
// note and deadline, takes the evaluation's current description (severity,
// amount, explanation…) and its last_seen time becomes at. The run and the
// findings it found are recorded too: they are the findings of the period
// (Findings with a Period, OpenHighFindings). It returns the findings in
// the order given, with their stored state.
func (db *DB) RecordFindings(ctx context.Context, book string, period ledger.PeriodRange, fs []audit.Finding, at time.Time) ([]StoredFinding, error) {
	if period.From.IsZero() || period.To.IsZero() || period.To.Before(period.From) {
		return nil, ledger.Errorf(ledger.EInvalid, "period", "the period to record findings for is missing or reversed")
	}
	n := len(fs)
	keys, rules, types, sevs, words, orgs, expls, resps := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n),
		make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	vids, dates, amounts := make([]*int64, 0, n), make([]*time.Time, 0, n), make([]int64, 0, n)
	seen := make(map[string]bool, n)
	for i := range fs {
		f := &fs[i]
		if f.Key == "" {
			return nil, ledger.Errorf(ledger.EInvalid, fmt.Sprintf("findings[%d].key", i), "finding %s has no key", f.Rule)
		}
		if seen[f.Key] {
			continue
		}
		seen[f.Key] = true
		keys, rules, types, sevs = append(keys, f.Key), append(rules, f.Rule), append(types, f.Type), append(sevs, f.Severity)
		words, orgs, expls, resps = append(words, f.Voucher), append(orgs, f.Org), append(expls, f.Explanation), append(resps, f.Responsible)
		var vid *int64
		if f.VoucherID != 0 {
			id := f.VoucherID
			vid = &id
		}
		var d *time.Time
		if !f.Date.IsZero() {
			t := f.Date
			d = &t
		}
		vids, dates, amounts = append(vids, vid), append(dates, d), append(amounts, f.Amount.Fen())
	}
	var out []StoredFinding
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		var runID int64
		if err := tx.QueryRow(ctx, `INSERT INTO audit_runs (book, period_from, period_to, at, findings) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			book, period.From, period.To, at, len(keys)).Scan(&runID); err != nil {
			return err
		}
		if len(keys) == 0 {
			out = []StoredFinding{}
			return nil
		}
		// Keys in sorted order: concurrent runs lock the rows in one order.
		if _, err := tx.Exec(ctx, `INSERT INTO audit_findings AS f (book, key, rule, type, severity, voucher_id, voucher_word, date, org,
				amount_fen, explanation, responsible, first_seen_at, last_seen_at)
			SELECT $1, u.key, u.rule, u.type, u.severity, u.voucher_id, u.word, u.date, u.org, u.amount, u.expl, u.resp, $13, $13
			FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::date[], $9::text[],
				$10::bigint[], $11::text[], $12::text[]) AS u(key, rule, type, severity, voucher_id, word, date, org, amount, expl, resp)
			ORDER BY u.key
			ON CONFLICT (book, key) DO UPDATE SET rule = excluded.rule, type = excluded.type, severity = excluded.severity,
				voucher_id = excluded.voucher_id, voucher_word = excluded.voucher_word, date = excluded.date, org = excluded.org,
				amount_fen = excluded.amount_fen, explanation = excluded.explanation, responsible = excluded.responsible,
				last_seen_at = greatest(f.last_seen_at, excluded.last_seen_at)`,
			book, keys, rules, types, sevs, vids, words, dates, orgs, amounts, expls, resps, at); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO audit_run_findings (book, run_id, finding_key) SELECT $1, $2, unnest($3::text[])`,
			book, runID, keys); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+findingColumns+`
			FROM unnest($2::text[]) WITH ORDINALITY AS u(key, n)
			JOIN audit_findings f ON f.book = $1 AND f.key = u.key
			ORDER BY u.n`, book, keys)
		if err != nil {
			return err
		}
		out, err = collectFindings(rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FindingFilter selects stored findings. Zero fields select everything.
type FindingFilter struct {
	// Period selects the findings of the latest recorded evaluation of
	// exactly this period (none when it was never evaluated).
	Period *ledger.PeriodRange
	// State is open, acknowledged or rectified.
	State string
	// Severity is the lowest severity shown: HIGH shows HIGH only, MEDIUM
	// shows HIGH and MEDIUM, LOW everything.
	Severity string
	Rule     string
	Org      string
}

// Findings lists stored findings by rule, date, voucher and key.
func (db *DB) Findings(ctx context.Context, book string, f FindingFilter) ([]StoredFinding, error) {
	where := []string{"f.book = $1"}
	args := []any{book}
	add := func(cond string, val any) {
		args = append(args, val)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.State != "" {
		if f.State != audit.FindingOpen && f.State != audit.FindingAcknowledged && f.State != audit.FindingRectified {
			return nil, ledger.Errorf(ledger.EInvalid, "state", "unknown state %q (open, acknowledged or rectified)", f.State)
		}
		add("f.state = ?", f.State)
	}
	if f.Severity != "" {
		sev, err := audit.ParseSeverity(f.Severity)
		if err != nil {
			return nil, err
		}
		var allowed []string
		for _, s := range []string{audit.SeverityHigh, audit.SeverityMedium, audit.SeverityLow} {
			if audit.SeverityRank(s) >= audit.SeverityRank(sev) {
				allowed = append(allowed, s)
			}
		}
		add("f.severity = ANY(?)", allowed)
	}
	if f.Rule != "" {
		add("f.rule = ?", f.Rule)
	}
	if f.Org != "" {
		add("f.org = ?", f.Org)
	}
	if f.Period != nil {
		args = append(args, f.Period.From, f.Period.To)
		where = append(where, fmt.Sprintf(`f.key IN (SELECT rf.finding_key FROM audit_run_findings rf
			WHERE rf.book = f.book AND rf.run_id = (SELECT max(r.id) FROM audit_runs r
				WHERE r.book = $1 AND r.period_from = $%d AND r.period_to = $%d))`, len(args)-1, len(args)))
	}
	rows, err := db.Pool.Query(ctx, `SELECT `+findingColumns+` FROM audit_findings f WHERE `+strings.Join(where, " AND ")+`
		ORDER BY f.rule, f.date NULLS FIRST, f.voucher_id NULLS FIRST, f.org, f.key`, args...)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := collectFindings(rows)
	return out, mapError(err)
}

// OpenHighFindings counts the open HIGH findings of the latest recorded
// evaluation of the month (RecordFindings with that month as the period):
// the monthly batch refuses to close the period while one is open. A month
// never evaluated has none, so evaluate it first.
func (db *DB) OpenHighFindings(ctx context.Context, book string, year, month int) (int, error) {
	if month < 1 || month > 12 {
		return 0, ledger.Errorf(ledger.EInvalid, "month", "month %d is not 1 … 12", month)
	}
	from := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, -1)
	var n int
	err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_run_findings rf
		JOIN audit_findings f ON f.book = rf.book AND f.key = rf.finding_key
		WHERE rf.book = $1 AND f.state = 'open' AND f.severity = 'HIGH'
		  AND rf.run_id = (SELECT max(r.id) FROM audit_runs r WHERE r.book = $1 AND r.period_from = $2 AND r.period_to = $3)`,
		book, from, to).Scan(&n)
	return n, mapError(err)
}

// AckFinding acknowledges an open finding (认定): the auditor confirms it,
// notes what is to be done and by when (deadline; zero for none). ref is
// the finding's number or its key. Only auditors and admins change finding
// states (forbidden otherwise); a finding that is not open is
// invalid_state; an unknown one not_found.
func (db *DB) AckFinding(ctx context.Context, book, actor, ref, note string, deadline time.Time) (*StoredFinding, error) {
	var d *time.Time
	if !deadline.IsZero() {
		d = &deadline
	}
	return db.moveFinding(ctx, book, actor, ref, audit.FindingOpen, audit.FindingAcknowledged, note, d)
}

// RectifyFinding records that an acknowledged finding was rectified (已整改),
// with a note on how. The same rules as AckFinding apply.
func (db *DB) RectifyFinding(ctx context.Context, book, actor, ref, note string) (*StoredFinding, error) {
	return db.moveFinding(ctx, book, actor, ref, audit.FindingAcknowledged, audit.FindingRectified, note, nil)
}

var stepVerb = map[string]string{audit.FindingAcknowledged: "acknowledge", audit.FindingRectified: "rectify"}

func (db *DB) moveFinding(ctx context.Context, book, actor, ref, from, to, note string, deadline *time.Time) (*StoredFinding, error) {
	if err := ledger.CheckText("note", note, true); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if note == "" {
		return nil, ledger.Errorf(ledger.EInvalid, "note", "a note is required to %s", ledger.Phrase(stepVerb[to]+" a finding"))
	}
	if len([]rune(note)) > findingNoteLenMax {
		return nil, ledger.Errorf(ledger.EInvalid, "note", "a note has at most %d characters", findingNoteLenMax)
	}
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, ledger.Errorf(ledger.EInvalid, "id", "which finding? give its number or key")
	}
	var out *StoredFinding
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		u, err := loadUser(ctx, tx, book, actor)
		if err != nil {
			return err
		}
		if err := ledger.CanAudit(u, ledger.Phrase(stepVerb[to]+" a finding")); err != nil {
			return err
		}
		sql := `SELECT ` + findingColumns + ` FROM audit_findings f WHERE f.book = $1 AND `
		var arg any = ref
		if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
			sql += "f.id = $2"
			arg = id
		} else {
			sql += "f.key = $2"
		}
		f, err := scanFinding(tx.QueryRow(ctx, sql+" FOR UPDATE", book, arg))
		if err == pgx.ErrNoRows {
			return ledger.Errorf(ledger.ENotFound, "id", "no finding %s in book %s", ref, book)
		}
		if err != nil {
			return err
		}
		if u.Scope != "" && f.Org != "" {
			b, err := loadBooks(ctx, tx, book)
			if err != nil {
				return err
			}
			if !b.InScope(u.Scope, f.Org) {
				return ledger.Errorf(ledger.EForbidden, "user", "%s may act only within %s; finding %d is about %s", actor, u.Scope, f.ID, f.Org)
			}
		}
		if f.State != from {
			return ledger.Errorf(ledger.EInvalidState, "state", "finding %d is %s (%s); only a finding that is %s can be %s",
				f.ID, f.State, f.StateName(), from, map[string]string{audit.FindingAcknowledged: "acknowledged", audit.FindingRectified: "rectified"}[to])
		}
		if deadline == nil {
			deadline = f.Deadline
		}
		now := db.Now()
		if _, err := tx.Exec(ctx, `UPDATE audit_findings SET state = $3, note = $4, deadline = $5, updated_by = $6, updated_at = $7
			WHERE book = $1 AND id = $2`, book, f.ID, to, note, deadline, actor, now); err != nil {
			return err
		}
		detail := map[string]any{"finding": f.ID, "key": f.Key, "from": from, "to": to}
		if err := logAction(ctx, tx, book, actor, "finding."+stepVerb[to], f.VoucherID, now, db.Source, detail); err != nil {
			return err
		}
		out, err = scanFinding(tx.QueryRow(ctx, `SELECT `+findingColumns+` FROM audit_findings f WHERE f.book = $1 AND f.id = $2`, book, f.ID))
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FindingEvent is one change of a finding's state (or a note on it).
type FindingEvent struct {
	ID        int64      `json:"id"`
	FindingID int64      `json:"finding_id"`
	From      string     `json:"from"`
	To        string     `json:"to"`
	Actor     string     `json:"actor"`
	DBRole    string     `json:"db_role"`
	At        time.Time  `json:"at"`
	Note      string     `json:"note"`
	Deadline  *time.Time `json:"deadline,omitempty"`
}

// FindingEvents lists the state changes of a finding (its number or key),
// oldest first.
func (db *DB) FindingEvents(ctx context.Context, book, ref string) ([]FindingEvent, error) {
	cond := "e.finding_key = $2"
	var arg any = ref
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		cond, arg = "e.finding_id = $2", id
	}
	rows, err := db.Pool.Query(ctx, `SELECT e.id, e.finding_id, e.from_state, e.to_state, e.actor, e.db_role, e.at, e.note, e.deadline
		FROM finding_events e WHERE e.book = $1 AND `+cond+` ORDER BY e.id`, book, arg)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	out := []FindingEvent{}
	for rows.Next() {
		var e FindingEvent
		if err := rows.Scan(&e.ID, &e.FindingID, &e.From, &e.To, &e.Actor, &e.DBRole, &e.At, &e.Note, &e.Deadline); err != nil {
			return nil, mapError(err)
		}
		out = append(out, e)
	}
	return out, mapError(rows.Err())
}

// writeFacts runs fn for a user who may record the facts the audit rules
// read (publications, roster, members, payee accounts, meetings, value
// dates): an officer or an admin; auditors read them. Each of orgs is the
// organisation a fact is about: it must exist and lie in the user's
// scope, and "" (a fact of the whole book, which the rules read for every
// branch) is for a user of the whole book only. Value dates pass no orgs:
// they are checked against their voucher's lines.
func (db *DB) writeFacts(ctx context.Context, book, actor, what string, orgs []string, fn func(tx pgx.Tx, now time.Time) error) error {
	return db.runTx(ctx, func(tx pgx.Tx) error {
		u, err := loadUser(ctx, tx, book, actor)
		if err != nil {
			return err
		}
		if err := ledger.CanRecordFacts(u, ledger.Phrase(what)); err != nil {
			return err
		}
		if len(orgs) > 0 {
			b, err := loadBooks(ctx, tx, book)
			if err != nil {
				return err
			}
			for _, o := range orgs {
				if err := ledger.CanRecordFor(u, b, "org", o); err != nil {
					return err
				}
			}
		}
		now := db.Now()
		if err := fn(tx, now); err != nil {
			return err
		}
		return logAction(ctx, tx, book, actor, what, 0, now, db.Source, nil)
	})
}

func factNullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func checkFactText(field, s string, max int) error {
	if err := ledger.CheckText(field, s, false); err != nil {
		return err
	}
	if len([]rune(s)) > max {
		return ledger.Errorf(ledger.EInvalid, field, "at most %d characters", max)
	}
	return nil
}

// AddPublicity records a publication (公示) of spending by p.Org ("" for the
// whole book): its date, channel, the day of spending it covers up to
// (zero: its date), the published totals by purpose (a purpose not in
// p.Totals was not published) and the published grand total. It returns
// the record's id.
func (db *DB) AddPublicity(ctx context.Context, book, actor string, p audit.PublicityRecord) (int64, error) {
	if p.Date.IsZero() {
		return 0, ledger.Errorf(ledger.EInvalid, "date", "the date of the publication is missing")
	}
	if !p.Through.IsZero() && p.Through.After(p.Date) {
		return 0, ledger.Errorf(ledger.EInvalid, "through", "a publication dated %s cannot cover spending up to %s", p.Date.Format(time.DateOnly), p.Through.Format(time.DateOnly))
	}
	if err := checkFactText("channel", p.Channel, 200); err != nil {
		return 0, err
	}
	var totals [3]*int64
	for pur, m := range p.Totals {
		i := -1
		for j, q := range ledger.Purposes {
			if q == pur {
				i = j
			}
		}
		if i < 0 {
			return 0, ledger.Errorf(ledger.EInvalid, "totals", "unknown purpose %q", pur)
		}
		if m.Sign() < 0 {
			return 0, ledger.Errorf(ledger.EInvalidAmount, string(pur), "a published total is not negative")
		}
		fen := m.Fen()
		totals[i] = &fen
	}
	if p.ReportedTotal.Sign() < 0 {
		return 0, ledger.Errorf(ledger.EInvalidAmount, "total", "a published total is not negative")
	}
	var through *time.Time
	if !p.Through.IsZero() {
		through = &p.Through
	}
	var id int64
	err := db.writeFacts(ctx, book, actor, "publicity.add", []string{p.Org}, func(tx pgx.Tx, now time.Time) error {
		return tx.QueryRow(ctx, `INSERT INTO publicity (book, org, date, channel, through, procurement_fen, condolence_fen, relief_fen,
				reported_total_fen, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			book, factNullText(p.Org), p.Date, p.Channel, through, totals[0], totals[1], totals[2], p.ReportedTotal.Fen(), actor, now).Scan(&id)
	})
	return id, err
}

func validateRosterEntry(field string, e *audit.RosterEntry, asOf time.Time) error {
	e.Name, e.IDNumber, e.Phone, e.Category = strings.TrimSpace(e.Name), strings.TrimSpace(e.IDNumber), strings.TrimSpace(e.Phone), strings.TrimSpace(e.Category)
	if e.Name == "" {
		return ledger.Errorf(ledger.EInvalid, field+"name", "the name is missing")
	}
	if e.IDNumber == "" && e.Phone == "" {
		return ledger.Errorf(ledger.EInvalid, field+"id_number", "%s: an ID number or a phone number identifies the person", e.Name)
	}
	for _, c := range []struct {
		f, v string
		max  int
	}{{"name", e.Name, 100}, {"id_number", e.IDNumber, 32}, {"phone", e.Phone, 32}, {"category", e.Category, 50}} {
		if err := checkFactText(field+c.f, c.v, c.max); err != nil {
			return err
		}
	}
	kind, number, err := ledger.CheckPersonID(field, string(e.IDKind), e.IDNumber, asOf)
	if err != nil {
		return err
	}
	e.IDKind, e.IDNumber = kind, number
	return nil
}

// AddRosterEntry puts a person on the approved condolence/relief roster of
// e.Org ("" for every organisation of the book). Adding the same person
// (organisation, name, ID number) again updates the phone and category.
func (db *DB) AddRosterEntry(ctx context.Context, book, actor string, e audit.RosterEntry) error {
	_, err := db.AddRosterEntries(ctx, book, actor, []audit.RosterEntry{e})
	return err
}

// AddRosterEntries adds many roster entries, all or nothing (roster
// import); it returns how many were new.
func (db *DB) AddRosterEntries(ctx context.Context, book, actor string, es []audit.RosterEntry) (int, error) {
	if len(es) == 0 {
		return 0, ledger.Errorf(ledger.EInvalid, "roster", "no roster entries")
	}
	orgSet := map[string]bool{}
	var orgs []string
	for i := range es {
		field := ""
		if len(es) > 1 {
			field = fmt.Sprintf("roster[%d].", i+1)
		}
		if err := validateRosterEntry(field, &es[i], db.Now()); err != nil {
			return 0, err
		}
		if !orgSet[es[i].Org] {
			orgSet[es[i].Org] = true
			orgs = append(orgs, es[i].Org)
		}
	}
	created := 0
	err := db.writeFacts(ctx, book, actor, "roster.add", orgs, func(tx pgx.Tx, now time.Time) error {
		created = 0
		for _, e := range es {
			var inserted bool
			if err := tx.QueryRow(ctx, `INSERT INTO beneficiary_roster (book, org, name, id_number, id_kind, phone, category, created_by, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
				ON CONFLICT (book, (coalesce(org, '')), name, id_number) DO UPDATE SET phone = excluded.phone, category = excluded.category
				RETURNING xmax = 0`, book, factNullText(e.Org), e.Name, e.IDNumber, string(e.IDKind), e.Phone, e.Category, actor, now).Scan(&inserted); err != nil {
				return err
			}
			if inserted {
				created++
			}
		}
		return nil
	})
	return created, err
}

// AddMember records a member of organisation m.Org, a cadre (党员干部) when
// m.Cadre is set. Adding the same person again updates the cadre flag.
func (db *DB) AddMember(ctx context.Context, book, actor string, m audit.Member) error {
	m.Name, m.IDNumber = strings.TrimSpace(m.Name), strings.TrimSpace(m.IDNumber)
	if m.Org == "" {
		return ledger.Errorf(ledger.EInvalid, "org", "the organisation of the member is missing")
	}
	if m.Name == "" {
		return ledger.Errorf(ledger.EInvalid, "name", "the name is missing")
	}
	if err := checkFactText("name", m.Name, 100); err != nil {
		return err
	}
	if err := checkFactText("id_number", m.IDNumber, 32); err != nil {
		return err
	}
	kind, number, err := ledger.CheckPersonID("", string(m.IDKind), m.IDNumber, db.Now())
	if err != nil {
		return err
	}
	m.IDKind, m.IDNumber = kind, number
	return db.writeFacts(ctx, book, actor, "member.add", []string{m.Org}, func(tx pgx.Tx, now time.Time) error {
		_, err := tx.Exec(ctx, `INSERT INTO org_members (book, org, name, id_number, id_kind, cadre, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (book, org, name, id_number) DO UPDATE SET cadre = excluded.cadre`,
			book, m.Org, m.Name, m.IDNumber, string(m.IDKind), m.Cadre, actor, now)
		return err
	})
}

// SetPayeeAccount records whether payee a.Payee is paid into a personal
// account (个人账户).
func (db *DB) SetPayeeAccount(ctx context.Context, book, actor string, a audit.PayeeAccount) error {
	a.Payee = strings.TrimSpace(a.Payee)
	if a.Payee == "" {
		return ledger.Errorf(ledger.EInvalid, "payee", "the payee is missing")
	}
	if err := checkFactText("payee", a.Payee, 200); err != nil {
		return err
	}
	// Whether a payee's account is personal is a fact of the whole book
	// (A-11 reads it for every branch).
	return db.writeFacts(ctx, book, actor, "payee.set", []string{""}, func(tx pgx.Tx, now time.Time) error {
		_, err := tx.Exec(ctx, `INSERT INTO payee_accounts (book, payee, personal, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (book, payee) DO UPDATE SET personal = excluded.personal, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			book, a.Payee, a.Personal, actor, now)
		return err
	})
}

// AddMeeting records a collective decision by the reference vouchers quote
// as their decision (决策依据) and the people who took part; recording the
// same reference again replaces the attendees.
func (db *DB) AddMeeting(ctx context.Context, book, actor string, m audit.Meeting) error {
	m.Decision = strings.TrimSpace(m.Decision)
	if m.Decision == "" {
		return ledger.Errorf(ledger.EInvalid, "decision", "the decision reference is missing")
	}
	if err := checkFactText("decision", m.Decision, 500); err != nil {
		return err
	}
	var attendees []string
	seen := map[string]bool{}
	for i, a := range m.Attendees {
		if err := ledger.CheckText(fmt.Sprintf("attendees[%d]", i+1), a, false); err != nil {
			return err
		}
		a = strings.TrimSpace(a)
		if a != "" && !seen[a] {
			seen[a] = true
			attendees = append(attendees, a)
		}
	}
	if len(attendees) == 0 {
		return ledger.Errorf(ledger.EInvalid, "attendees", "a meeting has at least one attendee")
	}
	if len(attendees) > meetingAttendeesMax {
		return ledger.Errorf(ledger.EInvalid, "attendees", "at most %d attendees", meetingAttendeesMax)
	}
	// A meeting's attendees are a fact of the whole book (A-07 reads them
	// for every voucher quoting the decision).
	return db.writeFacts(ctx, book, actor, "meeting.add", []string{""}, func(tx pgx.Tx, now time.Time) error {
		_, err := tx.Exec(ctx, `INSERT INTO meetings (book, decision, attendees, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (book, decision) DO UPDATE SET attendees = excluded.attendees, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			book, m.Decision, attendees, actor, now)
		return err
	})
}

// SetValueDate records the value date of voucher id's bank movement as it
// appears on the bank statement.
func (db *DB) SetValueDate(ctx context.Context, book, actor string, id int64, valueDate time.Time) error {
	if valueDate.IsZero() {
		return ledger.Errorf(ledger.EInvalid, "date", "the value date is missing")
	}
	return db.writeFacts(ctx, book, actor, "value_date.set", nil, func(tx pgx.Tx, now time.Time) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM vouchers WHERE book = $1 AND id = $2`, book, id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ledger.Errorf(ledger.ENotFound, "voucher", "voucher %d does not exist in book %s", id, book)
		}
		// A scoped officer dates only vouchers wholly within the scope.
		b, u, err := db.actorBooks(ctx, tx, book, actor)
		if err != nil {
			return err
		}
		if u.Scope != "" {
			var outside string
			err := tx.QueryRow(ctx, `SELECT coalesce(min(org), '') FROM voucher_lines WHERE book = $1 AND voucher_id = $2 AND NOT org = ANY($3)`,
				book, id, scopeOrgs(b, u.Scope)).Scan(&outside)
			if err != nil {
				return err
			}
			if outside != "" {
				return ledger.Errorf(ledger.EForbidden, "voucher", "%s may act only within %s; voucher %d has a line of %s", actor, u.Scope, id, outside)
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO voucher_value_dates (book, voucher_id, value_date, source, set_by, set_at)
			VALUES ($1, $2, $3, 'manual', $4, $5)
			ON CONFLICT (book, voucher_id) DO UPDATE SET value_date = excluded.value_date, source = excluded.source,
				set_by = excluded.set_by, set_at = excluded.set_at`,
			book, id, valueDate, actor, now)
		return err
	})
}

// scopeOrgs lists the organisations of book b within scope.
func scopeOrgs(b *ledger.Books, scope string) []string {
	var out []string
	for code := range b.Orgs {
		if b.InScope(scope, code) {
			out = append(out, code)
		}
	}
	return out
}
