package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/configs"
)

// voucherEditCommand is `voucher edit VOUCHER [FILE]`: a draft's new
// content from FILE (as `voucher add`'s) or the voucher as stored, with the
// header fields the flags give.
func (a *app) voucherEditCommand() *cobra.Command {
	var h configs.HeaderEdit
	c := &cobra.Command{
		Use:   "edit VOUCHER [FILE]",
		Short: "Edit a draft (修改未审核凭证; the maker or an admin): its number, month and 凭证字 stay",
		Long: `edit replaces a draft's content with FILE's (as voucher add's) and the header fields given as flags.
--version names the version it changes (voucher show prints it and every earlier one); a stale one is refused.`,
		Example: "  ledger --as wangfang voucher edit 2020-02:记-3 --version 1 --summary '支付银行手续费（2月）' --attachments 2\n  ledger --as wangfang voucher edit 17 voucher.yaml --version 2",
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			actor, err := a.actor()
			if err != nil {
				return err
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			id, err := a.voucherRef(cmd, db, args[0])
			if err != nil {
				return err
			}
			v, err := db.Voucher(cmd.Context(), a.book(), id)
			if err != nil {
				return err
			}
			if len(args) == 2 {
				data, err := os.ReadFile(args[1])
				if err != nil {
					return err
				}
				if v, err = configs.ParseVoucher(data, args[1], a.book()); err != nil {
					return err
				}
			}
			if err := h.Apply(v, cmd.Flags()); err != nil {
				return err
			}
			out, err := db.EditVoucher(cmd.Context(), actor, id, h.Version, v)
			if err != nil {
				return err
			}
			b, err := db.LoadBooks(cmd.Context(), a.book())
			if err != nil {
				return err
			}
			return a.printVoucher(out, b.Chart, false)
		},
	}
	h.Bind(c.Flags())
	return c
}
