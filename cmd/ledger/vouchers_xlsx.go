package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/internal/workbook"
	"github.com/fenyang/partyfee/ledger/exchange"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/xlsximport"
	"github.com/fenyang/partyfee/reports"
)

func (a *app) templateCommand() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "template vouchers [--out 凭证导入模板.xlsx]",
		Short: "Write the Excel voucher import template (凭证导入模板) of the book",
		Long: `template vouchers writes the workbook that ledger import FILE.xlsx reads: the sheet 凭证 with one row
per posting line (` + fmt.Sprint(xlsximport.Columns) + `), drop-down lists of the
book's leaf accounts, active organisations, funds and purposes (sheet 代码表) and the instructions in
Chinese (sheet 说明), and the sheets 受益人 (` + fmt.Sprint(xlsximport.BeneficiaryColumns) + `) and
物品 (` + fmt.Sprint(xlsximport.ItemColumns) + `), rows naming their voucher by 凭证键.`,
		Example: `  ledger template vouchers --out 凭证导入模板.xlsx`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] != "vouchers" {
				return exit.Usagef("unknown template %q (vouchers)", args[0])
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			b, err := db.LoadBooks(cmd.Context(), a.book())
			if err != nil {
				return err
			}
			if err := workbook.WriteFile(out, func(w io.Writer) error {
				return reports.WriteVoucherTemplate(w, b, xlsximport.SheetVouchers, xlsximport.Columns,
					reports.TemplateSheet{Name: xlsximport.SheetBeneficiaries, Columns: xlsximport.BeneficiaryColumns},
					reports.TemplateSheet{Name: xlsximport.SheetItems, Columns: xlsximport.ItemColumns})
			}); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, i18n.T(a.lang(), "wrote %s", out))
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "凭证导入模板.xlsx", "the .xlsx file to write")
	return c
}

// importVoucherWorkbook makes the vouchers of the template workbook at path
// as drafts under the acting user: all or none.
func importVoucherWorkbook(ctx context.Context, a *app, path string) error {
	actor, err := a.actor()
	if err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	res, err := exchange.ImportWorkbook(ctx, db, a.book(), actor, data)
	if err != nil {
		return err
	}
	if a.jsonOut() {
		return a.printJSON(res)
	}
	fmt.Fprint(a.stdout, i18n.T(a.lang(), "imported %d vouchers from %s as drafts made by %s", res.Made, path, actor))
	if res.Replayed > 0 {
		fmt.Fprint(a.stdout, i18n.T(a.lang(), "; %d imported before, skipped", res.Replayed))
	}
	fmt.Fprintln(a.stdout)
	for _, w := range res.Words {
		fmt.Fprintf(a.stdout, "  %s\n", w)
	}
	for _, n := range res.Notes {
		fmt.Fprintln(a.stdout, i18n.T(a.lang(), "note: %s", n))
	}
	return nil
}
