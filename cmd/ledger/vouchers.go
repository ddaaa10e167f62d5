package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/internal/attachcmd"
	"github.com/fenyang/partyfee/internal/textout"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
)

func (a *app) daxieCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "daxie AMOUNT",
		Short:   "Print an amount in capitals (大写金额); needs no database",
		Example: "  ledger daxie 320000        # 叁拾贰万元整\n  ledger daxie 1,409.50      # 壹仟肆佰零玖元伍角整",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := ledger.ParseMoney(args[0])
			if err != nil {
				return err
			}
			s, err := ledger.ToDaXie(m)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, s)
			return nil
		},
	}
}

func (a *app) setupCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "setup FILE",
		Short: "Load books, chart, organisations, funds and users from YAML (idempotent)",
		Long: `setup loads static data from a YAML file such as configs/demo/fenyang.yaml. Running it again
updates rows to the file's values and deletes nothing. Users keep their password unless the file sets one.
With --as USER the user must be an admin of the whole book.`,
		Example: "  ledger setup configs/demo/fenyang.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			dir := filepath.Dir(args[0])
			s, err := configs.ParseSetup(data, args[0], func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) })
			if err != nil {
				return err
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			// With --as, setup is a person's act on the whole book.
			if err := db.ApplySetupAs(cmd.Context(), s, a.cfg.User); err != nil {
				return err
			}
			for _, b := range s.Books {
				fmt.Fprintln(a.stdout, i18n.T(a.lang(), "book %s %s: %d accounts, %d organisations, %d funds, %d users", b.Book.Code, b.Book.Name, len(b.Accounts), len(b.Orgs), len(b.Funds), len(b.Users)))
			}
			return nil
		},
	}
}

var flowHelp = map[string][2]string{
	ledger.FlowReceive:  {"Record money received from above (Dr 100201 bank / Cr 420101)", "  ledger --as wangfang receive --fund FY-UP --amount 90000.00 --date 2020-02-03 --decision '吕组通〔2020〕5号' --attachments 1"},
	ledger.FlowMatch:    {"Record local matching money (Dr 100201 / Cr 4801)", "  ledger --as wangfang match --fund FY-MATCH --amount 230000.00 --date 2020-02-04 --decision '市委常委会2020年第3次会议纪要'"},
	ledger.FlowAllocate: {"Allocate money to a branch under 报账制 (Dr 121801 branch / Cr 100201)", "  ledger --as wangfang allocate --fund FY-UP --to FY-CP-01 --amount 12000.00 --date 2020-02-05 --decision '部务会2020-02-04'"},
	ledger.FlowSpend:    {"Record a branch's spending on a permitted purpose (Dr 5001xx / Cr 121801)", "  ledger --as wangfang spend --org FY-CP-01 --fund FY-UP --purpose procurement --amount 1200.00 --payee 汾阳市医药公司 --payee-type supplier --attachments 2\n  ledger --as wangfang spend --org FY-FXQZ --fund FY-MATCH --purpose relief --amount 500.00 --beneficiary '张三,群众,142301197001011236,500.00'\n  ledger --as wangfang spend --org FY-CP-01 --fund FY-UP --purpose procurement --amount 1200.00 --item '医用外科口罩,50只/盒,盒,20,36.5,730.00' --item '84消毒液,500ml,瓶,47,10,470.00'"},
	ledger.FlowReturn:   {"Return a branch's unspent money to the bank (Dr 100201 / Cr 121801)", "  ledger --as wangfang return --org FY-OT-04 --fund FY-UP --amount 350.00 --date 2020-03-20"},
}

