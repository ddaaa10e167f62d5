package postgres_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// The audit tests work in the demo book on a clock in early March 2020,
// evaluating February.
const auditBook = "FY-DFZH"

var (
	auditClock = time.Date(2020, 3, 2, 9, 0, 0, 0, time.UTC)
	february   = ledger.PeriodRange{From: time.Date(2020, 2, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC)}
)

type auditEnv struct {
	t   *testing.T
	ctx context.Context
	tdb *pgtest.TestDB
	db  *postgres.DB
}

// newAuditEnv loads the demo setup (without passwords) into a fresh
// database and records February 2020: money received with a decision, and
// an allocation to FY-CP-01 without one (A-12, HIGH), both posted.
func newAuditEnv(t *testing.T) *auditEnv {
	t.Helper()
	s, err := configs.ParseSetup(configs.Demo(), "demo/fenyang.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Books[0].Users {
		s.Books[0].Users[i].Password = ""
	}
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	db.Now = func() time.Time { return auditClock }
	e := &auditEnv{t: t, ctx: context.Background(), tdb: tdb, db: db}
	if err := db.ApplySetup(e.ctx, s); err != nil {
		t.Fatal(err)
	}
	e.postFlow(ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: ledger.MustParseMoney("90000.00"),
		Date: day2("2020-02-03"), Attachments: 1, DocTypes: []string{"银行回单"}, Decision: "吕组通〔2020〕5号"})
	e.postFlow(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-01", Amount: ledger.MustParseMoney("12000.00"),
		Date: day2("2020-02-05"), Attachments: 1, DocTypes: []string{"银行回单"}})
	return e
}

func day2(s string) time.Time {
	d, err := ledger.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// postFlow makes a flow voucher as wangfang and posts it (liqiang checks
// and posts, zhaomin signs).
func (e *auditEnv) postFlow(r ledger.FlowRequest) *ledger.Voucher {
	e.t.Helper()
	b, err := e.db.LoadBooks(e.ctx, auditBook)
	if err != nil {
		e.t.Fatal(err)
	}
	v, err := ledger.BuildFlow(&r, b)
	if err != nil {
		e.t.Fatal(err)
	}
	v, _, err = e.db.CreateVoucher(e.ctx, "wangfang", v)
	if err != nil {
		e.t.Fatal(err)
	}
	steps := []struct {
		who string
		act ledger.Action
	}{{"liqiang", ledger.ActCheck}, {"zhaomin", ledger.ActSign}, {"liqiang", ledger.ActPost}}
	for _, s := range steps {
		if s.act == ledger.ActSign && !v.TouchesCash(b.Chart) {
			continue
		}
		if v, err = e.db.Transition(e.ctx, auditBook, s.who, v.ID, s.act); err != nil {
			e.t.Fatalf("%s %s: %v", s.who, s.act, err)
		}
	}
	return v
}

// evaluate runs the rules over February as of its end and records the
// findings at the given time.
func (e *auditEnv) evaluate(at time.Time) []postgres.StoredFinding {
	e.t.Helper()
	in, err := e.db.AuditInput(e.ctx, auditBook, february.From, february.To)
	if err != nil {
		e.t.Fatal(err)
	}
	stored, err := e.db.RecordFindings(e.ctx, auditBook, february, audit.Evaluate(in, nil), at)
	if err != nil {
		e.t.Fatal(err)
	}
	return stored
}

func (e *auditEnv) count(sql string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.Pool.QueryRow(e.ctx, sql, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// decisionFinding is the A-12 finding about the allocation without a
// decision reference.
func decisionFinding(t *testing.T, fs []postgres.StoredFinding) postgres.StoredFinding {
	t.Helper()
	for _, f := range fs {
		if f.Rule == "A-12" && strings.HasSuffix(f.Key, "|decision") {
			return f
		}
	}
	t.Fatalf("no A-12 decision finding among %d findings: %+v", len(fs), fs)
	return postgres.StoredFinding{}
}

func wantErrCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := ledger.ErrorCode(err); got != code {
		t.Fatalf("error code %q, want %q (err: %v)", got, code, err)
	}
}

func wantSQLState(t *testing.T, err error, state, what string) {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != state {
		t.Fatalf("%s: want SQLSTATE %s, got %v", what, state, err)
	}
}

func TestAuditInputLoadsTheBookAsOfTheDate(t *testing.T) {
	t.Parallel()
	e := newAuditEnv(t)
	// A March voucher lies after the evaluation date and is left out.
	e.postFlow(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-02", Amount: ledger.MustParseMoney("100.00"),
		Date: day2("2020-03-02"), Attachments: 1, Decision: "部务会2020-03-01"})
	in, err := e.db.AuditInput(e.ctx, auditBook, february.From, february.To)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Vouchers) != 2 {
		t.Fatalf("loaded %d vouchers dated up to 2020-02-29, want 2", len(in.Vouchers))
	}
	for _, v := range in.Vouchers {
		if len(v.Lines) != 2 || v.Status != ledger.StatusPosted || v.Book != auditBook || v.MadeAt == nil || v.PostedAt == nil {
			t.Fatalf("voucher %d loaded incompletely: %+v", v.ID, v)
		}
	}
	if in.Book.Code != auditBook || in.Orgs["FY-CP-01"] == nil || in.Funds["FY-UP"] == nil || in.Chart[ledger.AcctBank] == nil {
		t.Fatal("book, organisations, funds or chart missing")
	}
	if u := in.Users["wangfang"]; u == nil || u.FullName != "王芳" {
		t.Fatalf("users not loaded: %+v", in.Users["wangfang"])
	}
	if _, err := e.db.AuditInput(e.ctx, "NO-SUCH", february.From, february.To); ledger.ErrorCode(err) != ledger.ENotFound {
		t.Fatalf("unknown book: %v", err)
	}
}

