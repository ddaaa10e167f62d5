package postgres_test

import (
	"testing"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// ruleCase is one row of a SPEC §4 rule table: run does something to a
// fresh demo database; code "" means it must succeed, otherwise it must
// fail with code and field.
type ruleCase struct {
	name  string
	setup func(*ledger.BookSetup)
	run   func(f *fixture) error
	code  string
	field string
}

func runCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, c.setup)
			err := c.run(f)
			if c.code == "" {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			wantCode(t, err, c.code, c.field)
		})
	}
}

func receive(amount string) ledger.FlowRequest {
	return ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: money(amount), Attachments: 1}
}

func allocate(org, amount string) ledger.FlowRequest {
	return ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: org, Amount: money(amount)}
}

func spend(org, fund string, p ledger.Purpose, amount string) ledger.FlowRequest {
	return ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: fund, Org: org, Purpose: p, Amount: money(amount), Attachments: 1}
}

func giveBack(org, amount string) ledger.FlowRequest {
	return ledger.FlowRequest{Flow: ledger.FlowReturn, Fund: "FY-UP", Org: org, Amount: money(amount)}
}

// makePost makes r as wangfang (which must succeed: drafts reserve
// nothing) and returns the error of taking it to posted.
func (f *fixture) makePost(r ledger.FlowRequest) error {
	f.t.Helper()
	return f.approve(f.mustFlow("wangfang", r))
}

// create makes a general voucher as actor.
func (f *fixture) create(actor string, v *ledger.Voucher) (*ledger.Voucher, error) {
	out, _, err := f.db.CreateVoucher(f.ctx, actor, v)
	return out, err
}

func TestRuleInsufficientFunds(t *testing.T) {
	t.Parallel()
	runCases(t, []ruleCase{
		{name: "allocate exactly the bank balance", run: func(f *fixture) error {
			f.fund("1000.00", nil)
			if err := f.makePost(allocate("FY-CP-01", "1000.00")); err != nil {
				return err
			}
			if b := f.balance("100201", "FY", "FY-UP"); !b.IsZero() {
				f.t.Fatalf("bank balance = %s, want 0.00", b)
			}
			return nil
		}},
		{name: "allocate one fen more than the bank balance", run: func(f *fixture) error {
			f.fund("1000.00", nil)
			return f.makePost(allocate("FY-CP-01", "1000.01"))
		}, code: ledger.EInsufficientFunds, field: "amount"},
		{name: "spend exactly the available balance", run: func(f *fixture) error {
			f.fund("1000.00", map[string]string{"FY-CP-01": "1000.00"})
			if err := f.makePost(spend("FY-CP-01", "FY-UP", ledger.Procurement, "400.00")); err != nil {
				return err
			}
			if err := f.makePost(spend("FY-CP-01", "FY-UP", ledger.Relief, "600.00")); err != nil {
				return err
			}
			if b := f.balance("121801", "FY-CP-01", "FY-UP"); !b.IsZero() {
				f.t.Fatalf("branch balance = %s, want 0.00", b)
			}
			return nil
		}},
		{name: "spend one fen more than the available balance", run: func(f *fixture) error {
			f.fund("1000.00", map[string]string{"FY-CP-01": "1000.00"})
			err := f.makePost(spend("FY-CP-01", "FY-UP", ledger.Procurement, "1000.01"))
			if b := f.balance("121801", "FY-CP-01", "FY-UP"); !b.Equal(money("1000.00")) {
				f.t.Fatalf("branch balance after the rejected spend = %s, want 1000.00", b)
			}
			return err
		}, code: ledger.EInsufficientFunds, field: "amount"},
		{name: "spend another branch's money", run: func(f *fixture) error {
			f.fund("1000.00", map[string]string{"FY-CP-01": "1000.00"})
			return f.makePost(spend("FY-CP-02", "FY-UP", ledger.Procurement, "0.01"))
		}, code: ledger.EInsufficientFunds, field: "amount"},
		{name: "spend money of the other fund", run: func(f *fixture) error {
			f.fund("1000.00", map[string]string{"FY-CP-01": "1000.00"})
			return f.makePost(spend("FY-CP-01", "FY-MATCH", ledger.Procurement, "1.00"))
		}, code: ledger.EInsufficientFunds, field: "amount"},
		{name: "return more than the branch holds", run: func(f *fixture) error {
			f.fund("1000.00", map[string]string{"FY-CP-01": "300.00"})
			return f.makePost(giveBack("FY-CP-01", "300.01"))
		}, code: ledger.EInsufficientFunds, field: "amount"},
		{name: "root spends more than the bank holds", run: func(f *fixture) error {
			f.fund("1000.00", map[string]string{"FY-CP-01": "300.00"})
			return f.makePost(spend("", "FY-UP", ledger.Procurement, "700.01"))
		}, code: ledger.EInsufficientFunds, field: "amount"},
		{name: "reverse a receipt already allocated", run: func(f *fixture) error {
			f.post(receive("1000.00"))
			first, err := f.db.Vouchers(f.ctx, postgres.VoucherFilter{Book: book, Limit: 1})
			if err != nil {
				return err
			}
			f.post(allocate("FY-CP-01", "0.01"))
			red, err := f.db.Reverse(f.ctx, book, "wangfang", first[0].ID, day("2020-02-11"))
			if err != nil {
				return err
			}
			return f.approve(red)
		}, code: ledger.EInsufficientFunds, field: "amount"},
	})
}

