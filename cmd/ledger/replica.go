package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/internal/textout"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
	"github.com/fenyang/partyfee/ledger/report"
)

func (a *app) replicaCommand() *cobra.Command {
	c := &cobra.Command{Use: "replica", Short: "Manage the streaming replica (hot standby) of the embedded server",
		Long: `"db replica start" copies the embedded cluster into <data-dir>/replica (pg_basebackup, slot ledger_replica) and
starts it as a hot standby on a socket of its own. Reports, verify, exports and the auditors' reads go to it.`,
		Example: "  ledger db replica start\n  ledger db replica status\n  psql \"$(ledger db url --replica --auditor)\""}
	run := func(do func(ctx context.Context, s, r *embedded.Server) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, _ []string) error {
			s, err := a.embeddedServer()
			if err != nil {
				return err
			}
			r, err := s.Replica()
			if err != nil {
				return err
			}
			return do(cmd.Context(), s, r)
		}
	}
	status := func(ctx context.Context, s, r *embedded.Server) error {
		srv, st := r.Status(), postgres.ReadReplicaStatus(ctx, s.URL("ledger", embedded.Superuser), r.URL("ledger", embedded.Superuser))
		if a.jsonOut() {
			return a.printJSON(map[string]any{"server": srv, "replication": st})
		}
		textout.ReplicaStatus(a.stdout, a.lang(), &srv, &st)
		return nil
	}
	c.AddCommand(&cobra.Command{Use: "start", Short: "Make (first time) and start the replica", Args: cobra.NoArgs,
		Example: "  ledger db replica start", RunE: run(func(ctx context.Context, s, r *embedded.Server) error {
			if err := a.startPrimary(ctx, s, r); err != nil {
				return err
			}
			postgres.WaitReplicaStreaming(ctx, s.URL("ledger", embedded.Superuser), 30*time.Second)
			return status(ctx, s, r)
		})},
		&cobra.Command{Use: "stop", Short: "Stop the replica", Args: cobra.NoArgs, Example: "  ledger db replica stop",
			RunE: run(func(ctx context.Context, s, r *embedded.Server) error {
				if err := r.Stop(ctx); err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, i18n.T(a.lang(), "replica stopped"))
				return nil
			})},
		&cobra.Command{Use: "status", Short: "Show the replication state and lag", Args: cobra.NoArgs,
			Example: "  ledger db replica status --json", RunE: run(status)})
	return c
}

// readDB is the database a read of freshness f goes to (see reads); src,
// printed on a workbook's cover, is nil without a replica.
func (a *app) readDB(ctx context.Context, f postgres.Freshness) (*postgres.DB, *report.ReadSource, error) {
	db, err := a.openDB(ctx)
	if err != nil {
		return nil, nil, err
	}
	rdb, src := a.reads(ctx, db).For(ctx, f)
	return rdb, src, nil
}

// reads sends reads to the replica when one is configured
// (database.replica_url, or the embedded cluster's replica) and answers,
// else to db with a warning on stderr, in the locale.
func (a *app) reads(ctx context.Context, db *postgres.DB) *postgres.ReadDB {
	url := a.cfg.Database.ReplicaURL
	if a.server != nil && url == "" {
		url = a.server.ReplicaURL("ledger", "ledger_app")
	}
	reads := postgres.OpenReadDB(ctx, db, url, poolOptions(&a.cfg), a.cfg.Database.ReplicaWaitMax, func(err error) {
		a.log.Info("replica", "err", err) // the warning is the line below
		fmt.Fprintln(a.stderr, i18n.T(a.lang(), "warning: %s", i18n.Message(a.lang(), err)))
	})
	a.closers = append(a.closers, func(context.Context) { reads.Close() })
	return reads
}
