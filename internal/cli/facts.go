package cli

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/csvimport"
)

// FactCommands are the facts the audit rules read: publicity (公示), the
// beneficiary roster, members, meetings, payee accounts and value dates.
func FactCommands(env Env) []*cobra.Command {
	return []*cobra.Command{publicityCommand(env), rosterCommand(env), memberCommand(env), meetingCommand(env), payeeCommand(env), valueDateCommand(env)}
}

func publicityCommand(env Env) *cobra.Command {
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
			actor, err := env.Actor()
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
			db, err := env.OpenDB(cmd.Context())
			if err != nil {
				return err
			}
			id, err := db.AddPublicity(cmd.Context(), env.Book(), actor, p)
			if err != nil {
				return err
			}
			if env.JSON() {
				return env.PrintJSON(map[string]any{"id": id})
			}
			fmt.Fprintf(env.Stdout(), "公示记录 %d：%s %s 公示合计 %s\n", id, orBook(p.Org), p.Date.Format(time.DateOnly), p.ReportedTotal.Format())
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

func rosterCommand(env Env) *cobra.Command {
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
			actor, err := env.Actor()
			if err != nil {
				return err
			}
			db, err := env.OpenDB(cmd.Context())
			if err != nil {
				return err
			}
			if err := db.AddRosterEntry(cmd.Context(), env.Book(), actor, e); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout(), "花名册：%s %s（%s）\n", orBook(e.Org), e.Name, ledger.MaskID(e.IDNumber))
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
			actor, err := env.Actor()
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
			db, err := env.OpenDB(cmd.Context())
			if err != nil {
				return err
			}
			n, err := db.AddRosterEntries(cmd.Context(), env.Book(), actor, es)
			if err != nil {
				return err
			}
			if env.JSON() {
				return env.PrintJSON(map[string]int{"rows": len(es), "new": n})
			}
			fmt.Fprintf(env.Stdout(), "花名册：%d 行，新增 %d 人\n", len(es), n)
			return nil
		},
	}
	imp.Flags().StringVar(&defOrg, "org", "", "organisation of rows that name none")
	c.AddCommand(add, imp)
	return c
}

func memberCommand(env Env) *cobra.Command {
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
			actor, err := env.Actor()
			if err != nil {
				return err
			}
			db, err := env.OpenDB(cmd.Context())
			if err != nil {
				return err
			}
			if err := db.AddMember(cmd.Context(), env.Book(), actor, m); err != nil {
				return err
			}
			kind := "党员"
			if m.Cadre {
				kind = "党员干部"
			}
			fmt.Fprintf(env.Stdout(), "%s：%s %s\n", m.Org, kind, m.Name)
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

func meetingCommand(env Env) *cobra.Command {
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
			actor, err := env.Actor()
			if err != nil {
				return err
			}
			db, err := env.OpenDB(cmd.Context())
			if err != nil {
				return err
			}
			if err := db.AddMeeting(cmd.Context(), env.Book(), actor, audit.Meeting{Decision: decision, Attendees: attendees}); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout(), "会议 %s：%s\n", decision, strings.Join(attendees, "、"))
			return nil
		},
	}
	add.Flags().StringVar(&decision, "decision", "", "the decision reference vouchers quote (决策依据)")
	add.Flags().StringSliceVar(&attendees, "attendees", nil, "attendees, comma separated")
	c.AddCommand(add)
	return c
}

func payeeCommand(env Env) *cobra.Command {
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
			actor, err := env.Actor()
			if err != nil {
				return err
			}
			db, err := env.OpenDB(cmd.Context())
			if err != nil {
				return err
			}
			if err := db.SetPayeeAccount(cmd.Context(), env.Book(), actor, audit.PayeeAccount{Payee: args[0], Personal: personal}); err != nil {
				return err
			}
			kind := "单位账户"
			if personal {
				kind = "个人账户"
			}
			fmt.Fprintf(env.Stdout(), "收款人 %s：%s\n", args[0], kind)
			return nil
		},
	}
	set.Flags().BoolVar(&personal, "personal", false, "the payee's account is a personal account (个人账户)")
	c.AddCommand(set)
	return c
}

func valueDateCommand(env Env) *cobra.Command {
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
			actor, err := env.Actor()
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
			db, err := env.OpenDB(cmd.Context())
			if err != nil {
				return err
			}
			id, err := env.VoucherRef(cmd, db, args[0])
			if err != nil {
				return err
			}
			if err := db.SetValueDate(cmd.Context(), env.Book(), actor, id, d); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout(), "凭证 %d 银行起息日 %s\n", id, d.Format(time.DateOnly))
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
