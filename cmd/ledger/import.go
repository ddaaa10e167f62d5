package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/internal/textout"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
)

func (a *app) importCommand() *cobra.Command {
	var approved string
	var batch int
	c := &cobra.Command{
		Use:   "import --approved FILE.csv | import FILE.xlsx",
		Short: "Load approved historical vouchers in bulk from a CSV file (every rule checked, all or nothing)",
		Long: `import --approved loads vouchers that were made, checked and posted elsewhere (historical books being
brought into the ledger) as posted vouchers, one CSV row per posting line. The header row names the
columns, in English or Chinese, in any order:

  key 凭证键, date 日期, type 凭证字, summary 摘要, account 科目, organisation 党组织, fund 资金来源,
  purpose 用途, debit 借方, credit 贷方, attachments 附单据数, maker 制单人, checker 审核人, poster 记账人,
  and optionally cashier 出纳 (the cashier who signed a cash/bank voucher; required for those).

The rows of one voucher are consecutive and share its key; its date, type, attachments and people may be left
empty on its later rows. The file is UTF-8 (with or without a byte-order mark) or GBK; "-" reads stdin.

Every rule of the ledger is checked, voucher by voucher in file order: amounts (> 0, at most 2 decimals),
balance per fund, leaf accounts, known organisations and funds, permitted purposes, organisations active on
the date, open periods, users that exist with the roles of their steps and within their scopes, the maker
not checking or posting, the cashier neither maker nor checker, the poster not the cashier, and restricted
balances (bank, branches' pending settlement) never below zero at any voucher in the order of the file. The
database checks it all again. One bad row and nothing is written; the error names the row and column
("row 17: debit"). Vouchers are numbered gaplessly in file order per month and type, after the book's
existing numbers, and are sealed like any posted voucher.

The key is the voucher's idempotency key: importing the same file again skips every voucher it already
loaded (reported as replayed); a known key with different content is idempotency_conflict. Only an admin
imports (--as); the action log records one "import" entry.

ledger import FILE.xlsx reads the voucher template (ledger template vouchers) instead and makes its
vouchers as drafts (未审核) under the acting user, every rule checked, all or nothing; errors name the
sheet, row and column in Chinese; re-importing the same file skips the vouchers it made (by 凭证键).`,
		Example: `  ledger --as sunlixin import --approved history-2020.csv
  iconv -f utf-8 -t gbk history.csv | ledger --as sunlixin import --approved - --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if strings.EqualFold(filepath.Ext(args[0]), ".xlsx") {
					return importVoucherWorkbook(cmd.Context(), a, args[0])
				}
				return exit.Usagef("ledger import takes FILE.xlsx (the voucher template) or --approved FILE.csv")
			}
			if approved == "" {
				return exit.Usagef("--approved FILE.csv is required")
			}
			actor, err := a.actor()
			if err != nil {
				return err
			}
			var r io.Reader = a.stdin
			name := "stdin"
			if approved != "-" {
				f, err := os.Open(approved)
				if err != nil {
					return err
				}
				defer f.Close()
				r, name = f, approved
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			progress, done := textout.ImportProgress(a.stderr)
			res, err := db.ImportApproved(cmd.Context(), a.book(), r, name, postgres.ImportOptions{Actor: actor, BatchSize: batch, Progress: progress})
			done()
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(res)
			}
			switch {
			case res.Vouchers == 0 && res.Replayed == 0:
				fmt.Fprintln(a.stdout, i18n.T(a.lang(), "%s holds no vouchers; nothing imported", name))
			case res.Vouchers == 0:
				fmt.Fprintln(a.stdout, i18n.T(a.lang(), "all %d vouchers of %s were imported before; nothing new", res.Replayed, name))
			default:
				fmt.Fprint(a.stdout, i18n.T(a.lang(), "imported %d vouchers (%d lines) from %s as posted, ids %d–%d, in %s", res.Vouchers, res.Lines, name,
					res.FirstID, res.LastID, time.Duration(res.Seconds*float64(time.Second)).Round(time.Millisecond)))
				if res.Replayed > 0 {
					fmt.Fprint(a.stdout, i18n.T(a.lang(), "; %d imported before, skipped", res.Replayed))
				}
				fmt.Fprintln(a.stdout)
			}
			return nil
		},
	}
	c.Flags().StringVar(&approved, "approved", "", "CSV file of approved vouchers, one row per line (- for stdin)")
	c.Flags().IntVar(&batch, "batch", 0, "vouchers checked and written per database call (default 5000)")
	return c
}
