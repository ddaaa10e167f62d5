package audit

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// isFundAsset: an account on which a fund's money sits — the bank, cash,
// the branches' pending settlement (121801) or any other asset.
func (v *view) isFundAsset(code string) bool {
	a := v.account(code)
	return a.Type == ledger.Asset || a.Cash || isPending(code)
}

// acceptableContra reports whether a debit line may take money credited
// from a special fund's asset: an advance to a branch, a return or cash
// withdrawal (a cash account), a special-fund expense bound to a purpose,
// a final grant (5501), a remittance up (5401), or — on a voucher paying a
// higher Party organisation — an expense or income reversal towards it.
func (v *view) acceptableContra(x *ledger.Voucher, l *ledger.Line) bool {
	a := v.account(l.Account)
	switch {
	case a.Cash, isPending(l.Account), isGrant(l.Account), under(l.Account, AcctRemitUp):
		return true
	case a.Type == ledger.Expense && v.purposeOf(l) != "":
		return true
	case x.PayeeType == ledger.PayeeUpper && (a.Type == ledger.Expense || a.Type == ledger.Income):
		return true
	}
	return false
}

// a02 — 挪用/挤占: (1) a voucher credits a special fund's asset (bank,
// cash, 121801) and debits that fund's money to anything but a special
// expense, an advance, a return or an upward remittance, or leaves it to
// another fund; (2) a special fund's total asset balance (the project
// balance) or an organisation's balance on a restricted account of it goes
// below zero at the end of a day. Each negative stretch is one finding,
// keyed by the voucher that started it, reported while it overlaps the
// window.
func (v *view) a02() []Finding {
	var out []Finding
	for _, x := range v.windowed() {
		credited := map[string]ledger.Money{}
		creditAccts := map[string][]string{}
		creditOrg := map[string]string{}
		var funds []string
		debitF, creditF := map[string]ledger.Money{}, map[string]ledger.Money{}
		for i := range x.Lines {
			l := &x.Lines[i]
			if l.Credit.Sign() > 0 {
				creditF[l.Fund] = creditF[l.Fund].Add(l.Credit)
				if v.special(l.Fund) && v.isFundAsset(l.Account) {
					if _, ok := credited[l.Fund]; !ok {
						funds = append(funds, l.Fund)
						credited[l.Fund] = ledger.Zero
						creditOrg[l.Fund] = l.Org
					}
					credited[l.Fund] = credited[l.Fund].Add(l.Credit)
					creditAccts[l.Fund] = appendNew(creditAccts[l.Fund], v.accountLabel(l.Account))
				}
			}
			if l.Debit.Sign() > 0 {
				debitF[l.Fund] = debitF[l.Fund].Add(l.Debit)
			}
		}
		if len(funds) == 0 {
			continue
		}
		type badKey struct{ org, fund, account string }
		bad := map[badKey]ledger.Money{}
		var badOrder []badKey
		for i := range x.Lines {
			l := &x.Lines[i]
			if l.Debit.Sign() <= 0 {
				continue
			}
			if _, ok := credited[l.Fund]; !ok || v.acceptableContra(x, l) {
				continue
			}
			k := badKey{l.Org, l.Fund, l.Account}
			if _, ok := bad[k]; !ok {
				badOrder = append(badOrder, k)
				bad[k] = ledger.Zero
			}
			bad[k] = bad[k].Add(l.Debit)
		}
		for _, k := range badOrder {
			expl := fmt.Sprintf("专项资金“%s”从 %s 付出，对方借记 %s（%s）%s，不属于专项支出、待报账拨付、退回或上缴",
				v.fundName(k.fund), strings.Join(creditAccts[k.fund], "、"), v.accountLabel(k.account), v.orgName(k.org), yuan(bad[k]))
			out = append(out, v.voucherFinding("A-02", x, k.org, bad[k], expl, "contra", k.fund, k.account))
		}
		for _, f := range funds {
			if short := creditF[f].Sub(debitF[f]); short.Sign() > 0 {
				expl := fmt.Sprintf("专项资金“%s”贷方 %s，同一资金来源借方仅 %s，%s转入其他资金来源",
					v.fundName(f), yuan(creditF[f]), yuan(debitF[f]), yuan(short))
				out = append(out, v.voucherFinding("A-02", x, creditOrg[f], short, expl, "fund-mix", f))
			}
		}
	}
	return append(out, v.negativeBalances()...)
}