// flowCommand makes one of the five flow commands; each makes a draft.
func (a *app) flowCommand(flow string) *cobra.Command {
	var r struct {
		fund, org, to, purpose, amount, date, payee, payeeType, method, decision, memo, key, summary, fromGeneral string
		attachments                                                                                               int
		docTypes, beneficiaries, items                                                                            []string
	}
	c := &cobra.Command{
		Use:     flow,
		Short:   flowHelp[flow][0] + "; makes a draft voucher",
		Example: flowHelp[flow][1],
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			actor, err := a.actor()
			if err != nil {
				return err
			}
			req := &ledger.FlowRequest{Flow: flow, Fund: r.fund, Org: r.org, Payee: r.payee, PayeeType: r.payeeType, Method: r.method,
				Attachments: r.attachments, DocTypes: r.docTypes, Decision: r.decision, Memo: r.memo, Key: r.key, Summary: r.summary, FromGeneral: r.fromGeneral}
			if flow == ledger.FlowAllocate {
				req.Org = r.to
			}
			if req.Amount, err = ledger.ParseAmount(r.amount); err != nil {
				return err
			}
			if r.date == "" {
				req.Date = ledger.Today(time.Now(), a.cfg.Report.TimeZone)
			} else if req.Date, err = ledger.ParseDate(r.date); err != nil {
				return err
			}
			if r.purpose != "" {
				if req.Purpose, err = ledger.ParsePurpose(r.purpose); err != nil {
					return err
				}
			}
			for i, s := range r.beneficiaries {
				p, err := ledger.ParseBeneficiary(s)
				if err != nil {
					return ledger.Errorf(ledger.EInvalid, fmt.Sprintf("beneficiary[%d]", i+1), "%s", ledger.ErrorMessage(err))
				}
				req.Beneficiaries = append(req.Beneficiaries, p)
			}
			for i, s := range r.items {
				it, err := ledger.ParseItem(s, i+1)
				if err != nil {
					return err
				}
				req.Items = append(req.Items, it)
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			b, err := db.LoadBooks(cmd.Context(), a.book())
			if err != nil {
				return err
			}
			v, err := ledger.BuildFlow(req, b)
			if err != nil {
				return err
			}
			out, replayed, err := db.CreateVoucher(cmd.Context(), actor, v)
			if err != nil {
				return err
			}
			return a.printVoucher(out, b.Chart, replayed)
		},
	}
	f := c.Flags()
	f.StringVar(&r.fund, "fund", "", "fund code (资金来源)")
	switch flow {
	case ledger.FlowAllocate:
		f.StringVar(&r.to, "to", "", "organisation the money is allocated to")
	case ledger.FlowSpend, ledger.FlowReturn:
		f.StringVar(&r.org, "org", "", "organisation spending or returning (spend: empty for the book's own organisation)")
	}
	if flow == ledger.FlowSpend {
		f.StringVar(&r.purpose, "purpose", "", "procurement (物资采购), condolence (一线慰问) or relief (党员群众救助)")
		f.StringArrayVar(&r.beneficiaries, "beneficiary", nil, "beneficiary as 'name,category,id-number,amount[,reason]' (repeat; condolence and relief; id-number may be 'kind:number', e.g. hk_macao:H12345678)")
		f.StringArrayVar(&r.items, "item", nil, "item line as 'name,spec,unit,quantity,unit-price,amount' (品名,规格,单位,数量,单价,金额; repeat; the amounts add up to --amount)")
	}
	if flow == ledger.FlowMatch {
		f.StringVar(&r.fromGeneral, "from-general", "", "general fund the matching money is taken from (also posts Dr 5801 / Cr 100201 on it)")
	}
	f.StringVar(&r.amount, "amount", "", "amount in yuan as a decimal string, e.g. 1200.00")
	f.StringVar(&r.date, "date", "", "voucher date YYYY-MM-DD (default today in the book's time zone)")
	f.StringVar(&r.payee, "payee", "", "payee (收款人)")
	f.StringVar(&r.payeeType, "payee-type", "", "payee type: supplier, host_unit, individual, org, upper_org")
	f.StringVar(&r.method, "method", "", "payment method: bank or cash")
	f.IntVar(&r.attachments, "attachments", 0, "number of attached source documents (附单据张数)")
	f.StringSliceVar(&r.docTypes, "doc-type", nil, "document types of the attachments: 发票, 财政票据, 银行回单, 签收单/花名册")
	f.StringVar(&r.decision, "decision", "", "decision reference (决策依据: meeting, date, minutes number)")
	f.StringVar(&r.memo, "memo", "", "memo")
	f.StringVar(&r.summary, "summary", "", "summary (摘要; default generated)")
	f.StringVar(&r.key, "key", "", "idempotency key: repeating the command with it makes nothing new")
	return c
}

