package demo

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/recon"
)

// The rest of the year (ledger demo --through 2020-12): after March, each
// month a few spendings by the branches that still hold money and the
// bank's interest; every month from March on is audited (each finding
// acknowledged) and closed by the batch; in December the year-end close
// (结转) is made, checked and posted, and closing December closes the year.

// throughMonth is the last month opt.Through asks for, 0 when it is empty.
func (s *scenario) throughMonth() (int, error) {
	if s.opt.Through == "" {
		return 0, nil
	}
	p, err := ledger.ParsePeriod(s.opt.Through)
	if err != nil || len(p.Months()) != 1 || p.From.Year() != 2020 || p.From.Month() < time.March {
		return 0, ledger.Errorf(ledger.EInvalid, "through", "--through is a month of 2020 from 2020-03 to 2020-12, not %q", s.opt.Through)
	}
	return int(p.From.Month()), nil
}

// restOfYear records the months after March up to last and closes them.
func (s *scenario) restOfYear(last int) error {
	for m := 3; m <= last; m++ {
		if m > 3 {
			if err := s.monthActivity(m); err != nil {
				return fmt.Errorf("demo 2020-%02d: %w", m, err)
			}
		}
		if m == 12 {
			if err := s.yearEndClose(); err != nil {
				return fmt.Errorf("demo year-end close: %w", err)
			}
		}
		if err := s.closeMonth(m); err != nil {
			return fmt.Errorf("demo close 2020-%02d: %w", m, err)
		}
		fmt.Fprintf(s.log, "  2020-%02d 结账              完成（累计 %d 张凭证，时钟 %s）\n", m, s.vouchers, s.clock.Format("2006-01-02 15:04"))
	}
	return nil
}