type balKey struct{ fund, org, account string } // org and account "" for a fund's total

type episode struct {
	start   *ledger.Voucher
	startAt ledger.Money
	min     ledger.Money
	endDay  int64 // the day the balance was back at or above zero; 0 while negative
}

func (v *view) negativeBalances() []Finding {
	bal := map[balKey]ledger.Money{}
	lastReducer := map[balKey]*ledger.Voucher{}
	open := map[balKey]*episode{}
	eps := map[balKey][]*episode{}
	var keys []balKey
	touched := map[balKey]bool{}
	closeDay := func(day int64) {
		for k := range touched {
			b := bal[k]
			e := open[k]
			switch {
			case b.Sign() < 0 && e == nil:
				e = &episode{start: lastReducer[k], startAt: b, min: b}
				open[k] = e
				if len(eps[k]) == 0 {
					keys = append(keys, k)
				}
				eps[k] = append(eps[k], e)
			case b.Sign() < 0:
				if b.Cmp(e.min) < 0 {
					e.min = b
				}
			case e != nil:
				e.endDay = day
				delete(open, k)
			}
		}
		clear(touched)
	}
	day := int64(0)
	for _, x := range v.vs {
		if v.paired[x.ID] {
			continue
		}
		if d := dayNum(x.Date); d != day && len(touched) > 0 {
			closeDay(day)
		}
		day = dayNum(x.Date)
		for j := range x.Lines {
			l := &x.Lines[j]
			if !v.special(l.Fund) || !v.isFundAsset(l.Account) {
				continue
			}
			amt := l.Amount()
			ks := []balKey{{fund: l.Fund}}
			if a := v.account(l.Account); a.Restricted || a.Cash || isPending(l.Account) {
				ks = append(ks, balKey{l.Fund, l.Org, l.Account})
			}
			for _, k := range ks {
				bal[k] = bal[k].Add(amt)
				touched[k] = true
				if amt.Sign() < 0 {
					lastReducer[k] = x
				}
			}
		}
	}
	if len(touched) > 0 {
		closeDay(day)
	}
	sort.SliceStable(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.fund != b.fund {
			return a.fund < b.fund
		}
		if a.org != b.org {
			return a.org < b.org
		}
		return a.account < b.account
	})
	var out []Finding
	for _, k := range keys {
		for _, e := range eps[k] {
			if e.start == nil || (e.endDay != 0 && v.fromSet && e.endDay <= v.fromDay) {
				continue
			}
			scope := fmt.Sprintf("专项资金“%s”可用余额（银行存款、库存现金与待报账合计）", v.fundName(k.fund))
			if p := v.fund(k.fund).Project; p != "" && k.org == "" {
				scope = fmt.Sprintf("项目“%s”专项资金“%s”可用余额（银行存款、库存现金与待报账合计）", p, v.fundName(k.fund))
			}
			if k.org != "" {
				scope = fmt.Sprintf("%s在 %s 上的专项资金“%s”余额", v.orgName(k.org), v.accountLabel(k.account), v.fundName(k.fund))
			}
			expl := fmt.Sprintf("%s于当日降至 %s，最低 %s", scope, yuan(e.startAt), yuan(e.min))
			if e.endDay != 0 {
				expl += fmt.Sprintf("，%s 恢复为非负", ymd(dateOf(e.endDay)))
			} else {
				expl += fmt.Sprintf("，截至 %s 仍为 %s", ymd(v.in.AsOf), yuan(bal[k]))
			}
			out = append(out, v.voucherFinding("A-02", e.start, k.org, e.min.Neg(), expl, "negative", k.fund, k.account))
		}
	}
	return out
}

// lot is money that arrived on a day and is used up first in, first out.
type lot struct {
	x         *ledger.Voucher
	org       string
	kind      string
	amount    ledger.Money
	remaining ledger.Money
}

func consume(lots []*lot, m ledger.Money) {
	for _, l := range lots {
		if m.Sign() <= 0 {
			return
		}
		if l.remaining.Sign() <= 0 {
			continue
		}
		take := minMoney(l.remaining, m)
		l.remaining = l.remaining.Sub(take)
		m = m.Sub(take)
	}
}