func TestRuleInvalidAmount(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		code string
	}{
		{"0.01", ""}, {"1000.00", ""}, {"999999999999.99", ""}, {"1,234.50", ""},
		{"0.001", ledger.EInvalidAmount}, {"0", ledger.EInvalidAmount}, {"0.00", ledger.EInvalidAmount},
		{"-1.00", ledger.EInvalidAmount}, {"1000000000000.00", ledger.EInvalidAmount}, {"1e3", ledger.EInvalidAmount},
		{"", ledger.EInvalidAmount}, {"12.3.4", ledger.EInvalidAmount}, {"NaN", ledger.EInvalidAmount},
	} {
		_, err := ledger.ParseAmount(c.in)
		if c.code == "" {
			if err != nil {
				t.Errorf("ParseAmount(%q) = %v, want ok", c.in, err)
			}
			continue
		}
		if ledger.ErrorCode(err) != c.code || ledger.ErrorField(err) != "amount" {
			t.Errorf("ParseAmount(%q) = %v, want %s on field amount", c.in, err, c.code)
		}
	}
	file := func(debit, credit string) []byte {
		return []byte("date: 2020-02-10\nsummary: 划拨\nattachments: 1\nlines:\n" +
			"  - {account: \"121801\", org: FY-CP-01, fund: FY-UP, debit: \"" + debit + "\"}\n" +
			"  - {account: \"100201\", org: FY, fund: FY-UP, credit: \"" + credit + "\"}\n")
	}
	runCases(t, []ruleCase{
		{name: "voucher file with 2 decimals", run: func(f *fixture) error {
			v, err := configs.ParseVoucher(file("0.01", "0.01"), "v.yaml", book)
			if err != nil {
				return err
			}
			_, err = f.create("wangfang", v)
			return err
		}},
		{name: "voucher file with 3 decimals", run: func(f *fixture) error {
			_, err := configs.ParseVoucher(file("0.001", "0.001"), "v.yaml", book)
			return err
		}, code: ledger.EInvalidAmount, field: "lines[1].debit"},
		{name: "voucher file with a zero credit", run: func(f *fixture) error {
			_, err := configs.ParseVoucher(file("1.00", "0.00"), "v.yaml", book)
			return err
		}, code: ledger.EInvalidAmount, field: "lines[2].credit"},
		{name: "negative line outside a reversal", run: func(f *fixture) error {
			_, err := f.create("wangfang", generalVoucher(
				ledger.Line{Account: "121801", Org: "FY-CP-01", Fund: "FY-UP", Debit: money("-1.00"), Credit: ledger.Zero},
				ledger.Line{Account: "100201", Org: "FY", Fund: "FY-UP", Debit: ledger.Zero, Credit: money("-1.00")}))
			return err
		}, code: ledger.EInvalidAmount, field: "lines[1].amount"},
		{name: "line with debit and credit", run: func(f *fixture) error {
			_, err := f.create("wangfang", generalVoucher(
				ledger.Line{Account: "121801", Org: "FY-CP-01", Fund: "FY-UP", Debit: money("1.00"), Credit: money("1.00")},
				cr("100201", "FY", "FY-UP", "1.00"), dr("121801", "FY-CP-02", "FY-UP", "1.00")))
			return err
		}, code: ledger.EInvalidAmount, field: "lines[1].amount"},
		{name: "a red voucher made by hand", run: func(f *fixture) error {
			orig := f.post(receive("10.00"))
			// Negative lines that do not negate the original's: a red
			// voucher comes only from Reverse.
			v := generalVoucher(
				ledger.Line{Account: "100201", Org: "FY", Fund: "FY-UP", Debit: money("-10.00"), Credit: ledger.Zero},
				ledger.Line{Account: "121801", Org: "FY-CP-01", Fund: "FY-UP", Debit: ledger.Zero, Credit: money("-10.00")})
			v.ReversalOf = orig.ID
			_, err := f.create("wangfang", v)
			return err
		}, code: ledger.EInvalid, field: "reversal_of"},
		{name: "flow with a zero amount", run: func(f *fixture) error {
			_, err := f.flow("wangfang", ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: ledger.Zero})
			return err
		}, code: ledger.EInvalidAmount, field: "amount"},
	})
}