// monthActivity records month m: the bank's interest of the previous month
// on the first working day and a few spendings, each by a branch active on
// its day that keeps a reserve of 300.00 after it.
func (s *scenario) monthActivity(m int) error {
	first := time.Date(2020, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
	pay := first.AddDate(0, 0, 2)
	s.at(pay, 9, 0)
	interest := yuan(int64(1500 + s.rng.IntN(2000)))
	v := &ledger.Voucher{Book: demoBook, Type: "记", Date: pay, Summary: fmt.Sprintf("收到党费专户%d月银行存款利息", m-1), Attachments: 1,
		DocTypes: []string{"银行回单"}, Payee: demoRoot, PayeeType: ledger.PayeeOrg, Method: ledger.MethodBank, Decision: "按月结息",
		Lines: []ledger.Line{
			{Account: ledger.AcctBank, Org: demoRoot, Fund: "FY-GEN", Debit: interest, Credit: ledger.Zero},
			{Account: "4604", Org: demoRoot, Fund: "FY-GEN", Debit: ledger.Zero, Credit: interest},
		}}
	made, err := s.create(officerA, v)
	if err != nil {
		return err
	}
	if _, err := s.approve(made, checkerA); err != nil {
		return err
	}
	bal, err := s.pending()
	if err != nil {
		return err
	}
	brs := s.branches()
	for n := 0; n < 6; n++ {
		d := first.AddDate(0, 0, 4+s.rng.IntN(20))
		o := brs[s.rng.IntN(len(brs))]
		if !o.ActiveOn(d) {
			continue
		}
		fund := fundUpper
		if bal[o.Code+"|"+fundMatch].Cmp(bal[o.Code+"|"+fund]) > 0 {
			fund = fundMatch
		}
		s.at(d, 10+n, s.rng.IntN(50))
		r := &ledger.FlowRequest{Flow: ledger.FlowSpend, Org: o.Code, Fund: fund, Date: d, Method: ledger.MethodBank, Attachments: 1 + s.rng.IntN(2),
			Decision: fmt.Sprintf("%s支委会会议记录（%s）", strings.TrimSuffix(o.Name, "临时党支部"), d.Format("2006-01-02"))}
		if n%2 == 0 {
			item := procurementItems[s.rng.IntN(len(procurementItems))]
			r.Purpose, r.Amount = ledger.Procurement, s.money(200, 800)
			r.Payee, r.PayeeType = s.supplier(o.Code, d), ledger.PayeeSupplier
			r.Summary, r.DocTypes = fmt.Sprintf("%s采购%s", strings.TrimSuffix(o.Name, "临时党支部"), item), []string{"发票"}
		} else {
			p := s.person(condolenceCats)
			p.Amount, p.Reason = s.money(100, 400), "慰问一线防控人员"
			r.Purpose, r.Amount, r.Beneficiaries = ledger.Condolence, p.Amount, []ledger.Beneficiary{p}
			r.Payee, r.PayeeType = p.Name, ledger.PayeeIndividual
			r.Summary, r.DocTypes = fmt.Sprintf("%s一线慰问（%s）", strings.TrimSuffix(o.Name, "临时党支部"), p.Name), []string{"签收单/花名册"}
		}
		left := bal[o.Code+"|"+fund].Sub(r.Amount)
		if left.Cmp(ledger.MustParseMoney("300.00")) < 0 {
			continue
		}
		maker := officerA
		if n%3 == 1 {
			maker = officerB
		}
		if _, err := s.record(maker, otherChecker(maker), r); err != nil {
			return err
		}
		bal[o.Code+"|"+fund] = left
		s.lastPaid[o.Code+"|"+r.Payee] = d
	}
	return nil
}

// yearEndClose has the admin make the year-end close of 2020 (drafts of
// the batch identity) and a checker check and post each voucher.
func (s *scenario) yearEndClose() error {
	s.at(day("2020-12-31"), 16, 0)
	if _, err := s.db.SealPending(s.ctx, demoBook); err != nil {
		return err
	}
	vs, err := s.db.YearClose(s.ctx, demoBook, admin, 2020)
	if err != nil {
		return err
	}
	for _, v := range vs {
		if _, err := s.approve(v, checkerA); err != nil {
			return fmt.Errorf("post %s: %w", v.Word(), err)
		}
		fmt.Fprintf(s.log, "  年结凭证 %s  %s  %s（system 制单，李强审核记账）\n", v.Word(), v.Summary, v.Total().Format())
	}
	s.vouchers += len(vs)
	return nil
}

// closeMonth audits month m (the auditor acknowledges every open finding,
// as the batch refuses to close a month with a HIGH one open) and closes
// it with the monthly batch on the first working day after it. The demo
// imports no bank statement after February: the month closes with the
// reason recorded.
func (s *scenario) closeMonth(m int) error {
	p, _ := ledger.ParsePeriod(fmt.Sprintf("2020-%02d", m))
	s.at(p.To.AddDate(0, 0, 4), 9, 0)
	if _, err := s.db.SealPending(s.ctx, demoBook); err != nil {
		return err
	}
	data, err := configs.Read("audit.yaml")
	if err != nil {
		return err
	}
	cfg, err := audit.LoadConfig(data, "audit.yaml")
	if err != nil {
		return err
	}
	in, err := s.db.AuditInput(s.ctx, demoBook, p.From, p.To)
	if err != nil {
		return err
	}
	stored, err := s.db.RecordAuditRun(s.ctx, demoBook, p, &cfg, audit.Evaluate(in, &cfg), s.clock)
	if err != nil {
		return err
	}
	for _, f := range stored {
		if f.State != "open" {
			continue
		}
		s.tick()
		if _, err := s.db.AckFinding(s.ctx, demoBook, auditor, fmt.Sprint(f.ID), "已责成所在支部限期整改", p.To.AddDate(0, 1, 0)); err != nil {
			return fmt.Errorf("acknowledge finding %d: %w", f.ID, err)
		}
	}
	s.tick()
	res, err := s.db.Reconcile(s.ctx, postgres.ReconcileOptions{Book: demoBook, Period: p, WindowDays: 10, Close: true, AuditConfig: &cfg,
		WithoutStatementReason: "演示账套：2 月以后未导入银行对账单"})
	if err != nil {
		return err
	}
	if res.Status != recon.StatusClean {
		var b bytes.Buffer
		for _, d := range res.Discrepancies {
			fmt.Fprintf(&b, "\n  %s %s %s %s %s: expected %s, actual %s — %s", d.Check, d.Voucher, d.Account, d.Org, d.Fund, d.Expected, d.Actual, d.Msg)
		}
		return fmt.Errorf("the batch of 2020-%02d found %d discrepancies:%s", m, len(res.Discrepancies), b.String())
	}
	return nil
}
