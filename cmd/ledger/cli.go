package main

import (
	"io"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/internal/cli"
	"github.com/fenyang/partyfee/ledger/i18n"
)

// cliEnv wires the command groups of internal/cli.
func (a *app) cliEnv() cli.Env {
	return cli.Env{
		Actor: a.actor, Config: func() *configs.Config { return &a.cfg }, Book: a.book, OpenDB: a.openDB, VoucherRef: a.voucherRef,
		JSON: a.jsonOut, PrintJSON: a.printJSON, PrintVoucher: a.printVoucher, Stdout: func() io.Writer { return a.stdout },
		Lang: func() i18n.Lang { return a.lang() },
	}
}