func TestRuleUnbalanced(t *testing.T) {
	t.Parallel()
	runCases(t, []ruleCase{
		{name: "balanced per fund", run: func(f *fixture) error {
			_, err := f.create("wangfang", generalVoucher(dr("121801", "FY-CP-01", "FY-UP", "100.00"), dr("121801", "FY-CP-01", "FY-MATCH", "50.00"),
				cr("100201", "FY", "FY-UP", "100.00"), cr("100201", "FY", "FY-MATCH", "50.00")))
			return err
		}},
		{name: "balanced in total, not per fund", run: func(f *fixture) error {
			_, err := f.create("wangfang", generalVoucher(dr("121801", "FY-CP-01", "FY-UP", "100.00"), cr("100201", "FY", "FY-MATCH", "100.00")))
			if n := f.count(`SELECT count(*) FROM vouchers`); n != 0 {
				f.t.Fatalf("%d vouchers stored after the rejection", n)
			}
			return err
		}, code: ledger.EUnbalanced, field: "lines"},
		{name: "one fen off", run: func(f *fixture) error {
			_, err := f.create("wangfang", generalVoucher(dr("121801", "FY-CP-01", "FY-UP", "100.00"), cr("100201", "FY", "FY-UP", "99.99")))
			return err
		}, code: ledger.EUnbalanced, field: "lines"},
		{name: "a single line", run: func(f *fixture) error {
			_, err := f.create("wangfang", generalVoucher(dr("121801", "FY-CP-01", "FY-UP", "100.00")))
			return err
		}, code: ledger.EUnbalanced, field: "lines"},
	})
}

func TestRulePurposeNotAllowed(t *testing.T) {
	t.Parallel()
	procurementOnly := func(bs *ledger.BookSetup) {
		for i := range bs.Funds {
			if bs.Funds[i].Code == "FY-MATCH" {
				bs.Funds[i].Purposes = []ledger.Purpose{ledger.Procurement}
			}
		}
	}
	runCases(t, []ruleCase{
		{name: "a permitted purpose", setup: procurementOnly, run: func(f *fixture) error {
			_, err := f.flow("wangfang", spend("FY-CP-01", "FY-MATCH", ledger.Procurement, "10.00"))
			return err
		}},
		{name: "a purpose the fund does not permit", setup: procurementOnly, run: func(f *fixture) error {
			_, err := f.flow("wangfang", spend("FY-CP-01", "FY-MATCH", ledger.Condolence, "10.00"))
			return err
		}, code: ledger.EPurposeNotAllowed, field: "purpose"},
		{name: "a fund without purposes", run: func(f *fixture) error {
			_, err := f.flow("wangfang", spend("FY-CP-01", "FY-GEN", ledger.Procurement, "10.00"))
			return err
		}, code: ledger.EPurposeNotAllowed, field: "purpose"},
		{name: "donations spent", run: func(f *fixture) error {
			_, err := f.flow("wangfang", spend("FY-CP-01", "FY-DON", ledger.Relief, "10.00"))
			return err
		}, code: ledger.EPurposeNotAllowed, field: "fund"},
		{name: "donations spent in a general voucher", run: func(f *fixture) error {
			_, err := f.create("wangfang", generalVoucher(dr("500102", "FY", "FY-DON", "10.00"), cr("100201", "FY", "FY-DON", "10.00")))
			return err
		}, code: ledger.EPurposeNotAllowed, field: "lines[1].fund"},
		{name: "a line naming another purpose than its account", run: func(f *fixture) error {
			l := dr("500101", "FY-CP-01", "FY-UP", "10.00")
			l.Purpose = ledger.Relief
			_, err := f.create("wangfang", generalVoucher(l, cr("121801", "FY-CP-01", "FY-UP", "10.00")))
			return err
		}, code: ledger.EPurposeNotAllowed, field: "lines[1].purpose"},
		{name: "an unknown purpose", run: func(f *fixture) error {
			_, err := ledger.ParsePurpose("banquet")
			return err
		}, code: ledger.EPurposeNotAllowed, field: "purpose"},
	})
}

// closeFebruary closes 2020-02 as the schema owner.
func (f *fixture) closeFebruary() {
	f.t.Helper()
	if err := pgtest.Exec(f.t, f.tdb.OwnerURL, `UPDATE periods SET status = 'closed', closed_at = now(), closed_by = 'system', no_statement_reason = '测试：不核对银行对账单'
		WHERE book = 'FY-DFZH' AND year = 2020 AND month = 2`); err != nil {
		f.t.Fatalf("close 2020-02: %v", err)
	}
}

