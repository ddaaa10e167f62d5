package main

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/internal/cli"
	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/internal/textout"
	"github.com/fenyang/partyfee/internal/workbook"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/reports"
)

func (a *app) reportCommand() *cobra.Command {
	var period, org, out, books string
	c := &cobra.Command{
		Use:   "report audit|rollup|NAME --period PERIOD [--org CODE] [--books A,B] [--out FILE.xlsx]",
		Short: "Write the audit workbook (审计报表), or one of its tables alone",
		Long: `report writes the discipline-inspection auditors' Excel workbook of a period (SPEC §6): the cover,
T1 收支总表 … T9 余额调节表, 科目余额表, 试算平衡表, 明细账, 现金日记账, 银行存款日记账 and 凭证清单. "report audit"
writes them all; "report NAME" writes one table alone, NAME being a sheet name or one of
` + strings.Join(reports.SheetAliases(), ", ") + `.

The period is a month (2020-02), a range of months (2020-02..2020-03) or a year (2020). --org restricts
the report to an organisation's subtree. Tables count posted vouchers only (red reversals negative);
凭证清单 lists every voucher of the period in every state. 制表人/审核人 come from report.preparer and
report.reviewer (default: the acting user and the book's checker). The file is written whole or not at all.

"report rollup" is the upper levels' roll-up across books (上级汇总): per book and special fund what came in,
went down and was spent, what is left; what each upper book granted against what each lower book recorded;
findings per book. --books lists the books (default: every book of the database); a book named in
rollup.databases is read from that database. A user reads a lower book only when its admin granted it
(ledger grant reader).`,
		Example: `  ledger report audit --period 2020-02 --out audit-2020-02.xlsx
  ledger report audit --period 2020-02..2020-03 --org FY-CP-01 --out cp01.xlsx
  ledger report t1 --period 2020 --out t1-2020.xlsx
  ledger report 凭证清单 --period 2020-02 --out vouchers.xlsx --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if name == "rollup" {
				return cli.Rollup(a.cliEnv(), cmd, period, books, out)
			}
			if name != "audit" {
				if _, ok := reports.SheetName(name); !ok {
					return exit.Usagef("unknown report %q: audit, or one of %s", name, strings.Join(reports.SheetAliases(), ", "))
				}
			}
			if period == "" {
				return exit.Usagef("--period is required (2020-02, 2020-02..2020-03 or 2020)")
			}
			p, err := ledger.ParsePeriod(period)
			if err != nil {
				return err
			}
			if out == "" {
				out = fmt.Sprintf("%s-%s.xlsx", name, strings.ReplaceAll(p.Label(), "..", "_"))
			}
			defer workbook.LowerGC()()
			db, src, err := a.readDB(cmd.Context(), postgres.ReadLatest)
			if err != nil {
				return err
			}
			actor := cmp.Or(a.cfg.User, ledger.SystemUser)
			res, err := workbook.WriteAudit(cmd.Context(), db, workbook.AuditRequest{Book: a.book(), Period: p, Org: org, Sheet: name, Out: out, Source: src,
				Actor: actor, Preparer: a.cfg.Report.Preparer, Reviewer: a.cfg.Report.Reviewer,
				Signatures: a.cfg.Report.Signatures, TimeZone: a.cfg.Report.TimeZone})
			if err != nil {
				return err
			}
			return a.printReport(res)
		},
	}
	c.Flags().StringVar(&period, "period", "", "month YYYY-MM, range YYYY-MM..YYYY-MM or year YYYY (required)")
	c.Flags().StringVar(&org, "org", "", "report on this organisation's subtree only (default: the whole book; a scoped user's scope)")
	c.Flags().StringVar(&out, "out", "", "the .xlsx file to write (default NAME-PERIOD.xlsx)")
	c.Flags().StringVar(&books, "books", "", "rollup: the books, comma-separated (default every book of the database)")
	return c
}

func (a *app) printReport(res *workbook.AuditResult) error {
	if a.jsonOut() {
		return a.printJSON(res)
	}
	textout.AuditWorkbook(a.stdout, a.stderr, a.lang(), res)
	return nil
}
