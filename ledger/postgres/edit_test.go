package postgres_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// changed is a copy of v (lines and beneficiaries too) changed by change.
func changed(v *ledger.Voucher, change func(w *ledger.Voucher)) *ledger.Voucher {
	w := *v
	w.Lines = append([]ledger.Line(nil), v.Lines...)
	w.Beneficiaries = append([]ledger.Beneficiary(nil), v.Beneficiaries...)
	change(&w)
	return &w
}

// amount sets every line's amount of a two-line voucher to a.
func amount(a string) func(w *ledger.Voucher) {
	return func(w *ledger.Voucher) {
		for i := range w.Lines {
			if w.Lines[i].Debit.IsZero() {
				w.Lines[i].Credit = money(a)
			} else {
				w.Lines[i].Debit = money(a)
			}
		}
	}
}

func (f *fixture) edit(actor string, v *ledger.Voucher, version int, change func(w *ledger.Voucher)) (*ledger.Voucher, error) {
	return f.db.EditVoucher(f.ctx, actor, v.ID, version, changed(v, change))
}

func TestEditDraft(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fund("100.00", nil)
	v := f.mustFlow("wangfang", allocate("FY-CP-01", "10.00"))
	if v.Version != 1 {
		t.Fatalf("a new draft is at version %d, want 1", v.Version)
	}
	out, err := f.edit("wangfang", v, 1, func(w *ledger.Voucher) {
		amount("12.50")(w)
		w.Summary, w.Date, w.Decision = "改后的摘要", day("2020-02-12"), "部务会2020-02-11"
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.ID != v.ID || out.Number != v.Number || out.Version != 2 || out.Status != ledger.StatusDraft {
		t.Fatalf("edited: id %d number %d version %d %s; want id %d number %d version 2 draft", out.ID, out.Number, out.Version, out.Status, v.ID, v.Number)
	}
	if out.Summary != "改后的摘要" || !out.Date.Equal(day("2020-02-12")) || !out.Total().Equal(money("12.50")) || len(out.Lines) != 2 {
		t.Fatalf("edited voucher %+v", out)
	}
	if got := f.count(`SELECT total_fen FROM vouchers WHERE id = $1`, v.ID); got != 1250 {
		t.Fatalf("stored total %d fen, want 1250", got)
	}
	if got := f.count(`SELECT count(*) FROM voucher_lines WHERE voucher_id = $1`, v.ID); got != 2 {
		t.Fatalf("%d lines stored, want 2", got)
	}
	// An admin edits another's draft; then it goes through the workflow.
	out, err = f.edit("sunlixin", out, 2, func(w *ledger.Voucher) { w.Attachments = 3 })
	if err != nil || out.Version != 3 || out.Attachments != 3 {
		t.Fatalf("admin edit: %v %+v", err, out)
	}
	if err := f.approve(out); err != nil {
		t.Fatal(err)
	}
	if got := f.balance("121801", "FY-CP-01", "FY-UP"); !got.Equal(money("12.50")) {
		t.Fatalf("posted the edited amount: balance %s, want 12.50", got)
	}

	h, err := f.db.VoucherHistory(f.ctx, book, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, e := range h {
		acts = append(acts, string(e.Action)+"@"+strconv.Itoa(e.Version))
	}
	want := []string{"make@1", "edit@2", "edit@3", "check@3", "sign@3", "post@3"}
	if !slices.Equal(acts, want) {
		t.Fatalf("history %v, want %v", acts, want)
	}
	first := h[1]
	if first.Actor != "wangfang" || !slices.Equal(first.Changed, []string{"date", "decision", "lines", "summary"}) {
		t.Fatalf("first edit by %s changed %v", first.Actor, first.Changed)
	}
	if first.Before == nil || first.After == nil || first.Before.Summary != v.Summary || first.After.Summary != "改后的摘要" ||
		!first.Before.Lines[0].Debit.Equal(money("10.00")) || !first.After.Lines[0].Debit.Equal(money("12.50")) {
		t.Fatalf("first edit's content: before %+v after %+v", first.Before, first.After)
	}
	if h[2].Actor != "sunlixin" || !slices.Equal(h[2].Changed, []string{"attachments"}) {
		t.Fatalf("second edit by %s changed %v", h[2].Actor, h[2].Changed)
	}
}

func TestEditDraftBeneficiaries(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fund("100.00", map[string]string{"FY-CP-01": "50.00"})
	v := f.mustFlow("wangfang", spend("FY-CP-01", "FY-UP", ledger.Relief, "20.00"))
	out, err := f.edit("wangfang", v, 1, func(w *ledger.Voucher) {
		amount("30.00")(w)
		w.Beneficiaries = []ledger.Beneficiary{
			{Name: "李四", Category: "群众", IDNumber: "142301197001011236", Amount: money("10.00")},
			{Name: "王五", Category: "党员", IDNumber: "", Phone: "13800000000", Amount: money("20.00")},
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Beneficiaries) != 2 || out.Beneficiaries[1].Name != "王五" || f.count(`SELECT count(*) FROM voucher_beneficiaries WHERE voucher_id = $1`, v.ID) != 2 {
		t.Fatalf("beneficiaries %+v", out.Beneficiaries)
	}
	h, err := f.db.VoucherHistory(f.ctx, book, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e := h[len(h)-1]; e.After == nil || e.After.Beneficiaries[0].IDNumber != ledger.MaskID("142301197001011236") {
		t.Fatalf("history shows the ID number unmasked: %+v", e.After)
	}
}

func TestEditRefused(t *testing.T) {
	t.Parallel()
	type tc struct {
		name        string
		run         func(f *fixture) error
		code, field string
	}
	draft := func(f *fixture) *ledger.Voucher { return f.mustFlow("wangfang", allocate("FY-CP-01", "10.00")) }
	cases := []tc{
		{"stale version", func(f *fixture) error {
			v := draft(f)
			if _, err := f.edit("wangfang", v, 1, func(w *ledger.Voucher) { w.Summary = "第一次" }); err != nil {
				return err
			}
			_, err := f.edit("wangfang", v, 1, func(w *ledger.Voucher) { w.Summary = "第二次" })
			return err
		}, ledger.EInvalidState, "version"},
		{"no version", func(f *fixture) error {
			_, err := f.edit("wangfang", draft(f), 0, func(w *ledger.Voucher) {})
			return err
		}, ledger.EInvalid, "version"},
		{"another month", func(f *fixture) error {
			_, err := f.edit("wangfang", draft(f), 1, func(w *ledger.Voucher) { w.Date = day("2020-03-02") })
			return err
		}, ledger.EInvalid, "date"},
		{"another type", func(f *fixture) error {
			_, err := f.edit("wangfang", draft(f), 1, func(w *ledger.Voucher) { w.Type = "收" })
			return err
		}, ledger.EInvalid, "type"},
		{"checked", func(f *fixture) error {
			v := draft(f)
			f.mustStep("liqiang", v.ID, ledger.ActCheck)
			_, err := f.edit("wangfang", v, 1, func(w *ledger.Voucher) { w.Summary = "改" })
			return err
		}, ledger.EImmutable, "status"},
		{"posted", func(f *fixture) error {
			v := f.post(receive("10.00"))
			_, err := f.edit("wangfang", v, 1, func(w *ledger.Voucher) { w.Summary = "改" })
			return err
		}, ledger.EImmutable, "status"},
		{"void", func(f *fixture) error {
			v := draft(f)
			f.mustStep("wangfang", v.ID, ledger.ActVoid)
			_, err := f.edit("wangfang", v, 1, func(w *ledger.Voucher) { w.Summary = "改" })
			return err
		}, ledger.EImmutable, "status"},
		{"another officer", func(f *fixture) error {
			_, err := f.edit("liuyang", draft(f), 1, func(w *ledger.Voucher) { w.Summary = "改" })
			return err
		}, ledger.ESamePerson, "user"},
		{"a checker", func(f *fixture) error {
			_, err := f.edit("liqiang", draft(f), 1, func(w *ledger.Voucher) { w.Summary = "改" })
			return err
		}, ledger.EForbidden, "user"},
		{"an auditor", func(f *fixture) error {
			_, err := f.edit("fengqing", draft(f), 1, func(w *ledger.Voucher) { w.Summary = "改" })
			return err
		}, ledger.EForbidden, "user"},
		{"unbalanced", func(f *fixture) error {
			_, err := f.edit("wangfang", draft(f), 1, func(w *ledger.Voucher) { w.Lines[0].Debit = money("11.00") })
			return err
		}, ledger.EUnbalanced, "lines"},
		{"a line outside the maker's scope", func(f *fixture) error {
			v := f.mustFlow("cp01officer", spend("FY-CP-01", "FY-UP", ledger.Procurement, "1.00"))
			_, err := f.edit("cp01officer", v, 1, func(w *ledger.Voucher) {
				for i := range w.Lines {
					w.Lines[i].Org = "FY-CP-02"
				}
			})
			return err
		}, ledger.EForbidden, "lines[1].org"},
		{"not found", func(f *fixture) error {
			_, err := f.db.EditVoucher(f.ctx, "wangfang", 99999, 1, &ledger.Voucher{Book: book})
			return err
		}, ledger.ENotFound, "id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			wantCode(t, c.run(f), c.code, c.field)
		})
	}
}

// Unchecking brings a checked voucher back to a draft, which is edited.
func TestEditAfterUncheck(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	v := f.mustFlow("wangfang", allocate("FY-CP-01", "10.00"))
	f.mustStep("liqiang", v.ID, ledger.ActCheck)
	f.mustStep("liqiang", v.ID, ledger.ActUncheck)
	out, err := f.edit("wangfang", v, 1, func(w *ledger.Voucher) { w.Summary = "退回后修改" })
	if err != nil || out.Version != 2 || out.Checker != "" {
		t.Fatalf("edit after uncheck: %v %+v", err, out)
	}
	h, err := f.db.VoucherHistory(f.ctx, book, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 4 || h[2].Action != ledger.ActUncheck || h[2].Actor != "liqiang" || h[3].Action != ledger.ActEdit {
		t.Fatalf("history %+v", h)
	}
}

// Two editors of the same version: one wins, the other is told the
// version is stale; the draft holds the winner's content.
func TestEditRace(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	for round := 0; round < 5; round++ {
		v := f.mustFlow("wangfang", allocate("FY-CP-01", "10.00"))
		var wg sync.WaitGroup
		errs := make([]error, 2)
		editors := []string{"wangfang", "sunlixin"}
		for i := range editors {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = f.edit(editors[i], v, 1, func(w *ledger.Voucher) { w.Summary = "由" + editors[i] + "修改" })
			}()
		}
		wg.Wait()
		won := -1
		for i, err := range errs {
			if err == nil {
				if won >= 0 {
					t.Fatalf("round %d: both edits of version 1 succeeded", round)
				}
				won = i
				continue
			}
			wantCode(t, err, ledger.EInvalidState, "version")
		}
		if won < 0 {
			t.Fatalf("round %d: neither edit succeeded: %v", round, errs)
		}
		got, err := f.db.Voucher(f.ctx, book, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 || got.Summary != "由"+editors[won]+"修改" {
			t.Fatalf("round %d: version %d summary %q; %s won", round, got.Version, got.Summary, editors[won])
		}
		if n := f.count(`SELECT count(*) FROM actions WHERE voucher_id = $1 AND action = 'edit'`, v.ID); n != 1 {
			t.Fatalf("round %d: %d edits logged", round, n)
		}
	}
}

// rawEdit runs the edit path by hand as the application role: the version
// step of draft id (with set), the children cleared, two lines of fen
// inserted and, with log, the action.
func (f *fixture) rawEdit(id int64, set string, fen int64, log bool) error {
	return f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
		ctx := context.Background()
		if _, err := tx.Exec(ctx, `UPDATE vouchers SET version = version + 1, edited_by = 'wangfang', edited_at = now()`+set+` WHERE id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT ledger_clear_draft('FY-DFZH', $1)`, id); err != nil {
			return err
		}
		if err := rawLines(tx, id, "121801 FY-CP-01 FY-UP - "+strconv.FormatInt(fen, 10)+" 0", "100201 FY FY-UP - 0 "+strconv.FormatInt(fen, 10)); err != nil {
			return err
		}
		if log {
			_, err := tx.Exec(ctx, `INSERT INTO actions (book, at, actor, action, voucher_id, detail)
				SELECT book, now(), 'wangfang', 'edit', id, jsonb_build_object('version', version) FROM vouchers WHERE id = $1`, id)
			return err
		}
		return nil
	})
}

func TestDatabaseDraftEdit(t *testing.T) {
	t.Parallel()
	draft := func(f *fixture) int64 { return f.mustFlow("wangfang", allocate("FY-CP-01", "10.00")).ID }
	checked := func(f *fixture) int64 { return f.checkedVoucher(allocate("FY-CP-01", "10.00")) }
	runCases(t, []ruleCase{
		{name: "header of a draft without an edit", run: func(f *fixture) error {
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET summary = '改' WHERE id = $1`, draft(f))
		}, code: ledger.EImmutable, field: "-"},
		{name: "header of a checked voucher with a version step", run: func(f *fixture) error {
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET version = version + 1, edited_by = 'wangfang', edited_at = now(), summary = '改' WHERE id = $1`, checked(f))
		}, code: ledger.EImmutable, field: "status"},
		{name: "lines of a checked voucher cleared", run: func(f *fixture) error {
			return f.sql(f.tdb.AppURL, `SELECT ledger_clear_draft('FY-DFZH', $1)`, checked(f))
		}, code: ledger.EImmutable, field: "status"},
		{name: "lines of a draft cleared without an edit", run: func(f *fixture) error {
			return f.sql(f.tdb.AppURL, `SELECT ledger_clear_draft('FY-DFZH', $1)`, draft(f))
		}, code: ledger.EImmutable, field: "version"},
		{name: "lines of a draft deleted as the application", run: func(f *fixture) error {
			return f.sql(f.tdb.AppURL, `DELETE FROM voucher_lines WHERE voucher_id = $1`, draft(f))
		}, code: ledger.EForbidden, field: "-"},
		{name: "lines of a draft deleted as the owner without an edit", run: func(f *fixture) error {
			return f.sql(f.tdb.OwnerURL, `DELETE FROM voucher_lines WHERE voucher_id = $1`, draft(f))
		}, code: ledger.EImmutable, field: "-"},
		{name: "two versions at once", run: func(f *fixture) error {
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET version = version + 2, edited_by = 'wangfang', edited_at = now() WHERE id = $1`, draft(f))
		}, code: ledger.EInvalidState, field: "version"},
		{name: "an edit into another month", run: func(f *fixture) error {
			return f.rawEdit(draft(f), `, date = '2020-03-02'`, 1000, true)
		}, code: ledger.EInvalid, field: "date"},
		{name: "an edit of the number", run: func(f *fixture) error {
			return f.rawEdit(draft(f), `, number = 99`, 1000, true)
		}, code: ledger.EImmutable, field: "-"},
		{name: "an edit by another officer", run: func(f *fixture) error {
			return f.sql(f.tdb.AppURL, `UPDATE vouchers SET version = version + 1, edited_by = 'liuyang', edited_at = now() WHERE id = $1`, draft(f))
		}, code: ledger.ESamePerson, field: "edited_by"},
		{name: "an edit not in the action log", run: func(f *fixture) error {
			return f.rawEdit(draft(f), ``, 1000, false)
		}, code: ledger.EInvalid, field: "version"},
		{name: "an edit with unbalanced lines", run: func(f *fixture) error {
			id := draft(f)
			return f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
				if _, err := tx.Exec(context.Background(), `UPDATE vouchers SET version = version + 1, edited_by = 'wangfang', edited_at = now() WHERE id = $1`, id); err != nil {
					return err
				}
				if _, err := tx.Exec(context.Background(), `SELECT ledger_clear_draft('FY-DFZH', $1)`, id); err != nil {
					return err
				}
				return rawLines(tx, id, "121801 FY-CP-01 FY-UP - 1000 0", "100201 FY FY-UP - 0 900")
			})
		}, code: ledger.EUnbalanced, field: "lines"},
	})
	// The whole path by hand, as the application role: accepted.
	f := newFixture(t, nil)
	id := draft(f)
	if err := f.rawEdit(id, `, summary = '手工修改'`, 1500, true); err != nil {
		t.Fatalf("the edit path as the application: %v", err)
	}
	v, err := f.db.Voucher(f.ctx, book, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.Version != 2 || v.Summary != "手工修改" || !v.Total().Equal(money("15.00")) {
		t.Fatalf("after the raw edit: version %d summary %q total %s", v.Version, v.Summary, v.Total())
	}
}

// TestActionLogReadersUseTheirIndexes: the action log has no primary key
// (migration 00048). A voucher's history is read through the block-range
// index, the edit guard and the seal check through their partial
// B-trees, and the history is whole once VACUUM has summarised the
// ranges, an edit made after thirty other vouchers included.
func TestActionLogReadersUseTheirIndexes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fund("100.00", nil)
	v := f.mustFlow("wangfang", allocate("FY-CP-01", "10.00"))
	for range 30 {
		f.mustFlow("wangfang", allocate("FY-CP-02", "1.00"))
	}
	if _, err := f.edit("wangfang", v, 1, amount("12.50")); err != nil {
		t.Fatal(err)
	}
	before, err := f.db.VoucherHistory(f.ctx, book, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != 2 || before[0].Action != ledger.ActMake || before[1].Action != ledger.ActEdit {
		t.Fatalf("history before VACUUM: %+v; want make and edit", before)
	}

	owner, err := pgx.Connect(f.ctx, f.tdb.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(f.ctx)
	if _, err := owner.Exec(f.ctx, `VACUUM actions`); err != nil {
		t.Fatal(err)
	}
	after, err := f.db.VoucherHistory(f.ctx, book, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("history after VACUUM: %d entries, before %d", len(after), len(before))
	}

	id := strconv.FormatInt(v.ID, 10)
	for index, query := range map[string]string{
		"actions_by_voucher":  `SELECT action FROM actions WHERE book = 'FY-DFZH' AND voucher_id = ` + id + ` ORDER BY id`,
		"actions_edits":       `SELECT 1 FROM actions a WHERE a.book = 'FY-DFZH' AND a.voucher_id = ` + id + ` AND a.action = 'edit' AND a.detail->>'version' = '2'`,
		"actions_attachments": `SELECT a.detail FROM actions a WHERE a.book = 'FY-DFZH' AND a.voucher_id = ` + id + ` AND a.action = 'attach'`,
	} {
		plan := planWithoutSeqScan(t, f.ctx, owner, query)
		if !strings.Contains(plan, index) {
			t.Errorf("%s\nis planned without %s:\n%s", query, index, plan)
		}
	}
}

// TestVouchersByDateUseTheBlockRanges: a period's vouchers are found
// through the block-range index of their dates (migration 00052), all of
// them once VACUUM has summarised the ranges, a voucher dated before its
// neighbours included.
func TestVouchersByDateUseTheBlockRanges(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fund("100.00", nil)
	for i := range 20 {
		r := allocate("FY-CP-02", "1.00")
		r.Date = day("2020-02-11").AddDate(0, 0, i%5)
		f.mustFlow("wangfang", r)
	}
	for _, d := range []string{"2020-02-03", "2020-02-04"} {
		early := allocate("FY-CP-02", "1.00")
		early.Date = day(d)
		f.mustFlow("wangfang", early)
	}

	owner, err := pgx.Connect(f.ctx, f.tdb.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(f.ctx)
	if _, err := owner.Exec(f.ctx, `VACUUM ANALYZE vouchers`); err != nil {
		t.Fatal(err)
	}
	query := `SELECT count(*) FROM vouchers WHERE date BETWEEN '2020-02-01' AND '2020-02-05'`
	if plan := planWithoutSeqScan(t, f.ctx, owner, query); !strings.Contains(plan, "vouchers_date") {
		t.Errorf("%s\nis planned without vouchers_date:\n%s", query, plan)
	}
	var n int
	if err := owner.QueryRow(f.ctx, query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	var want int
	if err := owner.QueryRow(f.ctx, `SELECT count(*) FROM vouchers WHERE date + 0 BETWEEN '2020-02-01' AND '2020-02-05'`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if n != want || n != 2 {
		t.Errorf("the index finds %d vouchers dated 2020-02-01 to 05, the table holds %d; want the 2 early ones", n, want)
	}
}

// planWithoutSeqScan is the plan of query with sequential scans off, so
// that a table as small as a test's is read through an index if one
// serves the query.
func planWithoutSeqScan(t *testing.T, ctx context.Context, conn *pgx.Conn, query string) string {
	t.Helper()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, `EXPLAIN `+query)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}