func TestRulePeriodClosed(t *testing.T) {
	t.Parallel()
	runCases(t, []ruleCase{
		{name: "make in the next, open period", run: func(f *fixture) error {
			f.fund("1000.00", nil)
			f.closeFebruary()
			r := allocate("FY-CP-01", "10.00")
			r.Date = day("2020-03-02")
			return f.makePost(r)
		}},
		{name: "make in a closed period", run: func(f *fixture) error {
			f.fund("1000.00", nil)
			f.closeFebruary()
			_, err := f.flow("wangfang", allocate("FY-CP-01", "10.00"))
			return err
		}, code: ledger.EPeriodClosed, field: "date"},
		{name: "post into a closed period", run: func(f *fixture) error {
			f.fund("1000.00", nil)
			v := f.mustFlow("wangfang", allocate("FY-CP-01", "10.00"))
			f.mustStep("liqiang", v.ID, ledger.ActCheck)
			f.mustStep("zhaomin", v.ID, ledger.ActSign)
			// A closing needs every voucher posted; this one is not, so the
			// check is switched off to reach the posting rule.
			if err := pgtest.Exec(f.t, f.tdb.OwnerURL, `BEGIN;
				ALTER TABLE periods DISABLE TRIGGER periods_before_update;
				UPDATE periods SET status = 'closed' WHERE book = 'FY-DFZH' AND year = 2020 AND month = 2;
				ALTER TABLE periods ENABLE TRIGGER periods_before_update;
				COMMIT`); err != nil {
				f.t.Fatal(err)
			}
			_, err := f.step("liqiang", v.ID, ledger.ActPost)
			return err
		}, code: ledger.EPeriodClosed, field: "date"},
	})
}

func TestRuleOrgInactive(t *testing.T) {
	t.Parallel()
	dissolved := withOrg("FY-OT-04", func(o *ledger.Organisation) { d := day("2020-02-15"); o.Dissolved = &d })
	at := func(r ledger.FlowRequest, date string) ledger.FlowRequest { r.Date = day(date); return r }
	runCases(t, []ruleCase{
		{name: "allocate on the dissolution day", setup: dissolved, run: func(f *fixture) error {
			f.fund("1000.00", nil)
			return f.makePost(at(allocate("FY-OT-04", "10.00"), "2020-02-15"))
		}},
		{name: "allocate after the dissolution", setup: dissolved, run: func(f *fixture) error {
			f.fund("1000.00", nil)
			_, err := f.flow("wangfang", at(allocate("FY-OT-04", "10.00"), "2020-02-16"))
			return err
		}, code: ledger.EOrgInactive, field: "lines[1].org"},
		{name: "spend after the dissolution", setup: dissolved, run: func(f *fixture) error {
			f.fund("1000.00", map[string]string{"FY-OT-04": "100.00"})
			_, err := f.flow("wangfang", at(spend("FY-OT-04", "FY-UP", ledger.Procurement, "10.00"), "2020-02-20"))
			return err
		}, code: ledger.EOrgInactive, field: "lines[1].org"},
		{name: "return after the dissolution", setup: dissolved, run: func(f *fixture) error {
			f.fund("1000.00", map[string]string{"FY-OT-04": "100.00"})
			if err := f.makePost(at(giveBack("FY-OT-04", "100.00"), "2020-02-20")); err != nil {
				return err
			}
			if b := f.balance("100201", "FY", "FY-UP"); !b.Equal(money("1000.00")) {
				f.t.Fatalf("bank after the return = %s, want 1000.00", b)
			}
			return nil
		}},
		{name: "allocate before the set-up", run: func(f *fixture) error {
			f.post(at(receive("1000.00"), "2020-01-20"))
			_, err := f.flow("wangfang", at(allocate("FY-CP-01", "10.00"), "2020-01-27"))
			return err
		}, code: ledger.EOrgInactive, field: "lines[1].org"},
		{name: "post after the organisation was dissolved back-dated", run: func(f *fixture) error {
			f.fund("1000.00", nil)
			v := f.mustFlow("wangfang", at(allocate("FY-OT-04", "10.00"), "2020-02-20"))
			if err := pgtest.Exec(f.t, f.tdb.AppURL, `UPDATE organisations SET dissolved = '2020-02-15' WHERE book = 'FY-DFZH' AND code = 'FY-OT-04'`); err != nil {
				f.t.Fatal(err)
			}
			return f.approve(v)
		}, code: ledger.EOrgInactive, field: "lines[1].org"},
	})
}