// a03 — 截留/拨付不及时: per special fund, money arriving in the book's
// bank or cash (a receipt from above or matching, or a return from a
// branch) is passed on first in, first out by allocations, grants and
// spending; a part still held more than UndistributedDays after it arrived
// is a finding as of AsOf, HIGH beyond UndistributedHighDays. Reversal
// pairs are left out.
func (v *view) a03() []Finding {
	lots := map[string][]*lot{}
	var funds []string
	for _, x := range v.vs {
		if v.paired[x.ID] {
			continue
		}
		delta := map[string]ledger.Money{}
		org := map[string]string{}
		income := map[string]bool{}
		var order []string
		for i := range x.Lines {
			l := &x.Lines[i]
			if !v.special(l.Fund) {
				continue
			}
			if l.Credit.Sign() > 0 && v.account(l.Account).Type == ledger.Income {
				income[l.Fund] = true
			}
			if !v.isCash(l.Account) {
				continue
			}
			if _, ok := delta[l.Fund]; !ok {
				order = append(order, l.Fund)
				delta[l.Fund] = ledger.Zero
			}
			delta[l.Fund] = delta[l.Fund].Add(l.Amount())
			if org[l.Fund] == "" && l.Debit.Sign() > 0 {
				org[l.Fund] = l.Org
			}
		}
		for _, f := range order {
			d := delta[f]
			switch {
			case d.Sign() > 0:
				kind := "收回"
				if income[f] {
					kind = "收到"
				}
				if _, ok := lots[f]; !ok {
					funds = append(funds, f)
				}
				lots[f] = append(lots[f], &lot{x: x, org: org[f], kind: kind, amount: d, remaining: d})
			case d.Sign() < 0:
				consume(lots[f], d.Neg())
			}
		}
	}
	var out []Finding
	for _, f := range funds {
		for _, l := range lots[f] {
			age := v.asOfDay - dayNum(l.x.Date)
			if l.remaining.Sign() <= 0 || age <= int64(v.cfg.UndistributedDays) {
				continue
			}
			expl := fmt.Sprintf("%s于 %s %s专项资金“%s” %s，截至 %s 仍有 %s未拨付或使用，已 %d 天，超过 %d 天",
				v.orgName(l.org), ymd(l.x.Date), l.kind, v.fundName(f), yuan(l.amount), ymd(v.in.AsOf), yuan(l.remaining),
				age, v.cfg.UndistributedDays)
			fd := v.voucherFinding("A-03", l.x, l.org, l.remaining, expl, f)
			if age > int64(v.cfg.UndistributedHighDays) {
				fd.Severity = SeverityHigh
				fd.Explanation += fmt.Sprintf("（超过 %d 天，升为 HIGH）", v.cfg.UndistributedHighDays)
			}
			if s := v.secretary(l.org); s != "" {
				fd.Responsible = s
			}
			out = append(out, fd)
		}
	}
	return out
}

// a04 — 滞留/沉淀: (1) per organisation and special fund, an advance on
// 121801 (first in, first out against settlements and returns) still
// unsettled more than UnsettledDays after it was made, as of AsOf; (2) an
// organisation dissolved before AsOf that still holds a special-fund
// balance.
func (v *view) a04() []Finding {
	type ofKey struct{ org, fund string }
	lots := map[ofKey][]*lot{}
	bal := map[ofKey]ledger.Money{}
	accts := map[ofKey][]string{}
	var keys []ofKey
	seen := map[ofKey]bool{}
	for _, x := range v.vs {
		if v.paired[x.ID] {
			continue
		}
		delta := map[ofKey]ledger.Money{}
		var order []ofKey
		for i := range x.Lines {
			l := &x.Lines[i]
			if !v.special(l.Fund) || !v.isFundAsset(l.Account) {
				continue
			}
			k := ofKey{l.Org, l.Fund}
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
			bal[k] = bal[k].Add(l.Amount())
			accts[k] = appendNew(accts[k], v.accountLabel(l.Account))
			if !isPending(l.Account) {
				continue
			}
			if _, ok := delta[k]; !ok {
				order = append(order, k)
				delta[k] = ledger.Zero
			}
			delta[k] = delta[k].Add(l.Amount())
		}
		for _, k := range order {
			switch d := delta[k]; {
			case d.Sign() > 0:
				lots[k] = append(lots[k], &lot{x: x, org: k.org, amount: d, remaining: d})
			case d.Sign() < 0:
				consume(lots[k], d.Neg())
			}
		}
	}
	var out []Finding
	for _, k := range keys {
		for _, l := range lots[k] {
			age := v.asOfDay - dayNum(l.x.Date)
			if l.remaining.Sign() <= 0 || age <= int64(v.cfg.UnsettledDays) {
				continue
			}
			expl := fmt.Sprintf("%s 拨付%s专项资金“%s” %s，截至 %s 仍有 %s未报账，已 %d 天，超过 %d 天",
				ymd(l.x.Date), v.orgName(k.org), v.fundName(k.fund), yuan(l.amount), ymd(v.in.AsOf), yuan(l.remaining), age, v.cfg.UnsettledDays)
			fd := v.voucherFinding("A-04", l.x, k.org, l.remaining, expl, k.fund)
			if s := v.secretary(k.org); s != "" {
				fd.Responsible = s
			}
			out = append(out, fd)
		}
		o := v.in.Orgs[k.org]
		if o == nil || o.Dissolved == nil || v.asOfDay <= dayNum(*o.Dissolved) || bal[k].IsZero() {
			continue
		}
		state := "未报账或退回"
		if bal[k].Sign() < 0 {
			state = "为透支"
		}
		expl := fmt.Sprintf("%s已于 %s 撤销，截至 %s 专项资金“%s”余额仍为 %s（%s），%s",
			v.orgName(k.org), ymd(*o.Dissolved), ymd(v.in.AsOf), v.fundName(k.fund), yuan(bal[k]), strings.Join(accts[k], "、"), state)
		out = append(out, v.orgFinding("A-04", *o.Dissolved, k.org, bal[k].Abs(), expl, "dissolved", k.fund))
	}
	return out
}

