package demo

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/internal/workbook"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/bankstmt"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/recon"
)

// The demo's February batch, on the first working day of March: the bank's
// statement of the 党费专户 for February arrives (GBK, ICBC layout) with two
// timing differences — the donations booked on Saturday 29 February reach
// the bank on 2 March, and the bank credits interest on 29 February that
// the book records in March — and `reconcile --close` closes February
// (see the timeline).

// interest is the bank interest of the 党费专户 credited on 2020-02-29.
var interest = ledger.MustParseMoney("23.65")

// bankStatement makes the bank's February statement from the book's own
// bank postings, as the bank would have recorded them.
func (s *scenario) bankStatement() ([]byte, error) {
	vs, err := s.db.Vouchers(s.ctx, postgres.VoucherFilter{Book: demoBook, From: day("2020-02-01"), To: day("2020-02-29"), Status: "posted", WithLines: true})
	if err != nil {
		return nil, err
	}
	type row struct {
		date             time.Time
		ref, summary, cp string
		debit, credit    ledger.Money
	}
	var rows []row
	for _, v := range vs {
		if v.Flow == "donation" {
			continue // reaches the bank on 2 March
		}
		for _, l := range v.Lines {
			if l.Account != ledger.AcctBank {
				continue
			}
			cp := v.Payee
			if l.Debit.Sign() > 0 {
				cp = "中共吕梁市委组织部"
				if v.Flow == "match" {
					cp = "中共汾阳市委组织部（党费户）"
				}
			}
			// The bank's 借方 is money out of the account, 贷方 money in.
			rows = append(rows, row{date: v.Date, ref: fmt.Sprintf("%s%04d%03d", v.Date.Format("0102"), v.Number, l.No),
				summary: v.Summary, cp: cp, debit: l.Credit, credit: l.Debit})
		}
	}
	rows = append(rows, row{date: day("2020-02-29"), ref: "02290000001", summary: "结息", cp: "中国工商银行汾阳支行", debit: ledger.Zero, credit: interest})
	var b strings.Builder
	b.WriteString("中国工商银行 账户明细\n")
	b.WriteString("账号,0511020109024901234\n户名,中共汾阳市委组织部（党费专户）\n币种,人民币\n起止日期,20200201-20200229\n")
	b.WriteString("交易日期,凭证号,摘要,借方发生额,贷方发生额,余额,对方账号,对方户名,用途\n")
	bal := ledger.Zero
	blank := func(m ledger.Money) string {
		if m.IsZero() {
			return ""
		}
		return m.String()
	}
	for _, r := range rows {
		bal = bal.Add(r.credit).Sub(r.debit)
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s,,%s,%s\n", r.date.Format("20060102"), r.ref, csvSafe(r.summary), blank(r.debit), blank(r.credit),
			bal.String(), csvSafe(r.cp), "")
	}
	return simplifiedchinese.GBK.NewEncoder().Bytes([]byte(b.String()))
}

func csvSafe(s string) string { return strings.NewReplacer(",", "，", "\n", " ").Replace(s) }

// februaryBatch seals, reconciles and closes February.
func (s *scenario) februaryBatch() error {
	s.at(day("2020-03-02"), 10, 0)
	if _, err := s.db.SealPending(s.ctx, demoBook); err != nil {
		return err
	}
	stmt, err := s.bankStatement()
	if err != nil {
		return err
	}
	name := "icbc-2020-02.csv"
	if s.opt.OutDir != "" {
		name = filepath.Join(s.opt.OutDir, "bank-statement-2020-02.csv")
		if err := os.WriteFile(name, stmt, 0o644); err != nil {
			return err
		}
	}
	data, err := configs.Read("bank_layouts.yaml")
	if err != nil {
		return err
	}
	layouts, err := bankstmt.LoadLayouts(data, "bank_layouts.yaml")
	if err != nil {
		return err
	}
	acfg, err := configs.Read("audit.yaml")
	if err != nil {
		return err
	}
	cfg, err := audit.LoadConfig(acfg, "audit.yaml")
	if err != nil {
		return err
	}
	p, _ := ledger.ParsePeriod("2020-02")
	res, err := s.db.Reconcile(s.ctx, postgres.ReconcileOptions{Book: demoBook, Period: p, Statement: &postgres.StatementFile{Name: name, Data: stmt},
		Layouts: layouts, WindowDays: 10, Close: true, AuditConfig: &cfg})
	if err != nil {
		return err
	}
	s.batch = res
	if res.Status != recon.StatusClean {
		var b bytes.Buffer
		for _, d := range res.Discrepancies {
			fmt.Fprintf(&b, "\n  %s %s %s %s %s: expected %s, actual %s — %s", d.Check, d.Voucher, d.Account, d.Org, d.Fund, d.Expected, d.Actual, d.Msg)
		}
		return fmt.Errorf("the February batch found %d discrepancies:%s", len(res.Discrepancies), b.String())
	}
	if s.opt.OutDir != "" {
		path := filepath.Join(s.opt.OutDir, "reconcile-2020-02.xlsx")
		if err := workbook.WriteReconcile(s.ctx, s.db, res, path, s.opt.Preparer, s.opt.Reviewer); err != nil {
			return err
		}
		s.reconcileBook = path
	}
	return nil
}

// bookInterest records the interest the bank credited on 29 February (a
// 银行已收企业未收 item of February's reconciliation) in March.
func (s *scenario) bookInterest() error {
	s.at(day("2020-03-02"), 11, 0)
	v := &ledger.Voucher{Book: demoBook, Type: "记", Date: day("2020-03-02"), Summary: "收到党费专户2月银行存款利息", Attachments: 1,
		DocTypes: []string{"银行回单"}, Payee: demoRoot, PayeeType: ledger.PayeeOrg, Method: ledger.MethodBank, Decision: "按月结息",
		Lines: []ledger.Line{
			{Account: ledger.AcctBank, Org: demoRoot, Fund: "FY-GEN", Debit: interest, Credit: ledger.Zero},
			{Account: "4604", Org: demoRoot, Fund: "FY-GEN", Debit: ledger.Zero, Credit: interest},
		}}
	made, err := s.create(officerA, v)
	if err != nil {
		return err
	}
	_, err = s.approve(made, checkerA)
	return err
}