func TestRuleNotFound(t *testing.T) {
	t.Parallel()
	runCases(t, []ruleCase{
		{name: "a known organisation", run: func(f *fixture) error {
			_, err := f.flow("wangfang", allocate("FY-CP-11", "1.00"))
			return err
		}},
		{name: "unknown organisation", run: func(f *fixture) error {
			_, err := f.flow("wangfang", allocate("FY-CP-99", "1.00"))
			return err
		}, code: ledger.ENotFound, field: "org"},
		{name: "unknown fund", run: func(f *fixture) error {
			_, err := f.flow("wangfang", spend("FY-CP-01", "FY-NONE", ledger.Procurement, "1.00"))
			return err
		}, code: ledger.ENotFound, field: "fund"},
		{name: "unknown account", run: func(f *fixture) error {
			_, err := f.create("wangfang", generalVoucher(dr("999901", "FY", "FY-UP", "1.00"), cr("100201", "FY", "FY-UP", "1.00")))
			return err
		}, code: ledger.ENotFound, field: "lines[1].account"},
		{name: "unknown organisation on a line", run: func(f *fixture) error {
			_, err := f.create("wangfang", generalVoucher(dr("121801", "FY-CP-01", "FY-UP", "1.00"), cr("100201", "NOWHERE", "FY-UP", "1.00")))
			return err
		}, code: ledger.ENotFound, field: "lines[2].org"},
		{name: "unknown fund on a line", run: func(f *fixture) error {
			_, err := f.create("wangfang", generalVoucher(dr("121801", "FY-CP-01", "FY-X", "1.00"), cr("100201", "FY", "FY-X", "1.00")))
			return err
		}, code: ledger.ENotFound, field: "lines[1].fund"},
		{name: "unknown voucher to check", run: func(f *fixture) error {
			_, err := f.step("liqiang", 4242, ledger.ActCheck)
			return err
		}, code: ledger.ENotFound, field: "id"},
		{name: "unknown voucher to reverse", run: func(f *fixture) error {
			_, err := f.db.Reverse(f.ctx, book, "wangfang", 4242, day("2020-02-10"))
			return err
		}, code: ledger.ENotFound, field: "id"},
		{name: "unknown voucher to read", run: func(f *fixture) error {
			_, err := f.db.Voucher(f.ctx, book, 4242)
			return err
		}, code: ledger.ENotFound, field: "id"},
		{name: "unknown voucher number", run: func(f *fixture) error {
			_, err := f.db.VoucherByNumber(f.ctx, book, 2020, 2, "记", 7)
			return err
		}, code: ledger.ENotFound, field: "voucher"},
		{name: "unknown book", run: func(f *fixture) error {
			v := generalVoucher(dr("121801", "FY-CP-01", "FY-UP", "1.00"), cr("100201", "FY", "FY-UP", "1.00"))
			v.Book = "NO-BOOK"
			_, err := f.create("wangfang", v)
			return err
		}, code: ledger.ENotFound, field: "book"},
		{name: "unknown organisation's balance", run: func(f *fixture) error {
			_, err := f.db.Balances(f.ctx, book, "FY-CP-99", "", day("2020-02-29"))
			return err
		}, code: ledger.ENotFound, field: "org"},
	})
}