// a12 — 程序违规: an allocation or a use of special money without a
// decision reference (第二十条); the maker also checking or posting; the
// cashier also making, checking or posting; a cash/bank voucher
// (Voucher.TouchesCash) posted without a cashier's signature; an
// allocation to an organisation that is not a direct subordinate of the
// organisation paying it (越级). Reversal vouchers are checked for the
// people only; cancelled originals are not checked.
func (v *view) a12() []Finding {
	var out []Finding
	for _, x := range v.vs {
		if v.cancelled[x.ID] || !v.inWindow(x.Date) {
			continue
		}
		org := v.voucherOrg(x)
		if x.ReversalOf == 0 {
			var kinds []string
			amount := ledger.Zero
			for i := range x.Lines {
				l := &x.Lines[i]
				if !v.special(l.Fund) || l.Debit.Sign() <= 0 {
					continue
				}
				switch {
				case isPending(l.Account) || isGrant(l.Account):
					kinds = appendNew(kinds, "拨付")
					amount = amount.Add(l.Debit)
				case v.isSpend(l):
					kinds = appendNew(kinds, "使用")
					amount = amount.Add(l.Debit)
				}
			}
			if len(kinds) > 0 && strings.TrimSpace(x.Decision) == "" {
				expl := fmt.Sprintf("专项资金%s %s，未填决策依据（会议类型、日期、纪要编号），不符合集体讨论决定的要求",
					strings.Join(kinds, "、"), yuan(amount))
				out = append(out, v.voucherFinding("A-12", x, org, amount, expl, "decision"))
			}
			out = append(out, v.skipLevel(x)...)
		}
		var same []string
		pairs := []struct{ a, an, b, bn string }{
			{x.Maker, "制单人", x.Checker, "审核人"},
			{x.Maker, "制单人", x.Poster, "记账人"},
			{x.Cashier, "出纳", x.Maker, "制单人"},
			{x.Cashier, "出纳", x.Checker, "审核人"},
			{x.Cashier, "出纳", x.Poster, "记账人"},
		}
		for _, p := range pairs {
			if p.a != "" && p.a == p.b {
				same = append(same, fmt.Sprintf("%s与%s同为 %s", p.an, p.bn, v.person(p.a)))
			}
		}
		if len(same) > 0 {
			fd := v.voucherFinding("A-12", x, org, x.Total(), strings.Join(same, "；")+"，不相容职务未分离", "same-person")
			out = append(out, fd)
		}
		if x.TouchesCash(v.in.Chart) && strings.TrimSpace(x.Cashier) == "" {
			expl := fmt.Sprintf("涉及库存现金/银行存款的凭证（金额 %s）未经出纳签字即记账", yuan(x.Total()))
			out = append(out, v.voucherFinding("A-12", x, org, x.Total(), expl, "cashier"))
		}
	}
	return out
}

