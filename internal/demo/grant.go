package demo

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/fenyang/partyfee/internal/textout"
	"github.com/fenyang/partyfee/internal/workbook"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/report"
)

// upperBook is a book above Fenyang's in a second setup (configs/demo/
// shanxi.yaml): the 90,000.00 reaches Fenyang as one grant from it.
type upperBook struct {
	code, fund                string
	officer, checker, cashier string
}

// findUpper picks the setup's book other than Fenyang's, with its first
// upper-level fund and its first officer, checker and cashier; nil when
// the setup holds Fenyang's book alone.
func findUpper(s *ledger.Setup) *upperBook {
	for _, bs := range s.Books {
		if bs.Book.Code == demoBook {
			continue
		}
		u := &upperBook{code: bs.Book.Code}
		for _, f := range bs.Funds {
			if f.Kind == ledger.FundUpper && u.fund == "" {
				u.fund = f.Code
			}
		}
		for _, us := range bs.Users {
			for _, r := range us.User.Roles {
				p := map[ledger.Role]*string{ledger.RoleOfficer: &u.officer, ledger.RoleChecker: &u.checker, ledger.RoleCashier: &u.cashier}[r]
				if p != nil && *p == "" {
					*p = us.User.Name
				}
			}
		}
		if u.fund != "" && u.officer != "" && u.checker != "" && u.cashier != "" {
			return u
		}
	}
	return nil
}

// receiveByGrant records the 90,000.00 as the upper book receives it from
// the province and grants it to 中共汾阳市委组织部: the upper book's people
// make, check, sign and post both vouchers; posting the grant makes
// Fenyang's receipt draft, which Fenyang's checker and cashier then take
// through to posted — the voucher the single-book demo records by hand.
func (s *scenario) receiveByGrant() error {
	u := s.upper
	ub, err := s.db.LoadBooks(s.ctx, u.code)
	if err != nil {
		return err
	}
	amount := ledger.MustParseMoney("90000.00")
	s.at(day("2020-02-02"), 16, 0)
	v, err := ledger.BuildFlow(&ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: u.fund, Amount: amount, Date: day("2020-02-02"),
		Summary: "收到省委组织部下拨疫情防控专项党费", Method: ledger.MethodBank, Attachments: 2, DocTypes: []string{"银行回单", "财政票据"},
		Decision: "晋组通〔2020〕8号"}, ub)
	if err != nil {
		return err
	}
	if v, err = s.createIn(u.officer, v); err != nil {
		return err
	}
	if err := s.approveIn(u.code, v.ID, u.checker, u.cashier); err != nil {
		return err
	}
	s.at(day("2020-02-03"), 8, 30)
	s.step()
	g, _, err := s.db.MakeGrant(s.ctx, u.code, u.officer, &ledger.GrantRequest{Fund: u.fund, Amount: amount, Date: day("2020-02-03"),
		Summary: "下拨汾阳市疫情防控专项党费", Attachments: 2, DocTypes: []string{"银行回单", "财政票据"},
		Decision: "晋组通〔2020〕8号；吕组通〔2020〕3号", ToBook: demoBook, ToOrg: demoRoot, ToFund: fundUpper})
	if err != nil {
		return fmt.Errorf("grant: %w", err)
	}
	if err := s.approveIn(u.code, g.ID, u.checker, u.cashier); err != nil {
		return err
	}
	gs, err := s.db.Grants(s.ctx, demoBook)
	if err != nil {
		return err
	}
	for _, gr := range gs {
		if gr.Book == u.code && gr.VoucherID == g.ID && gr.ReceiptID != 0 {
			s.at(day("2020-02-03"), 9, 10)
			r, err := s.db.Voucher(s.ctx, demoBook, gr.ReceiptID)
			if err != nil {
				return err
			}
			// The receipt stands for the voucher the single-book demo makes
			// by hand: the same draws of the generator (one for making it,
			// three for its steps), so every later figure is the same.
			s.tick()
			s.vouchers++
			_, err = s.approve(r, checkerA)
			return err
		}
	}
	return fmt.Errorf("grant %d made no receipt in %s", g.ID, demoBook)
}

// step advances the clock by five minutes without drawing from the
// generator: the upper book's steps leave Fenyang's random sequence, and so
// its figures, as the single-book demo has them.
func (s *scenario) step() { s.clock = s.clock.Add(5 * time.Minute) }

func (s *scenario) createIn(maker string, v *ledger.Voucher) (*ledger.Voucher, error) {
	s.step()
	out, _, err := s.db.CreateVoucher(s.ctx, maker, v)
	if err != nil {
		return nil, fmt.Errorf("make %q: %w", v.Summary, err)
	}
	return out, nil
}

// approveIn checks, signs and posts a bank voucher of another book.
func (s *scenario) approveIn(book string, id int64, checker, cashier string) error {
	for _, st := range []struct {
		who string
		act ledger.Action
	}{{checker, ledger.ActCheck}, {cashier, ledger.ActSign}, {checker, ledger.ActPost}} {
		s.step()
		if _, err := s.db.Transition(s.ctx, book, st.who, id, st.act); err != nil {
			return fmt.Errorf("%s %s voucher %d of %s: %w", st.who, st.act, id, book, err)
		}
	}
	return nil
}

// rollupWorkbook writes outDir/rollup-2020-02.xlsx, the upper book's
// roll-up of both books, read as the upper book's auditor would, and
// prints its figures.
func (s *scenario) rollupWorkbook() error {
	p, err := ledger.ParsePeriod("2020-02")
	if err != nil {
		return err
	}
	req := postgres.RollupRequest{Period: p, ReaderBook: s.upper.code}
	for _, b := range []string{s.upper.code, demoBook} {
		req.Sources = append(req.Sources, postgres.RollupSource{Book: b, DB: s.db, Source: "本库"})
	}
	r, err := postgres.BuildRollup(s.ctx, req, s.db.Now)
	if err != nil {
		return err
	}
	out := filepath.Join(s.opt.OutDir, "rollup-2020-02.xlsx")
	if err := workbook.WriteRollup(out, r, s.opt.Preparer, s.opt.Reviewer, report.Signatures{}); err != nil {
		return err
	}
	fmt.Fprintln(s.log, "\n上级汇总（ledger report rollup --period 2020-02）：")
	return textout.Rollup(s.log, i18n.ZhCN, r, out)
}
