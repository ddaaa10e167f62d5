package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/internal/cli"
	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/internal/textout"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// auditCommands are the audit command and the facts the audit rules need.
func (a *app) auditCommands() []*cobra.Command {
	return append([]*cobra.Command{a.auditCommand()}, cli.FactCommands(a.cliEnv())...)
}

// auditRulesConfig returns the audit-rule thresholds of the configuration.
func (a *app) auditRulesConfig() (*audit.Config, error) {
	return configs.AuditRules(a.cfg.Audit.RulesFile)
}

func (a *app) auditCommand() *cobra.Command {
	var period, severity string
	c := &cobra.Command{
		Use:   "audit",
		Short: "Evaluate the audit rules A-01 … A-17 for a period and list the findings with their states",
		Long: `audit evaluates the audit rules (domain §6.7) over the book as of the end of the period — never
the wall clock — records the findings and lists them with their states (整改状态). A finding found
again by a later run keeps its state. An auditor moves a finding open (未整改) → acknowledged (整改中,
with a note and a deadline) → rectified (已整改) with "audit ack" and "audit rectify".

Exit status 4 when any HIGH finding of the period is still open. Thresholds come from the
built-in configs/audit.yaml, or the file named by the configuration key audit.rules_file.`,
		Example: "  ledger audit --period 2020-02\n  ledger audit --period 2020-02 --severity HIGH --json\n" +
			"  ledger --as fengqing audit ack 12 --note '情况属实，限期补充决策依据' --deadline 2020-03-31\n" +
			"  ledger --as fengqing audit rectify 12 --note '已补充部务会纪要'",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if period == "" {
				return exit.Usagef("audit needs --period YYYY-MM")
			}
			p, err := ledger.ParsePeriod(period)
			if err != nil {
				return err
			}
			minSev := ""
			if severity != "" {
				if minSev, err = audit.ParseSeverity(severity); err != nil {
					return err
				}
			}
			cfg, err := a.auditRulesConfig()
			if err != nil {
				return err
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			in, err := db.AuditInput(cmd.Context(), a.book(), p.From, p.To)
			if err != nil {
				return err
			}
			stored, err := db.RecordAuditRun(cmd.Context(), a.book(), p, cfg, audit.Evaluate(in, cfg), db.Now())
			if err != nil {
				return err
			}
			return a.reportFindings(period, p, stored, minSev)
		},
	}
	c.Flags().StringVar(&period, "period", "", "period YYYY-MM (evaluated as of its last day)")
	c.Flags().StringVar(&severity, "severity", "", "show findings of this severity and above: HIGH, MEDIUM or LOW")
	c.AddCommand(a.auditAckCommand(), a.auditRectifyCommand(), a.auditListCommand(), a.auditHistoryCommand())
	return c
}

// reportFindings prints the findings of one evaluation and returns a
// discrepancy (exit 4) when a HIGH finding is still open.
func (a *app) reportFindings(period string, p ledger.PeriodRange, stored []postgres.StoredFinding, minSev string) error {
	r := textout.NewFindingsReport(period, p, stored, minSev)
	var err error
	if a.jsonOut() {
		err = a.printJSON(r)
	} else {
		err = r.Print(a.stdout)
	}
	if err != nil {
		return err
	}
	if n := r.Summary.OpenHigh; n > 0 {
		return &exit.DiscrepancyError{Msg: i18n.T(a.lang(), "audit %s: %d HIGH finding(s) still open", period, n)}
	}
	return nil
}

func (a *app) auditAckCommand() *cobra.Command {
	var note, deadline string
	c := &cobra.Command{
		Use:     "ack ID",
		Short:   "Acknowledge an open finding (认定): open → acknowledged, with a note and a deadline; auditors and admins",
		Example: "  ledger --as fengqing audit ack 12 --note '情况属实，限期补充决策依据' --deadline 2020-03-31",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			actor, err := a.actor()
			if err != nil {
				return err
			}
			var d time.Time
			if deadline != "" {
				if d, err = ledger.ParseDate(deadline); err != nil {
					return ledger.Errorf(ledger.EInvalid, "deadline", "%s", ledger.ErrorMessage(err))
				}
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			f, err := db.AckFinding(cmd.Context(), a.book(), actor, args[0], note, d)
			if err != nil {
				return err
			}
			return a.printFindingChange(f)
		},
	}
	c.Flags().StringVar(&note, "note", "", "what was found and what is to be done (required)")
	c.Flags().StringVar(&deadline, "deadline", "", "deadline for rectification YYYY-MM-DD (整改期限)")
	c.MarkFlagRequired("note")
	return c
}

func (a *app) auditRectifyCommand() *cobra.Command {
	var note string
	c := &cobra.Command{
		Use:     "rectify ID",
		Short:   "Record that an acknowledged finding was rectified (已整改): acknowledged → rectified; auditors and admins",
		Example: "  ledger --as fengqing audit rectify 12 --note '已补充部务会纪要'",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			actor, err := a.actor()
			if err != nil {
				return err
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			f, err := db.RectifyFinding(cmd.Context(), a.book(), actor, args[0], note)
			if err != nil {
				return err
			}
			return a.printFindingChange(f)
		},
	}
	c.Flags().StringVar(&note, "note", "", "how the problem was rectified (required)")
	c.MarkFlagRequired("note")
	return c
}

func (a *app) printFindingChange(f *postgres.StoredFinding) error {
	if a.jsonOut() {
		return a.printJSON(f)
	}
	fmt.Fprintf(a.stdout, "问题 %d（%s %s %s）：%s", f.ID, f.Rule, f.Type, f.Voucher, textout.FindingState(f))
	if f.Note != "" {
		fmt.Fprintf(a.stdout, "  说明：%s", f.Note)
	}
	fmt.Fprintln(a.stdout)
	return nil
}

func (a *app) auditListCommand() *cobra.Command {
	var period, state, severity, rule, org string
	c := &cobra.Command{
		Use:     "list",
		Short:   "List recorded findings without evaluating the rules again",
		Example: "  ledger audit list --state open\n  ledger audit list --period 2020-02 --severity HIGH --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f := postgres.FindingFilter{State: state, Severity: severity, Rule: rule, Org: org}
			if period != "" {
				p, err := ledger.ParsePeriod(period)
				if err != nil {
					return err
				}
				f.Period = &p
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			fs, err := db.Findings(cmd.Context(), a.book(), f)
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(map[string]any{"findings": fs})
			}
			return textout.FindingTable(a.stdout, fs)
		},
	}
	c.Flags().StringVar(&period, "period", "", "findings of the latest evaluation of this period (YYYY-MM)")
	c.Flags().StringVar(&state, "state", "", "open, acknowledged or rectified")
	c.Flags().StringVar(&severity, "severity", "", "this severity and above: HIGH, MEDIUM or LOW")
	c.Flags().StringVar(&rule, "rule", "", "one rule, e.g. A-12")
	c.Flags().StringVar(&org, "org", "", "one organisation code")
	return c
}

func (a *app) auditHistoryCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "history ID",
		Short:   "Show the state changes and notes of a finding",
		Example: "  ledger audit history 12",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			es, err := db.FindingEvents(cmd.Context(), a.book(), args[0])
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(map[string]any{"events": es})
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "时间\t操作人\t原状态\t新状态\t整改期限\t说明")
			for _, e := range es {
				d := ""
				if e.Deadline != nil {
					d = e.Deadline.Format(time.DateOnly)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.At.Format(time.RFC3339), e.Actor, audit.FindingStateName(e.From),
					audit.FindingStateName(e.To), d, textout.OneLine(e.Note))
			}
			return tw.Flush()
		},
	}
}
