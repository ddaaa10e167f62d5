package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/internal/textout"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/csvimport"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// auditCommands are the audit command and the facts the audit rules need.
func (a *app) auditCommands() []*cobra.Command {
	return []*cobra.Command{a.auditCommand(), a.publicityCommand(), a.rosterCommand(), a.memberCommand(),
		a.meetingCommand(), a.payeeCommand(), a.valueDateCommand()}
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
			stored, err := db.RecordFindings(cmd.Context(), a.book(), p, audit.Evaluate(in, cfg), db.Now())
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

func (a *app) publicityCommand() *cobra.Command {
	c := &cobra.Command{
		Use:     "publicity",
		Short:   "Publications (公示) of special-fund spending, read by audit rules A-16 and A-17",
		Example: "  ledger --as wangfang publicity add --org FY --date 2020-03-05 --channel 公示栏 --procurement 150000.00 --condolence 80000.00 --relief 30000.00 --total 260000.00",
	}
	var r audit.PublicityText
	add := &cobra.Command{
		Use:   "add",
		Short: "Record a publication: its date, channel and the published totals by purpose",
		Example: "  ledger --as wangfang publicity add --org FY --date 2020-03-05 --channel 公示栏 --through 2020-02-29 \\\n" +
			"      --procurement 150000.00 --condolence 80000.00 --relief 30000.00 --total 260000.00",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			actor, err := a.actor()
			if err != nil {
				return err
			}
			if r.Date == "" {
				return exit.Usagef("publicity add needs --date")
			}
			if r.Total == "" {
				return exit.Usagef("publicity add needs --total (the published grand total)")
			}
			p, err := audit.ParsePublicity(r)
			if err != nil {
				return err
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			id, err := db.AddPublicity(cmd.Context(), a.book(), actor, p)
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(map[string]any{"id": id})
			}
			fmt.Fprintf(a.stdout, "公示记录 %d：%s %s 公示合计 %s\n", id, orBook(p.Org), p.Date.Format(time.DateOnly), p.ReportedTotal.Format())
			return nil
		},
	}
	f := add.Flags()
	f.StringVar(&r.Org, "org", "", "publishing organisation (default: the whole book)")
	f.StringVar(&r.Date, "date", "", "date of publication YYYY-MM-DD")
	f.StringVar(&r.Channel, "channel", "", "where: 公示栏, 微信公众号, 党务公开网 …")
	f.StringVar(&r.Through, "through", "", "last day of spending the publication covers (default: its date)")
	f.StringVar(&r.Procurement, "procurement", "", "published total of 物资采购")
	f.StringVar(&r.Condolence, "condolence", "", "published total of 一线慰问")
	f.StringVar(&r.Relief, "relief", "", "published total of 党员群众救助")
	f.StringVar(&r.Total, "total", "", "published grand total")
	c.AddCommand(add)
	return c
}

func orBook(org string) string {
	if org == "" {
		return "全账套"
	}
	return org
}

func (a *app) rosterCommand() *cobra.Command {
	c := &cobra.Command{
		Use:     "roster",
		Short:   "The approved condolence/relief roster (花名册), read by audit rule A-06",
		Example: "  ledger --as wangfang roster add --org FY-FXQZ --name 张三 --id 142301197001011236 --category 群众\n  ledger --as wangfang roster import roster.csv",
	}
	var e audit.RosterEntry
	add := &cobra.Command{
		Use:     "add",
		Short:   "Put a person on the roster of an organisation (or of the whole book)",
		Example: "  ledger --as wangfang roster add --org FY-FXQZ --name 张三 --id 142301197001011236 --category 群众 --phone 13800000000",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			actor, err := a.actor()
			if err != nil {
				return err
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			if err := db.AddRosterEntry(cmd.Context(), a.book(), actor, e); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "花名册：%s %s（%s）\n", orBook(e.Org), e.Name, ledger.MaskID(e.IDNumber))
			return nil
		},
	}
	f := add.Flags()
	f.StringVar(&e.Org, "org", "", "organisation (default: every organisation of the book)")
	f.StringVar(&e.Name, "name", "", "name")
	f.StringVar(&e.IDNumber, "id", "", "identity number")
	f.Var((*idKindFlag)(&e.IDKind), "id-kind", "identity document kind: resident (default), residence, hk_macao, taiwan, passport, foreign_perm")
	f.StringVar(&e.Category, "category", "", "党员/群众/医务人员/基层干部/公安/社区工作者/志愿者")
	f.StringVar(&e.Phone, "phone", "", "phone number")
	var defOrg string
	imp := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Load a roster from CSV (UTF-8 or GBK), all rows or none",
		Long: `import reads a CSV file whose first row names the columns: name (姓名), id (证件号/身份证号),
category (身份/类别), phone (电话), org (党组织). Rows without an organisation take --org, or
belong to every organisation of the book. A person already on the roster is updated.`,
		Example: "  ledger --as wangfang roster import roster.csv --org FY-FXQZ\n\n  # roster.csv\n  姓名,身份证号,身份,电话\n  张三,142301197001011236,群众,13800000000",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			actor, err := a.actor()
			if err != nil {
				return err
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			es, err := csvimport.ParseRoster(data, args[0], defOrg)
			if err != nil {
				return err
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			n, err := db.AddRosterEntries(cmd.Context(), a.book(), actor, es)
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(map[string]int{"rows": len(es), "new": n})
			}
			fmt.Fprintf(a.stdout, "花名册：%d 行，新增 %d 人\n", len(es), n)
			return nil
		},
	}
	imp.Flags().StringVar(&defOrg, "org", "", "organisation of rows that name none")
	c.AddCommand(add, imp)
	return c
}