func TestAuditFindingsRecordedAndRerunKeepsStates(t *testing.T) {
	t.Parallel()
	e := newAuditEnv(t)
	first := e.evaluate(auditClock)
	if len(first) == 0 {
		t.Fatal("no findings recorded")
	}
	for _, f := range first {
		if f.State != audit.FindingOpen || f.ID <= 0 || f.Key == "" || !f.FirstSeenAt.Equal(auditClock) {
			t.Fatalf("a new finding is stored open with an id: %+v", f)
		}
	}
	if n := e.count(`SELECT count(*) FROM audit_findings WHERE book = $1`, auditBook); n != len(first) {
		t.Fatalf("%d rows for %d findings", n, len(first))
	}
	dec := decisionFinding(t, first)
	if dec.Severity != audit.SeverityHigh || dec.Voucher == "" || dec.VoucherID == 0 || dec.Org != "FY-CP-01" || dec.Amount.String() != "12000.00" {
		t.Fatalf("A-12 finding stored as %+v", dec)
	}
	high, err := e.db.OpenHighFindings(e.ctx, auditBook, 2020, 2)
	if err != nil {
		t.Fatal(err)
	}
	if high < 1 {
		t.Fatalf("OpenHighFindings = %d with an open A-12", high)
	}

	deadline := day2("2020-03-31")
	acked, err := e.db.AckFinding(e.ctx, auditBook, "fengqing", "", "", deadline)
	wantErrCode(t, err, ledger.EInvalid) // neither ref nor note
	acked, err = e.db.AckFinding(e.ctx, auditBook, "fengqing", dec.Key, "补充部务会纪要", deadline)
	if err != nil {
		t.Fatal(err)
	}
	if acked.State != audit.FindingAcknowledged || acked.Deadline == nil || !acked.Deadline.Equal(deadline) || acked.UpdatedBy != "fengqing" {
		t.Fatalf("after ack: %+v", acked)
	}

	// A re-run a day later finds the same findings: no new rows, states kept.
	later := auditClock.Add(24 * time.Hour)
	second := e.evaluate(later)
	if len(second) != len(first) {
		t.Fatalf("re-run found %d findings, first run %d", len(second), len(first))
	}
	if n := e.count(`SELECT count(*) FROM audit_findings WHERE book = $1`, auditBook); n != len(first) {
		t.Fatalf("re-run left %d rows, want %d (no duplicates)", n, len(first))
	}
	again := decisionFinding(t, second)
	if again.ID != dec.ID || again.State != audit.FindingAcknowledged || again.Note != "补充部务会纪要" ||
		!again.FirstSeenAt.Equal(auditClock) || !again.LastSeenAt.Equal(later) {
		t.Fatalf("re-run changed the stored finding: %+v", again)
	}
	if n := e.count(`SELECT count(*) FROM audit_runs WHERE book = $1`, auditBook); n != 2 {
		t.Fatalf("%d runs recorded, want 2", n)
	}

	// The period's findings are those of its latest run.
	listed, err := e.db.Findings(e.ctx, auditBook, postgres.FindingFilter{Period: &february})
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != len(second) {
		t.Fatalf("Findings(period) = %d, want %d", len(listed), len(second))
	}
	ackList, err := e.db.Findings(e.ctx, auditBook, postgres.FindingFilter{State: audit.FindingAcknowledged})
	if err != nil {
		t.Fatal(err)
	}
	if len(ackList) != 1 || ackList[0].ID != dec.ID {
		t.Fatalf("acknowledged findings: %+v", ackList)
	}
	highOnly, err := e.db.Findings(e.ctx, auditBook, postgres.FindingFilter{Severity: "high"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range highOnly {
		if f.Severity != audit.SeverityHigh {
			t.Fatalf("severity filter HIGH listed %s", f.Severity)
		}
	}

	// Acknowledging every open HIGH finding lets the month close.
	for _, f := range second {
		if f.Severity == audit.SeverityHigh && f.State == audit.FindingOpen {
			if _, err := e.db.AckFinding(e.ctx, auditBook, "fengqing", f.Key, "已认定", time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if high, err = e.db.OpenHighFindings(e.ctx, auditBook, 2020, 2); err != nil || high != 0 {
		t.Fatalf("OpenHighFindings after acknowledging = %d, %v", high, err)
	}
	if high, err = e.db.OpenHighFindings(e.ctx, auditBook, 2020, 3); err != nil || high != 0 {
		t.Fatalf("a month never evaluated has %d open HIGH findings, %v", high, err)
	}
	// The state change was logged with its author and role.
	var actor, role, from, to string
	if err := e.db.Pool.QueryRow(e.ctx, `SELECT actor, db_role, from_state, to_state FROM finding_events
		WHERE book = $1 AND finding_id = $2 ORDER BY id LIMIT 1`, auditBook, dec.ID).Scan(&actor, &role, &from, &to); err != nil {
		t.Fatal(err)
	}
	if actor != "fengqing" || role != "ledger_app" || from != "open" || to != "acknowledged" {
		t.Fatalf("event: %s %s %s→%s", actor, role, from, to)
	}
	if n := e.count(`SELECT count(*) FROM actions WHERE book = $1 AND action = 'finding.acknowledge'`, auditBook); n < 1 {
		t.Fatal("acknowledgement not in the action log")
	}
}

func TestAuditFindingTransitionsAndErrors(t *testing.T) {
	t.Parallel()
	e := newAuditEnv(t)
	fs := e.evaluate(auditClock)
	dec := decisionFinding(t, fs)
	ref := func(f postgres.StoredFinding) string { return strconv.FormatInt(f.ID, 10) }

	_, err := e.db.AckFinding(e.ctx, auditBook, "wangfang", ref(dec), "我来确认", time.Time{})
	wantErrCode(t, err, ledger.EForbidden) // an officer
	_, err = e.db.AckFinding(e.ctx, auditBook, "liqiang", ref(dec), "审核确认", time.Time{})
	wantErrCode(t, err, ledger.EForbidden) // a checker
	_, err = e.db.AckFinding(e.ctx, auditBook, ledger.SystemUser, ref(dec), "batch", time.Time{})
	wantErrCode(t, err, ledger.EForbidden)
	_, err = e.db.AckFinding(e.ctx, auditBook, "nobody", ref(dec), "x", time.Time{})
	wantErrCode(t, err, ledger.EUnauthenticated)
	_, err = e.db.AckFinding(e.ctx, auditBook, "fengqing", "999999", "x", time.Time{})
	wantErrCode(t, err, ledger.ENotFound)
	_, err = e.db.AckFinding(e.ctx, auditBook, "fengqing", "A-99|0||none", "x", time.Time{})
	wantErrCode(t, err, ledger.ENotFound)
	_, err = e.db.RectifyFinding(e.ctx, auditBook, "fengqing", ref(dec), "已补纪要")
	wantErrCode(t, err, ledger.EInvalidState) // open → rectified skips a step
	_, err = e.db.AckFinding(e.ctx, auditBook, "fengqing", ref(dec), "  ", time.Time{})
	wantErrCode(t, err, ledger.EInvalid)
	if got, _ := e.db.Findings(e.ctx, auditBook, postgres.FindingFilter{State: audit.FindingOpen}); len(got) != len(fs) {
		t.Fatalf("refused changes changed states: %d open of %d", len(got), len(fs))
	}

	f, err := e.db.AckFinding(e.ctx, auditBook, "fengqing", ref(dec), "情况属实，限期补充决策依据", day2("2020-03-31"))
	if err != nil || f.State != audit.FindingAcknowledged {
		t.Fatalf("ack: %v %+v", err, f)
	}
	_, err = e.db.AckFinding(e.ctx, auditBook, "fengqing", ref(dec), "again", time.Time{})
	wantErrCode(t, err, ledger.EInvalidState)
	_, err = e.db.RectifyFinding(e.ctx, auditBook, "wangfang", ref(dec), "已补")
	wantErrCode(t, err, ledger.EForbidden)
	f, err = e.db.RectifyFinding(e.ctx, auditBook, "fengqing", ref(dec), "已补充部务会纪要")
	if err != nil || f.State != audit.FindingRectified || f.Note != "已补充部务会纪要" || f.Deadline == nil {
		t.Fatalf("rectify: %v %+v", err, f)
	}
	_, err = e.db.RectifyFinding(e.ctx, auditBook, "fengqing", ref(dec), "again")
	wantErrCode(t, err, ledger.EInvalidState)
	_, err = e.db.AckFinding(e.ctx, auditBook, "fengqing", ref(dec), "reopen", time.Time{})
	wantErrCode(t, err, ledger.EInvalidState)

	// An admin may change states too.
	for _, other := range fs {
		if other.ID != dec.ID {
			if g, err := e.db.AckFinding(e.ctx, auditBook, "sunlixin", other.Key, "管理员认定", time.Time{}); err != nil || g.State != audit.FindingAcknowledged {
				t.Fatalf("admin ack: %v %+v", err, g)
			}
			break
		}
	}
	events, err := e.db.FindingEvents(e.ctx, auditBook, ref(dec))
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0].To != audit.FindingAcknowledged || events[1].To != audit.FindingRectified || events[1].Actor != "fengqing" {
		t.Fatalf("events: %+v", events)
	}
}

// The auditor's database role reads everything and writes nothing but the
// state columns of findings and notes on them.
func TestAuditorRoleWritesOnlyFindingStates(t *testing.T) {
	t.Parallel()
	e := newAuditEnv(t)
	dec := decisionFinding(t, e.evaluate(auditClock))
	url := e.tdb.AuditURL

	err := pgtest.Exec(t, url, `UPDATE audit_findings SET state = 'acknowledged', note = '现场核实', deadline = '2020-03-31',
		updated_by = 'fengqing', updated_at = now() WHERE book = $1 AND id = $2`, auditBook, dec.ID)
	if err != nil {
		t.Fatalf("auditor updating a finding's state: %v", err)
	}
	var state, role string
	if err := e.db.Pool.QueryRow(e.ctx, `SELECT f.state, e.db_role FROM audit_findings f
		JOIN finding_events e ON e.book = f.book AND e.finding_key = f.key WHERE f.book = $1 AND f.id = $2`, auditBook, dec.ID).Scan(&state, &role); err != nil {
		t.Fatal(err)
	}
	if state != "acknowledged" || role != "ledger_auditor" {
		t.Fatalf("state %s, event by role %s", state, role)
	}
	// A note on the current state.
	if err := pgtest.Exec(t, url, `INSERT INTO finding_events (book, finding_key, finding_id, from_state, to_state, actor, at, note)
		VALUES ($1, $2, $3, 'acknowledged', 'acknowledged', 'fengqing', now(), '已约谈经办人')`, auditBook, dec.Key, dec.ID); err != nil {
		t.Fatalf("auditor adding a note: %v", err)
	}
	// A state change forged as an event is refused.
	err = pgtest.Exec(t, url, `INSERT INTO finding_events (book, finding_key, finding_id, from_state, to_state, actor, at, note)
		VALUES ($1, $2, $3, 'acknowledged', 'rectified', 'fengqing', now(), 'x')`, auditBook, dec.Key, dec.ID)
	wantSQLState(t, err, "LE007", "forged state event")
	// Backwards is refused even for the auditor.
	err = pgtest.Exec(t, url, `UPDATE audit_findings SET state = 'open', note = 'x', updated_by = 'fengqing', updated_at = now() WHERE book = $1 AND id = $2`, auditBook, dec.ID)
	wantSQLState(t, err, "LE007", "acknowledged → open")

	denied := map[string]string{
		"explanation":    `UPDATE audit_findings SET explanation = '无问题' WHERE book = 'FY-DFZH'`,
		"severity":       `UPDATE audit_findings SET severity = 'LOW' WHERE book = 'FY-DFZH'`,
		"delete finding": `DELETE FROM audit_findings WHERE book = 'FY-DFZH'`,
		"insert finding": `INSERT INTO audit_findings (book, key, rule, type, severity, first_seen_at, last_seen_at) VALUES ('FY-DFZH', 'k', 'A-01', 't', 'LOW', now(), now())`,
		"insert voucher": `INSERT INTO vouchers (book, type, year, month, number, date, summary, maker, made_at) VALUES ('FY-DFZH', '记', 2020, 2, 1, '2020-02-10', 'x', 'fengqing', now())`,
		"update voucher": `UPDATE vouchers SET summary = 'x' WHERE book = 'FY-DFZH'`,
		"update balance": `UPDATE balances SET updated_at = now()`,
		"publicity":      `INSERT INTO publicity (book, date, reported_total_fen, created_by, created_at) VALUES ('FY-DFZH', '2020-02-20', 0, 'fengqing', now())`,
		"roster":         `INSERT INTO beneficiary_roster (book, name, id_number, created_by, created_at) VALUES ('FY-DFZH', '张三', '1', 'fengqing', now())`,
		"meeting":        `INSERT INTO meetings (book, decision, attendees, updated_by, updated_at) VALUES ('FY-DFZH', 'm', '{a}', 'fengqing', now())`,
		"audit run":      `INSERT INTO audit_runs (book, period_from, period_to, at, findings) VALUES ('FY-DFZH', '2020-02-01', '2020-02-29', now(), 0)`,
	}
	for what, sql := range denied {
		wantSQLState(t, pgtest.Exec(t, url, sql), "42501", what)
	}
	// And reads everything.
	var n int
	if err := pgtestQueryInt(t, url, `SELECT (SELECT count(*) FROM vouchers) + (SELECT count(*) FROM audit_findings) + (SELECT count(*) FROM publicity)`, &n); err != nil || n < 3 {
		t.Fatalf("auditor reading: %d, %v", n, err)
	}
}

func pgtestQueryInt(t *testing.T, url, sql string, out *int) error {
	t.Helper()
	db, err := postgres.Open(context.Background(), url, postgres.Options{MaxConns: 1})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Pool.QueryRow(context.Background(), sql).Scan(out)
}

func TestNothingDeletesAFinding(t *testing.T) {
	t.Parallel()
	e := newAuditEnv(t)
	dec := decisionFinding(t, e.evaluate(auditClock))
	if _, err := e.db.AckFinding(e.ctx, auditBook, "fengqing", dec.Key, "认定", time.Time{}); err != nil {
		t.Fatal(err)
	}
	// The application role has no DELETE privilege at all.
	wantSQLState(t, pgtest.Exec(t, e.tdb.AppURL, `DELETE FROM audit_findings`), "42501", "app delete")
	// The schema owner and the superuser hit the triggers.
	for _, url := range []string{e.tdb.OwnerURL, e.tdb.SuperURL} {
		wantSQLState(t, pgtest.Exec(t, url, `DELETE FROM audit_findings WHERE book = $1 AND id = $2`, auditBook, dec.ID), "LE008", "delete finding")
		wantSQLState(t, pgtest.Exec(t, url, `TRUNCATE audit_findings CASCADE`), "LE008", "truncate findings")
		wantSQLState(t, pgtest.Exec(t, url, `DELETE FROM finding_events`), "LE008", "delete events")
		wantSQLState(t, pgtest.Exec(t, url, `UPDATE finding_events SET note = 'x'`), "LE008", "update events")
		wantSQLState(t, pgtest.Exec(t, url, `UPDATE audit_findings SET key = 'other' WHERE id = $1`, dec.ID), "LE008", "rekey finding")
		wantSQLState(t, pgtest.Exec(t, url, `DELETE FROM audit_run_findings`), "LE008", "delete run findings")
	}
	var n int
	if err := e.db.Pool.QueryRow(e.ctx, `SELECT count(*) FROM audit_findings WHERE book = $1 AND id = $2 AND state = 'acknowledged'`, auditBook, dec.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("finding gone or changed: %d %v", n, err)
	}
}

// The facts the rules read are recorded by officers and admins and reach
// the rules through AuditInput.
func TestAuditFactsRecordedAndRead(t *testing.T) {
	t.Parallel()
	e := newAuditEnv(t)
	ctx := e.ctx
	m := ledger.MustParseMoney
	// The 乐山 figures: 4.73万 + 21.6万 ≠ 27.2万.
	pubID, err := e.db.AddPublicity(ctx, auditBook, "wangfang", audit.PublicityRecord{Org: "FY", Date: day2("2020-02-25"), Channel: "公示栏",
		Totals: map[ledger.Purpose]ledger.Money{ledger.Procurement: m("47300.00"), ledger.Condolence: m("216000.00")}, ReportedTotal: m("272000.00")})
	if err != nil || pubID <= 0 {
		t.Fatalf("AddPublicity: %d %v", pubID, err)
	}
	if err := e.db.AddRosterEntry(ctx, auditBook, "wangfang", audit.RosterEntry{Org: "FY-CP-01", Name: "张三", IDNumber: "142301197001011236", Category: "群众"}); err != nil {
		t.Fatal(err)
	}
	n, err := e.db.AddRosterEntries(ctx, auditBook, "wangfang", []audit.RosterEntry{
		{Org: "FY-CP-01", Name: "张三", IDNumber: "142301197001011236", Category: "党员", Phone: "13800000000"},
		{Name: "李四", Phone: "13900000000", Category: "志愿者"}})
	if err != nil || n != 1 {
		t.Fatalf("AddRosterEntries: %d new, %v (want 1: 张三 is updated)", n, err)
	}
	if err := e.db.AddMember(ctx, auditBook, "wangfang", audit.Member{Org: "FY-CP-01", Name: "白云峰", IDNumber: "142301198001011118", Cadre: true}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetPayeeAccount(ctx, auditBook, "wangfang", audit.PayeeAccount{Payee: "白云峰", Personal: true}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.AddMeeting(ctx, auditBook, "sunlixin", audit.Meeting{Decision: "部务会2020-02-04", Attendees: []string{"孙立新", "王芳", "孙立新"}}); err != nil {
		t.Fatal(err)
	}
	var vid int64
	if err := e.db.Pool.QueryRow(ctx, `SELECT min(id) FROM vouchers WHERE book = $1`, auditBook).Scan(&vid); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetValueDate(ctx, auditBook, "wangfang", vid, day2("2020-02-03")); err != nil {
		t.Fatal(err)
	}

	in, err := e.db.AuditInput(ctx, auditBook, february.From, february.To)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Publicity) != 1 || in.Publicity[0].Org != "FY" || !in.Publicity[0].Totals[ledger.Procurement].Equal(m("47300.00")) ||
		len(in.Publicity[0].Totals) != 2 || !in.Publicity[0].ReportedTotal.Equal(m("272000.00")) {
		t.Fatalf("publicity: %+v", in.Publicity)
	}
	if len(in.Roster) != 2 || in.Roster[0].Category != "党员" || in.Roster[0].Phone != "13800000000" || in.Roster[1].Org != "" {
		t.Fatalf("roster: %+v", in.Roster)
	}
	if len(in.Members) != 1 || !in.Members[0].Cadre || len(in.PayeeAccounts) != 1 || !in.PayeeAccounts[0].Personal {
		t.Fatalf("members %+v, payees %+v", in.Members, in.PayeeAccounts)
	}
	if len(in.Meetings) != 1 || len(in.Meetings[0].Attendees) != 2 {
		t.Fatalf("meetings: %+v", in.Meetings)
	}
	if d, ok := in.BankValueDates[vid]; !ok || !d.Equal(day2("2020-02-03")) {
		t.Fatalf("value dates: %v", in.BankValueDates)
	}
	found := false
	for _, f := range audit.Evaluate(in, nil) {
		found = found || f.Rule == "A-16" && f.Org == "FY"
	}
	if !found {
		t.Fatal("the unbalanced publication gave no A-16 finding")
	}

	// Who may record them.
	err = e.db.AddMember(ctx, auditBook, "fengqing", audit.Member{Org: "FY-CP-01", Name: "某人"})
	wantErrCode(t, err, ledger.EForbidden) // auditors write nothing but finding states
	err = e.db.SetPayeeAccount(ctx, auditBook, "liqiang", audit.PayeeAccount{Payee: "某人", Personal: true})
	wantErrCode(t, err, ledger.EForbidden)
	err = e.db.AddRosterEntry(ctx, auditBook, "cp01officer", audit.RosterEntry{Org: "FY-CP-02", Name: "王五", IDNumber: "142301197001011236"})
	wantErrCode(t, err, ledger.EForbidden) // outside the officer's scope
	err = e.db.AddRosterEntry(ctx, auditBook, "cp01officer", audit.RosterEntry{Org: "FY-CP-01", Name: "王五", IDNumber: "142301197001011236"})
	if err != nil {
		t.Fatalf("scoped officer within scope: %v", err)
	}
	err = e.db.AddMember(ctx, auditBook, "wangfang", audit.Member{Org: "NO-SUCH", Name: "某人"})
	wantErrCode(t, err, ledger.ENotFound)
	err = e.db.SetValueDate(ctx, auditBook, "wangfang", 999999, day2("2020-02-03"))
	wantErrCode(t, err, ledger.ENotFound)
	err = e.db.AddRosterEntry(ctx, auditBook, "wangfang", audit.RosterEntry{Name: "赵六"})
	wantErrCode(t, err, ledger.EInvalid) // neither an ID nor a phone number
	_, err = e.db.AddPublicity(ctx, auditBook, "wangfang", audit.PublicityRecord{Date: day2("2020-02-25"), Through: day2("2020-02-26")})
	wantErrCode(t, err, ledger.EInvalid)
	err = e.db.AddMeeting(ctx, auditBook, "wangfang", audit.Meeting{Decision: "x"})
	wantErrCode(t, err, ledger.EInvalid)
}
