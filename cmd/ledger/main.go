// Command ledger is the special Party-fee ledger: a double-entry ledger for
// earmarked Party-fee funds, with its embedded PostgreSQL, the voucher
// workflow, audit reports and the monthly reconciliation batch.
//
// This package only wires: it reads flags, configuration and the
// environment, calls the adapters and maps errors to exit statuses.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Set at build time with -ldflags "-X main.version=… -X main.commit=…".
var (
	version = "dev"
	commit  = ""
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := newApp(stdin, stdout, stderr)
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	a.closeAll(context.WithoutCancel(ctx))
	return a.exit(err)
}
