package cli

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/internal/textout"
	"github.com/fenyang/partyfee/internal/workbook"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// GrantCommand is `ledger grant`: grants to another book and who reads the roll-up.
func GrantCommand(e Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "grant",
		Short: "Grants to another book: make, list, export, receive; roll-up readers",
		Long: `A grant sends money from an organisation of this book to an organisation of another book (the city's
allocation to a county). Posting the grant voucher (Dr 5501 / Cr 100201) makes the receipt in the lower book
(Dr 100201 / Cr 420101) as a draft its own people check and post; until then the grant is 在途. When the lower
book is in another database, export the posted grant and receive the file there (once; again gives the same voucher).`,
		Example: "  ledger --book LL-DFZH --as llofficer grant make --fund LL-UP --amount 90000.00 --to-book FY-DFZH --to-org FY --to-fund FY-UP --date 2020-02-03\n" +
			"  ledger --book FY-DFZH grant list\n  ledger --book LL-DFZH grant export 12 --out grant-12.json\n  ledger --book FY-DFZH --as wangfang grant receive grant-12.json",
	}
	var r struct{ fund, org, amount, date, decision, summary, key, toBook, toOrg, toFund string }
	var attachments int
	mk := &cobra.Command{
		Use: "make", Example: "  ledger --book LL-DFZH --as llofficer grant make --fund LL-UP --amount 90000.00 --to-book FY-DFZH --to-org FY --to-fund FY-UP --date 2020-02-03",
		Short: "Make a draft grant voucher to an organisation of another book", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			actor, err := e.Actor()
			if err != nil {
				return err
			}
			req := &ledger.GrantRequest{Fund: r.fund, Org: r.org, Decision: r.decision, Summary: r.summary, Key: r.key,
				Attachments: attachments, ToBook: r.toBook, ToOrg: r.toOrg, ToFund: r.toFund}
			if req.Amount, err = ledger.ParseAmount(r.amount); err != nil {
				return err
			}
			if req.Date, err = dateOrToday(e, r.date); err != nil {
				return err
			}
			db, err := e.OpenDB(cmd.Context())
			if err != nil {
				return err
			}
			v, replayed, err := db.MakeGrant(cmd.Context(), e.Book(), actor, req)
			if err != nil {
				return err
			}
			b, err := db.LoadBooks(cmd.Context(), e.Book())
			if err != nil {
				return err
			}
			return e.PrintVoucher(v, b.Chart, replayed)
		},
	}
	f := mk.Flags()
	f.StringVar(&r.fund, "fund", "", "this book's special fund the money comes from")
	f.StringVar(&r.org, "org", "", "organisation granting (default the book's root)")
	f.StringVar(&r.amount, "amount", "", "amount in yuan, e.g. 90000.00")
	f.StringVar(&r.date, "date", "", "voucher date YYYY-MM-DD (default today in the book's time zone)")
	f.StringVar(&r.decision, "decision", "", "decision reference (决策依据: meeting, date, minutes number)")
	f.StringVar(&r.summary, "summary", "", "summary (摘要; default generated)")
	f.StringVar(&r.key, "key", "", "idempotency key: repeating the command with it makes nothing new")
	f.IntVar(&attachments, "attachments", 0, "number of attached source documents (附单据张数)")
	f.StringVar(&r.toBook, "to-book", "", "the receiving book")
	f.StringVar(&r.toOrg, "to-org", "", "the receiving organisation in that book")
	f.StringVar(&r.toFund, "to-fund", "", "the upper-level fund of that book the money is recorded in")

	list := &cobra.Command{
		Use: "list", Example: "  ledger --book FY-DFZH grant list\n  ledger --book LL-DFZH grant list --json",
		Short: "List the grants this book made or received, with their 在途 state", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := e.OpenDB(cmd.Context())
			if err != nil {
				return err
			}
			gs, err := db.Grants(cmd.Context(), e.Book())
			if err != nil {
				return err
			}
			if e.JSON() {
				return e.PrintJSON(gs)
			}
			return textout.Grants(e.Stdout(), e.Config().Locale, gs)
		},
	}
	var out string
	export := &cobra.Command{
		Use: "export VOUCHER --out FILE.json", Example: "  ledger --book LL-DFZH grant export 2020-02:记-2 --out grant.json",
		Short: "Write a posted grant for a lower book in another database", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := e.OpenDB(cmd.Context())
			if err != nil {
				return err
			}
			id, err := e.VoucherRef(cmd, db, args[0])
			if err != nil {
				return err
			}
			g, err := db.ExportGrant(cmd.Context(), e.Book(), id)
			if err != nil {
				return err
			}
			data, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				return err
			}
			if out == "" {
				_, err = e.Stdout().Write(append(data, '\n'))
				return err
			}
			return workbook.WriteFile(out, func(w io.Writer) error { _, err := w.Write(append(data, '\n')); return err })
		},
	}
	export.Flags().StringVar(&out, "out", "", "the file to write (default standard output)")
	receive := &cobra.Command{
		Use: "receive FILE.json", Example: "  ledger --book FY-DFZH --as wangfang grant receive grant.json",
		Short: "Record a grant exported by an upper book in another database, as a draft receipt", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			actor, err := e.Actor()
			if err != nil {
				return err
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var g ledger.GrantReceipt
			if err := json.Unmarshal(data, &g); err != nil {
				return ledger.Errorf(ledger.EInvalid, "file", "%s is not a grant export: %v", args[0], err)
			}
			db, err := e.OpenDB(cmd.Context())
			if err != nil {
				return err
			}
			v, replayed, err := db.ReceiveGrant(cmd.Context(), actor, &g)
			if err != nil {
				return err
			}
			b, err := db.LoadBooks(cmd.Context(), g.ToBook)
			if err != nil {
				return err
			}
			return e.PrintVoucher(v, b.Chart, replayed)
		},
	}
	reader := &cobra.Command{
		Use: "reader BOOK/USER", Example: "  ledger --book FY-DFZH --as sunlixin grant reader LL-DFZH/llauditor",
		Short: "Let a user of an upper book read this book in the roll-up (admin of the whole book)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			actor, err := e.Actor()
			if err != nil {
				return err
			}
			rb, ru, _ := strings.Cut(args[0], "/")
			db, err := e.OpenDB(cmd.Context())
			if err != nil {
				return err
			}
			if err := db.GrantRollupReader(cmd.Context(), e.Book(), actor, rb, ru); err != nil {
				return err
			}
			fmt.Fprintf(e.Stdout(), "%s\n", i18n.T(e.Config().Locale, "%s of book %s may read book %s in the roll-up", ru, rb, e.Book()))
			return nil
		},
	}
	c.AddCommand(mk, list, export, receive, reader)
	return c
}

