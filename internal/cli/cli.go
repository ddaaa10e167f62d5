// Package cli holds groups of `ledger`'s commands — grants across books
// and the roll-up, the audit facts (publicity, roster, members, meetings,
// payee accounts, value dates) — that the command wires under its root with
// an Env. They parse flags, call the use cases and print; the rules live in
// the ledger packages.
package cli

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// Env is what the commands need of the application; every field is read
// when a command runs, after the configuration is loaded.
type Env struct {
	// Actor is the acting user of a write (an error without --as).
	Actor func() (string, error)
	// Config is the loaded configuration.
	Config     func() *configs.Config
	Book       func() string
	OpenDB     func(ctx context.Context) (*postgres.DB, error)
	VoucherRef func(cmd *cobra.Command, db *postgres.DB, ref string) (int64, error)
	JSON       func() bool
	PrintJSON  func(v any) error
	// PrintVoucher prints a voucher as `voucher show` does.
	PrintVoucher func(v *ledger.Voucher, chart ledger.Chart, replayed bool) error
	Stdout       func() io.Writer
	Lang         func() i18n.Lang
}