func TestRuleForbidden(t *testing.T) {
	t.Parallel()
	runCases(t, []ruleCase{
		{name: "scoped officer spends in scope", run: func(f *fixture) error {
			_, err := f.flow("cp01officer", spend("FY-CP-01", "FY-UP", ledger.Procurement, "10.00"))
			return err
		}},
		{name: "scoped officer spends in a party group of the scope", run: func(f *fixture) error {
			_, err := f.flow("cp01officer", spend("FY-CP-01-G1", "FY-UP", ledger.Procurement, "10.00"))
			return err
		}},
		{name: "scoped officer spends for another branch", run: func(f *fixture) error {
			_, err := f.flow("cp01officer", spend("FY-CP-02", "FY-UP", ledger.Procurement, "10.00"))
			return err
		}, code: ledger.EForbidden, field: "lines[1].org"},
		{name: "scoped officer allocates from the root", run: func(f *fixture) error {
			_, err := f.flow("cp01officer", allocate("FY-CP-01", "10.00"))
			return err
		}, code: ledger.EForbidden, field: "lines[2].org"},
		{name: "scoped officer voids a voucher outside the scope", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", spend("FY-CP-02", "FY-UP", ledger.Procurement, "10.00"))
			_, err := f.step("cp01officer", v.ID, ledger.ActVoid)
			return err
		}, code: ledger.EForbidden, field: "lines[1].org"},
		{name: "auditor makes", run: func(f *fixture) error {
			_, err := f.flow("fengqing", receive("10.00"))
			return err
		}, code: ledger.EForbidden, field: "user"},
		{name: "auditor checks", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			_, err := f.step("fengqing", v.ID, ledger.ActCheck)
			return err
		}, code: ledger.EForbidden, field: "user"},
		{name: "auditor reverses", run: func(f *fixture) error {
			v := f.post(receive("10.00"))
			_, err := f.db.Reverse(f.ctx, book, "fengqing", v.ID, v.Date)
			return err
		}, code: ledger.EForbidden, field: "user"},
		{name: "officer checks", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			_, err := f.step("liuyang", v.ID, ledger.ActCheck)
			return err
		}, code: ledger.EForbidden, field: "user"},
		{name: "checker makes", run: func(f *fixture) error {
			_, err := f.flow("liqiang", receive("10.00"))
			return err
		}, code: ledger.EForbidden, field: "user"},
		{name: "cashier posts", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			f.mustStep("liqiang", v.ID, ledger.ActCheck)
			f.mustStep("zhaomin", v.ID, ledger.ActSign)
			_, err := f.step("zhaomin", v.ID, ledger.ActPost)
			return err
		}, code: ledger.EForbidden, field: "user"},
		{name: "checker signs", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			f.mustStep("liqiang", v.ID, ledger.ActCheck)
			_, err := f.step("zhouhui", v.ID, ledger.ActSign)
			return err
		}, code: ledger.EForbidden, field: "user"},
		{name: "unknown user", run: func(f *fixture) error {
			_, err := f.flow("mallory", receive("10.00"))
			return err
		}, code: ledger.EUnauthenticated, field: "user"},
	})
}

func TestRuleSamePerson(t *testing.T) {
	t.Parallel()
	// chenjing checks and is a cashier too, to reach the rules about one
	// person in two roles.
	both := withUser("chenjing", ledger.RoleChecker, ledger.RoleCashier)
	runCases(t, []ruleCase{
		{name: "checker unchecks own check", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			f.mustStep("liqiang", v.ID, ledger.ActCheck)
			v, err := f.step("liqiang", v.ID, ledger.ActUncheck)
			if err == nil && (v.Status != ledger.StatusDraft || v.Checker != "") {
				f.t.Fatalf("after uncheck: status %s checker %q", v.Status, v.Checker)
			}
			return err
		}},
		{name: "maker checks own voucher", run: func(f *fixture) error {
			v := f.mustFlow("sunlixin", receive("10.00"))
			_, err := f.step("sunlixin", v.ID, ledger.ActCheck)
			return err
		}, code: ledger.ESamePerson, field: "user"},
		{name: "another checker unchecks", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			f.mustStep("liqiang", v.ID, ledger.ActCheck)
			_, err := f.step("zhouhui", v.ID, ledger.ActUncheck)
			return err
		}, code: ledger.ESamePerson, field: "user"},
		{name: "checker signs as cashier", setup: both, run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			f.mustStep("chenjing", v.ID, ledger.ActCheck)
			_, err := f.step("chenjing", v.ID, ledger.ActSign)
			return err
		}, code: ledger.ESamePerson, field: "user"},
		{name: "maker posts", run: func(f *fixture) error {
			v := f.mustFlow("sunlixin", receive("10.00"))
			f.mustStep("liqiang", v.ID, ledger.ActCheck)
			f.mustStep("zhaomin", v.ID, ledger.ActSign)
			_, err := f.step("sunlixin", v.ID, ledger.ActPost)
			return err
		}, code: ledger.ESamePerson, field: "user"},
		{name: "cashier posts what they signed", setup: both, run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			f.mustStep("liqiang", v.ID, ledger.ActCheck)
			f.mustStep("chenjing", v.ID, ledger.ActSign)
			_, err := f.step("chenjing", v.ID, ledger.ActPost)
			return err
		}, code: ledger.ESamePerson, field: "user"},
		{name: "another officer voids a draft", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			_, err := f.step("liuyang", v.ID, ledger.ActVoid)
			return err
		}, code: ledger.ESamePerson, field: "user"},
	})
}