// skipLevel finds allocations (121801, 5501 debits) to an organisation
// whose parent is not among the organisations credited on the voucher.
func (v *view) skipLevel(x *ledger.Voucher) []Finding {
	var out []Finding
	payers := map[string][]string{} // fund → crediting organisations
	for i := range x.Lines {
		if l := &x.Lines[i]; l.Credit.Sign() > 0 {
			payers[l.Fund] = appendNew(payers[l.Fund], l.Org)
		}
	}
	to := orgAmounts{}
	toFunds := map[string][]string{}
	for i := range x.Lines {
		l := &x.Lines[i]
		if l.Debit.Sign() <= 0 || !v.special(l.Fund) || !(isPending(l.Account) || isGrant(l.Account)) {
			continue
		}
		to.add(l.Org, l.Debit)
		toFunds[l.Org] = appendNew(toFunds[l.Org], l.Fund)
	}
	for _, org := range to.order {
		o := v.in.Orgs[org]
		if o == nil {
			continue
		}
		var from []string
		direct := false
		for _, f := range toFunds[org] {
			for _, p := range payers[f] {
				if p == org {
					continue // a transfer within the organisation's own balances
				}
				from = appendNew(from, p)
				direct = direct || p == o.Parent
			}
		}
		if direct || len(from) == 0 {
			continue
		}
		names := make([]string, len(from))
		for i, p := range from {
			names[i] = v.orgName(p)
		}
		parent := "（无上级）"
		if o.Parent != "" {
			parent = v.orgName(o.Parent)
		}
		expl := fmt.Sprintf("由%s向%s拨付 %s，但%s的上级党组织是%s，属越级拨付",
			strings.Join(names, "、"), v.orgName(org), yuan(to.sum[org]), v.orgName(org), parent)
		out = append(out, v.voucherFinding("A-12", x, org, to.sum[org], expl, "skip-level"))
	}
	return out
}

// a13 — 捐款混用: a debit to 230701 (donations payable) on a voucher not
// paying a higher Party organisation; donation money debited to an
// expense; donation money credited from an asset and debited to a special
// fund on the same voucher.
func (v *view) a13() []Finding {
	var out []Finding
	for _, x := range v.windowed() {
		payable, expense, toSpecial := orgAmounts{}, orgAmounts{}, orgAmounts{}
		var payableAccts, expenseAccts, donFunds, specialFunds []string
		donationOut := false
		for i := range x.Lines {
			l := &x.Lines[i]
			if l.Credit.Sign() > 0 && v.donation(l.Fund) && v.isFundAsset(l.Account) {
				donationOut = true
				donFunds = appendNew(donFunds, v.fundName(l.Fund))
			}
		}
		for i := range x.Lines {
			l := &x.Lines[i]
			if l.Debit.Sign() <= 0 {
				continue
			}
			if under(l.Account, ledger.AcctDonation) && x.PayeeType != ledger.PayeeUpper {
				payable.add(l.Org, l.Debit)
				payableAccts = appendNew(payableAccts, v.accountLabel(l.Account))
			}
			if v.donation(l.Fund) && v.account(l.Account).Type == ledger.Expense {
				expense.add(l.Org, l.Debit)
				expenseAccts = appendNew(expenseAccts, v.accountLabel(l.Account))
				donFunds = appendNew(donFunds, v.fundName(l.Fund))
			}
			if donationOut && v.special(l.Fund) {
				toSpecial.add(l.Org, l.Debit)
				specialFunds = appendNew(specialFunds, v.fundName(l.Fund))
			}
		}
		for _, org := range payable.order {
			expl := fmt.Sprintf("借记 %s %s，收款人“%s”不是上级党组织（代收上缴）；代收的党员自愿捐款只能全额逐级上缴",
				strings.Join(payableAccts, "、"), yuan(payable.sum[org]), x.Payee)
			out = append(out, v.voucherFinding("A-13", x, org, payable.sum[org], expl, "payable"))
		}
		for _, org := range expense.order {
			expl := fmt.Sprintf("%s以代收捐款“%s”列支 %s（%s）；捐款不得在本地使用",
				v.orgName(org), strings.Join(donFunds, "、"), yuan(expense.sum[org]), strings.Join(expenseAccts, "、"))
			out = append(out, v.voucherFinding("A-13", x, org, expense.sum[org], expl, "expense"))
		}
		for _, org := range toSpecial.order {
			expl := fmt.Sprintf("代收捐款“%s”转入专项资金“%s” %s（%s）；捐款不得并入专项党费",
				strings.Join(donFunds, "、"), strings.Join(specialFunds, "、"), yuan(toSpecial.sum[org]), v.orgName(org))
			out = append(out, v.voucherFinding("A-13", x, org, toSpecial.sum[org], expl, "transfer"))
		}
	}
	return out
}

