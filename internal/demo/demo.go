// Package demo records the Fenyang 2020 reference case (`ledger demo`):
// February–March 2020 through the real workflow on a simulated clock, from
// a seeded generator, with its planted irregularities, the February audit
// and batch and their workbooks. Its dated steps run from one explicit
// timeline (scenario.timeline).
package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/fenyang/partyfee/internal/textout"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// Options are the settings of one demo run.
type Options struct {
	// OutDir receives the workbooks and the generated bank statement.
	OutDir string
	// Out receives the progress and the totals.
	Out io.Writer
	// Preparer and Reviewer are report.preparer and report.reviewer of the
	// workbooks (the audit workbook names the officer who made the
	// vouchers as its preparer).
	Preparer, Reviewer string
	// Setup is the setup to load; nil: configs/demo/fenyang.yaml. A setup
	// with a book above Fenyang's (configs/demo/shanxi.yaml) records the
	// 90,000.00 as one grant from it and writes the roll-up as well.
	Setup *ledger.Setup
	// Through, when set (YYYY-MM, up to 2020-12), goes on after March:
	// monthly activity to that month, each month closed, and in December
	// the year-end close.
	Through string
}

// Run records the scenario on db, an empty ledger database, prints the
// totals, the planted irregularities, the February audit and batch, and
// writes the February workbooks into opt.OutDir.
func Run(ctx context.Context, db *postgres.DB, opt Options) error {
	out, outDir := opt.Out, opt.OutDir
	s := &scenario{ctx: ctx, db: db, rng: rand.New(rand.NewPCG(demoSeed, demoSeed)), log: out, opt: opt}
	db.Now = func() time.Time { return s.clock }
	started := time.Now()
	fmt.Fprintln(out, "汾阳市疫情防控专项党费 — 记录 2020 年 2—3 月（随机种子", demoSeed, "）")
	last, err := s.throughMonth()
	if err != nil {
		return err
	}
	if err := s.run(); err != nil {
		return err
	}
	if last > 0 {
		fmt.Fprintf(out, "继续记录到 2020-%02d：每月结账%s\n", last, map[bool]string{true: "，12 月年结", false: ""}[last == 12])
		if err := s.restOfYear(last); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "共记录 %d 张凭证（其中 %d 张附有原始凭证扫描件），用时 %v\n\n", s.vouchers, s.files, time.Since(started).Round(time.Millisecond))
	if err := printDemoTotals(ctx, db, out); err != nil {
		return err
	}
	fmt.Fprintln(out, "\n有意埋入的违规（2020 年 2 月），供审计发现：")
	for _, p := range s.planted {
		fmt.Fprintf(out, "  %s  %s (id %d)  %s  %s\n", p.Rule, p.Voucher, p.ID, p.Org, p.What)
	}
	if len(s.findings) > 0 {
		fmt.Fprintln(out, "\n2 月审计发现的问题（审计人员 fengqing）及整改状态：")
		textout.Findings(out, s.findings)
	}
	if s.batch != nil {
		b := s.batch
		fmt.Fprintf(out, "\n2 月批处理（ledger reconcile --period 2020-02 --bank-statement … --close）：%s，期间%s", batchStatus(b.Status), textout.PeriodStatus(i18n.ZhCN, b.PeriodStatus))
		if b.Seal != "" {
			fmt.Fprintf(out, "，期间封印 %s", b.Seal)
		}
		fmt.Fprintln(out)
		if s.reconcileBook != "" {
			fmt.Fprintf(out, "对账工作簿：%s\n", s.reconcileBook)
		}
	}
	// Last, the February audit workbook: it shows the batch's findings
	// (T8), reconciliation (T9) and period seal.
	if err := s.auditWorkbook(); err != nil {
		return err
	}
	if s.upper != nil {
		if err := s.rollupWorkbook(); err != nil {
			return err
		}
	}
	abs, _ := filepath.Abs(outDir)
	fmt.Fprintf(out, "\n输出目录：%s\n", abs)
	return nil
}

func printDemoTotals(ctx context.Context, db *postgres.DB, out io.Writer) error {
	t, err := db.Totals(ctx, demoBook, day("2020-02-01"), day("2020-03-31"))
	if err != nil {
		return err
	}
	dx := textout.Capitals
	upper, match := orZero(t.IncomeByKind[ledger.FundUpper]), orZero(t.IncomeByKind[ledger.FundMatching])
	fmt.Fprintln(out, "由账簿计算的合计（2020-02-01 … 2020-03-31，已记账凭证，专项资金）：")
	fmt.Fprintf(out, "  省市下拨          %14s  %s\n", upper.Format(), dx(upper))
	fmt.Fprintf(out, "  本级配套          %14s  %s\n", match.Format(), dx(match))
	fmt.Fprintf(out, "  合计              %14s  %s\n", t.Income.Format(), dx(t.Income))
	fmt.Fprintf(out, "  划拨到支部        %14s  %s\n", t.Allocated.Format(), dx(t.Allocated))
	for _, p := range ledger.Purposes {
		m := orZero(t.SpentByPurpose[p])
		fmt.Fprintf(out, "  使用：%-22s %14s  %s\n", p.Name()+" ("+string(p)+")", m.Format(), dx(m))
	}
	fmt.Fprintf(out, "  使用合计          %14s  %s\n", t.Spent.Format(), dx(t.Spent))
	fmt.Fprintf(out, "  支部退回          %14s  %s\n", t.Returned.Format(), dx(t.Returned))
	fmt.Fprintf(out, "  银行存款 100201   %14s  %s\n", t.Bank.Format(), dx(t.Bank))
	fmt.Fprintf(out, "  支部余额 121801   %14s  %s\n", t.Pending.Format(), dx(t.Pending))
	check := t.Bank.Add(t.Pending).Add(t.Spent)
	fmt.Fprintf(out, "  守恒：银行 + 支部 + 使用 = %s（收入 %s）%s\n", check.Format(), t.Income.Format(), okMark(check.Equal(t.Income)))
	return nil
}

func okMark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗ 不符"
}

func orZero(m ledger.Money) ledger.Money {
	if m.Decimal().IsZero() {
		return ledger.Zero
	}
	return m
}

// batchStatus names the batch's outcome (clean, discrepancies) for the
// narration.
func batchStatus(s string) string {
	if s == "clean" {
		return i18n.T(i18n.ZhCN, "clean")
	}
	return i18n.T(i18n.ZhCN, "with discrepancies")
}
