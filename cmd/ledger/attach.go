package main

import (
	"io"
	"time"

	"github.com/fenyang/partyfee/internal/attachcmd"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
)

// attachEnv wires the attachment commands (internal/attachcmd).
func (a *app) attachEnv() attachcmd.Env {
	return attachcmd.Env{
		Actor: a.actor, User: func() string { return a.cfg.User }, Book: a.book, OpenDB: a.openDB, VoucherRef: a.voucherRef,
		JSON: a.jsonOut, PrintJSON: a.printJSON, Stdout: func() io.Writer { return a.stdout }, Lang: func() i18n.Lang { return a.lang() },
		TimeZone: func() *time.Location { return a.cfg.Report.TimeZone }, Limits: func() ledger.AttachmentLimits { return a.cfg.Attachments },
	}
}