// a14 — 补记/倒签: a voucher made more than BackdateDays after the value
// date of its bank movement; a voucher made after its period was (first)
// closed and dated into it. Reversal vouchers are checked too; a voucher
// is looked at when its date or its making falls in the window.
func (v *view) a14() []Finding {
	closed := map[[2]int]time.Time{}
	for _, p := range v.in.ClosedPeriods {
		k := [2]int{p.Year, p.Month}
		if t, ok := closed[k]; !ok || p.ClosedAt.Before(t) {
			closed[k] = p.ClosedAt
		}
	}
	var out []Finding
	for _, x := range v.vs {
		if v.cancelled[x.ID] || x.MadeAt == nil {
			continue
		}
		if !v.inWindow(x.Date) && !v.inWindow(*x.MadeAt) {
			continue
		}
		org := v.voucherOrg(x)
		if vd, ok := v.in.BankValueDates[x.ID]; ok {
			gap := dayNum(*x.MadeAt) - dayNum(vd)
			if gap > int64(v.cfg.BackdateDays) {
				expl := fmt.Sprintf("银行起息日 %s，凭证 %s 才制单，相隔 %d 天，超过 %d 天",
					ymd(vd), ymd(*x.MadeAt), gap, v.cfg.BackdateDays)
				out = append(out, v.voucherFinding("A-14", x, org, x.Total(), expl, "late"))
			}
		}
		y, m := ledger.PeriodOf(x.Date)
		if at, ok := closed[[2]int{y, m}]; ok && x.MadeAt.After(at) {
			expl := fmt.Sprintf("所属期间 %04d-%02d 已于 %s 结账，凭证于 %s 制单并倒签入该期间",
				y, m, at.Format("2006-01-02 15:04"), x.MadeAt.Format("2006-01-02 15:04"))
			out = append(out, v.voucherFinding("A-14", x, org, x.Total(), expl, "backdated"))
		}
	}
	return out
}

// spendingBy sums special-fund spending by purpose of an organisation's
// subtree ("" for the whole book) up to and including a day.
func (v *view) spendingBy(org string, through int64) map[ledger.Purpose]ledger.Money {
	out := map[ledger.Purpose]ledger.Money{}
	for _, x := range v.vs {
		if !v.subject(x) || dayNum(x.Date) > through {
			continue
		}
		for i := range x.Lines {
			l := &x.Lines[i]
			if v.isSpend(l) && v.special(l.Fund) && (org == "" || v.isAncestor(org, l.Org)) {
				p := v.purposeOf(l)
				out[p] = out[p].Add(l.Debit)
			}
		}
	}
	return out
}