func TestRuleInvalidState(t *testing.T) {
	t.Parallel()
	runCases(t, []ruleCase{
		{name: "post a checked non-cash voucher unsigned", run: func(f *fixture) error {
			f.fund("100.00", map[string]string{"FY-CP-01": "100.00"})
			v := f.mustFlow("wangfang", spend("FY-CP-01", "FY-UP", ledger.Procurement, "10.00"))
			f.mustStep("liqiang", v.ID, ledger.ActCheck)
			_, err := f.step("liqiang", v.ID, ledger.ActPost)
			return err
		}},
		{name: "post a draft", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			_, err := f.step("liqiang", v.ID, ledger.ActPost)
			return err
		}, code: ledger.EInvalidState, field: "status"},
		{name: "check a posted voucher", run: func(f *fixture) error {
			v := f.post(receive("10.00"))
			_, err := f.step("zhouhui", v.ID, ledger.ActCheck)
			return err
		}, code: ledger.EInvalidState, field: "status"},
		{name: "sign an unchecked non-cash voucher", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", spend("FY-CP-01", "FY-UP", ledger.Procurement, "10.00"))
			_, err := f.step("zhaomin", v.ID, ledger.ActSign)
			return err
		}, code: ledger.EInvalidState, field: "status"},
		{name: "post a checked cash voucher unsigned", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			f.mustStep("liqiang", v.ID, ledger.ActCheck)
			_, err := f.step("liqiang", v.ID, ledger.ActPost)
			return err
		}, code: ledger.EInvalidState, field: "status"},
		{name: "void a checked voucher", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			f.mustStep("liqiang", v.ID, ledger.ActCheck)
			_, err := f.step("wangfang", v.ID, ledger.ActVoid)
			return err
		}, code: ledger.EInvalidState, field: "status"},
		{name: "uncheck a draft", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			_, err := f.step("liqiang", v.ID, ledger.ActUncheck)
			return err
		}, code: ledger.EInvalidState, field: "status"},
		{name: "reverse a draft", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			_, err := f.db.Reverse(f.ctx, book, "wangfang", v.ID, v.Date)
			return err
		}, code: ledger.EInvalidState, field: "status"},
		{name: "reverse twice", run: func(f *fixture) error {
			v := f.post(receive("10.00"))
			if _, err := f.db.Reverse(f.ctx, book, "wangfang", v.ID, v.Date); err != nil {
				return err
			}
			_, err := f.db.Reverse(f.ctx, book, "liuyang", v.ID, v.Date)
			return err
		}, code: ledger.EInvalidState, field: "id"},
		{name: "reverse a reversal", run: func(f *fixture) error {
			v := f.post(receive("10.00"))
			red, err := f.db.Reverse(f.ctx, book, "wangfang", v.ID, v.Date)
			if err != nil {
				return err
			}
			if err := f.approve(red); err != nil {
				return err
			}
			_, err = f.db.Reverse(f.ctx, book, "wangfang", red.ID, v.Date)
			return err
		}, code: ledger.EInvalidState, field: "id"},
	})
}

func TestRuleImmutable(t *testing.T) {
	t.Parallel()
	// exec runs raw SQL through the application's own pool and maps the
	// error as the use cases do.
	exec := func(f *fixture, sql string, args ...any) error {
		_, err := f.db.Pool.Exec(f.ctx, sql, args...)
		return postgres.MapError(err)
	}
	runCases(t, []ruleCase{
		{name: "summary of a posted voucher", run: func(f *fixture) error {
			v := f.post(receive("10.00"))
			return exec(f, `UPDATE vouchers SET summary = '改过的摘要' WHERE book = $1 AND id = $2`, book, v.ID)
		}, code: ledger.EImmutable, field: "-"},
		{name: "amount of a posted voucher's total", run: func(f *fixture) error {
			v := f.post(receive("10.00"))
			return exec(f, `UPDATE vouchers SET total_fen = 1 WHERE book = $1 AND id = $2`, book, v.ID)
		}, code: ledger.EImmutable, field: "-"},
		{name: "summary of a checked voucher", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", receive("10.00"))
			f.mustStep("liqiang", v.ID, ledger.ActCheck)
			return exec(f, `UPDATE vouchers SET summary = '改过的摘要' WHERE book = $1 AND id = $2`, book, v.ID)
		}, code: ledger.EImmutable, field: "-"},
		{name: "posted voucher back to draft", run: func(f *fixture) error {
			v := f.post(receive("10.00"))
			return exec(f, `UPDATE vouchers SET status = 'draft' WHERE book = $1 AND id = $2`, book, v.ID)
		}, code: ledger.EImmutable, field: "-"},
		{name: "line amount of a posted voucher as the application", run: func(f *fixture) error {
			v := f.post(receive("10.00"))
			// The application role holds no UPDATE privilege on lines at all.
			return exec(f, `UPDATE voucher_lines SET debit_fen = 100000 WHERE book = $1 AND voucher_id = $2 AND line_no = 1`, book, v.ID)
		}, code: ledger.EForbidden, field: "-"},
		{name: "line amount of a posted voucher as the owner", run: func(f *fixture) error {
			v := f.post(receive("10.00"))
			owner := f.tdb.Open(f.t, f.tdb.OwnerURL)
			_, err := owner.Pool.Exec(f.ctx, `UPDATE voucher_lines SET debit_fen = 100000 WHERE book = $1 AND voucher_id = $2 AND line_no = 1`, book, v.ID)
			return postgres.MapError(err)
		}, code: ledger.EImmutable, field: "-"},
	})
}