func (a *app) memberCommand() *cobra.Command {
	c := &cobra.Command{
		Use:     "member",
		Short:   "Members and cadres of organisations, read by audit rule A-11",
		Example: "  ledger --as wangfang member add --org FY-CP-01 --name 白云峰 --id 142301198001011118 --cadre",
	}
	var m audit.Member
	add := &cobra.Command{
		Use:     "add",
		Short:   "Record a member (with --cadre: a cadre, 党员干部) of an organisation",
		Example: "  ledger --as wangfang member add --org FY-CP-01 --name 白云峰 --id 142301198001011118 --cadre",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			actor, err := a.actor()
			if err != nil {
				return err
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			if err := db.AddMember(cmd.Context(), a.book(), actor, m); err != nil {
				return err
			}
			kind := "党员"
			if m.Cadre {
				kind = "党员干部"
			}
			fmt.Fprintf(a.stdout, "%s：%s %s\n", m.Org, kind, m.Name)
			return nil
		},
	}
	f := add.Flags()
	f.StringVar(&m.Org, "org", "", "organisation code")
	f.StringVar(&m.Name, "name", "", "name")
	f.StringVar(&m.IDNumber, "id", "", "identity number")
	f.Var((*idKindFlag)(&m.IDKind), "id-kind", "identity document kind: resident (default), residence, hk_macao, taiwan, passport, foreign_perm")
	f.BoolVar(&m.Cadre, "cadre", false, "a cadre (secretary, committee member, leading cadre)")
	c.AddCommand(add)
	return c
}

func (a *app) meetingCommand() *cobra.Command {
	c := &cobra.Command{
		Use:     "meeting",
		Short:   "Collective decisions named by vouchers' decision references, read by audit rule A-07",
		Example: "  ledger --as wangfang meeting add --decision '部务会2020-02-04' --attendees 孙立新,王芳,李强",
	}
	var decision string
	var attendees []string
	add := &cobra.Command{
		Use:     "add",
		Short:   "Record a meeting by its decision reference and attendees (again: replaces the attendees)",
		Example: "  ledger --as wangfang meeting add --decision '部务会2020-02-04' --attendees 孙立新,王芳,李强",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			actor, err := a.actor()
			if err != nil {
				return err
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			if err := db.AddMeeting(cmd.Context(), a.book(), actor, audit.Meeting{Decision: decision, Attendees: attendees}); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "会议 %s：%s\n", decision, strings.Join(attendees, "、"))
			return nil
		},
	}
	add.Flags().StringVar(&decision, "decision", "", "the decision reference vouchers quote (决策依据)")
	add.Flags().StringSliceVar(&attendees, "attendees", nil, "attendees, comma separated")
	c.AddCommand(add)
	return c
}

func (a *app) payeeCommand() *cobra.Command {
	c := &cobra.Command{
		Use:     "payee",
		Short:   "Payee accounts (personal or not), read by audit rule A-11",
		Example: "  ledger --as wangfang payee set 白云峰 --personal",
	}
	var personal bool
	set := &cobra.Command{
		Use:     "set NAME",
		Short:   "Record whether a payee is paid into a personal account (--personal, or --personal=false)",
		Example: "  ledger --as wangfang payee set 白云峰 --personal\n  ledger --as wangfang payee set 汾阳市医药公司 --personal=false",
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
			if err := db.SetPayeeAccount(cmd.Context(), a.book(), actor, audit.PayeeAccount{Payee: args[0], Personal: personal}); err != nil {
				return err
			}
			kind := "单位账户"
			if personal {
				kind = "个人账户"
			}
			fmt.Fprintf(a.stdout, "收款人 %s：%s\n", args[0], kind)
			return nil
		},
	}
	set.Flags().BoolVar(&personal, "personal", false, "the payee's account is a personal account (个人账户)")
	c.AddCommand(set)
	return c
}

func (a *app) valueDateCommand() *cobra.Command {
	c := &cobra.Command{
		Use:     "value-date",
		Short:   "Bank value dates of vouchers, read by audit rule A-14",
		Example: "  ledger --as wangfang value-date set 2020-02:记-3 --date 2020-02-04",
	}
	var date string
	set := &cobra.Command{
		Use:     "set VOUCHER",
		Short:   "Record the value date of a voucher's bank movement on the statement",
		Example: "  ledger --as wangfang value-date set 2020-02:记-3 --date 2020-02-04\n  ledger --as wangfang value-date set 17 --date 2020-02-04",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			actor, err := a.actor()
			if err != nil {
				return err
			}
			if date == "" {
				return exit.Usagef("value-date set needs --date")
			}
			d, err := ledger.ParseDate(date)
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
			if err := db.SetValueDate(cmd.Context(), a.book(), actor, id, d); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "凭证 %d 银行起息日 %s\n", id, d.Format(time.DateOnly))
			return nil
		},
	}
	set.Flags().StringVar(&date, "date", "", "value date YYYY-MM-DD")
	c.AddCommand(set)
	return c
}

// idKindFlag is an identity document kind given on the command line; the
// use case checks it.
type idKindFlag ledger.IDKind

func (k *idKindFlag) String() string     { return string(*k) }
func (k *idKindFlag) Set(s string) error { *k = idKindFlag(s); return nil }
func (k *idKindFlag) Type() string       { return "kind" }