// dateOrToday parses a --date, or gives today in the book's time zone.
func dateOrToday(e Env, s string) (time.Time, error) {
	if s == "" {
		return ledger.Today(time.Now(), e.Config().Report.TimeZone), nil
	}
	return ledger.ParseDate(s)
}

// Rollup writes the roll-up across books (`ledger report rollup`).
func Rollup(e Env, cmd *cobra.Command, period, books, out string) error {
	if period == "" {
		return exit.Usagef("--period is required (2020-02, 2020-02..2020-03 or 2020)")
	}
	p, err := ledger.ParsePeriod(period)
	if err != nil {
		return err
	}
	db, err := e.OpenDB(cmd.Context())
	if err != nil {
		return err
	}
	codes := strings.Split(books, ",")
	if books == "" {
		if codes, err = db.BookCodes(cmd.Context()); err != nil {
			return err
		}
		for code := range e.Config().Rollup.Databases {
			if !slices.Contains(codes, code) {
				codes = append(codes, code)
			}
		}
		slices.Sort(codes)
	}
	req := postgres.RollupRequest{Period: p, ReaderBook: e.Book(), Reader: e.Config().User}
	for _, code := range codes {
		code = strings.TrimSpace(code)
		src := postgres.RollupSource{Book: code, DB: db, Source: "本库"}
		if url := e.Config().Rollup.Databases[code]; url != "" {
			other, err := postgres.Open(cmd.Context(), url, postgres.Options{MaxConns: 2})
			if err != nil {
				return err
			}
			defer other.Close()
			src.DB, src.Source = other, configs.Redact(url)
		}
		req.Sources = append(req.Sources, src)
	}
	r, err := postgres.BuildRollup(cmd.Context(), req, db.Now)
	if err != nil {
		return err
	}
	if out == "" {
		out = "rollup-" + strings.ReplaceAll(p.Label(), "..", "_") + ".xlsx"
	}
	preparer := e.Config().Report.Preparer
	if u, err := db.LoadUser(cmd.Context(), e.Book(), e.Config().User); preparer == "" && err == nil {
		preparer = cmp.Or(u.FullName, u.Name)
	}
	if err := workbook.WriteRollup(out, r, preparer, e.Config().Report.Reviewer, e.Config().Report.Signatures); err != nil {
		return err
	}
	if e.JSON() {
		return e.PrintJSON(map[string]any{"out": out, "rollup": r})
	}
	return textout.Rollup(e.Stdout(), e.Config().Locale, r, out)
}