func (a *app) printVoucher(v *ledger.Voucher, chart ledger.Chart, replayed bool) error {
	if a.jsonOut() {
		type out struct {
			ledger.VoucherView
			Replayed bool `json:"replayed,omitempty"`
		}
		return a.printJSON(out{ledger.View(v, chart, false).In(a.cfg.Report.TimeZone), replayed})
	}
	textout.Voucher(a.stdout, a.lang(), v, chart, a.people(), replayed)
	return nil
}

// people maps the book's logins to full names for printing ("制单 王芳");
// empty when the database is not open or cannot say.
func (a *app) people() map[string]string {
	out := map[string]string{}
	if a.db == nil {
		return out
	}
	us, err := a.db.Users(context.Background(), a.book())
	if err != nil {
		return out
	}
	for _, u := range us {
		out[u.Name] = u.FullName
	}
	return out
}

// voucherRef resolves a voucher argument: an id, or PERIOD:字-号 such as
// 2020-02:记-12.
func (a *app) voucherRef(cmd *cobra.Command, db *postgres.DB, ref string) (int64, error) {
	r, err := ledger.ParseVoucherRef(ref)
	if err != nil || r.ID != 0 {
		return r.ID, err
	}
	v, err := db.VoucherByNumber(cmd.Context(), a.book(), r.Year, r.Month, r.Type, r.Number)
	if err != nil {
		return 0, err
	}
	return v.ID, nil
}