func TestRuleIdempotency(t *testing.T) {
	t.Parallel()
	keyed := func(amount, key string) ledger.FlowRequest {
		r := receive(amount)
		r.Key, r.Date = key, day("2020-02-10")
		return r
	}
	runCases(t, []ruleCase{
		{name: "same key, same request", run: func(f *fixture) error {
			b := f.books()
			r := keyed("10.00", "k-1")
			v1, err := ledger.BuildFlow(&r, b)
			if err != nil {
				return err
			}
			v2, err := ledger.BuildFlow(&r, b)
			if err != nil {
				return err
			}
			first, replayed1, err := f.db.CreateVoucher(f.ctx, "wangfang", v1)
			if err != nil {
				return err
			}
			second, replayed2, err := f.db.CreateVoucher(f.ctx, "wangfang", v2)
			if err != nil {
				return err
			}
			if replayed1 || !replayed2 || first.ID != second.ID || first.Number != second.Number {
				f.t.Fatalf("first %d (replayed %v), second %d (replayed %v)", first.ID, replayed1, second.ID, replayed2)
			}
			if n := f.count(`SELECT count(*) FROM vouchers`); n != 1 {
				f.t.Fatalf("%d vouchers, want 1", n)
			}
			if n := f.count(`SELECT count(*) FROM actions`); n != 1 {
				f.t.Fatalf("%d actions, want 1: a replay logs nothing", n)
			}
			return nil
		}},
		{name: "same key, other amount", run: func(f *fixture) error {
			f.mustFlow("wangfang", keyed("10.00", "k-1"))
			_, err := f.flow("wangfang", keyed("10.01", "k-1"))
			return err
		}, code: ledger.EIdempotencyConflict, field: "key"},
		{name: "same key, other maker", run: func(f *fixture) error {
			f.mustFlow("wangfang", keyed("10.00", "k-1"))
			_, err := f.flow("liuyang", keyed("10.00", "k-1"))
			return err
		}, code: ledger.EIdempotencyConflict, field: "key"},
	})
}

// TestGaplessNumbersWithVoids: a voided number stays, marked void, and is
// never reused.
func TestGaplessNumbersWithVoids(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	var ids []int64
	for i := 1; i <= 5; i++ {
		v := f.mustFlow("wangfang", receive("10.00"))
		if v.Number != i || v.Word() != "记-000"+string(rune('0'+i)) {
			t.Fatalf("voucher %d is numbered %s", i, v.Word())
		}
		ids = append(ids, v.ID)
	}
	if v := f.mustStep("wangfang", ids[2], ledger.ActVoid); v.Status != ledger.StatusVoid {
		t.Fatalf("voided voucher is %s", v.Status)
	}
	if v := f.mustFlow("liuyang", receive("10.00")); v.Number != 6 {
		t.Fatalf("the voucher after a void is numbered %d, want 6", v.Number)
	}
	// A rejected voucher gives its number back: the next one is 7.
	if _, err := f.create("wangfang", generalVoucher(dr("121801", "FY-CP-01", "FY-UP", "1.00"), cr("100201", "FY", "FY-MATCH", "1.00"))); err == nil {
		t.Fatal("an unbalanced voucher was made")
	}
	if v := f.mustFlow("liuyang", receive("10.00")); v.Number != 7 {
		t.Fatalf("the voucher after a rejected one is numbered %d, want 7", v.Number)
	}
	// March starts again at 1.
	r := receive("10.00")
	r.Date = day("2020-03-01")
	if v := f.mustFlow("wangfang", r); v.Number != 1 {
		t.Fatalf("the first voucher of March is numbered %d, want 1", v.Number)
	}
	list, err := f.db.Vouchers(f.ctx, postgres.VoucherFilter{Book: book, From: day("2020-02-01"), To: day("2020-02-29")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 7 {
		t.Fatalf("February lists %d vouchers, want 7", len(list))
	}
	for i, v := range list {
		if v.Number != i+1 {
			t.Fatalf("list position %d holds number %d", i+1, v.Number)
		}
		want := ledger.StatusDraft
		if v.Number == 3 {
			want = ledger.StatusVoid
		}
		if v.Status != want {
			t.Fatalf("%s is %s, want %s", v.Word(), v.Status, want)
		}
	}
	if v, err := f.db.VoucherByNumber(f.ctx, book, 2020, 2, "记", 3); err != nil || v.Status != ledger.StatusVoid {
		t.Fatalf("记-3 of 2020-02: %v, %v", v, err)
	}
}