// purposeOrder lists the purposes of the maps in report order, unknown
// ones after, sorted.
func purposeOrder(ms ...map[ledger.Purpose]ledger.Money) []ledger.Purpose {
	var out []ledger.Purpose
	seen := map[ledger.Purpose]bool{}
	for _, p := range ledger.Purposes {
		for _, m := range ms {
			if _, ok := m[p]; ok && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	var rest []ledger.Purpose
	for _, m := range ms {
		for p := range m {
			if !seen[p] {
				seen[p] = true
				rest = append(rest, p)
			}
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i] < rest[j] })
	return append(out, rest...)
}

// a16 — 分类不平: a publication dated in the window whose category totals
// do not add up to its reported total; or whose categories (or, with no
// categories, whose total) differ from the ledger's special-fund spending
// of the organisation's subtree up to the day the publication covers.
func (v *view) a16() []Finding {
	var out []Finding
	for _, r := range v.in.Publicity {
		if !v.inWindow(r.Date) {
			continue
		}
		where := fmt.Sprintf("%s %s 公示", v.orgName(r.Org), ymd(r.Date))
		if r.Channel != "" {
			where = fmt.Sprintf("%s %s 在“%s”公示", v.orgName(r.Org), ymd(r.Date), r.Channel)
		}
		if len(r.Totals) > 0 {
			sum := ledger.Zero
			var parts []string
			for _, p := range purposeOrder(r.Totals) {
				sum = sum.Add(r.Totals[p])
				parts = append(parts, purposeLabel(p)+" "+yuan(r.Totals[p]))
			}
			if !sum.Equal(r.ReportedTotal) {
				diff := r.ReportedTotal.Sub(sum).Abs()
				expl := fmt.Sprintf("%s：%s，分类合计 %s，与公示总额 %s不符，相差 %s",
					where, strings.Join(parts, " + "), yuan(sum), yuan(r.ReportedTotal), yuan(diff))
				out = append(out, v.orgFinding("A-16", r.Date, r.Org, diff, expl, "categories", ymd(r.Date), r.Channel))
			}
		}
		through := r.Through
		if through.IsZero() {
			through = r.Date
		}
		books := v.spendingBy(r.Org, dayNum(through))
		diff := ledger.Zero
		var parts []string
		if len(r.Totals) > 0 {
			for _, p := range purposeOrder(r.Totals, books) {
				if d := r.Totals[p].Sub(books[p]); !d.IsZero() {
					diff = diff.Add(d.Abs())
					parts = append(parts, fmt.Sprintf("%s 公示 %s、账簿 %s", purposeLabel(p), yuan(r.Totals[p]), yuan(books[p])))
				}
			}
		} else {
			total := ledger.Zero
			for _, m := range books {
				total = total.Add(m)
			}
			if d := r.ReportedTotal.Sub(total); !d.IsZero() {
				diff = d.Abs()
				parts = append(parts, fmt.Sprintf("公示总额 %s、账簿 %s", yuan(r.ReportedTotal), yuan(total)))
			}
		}
		if len(parts) > 0 {
			expl := fmt.Sprintf("%s的金额与截至 %s 的账簿不符：%s", where, ymd(through), strings.Join(parts, "；"))
			out = append(out, v.orgFinding("A-16", r.Date, r.Org, diff, expl, "ledger", ymd(r.Date), r.Channel))
		}
	}
	return out
}

// a17 — 公示缺失: an organisation with special-fund uses in a month and no
// publication — its own, an ancestor's or the book's — dated on or after
// its last use of that month and at most PublicityDays after the month end.
// A month is reported by the run whose window holds the first overdue day.
func (v *view) a17() []Finding {
	type om struct {
		org  string
		y, m int
	}
	type uses struct {
		amount  ledger.Money
		n       int
		last    *ledger.Voucher
		lastDay int64
	}
	byOM := map[om]*uses{}
	var order []om
	for _, x := range v.vs {
		if !v.subject(x) {
			continue
		}
		for i := range x.Lines {
			l := &x.Lines[i]
			if !v.isSpend(l) || !v.special(l.Fund) {
				continue
			}
			y, m := ledger.PeriodOf(x.Date)
			k := om{l.Org, y, m}
			u := byOM[k]
			if u == nil {
				u = &uses{amount: ledger.Zero}
				byOM[k] = u
				order = append(order, k)
			}
			u.amount = u.amount.Add(l.Debit)
			u.n++
			u.last, u.lastDay = x, dayNum(x.Date)
		}
	}
	var out []Finding
	for _, k := range order {
		u := byOM[k]
		loc := u.last.Date.Location()
		monthEnd := time.Date(k.y, time.Month(k.m)+1, 0, 0, 0, 0, 0, loc)
		deadline := dayNum(monthEnd) + int64(v.cfg.PublicityDays)
		overdue := deadline + 1
		if overdue > v.asOfDay || (v.fromSet && overdue < v.fromDay) {
			continue
		}
		published := false
		for _, r := range v.in.Publicity {
			d := dayNum(r.Date)
			if d >= u.lastDay && d <= deadline && (r.Org == "" || v.isAncestor(r.Org, k.org)) {
				published = true
				break
			}
		}
		if published {
			continue
		}
		expl := fmt.Sprintf("%s %d年%d月使用专项资金 %s（%d 笔，最后一笔 %s %s），至 %s（月末后 %d 天）未见公示记录",
			v.orgName(k.org), k.y, k.m, yuan(u.amount), u.n, u.last.Word(), ymd(u.last.Date), ymd(dateOf(deadline)), v.cfg.PublicityDays)
		out = append(out, v.orgFinding("A-17", monthEnd, k.org, u.amount, expl, fmt.Sprintf("%04d-%02d", k.y, k.m)))
	}
	return out
}