func (a *app) voucherCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "voucher",
		Short: "The voucher workflow: add, list, show, check, uncheck, sign, post, void, reverse",
		Long: `Vouchers move draft → checked → (signed by the cashier, for cash/bank vouchers) → posted.
A checker who is not the maker checks and posts; only the same checker unchecks; a cashier who is neither
maker nor checker signs; the maker or an admin voids a draft. Posted vouchers are corrected by a red
reversal (voucher reverse), never edited. A voucher is named by its id or as PERIOD:字-号 (2020-02:记-12).`,
		Example: "  ledger voucher list --period 2020-02\n  ledger --as liqiang voucher check 2020-02:记-3\n  ledger --as liqiang voucher post 17",
	}
	add := &cobra.Command{
		Use:     "add FILE",
		Short:   "Make a general draft voucher from a YAML or JSON file",
		Example: "  ledger --as wangfang voucher add voucher.yaml\n\n  # voucher.yaml\n  date: 2020-02-10\n  summary: 支付银行手续费\n  attachments: 1\n  lines:\n    - {account: \"5001\", org: FY, fund: FY-GEN, debit: \"12.00\"}\n    - {account: \"100201\", org: FY, fund: FY-GEN, credit: \"12.00\"}",
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
			v, err := configs.ParseVoucher(data, args[0], a.book())
			if err != nil {
				return err
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			out, replayed, err := db.CreateVoucher(cmd.Context(), actor, v)
			if err != nil {
				return err
			}
			b, err := db.LoadBooks(cmd.Context(), a.book())
			if err != nil {
				return err
			}
			return a.printVoucher(out, b.Chart, replayed)
		},
	}
	var lf struct {
		period, status, org, flow string
		after                     int64
		limit                     int
	}
	list := &cobra.Command{
		Use:     "list",
		Short:   "List vouchers (voided numbers shown as 作废)",
		Example: "  ledger voucher list --period 2020-02 --status posted\n  ledger voucher list --org FY-CP-01 --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f := postgres.VoucherFilter{Book: a.book(), Status: lf.status, Org: lf.org, Flow: lf.flow, AfterID: lf.after, Limit: lf.limit, WithLines: true}
			if lf.period != "" {
				p, err := ledger.ParsePeriod(lf.period)
				if err != nil {
					return err
				}
				f.From, f.To = p.From, p.To
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			vs, err := db.Vouchers(cmd.Context(), f)
			if err != nil {
				return err
			}
			if a.jsonOut() {
				b, err := db.LoadBooks(cmd.Context(), a.book())
				if err != nil {
					return err
				}
				views := make([]ledger.VoucherView, len(vs))
				for i, v := range vs {
					views[i] = ledger.View(v, b.Chart, false).In(a.cfg.Report.TimeZone)
				}
				return a.printJSON(map[string]any{"vouchers": views})
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, i18n.T(a.lang(), "id\tdate\tnumber\tstatus\tamount\tmaker\tchecker\tposter\tsummary"))
			for _, v := range vs {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, v.Date.Format(time.DateOnly), v.Word(), textout.Status(a.lang(), v.Status), v.Total().Format(), v.Maker, v.Checker, v.Poster, v.Summary)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&lf.period, "period", "", "YYYY-MM, a range YYYY-MM..YYYY-MM or a year")
	list.Flags().StringVar(&lf.status, "status", "", "draft, checked, signed, posted or void")
	list.Flags().StringVar(&lf.org, "org", "", "vouchers with a line in this organisation's subtree")
	list.Flags().StringVar(&lf.flow, "flow", "", "receive, match, allocate, spend, return, general, reversal")
	list.Flags().Int64Var(&lf.after, "after", 0, "page on: only ids greater than this")
	list.Flags().IntVar(&lf.limit, "limit", 1000, "at most this many (cap 1000)")
	show := &cobra.Command{
		Use: "show VOUCHER", Short: "Show a voucher with its lines", Args: cobra.ExactArgs(1),
		Example: "  ledger voucher show 2020-02:记-1\n  ledger voucher show 42 --json",
		RunE: func(cmd *cobra.Command, args []string) error {
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
			b, err := db.LoadBooks(cmd.Context(), a.book())
			if err != nil {
				return err
			}
			h, err := db.VoucherHistory(cmd.Context(), a.book(), id)
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(textout.WithHistory(ledger.View(v, b.Chart, false).In(a.cfg.Report.TimeZone), h, a.cfg.Report.TimeZone))
			}
			textout.Voucher(a.stdout, a.lang(), v, b.Chart, a.people(), false)
			textout.History(a.stdout, h, a.cfg.Report.TimeZone)
			return nil
		},
	}
	c.AddCommand(add, list, show, a.voucherEditCommand())
	steps := []struct {
		act   ledger.Action
		short string
	}{
		{ledger.ActCheck, "Check a draft (审核; a checker who is not the maker)"},
		{ledger.ActUncheck, "Cancel a check (取消审核; the same checker only)"},
		{ledger.ActSign, "Sign a checked cash/bank voucher (出纳签字; neither maker nor checker)"},
		{ledger.ActPost, "Post a checked or signed voucher (记账; funds are checked now)"},
		{ledger.ActVoid, "Void a draft (作废; the maker or an admin); its number stays, marked 作废"},
	}
	for _, s := range steps {
		s := s
		c.AddCommand(&cobra.Command{
			Use: string(s.act) + " VOUCHER...", Short: s.short, Args: cobra.MinimumNArgs(1),
			Example: fmt.Sprintf("  ledger --as liqiang voucher %s 2020-02:记-3\n  ledger --as liqiang voucher %s 41 42 43", s.act, s.act),
			RunE: func(cmd *cobra.Command, args []string) error {
				actor, err := a.actor()
				if err != nil {
					return err
				}
				db, err := a.openDB(cmd.Context())
				if err != nil {
					return err
				}
				for _, ref := range args {
					id, err := a.voucherRef(cmd, db, ref)
					if err != nil {
						return err
					}
					v, err := db.Transition(cmd.Context(), a.book(), actor, id, s.act)
					if err != nil {
						return err
					}
					if a.jsonOut() {
						if err := a.printJSON(ledger.View(v, nil, false).In(a.cfg.Report.TimeZone)); err != nil {
							return err
						}
						continue
					}
					fmt.Fprintln(a.stdout, i18n.T(a.lang(), "voucher %s (id %d): %s", v.Word(), v.ID, textout.Status(a.lang(), v.Status)))
				}
				return nil
			},
		})
	}
	var rdate string
	reverse := &cobra.Command{
		Use: "reverse VOUCHER", Short: "Make the red voucher cancelling a posted voucher (红字冲销), as a draft", Args: cobra.ExactArgs(1),
		Example: "  ledger --as wangfang voucher reverse 2020-02:记-7 --date 2020-02-20",
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
			var d time.Time
			if rdate != "" {
				if d, err = ledger.ParseDate(rdate); err != nil {
					return err
				}
			}
			v, err := db.Reverse(cmd.Context(), a.book(), actor, id, d)
			if err != nil {
				return err
			}
			b, err := db.LoadBooks(cmd.Context(), a.book())
			if err != nil {
				return err
			}
			return a.printVoucher(v, b.Chart, false)
		},
	}
	reverse.Flags().StringVar(&rdate, "date", "", "date of the red voucher (default: the original's)")
	c.AddCommand(reverse)
	c.AddCommand(attachcmd.Commands(a.attachEnv())...)
	return c
}

