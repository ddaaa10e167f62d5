package demo

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/internal/textout"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
)

// The demo's February audit, on the first working day of March (see the
// timeline): each branch publishes its February figures (公示), the
// discipline-inspection auditor evaluates the rules for February and
// acknowledges each finding with a rectification deadline.

// publishFebruary records one publicity record per branch that spent in
// February, with the ledger's own totals per purpose.
func (s *scenario) publishFebruary() error {
	s.at(day("2020-03-02"), 8, 30)
	asOf := day("2020-02-29")
	rows, err := s.db.Balances(s.ctx, demoBook, "", "", asOf)
	if err != nil {
		return err
	}
	totals := map[string]map[ledger.Purpose]ledger.Money{}
	for _, r := range rows {
		a := s.b.Chart[r.Account]
		if a == nil || a.Purpose == "" || s.b.Orgs[r.Org].Kind != ledger.OrgTempBranch || r.Total.IsZero() {
			continue
		}
		if totals[r.Org] == nil {
			totals[r.Org] = map[ledger.Purpose]ledger.Money{}
		}
		totals[r.Org][a.Purpose] = orZero(totals[r.Org][a.Purpose]).Add(r.Total)
	}
	orgs := make([]string, 0, len(totals))
	for o := range totals {
		orgs = append(orgs, o)
	}
	sort.Strings(orgs)
	for _, o := range orgs {
		rec := audit.PublicityRecord{Org: o, Date: day("2020-03-02"), Channel: "支部公示栏、汾阳党建微信公众号", Through: asOf,
			Totals: map[ledger.Purpose]ledger.Money{}, ReportedTotal: ledger.Zero}
		for _, p := range ledger.Purposes {
			m := orZero(totals[o][p])
			rec.Totals[p] = m
			rec.ReportedTotal = rec.ReportedTotal.Add(m)
		}
		if _, err := s.db.AddPublicity(s.ctx, demoBook, officerA, rec); err != nil {
			return fmt.Errorf("publicity %s: %w", o, err)
		}
	}
	return nil
}

// auditFebruary evaluates the rules for February, checks that they found
// exactly the planted irregularities, and has the auditor acknowledge each.
func (s *scenario) auditFebruary() error {
	s.at(day("2020-03-02"), 9, 0)
	data, err := configs.Read("audit.yaml")
	if err != nil {
		return err
	}
	cfg, err := audit.LoadConfig(data, "audit.yaml")
	if err != nil {
		return err
	}
	p, _ := ledger.ParsePeriod("2020-02")
	in, err := s.db.AuditInput(s.ctx, demoBook, p.From, p.To)
	if err != nil {
		return err
	}
	stored, err := s.db.RecordAuditRun(s.ctx, demoBook, p, &cfg, audit.Evaluate(in, &cfg), s.clock)
	if err != nil {
		return err
	}
	s.findings = stored
	fmt.Fprintf(s.log, "  2 月审计：%d 个问题\n", len(stored))
	want := map[string]bool{}
	for _, pl := range s.planted {
		want[pl.Rule+" "+pl.Voucher] = true
	}
	var unexpected []string
	for _, f := range stored {
		if !want[f.Rule+" "+f.Voucher] {
			unexpected = append(unexpected, fmt.Sprintf("%s %s %s", f.Rule, f.Voucher, textout.OneLine(f.Explanation)))
		}
	}
	if len(unexpected) > 0 {
		return fmt.Errorf("the February audit found irregularities that were not planted:\n  %s", strings.Join(unexpected, "\n  "))
	}
	notes := map[string]string{
		"A-06": "经核实系同一人在两个检测站点重复领取慰问金，责令追回重复发放款项",
		"A-07": "经办人为本人发放救助款，违反回避规定，责令退回并重新履行审批程序",
		"A-08": "责令补充采购发票等原始凭证",
		"A-09": "超结算起点现金支付，责令说明情况并改为转账结算",
		"A-10": "同一采购事项拆分支付规避审批，责令补办支委会审批手续",
	}
	s.at(day("2020-03-02"), 9, 40)
	for i := range stored {
		f := &stored[i]
		s.tick()
		acked, err := s.db.AckFinding(s.ctx, demoBook, auditor, fmt.Sprint(f.ID), notes[f.Rule], day("2020-03-31"))
		if err != nil {
			return fmt.Errorf("acknowledge finding %d: %w", f.ID, err)
		}
		stored[i] = *acked
	}
	return nil
}