func (a *app) balanceCommand() *cobra.Command {
	var org, fund, asOf string
	c := &cobra.Command{
		Use:     "balance",
		Short:   "Balances per organisation, account and fund, rolled up the organisation tree",
		Example: "  ledger balance\n  ledger balance --org FY-CP-01 --fund FY-UP --as-of 2020-02-29 --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var d time.Time
			var err error
			if asOf != "" {
				if d, err = ledger.ParseDate(asOf); err != nil {
					return err
				}
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			rows, err := db.Balances(cmd.Context(), a.book(), org, fund, d)
			if err != nil {
				return err
			}
			if a.jsonOut() {
				if rows == nil {
					rows = []postgres.BalanceRow{}
				}
				return a.printJSON(map[string]any{"as_of": asOf, "balances": rows})
			}
			return textout.Balances(a.stdout, a.lang(), rows)
		},
	}
	c.Flags().StringVar(&org, "org", "", "organisation whose subtree is shown (default: the whole book)")
	c.Flags().StringVar(&fund, "fund", "", "one fund only")
	c.Flags().StringVar(&asOf, "as-of", "", "balances at the end of this date, recomputed from posted vouchers")
	return c
}

func (a *app) orgsCommand() *cobra.Command {
	return &cobra.Command{
		Use: "orgs", Short: "List the organisation tree", Args: cobra.NoArgs,
		Example: "  ledger orgs\n  ledger orgs --json",
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			orgs, err := db.Organisations(cmd.Context(), a.book())
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(map[string]any{"organisations": orgs})
			}
			m := map[string]*ledger.Organisation{}
			for _, o := range orgs {
				m[o.Code] = o
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, i18n.T(a.lang(), "code\tname\tcategory\tsecretary\thost unit"))
			for _, o := range orgs {
				fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\t%s\n", strings.Repeat("  ", ledger.Depth(m, o.Code)), o.Code, o.Name, o.Category, o.Secretary, o.HostUnit)
			}
			return tw.Flush()
		},
	}
}
