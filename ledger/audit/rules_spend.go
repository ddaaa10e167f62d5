package audit

import (
	"fmt"
	"strings"

	"github.com/fenyang/partyfee/ledger"
)

// orgAmounts sums amounts by organisation, keeping the order in which the
// organisations first appear so that output follows the voucher's lines.
type orgAmounts struct {
	order []string
	sum   map[string]ledger.Money
}

func (o *orgAmounts) add(org string, m ledger.Money) {
	if o.sum == nil {
		o.sum = map[string]ledger.Money{}
	}
	if _, ok := o.sum[org]; !ok {
		o.order = append(o.order, org)
		o.sum[org] = ledger.Zero
	}
	o.sum[org] = o.sum[org].Add(m)
}

// a01 — 超范围使用: a special-fund spending line whose purpose the fund
// does not permit (or that names no known purpose), or spending whose text
// (voucher summary, memo, line summaries) contains a deny-list word.
func (v *view) a01() []Finding {
	var out []Finding
	for _, x := range v.windowed() {
		type bad struct {
			amount   ledger.Money
			funds    []string
			accounts []string
		}
		spent := orgAmounts{}
		badByOrg := map[string]map[ledger.Purpose]*bad{}
		var badOrder []struct {
			org string
			p   ledger.Purpose
		}
		texts := map[string][]string{}
		for i := range x.Lines {
			l := &x.Lines[i]
			if !v.isSpend(l) || !v.special(l.Fund) {
				continue
			}
			spent.add(l.Org, l.Debit)
			if s := strings.TrimSpace(l.Summary); s != "" {
				texts[l.Org] = append(texts[l.Org], s)
			}
			p := v.purposeOf(l)
			if p.Valid() && v.fund(l.Fund).Allows(p) {
				continue
			}
			if badByOrg[l.Org] == nil {
				badByOrg[l.Org] = map[ledger.Purpose]*bad{}
			}
			b := badByOrg[l.Org][p]
			if b == nil {
				b = &bad{amount: ledger.Zero}
				badByOrg[l.Org][p] = b
				badOrder = append(badOrder, struct {
					org string
					p   ledger.Purpose
				}{l.Org, p})
			}
			b.amount = b.amount.Add(l.Debit)
			b.funds = appendNew(b.funds, l.Fund)
			b.accounts = appendNew(b.accounts, l.Account)
		}
		for _, k := range badOrder {
			b := badByOrg[k.org][k.p]
			var names, allowed []string
			for _, f := range b.funds {
				names = append(names, "“"+v.fundName(f)+"”")
				for _, p := range v.fund(f).Purposes {
					allowed = appendNew(allowed, purposeLabel(p))
				}
			}
			var accts []string
			for _, a := range b.accounts {
				accts = append(accts, v.accountLabel(a))
			}
			allowedText := "无"
			if len(allowed) > 0 {
				allowedText = strings.Join(allowed, "、")
			}
			expl := fmt.Sprintf("%s以专项资金%s列支 %s，用途“%s”不在该资金允许的用途（%s）之内（科目 %s）",
				v.orgName(k.org), strings.Join(names, "、"), yuan(b.amount), purposeLabel(k.p), allowedText, strings.Join(accts, "、"))
			out = append(out, v.voucherFinding("A-01", x, k.org, b.amount, expl, "purpose", string(k.p)))
		}
		for _, org := range spent.order {
			all := append([]string{strings.TrimSpace(x.Summary), strings.TrimSpace(x.Memo)}, texts[org]...)
			var parts []string
			for _, t := range all {
				if t != "" {
					parts = appendNew(parts, t)
				}
			}
			var words, hitTexts []string
			for _, p := range parts {
				if ws := v.deniedWords(p); len(ws) > 0 {
					hitTexts = append(hitTexts, p)
					for _, w := range ws {
						words = appendNew(words, w)
					}
				}
			}
			if len(words) == 0 {
				continue
			}
			quoted := make([]string, len(words))
			for i, w := range words {
				quoted[i] = "“" + w + "”"
			}
			expl := fmt.Sprintf("摘要含禁止列支的%s（“%s”），%s以专项资金列支 %s",
				strings.Join(quoted, ""), strings.Join(hitTexts, "；"), v.orgName(org), yuan(spent.sum[org]))
			out = append(out, v.voucherFinding("A-01", x, org, spent.sum[org], expl, "words"))
		}
	}
	return out
}

// deniedWords returns the deny-list words found in text after the allowed
// words (酒精 …) are taken out.
func (v *view) deniedWords(text string) []string {
	for _, a := range v.cfg.AllowWords {
		if a != "" {
			text = strings.ReplaceAll(text, a, "\x00")
		}
	}
	var hits []string
	for _, w := range v.cfg.DenyWords {
		if w != "" && strings.Contains(text, w) {
			hits = append(hits, w)
		}
	}
	return hits
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// a05 — 支出晚于撤销: an expense debited to an organisation on a date after
// its dissolution date.
func (v *view) a05() []Finding {
	var out []Finding
	for _, x := range v.windowed() {
		spent := orgAmounts{}
		purposes := map[string][]string{}
		for i := range x.Lines {
			l := &x.Lines[i]
			if v.isExpenseDebit(l) {
				spent.add(l.Org, l.Debit)
				purposes[l.Org] = appendNew(purposes[l.Org], purposeLabel(v.purposeOf(l)))
			}
		}
		for _, org := range spent.order {
			o := v.in.Orgs[org]
			if o == nil || o.Dissolved == nil {
				continue
			}
			late := dayNum(x.Date) - dayNum(*o.Dissolved)
			if late <= 0 {
				continue
			}
			expl := fmt.Sprintf("%s已于 %s 撤销，本凭证仍列支 %s（%s），晚于撤销日期 %d 天",
				v.orgName(org), ymd(*o.Dissolved), yuan(spent.sum[org]), strings.Join(purposes[org], "、"), late)
			out = append(out, v.voucherFinding("A-05", x, org, spent.sum[org], expl))
		}
	}
	return out
}

// a06 — 虚报冒领/重复领取: a condolence/relief row whose person (same ID
// number, or same name and phone) already received condolence or relief in
// the project — earlier in the same voucher, another voucher or another
// organisation — and, when a roster is recorded, a row whose person is not
// on the approved roster of the paying organisation.
func (v *view) a06() []Finding {
	var out []Finding
	rows := v.beneficiaries()
	byID := map[string]beneficiary{}
	byNP := map[string]beneficiary{}
	for _, r := range rows {
		id := normID(r.b.IDNumber)
		np := ""
		if ph := strings.TrimSpace(r.b.Phone); ph != "" && normName(r.b.Name) != "" {
			np = normName(r.b.Name) + "|" + ph
		}
		prior, found := beneficiary{}, false
		if id != "" {
			prior, found = byID[id]
		}
		if !found && np != "" {
			prior, found = byNP[np]
		}
		if found && v.inWindow(r.x.Date) {
			by := "证件号相同"
			if normID(prior.b.IDNumber) == "" || id == "" || normID(prior.b.IDNumber) != id {
				by = "姓名和电话相同"
			}
			expl := fmt.Sprintf("%s对象 %s 已于 %s 在 %s（%s，%s %s）领取，本凭证第 %d 行再次领取 %s（%s）",
				purposeLabel(r.purpose), who(r.b), ymd(prior.x.Date), prior.x.Word(), v.orgName(prior.org),
				purposeLabel(prior.purpose), yuan(prior.b.Amount), r.index, yuan(r.b.Amount), by)
			out = append(out, v.voucherFinding("A-06", r.x, r.org, r.b.Amount, expl, "duplicate", rowRef(r)))
		}
		if id != "" {
			if _, ok := byID[id]; !ok {
				byID[id] = r
			}
		}
		if np != "" {
			if _, ok := byNP[np]; !ok {
				byNP[np] = r
			}
		}
	}
	if len(v.in.Roster) == 0 {
		return out
	}
	rosterByID := map[string][]*RosterEntry{}
	rosterByName := map[string][]*RosterEntry{}
	for i := range v.in.Roster {
		e := &v.in.Roster[i]
		if id := normID(e.IDNumber); id != "" {
			rosterByID[id] = append(rosterByID[id], e)
		}
		rosterByName[normName(e.Name)] = append(rosterByName[normName(e.Name)], e)
	}
	for _, r := range rows {
		if !v.inWindow(r.x.Date) {
			continue
		}
		id, name, phone := normID(r.b.IDNumber), normName(r.b.Name), strings.TrimSpace(r.b.Phone)
		cands := append(append([]*RosterEntry{}, rosterByID[id]...), rosterByName[name]...)
		if id == "" {
			cands = rosterByName[name]
		}
		on := false
		var sameNameOtherID string
		for _, e := range cands {
			if e.Org != "" && e.Org != r.org {
				continue
			}
			eid := normID(e.IDNumber)
			if id != "" && eid != "" {
				if eid == id {
					on = true
					break
				}
				if normName(e.Name) == name {
					sameNameOtherID = eid
				}
				continue
			}
			if normName(e.Name) == name && (phone == "" || strings.TrimSpace(e.Phone) == "" || strings.TrimSpace(e.Phone) == phone) {
				on = true
				break
			}
		}
		if on {
			continue
		}
		expl := fmt.Sprintf("%s对象 %s（第 %d 行，%s）不在%s经批准的花名册上", purposeLabel(r.purpose), who(r.b), r.index, yuan(r.b.Amount), v.orgName(r.org))
		if sameNameOtherID != "" {
			expl += "；花名册上同名人员的证件号为 " + ledger.MaskID(sameNameOtherID)
		}
		out = append(out, v.voucherFinding("A-06", r.x, r.org, r.b.Amount, expl, "roster", rowRef(r)))
	}
	return out
}

// a07 — 优亲厚友 (partial): a condolence/relief beneficiary who is the
// voucher's maker, checker or cashier (by user name or full name), or an
// attendee of the meeting its decision reference names.
func (v *view) a07() []Finding {
	var out []Finding
	attendees := map[string][]string{}
	for _, m := range v.in.Meetings {
		d := strings.TrimSpace(m.Decision)
		for _, a := range m.Attendees {
			attendees[d] = appendNew(attendees[d], normName(a))
		}
	}
	for _, r := range v.beneficiaries() {
		if !v.inWindow(r.x.Date) {
			continue
		}
		name := normName(r.b.Name)
		if name == "" {
			continue
		}
		var roles []string
		for _, p := range []struct{ role, user string }{{"制单人", r.x.Maker}, {"审核人", r.x.Checker}, {"出纳", r.x.Cashier}} {
			if p.user == "" {
				continue
			}
			full := ""
			if u := v.in.Users[p.user]; u != nil {
				full = normName(u.FullName)
			}
			if name == normName(p.user) || (full != "" && name == full) {
				roles = append(roles, "本凭证的"+p.role)
			}
		}
		if d := strings.TrimSpace(r.x.Decision); d != "" {
			for _, a := range attendees[d] {
				if a == name {
					roles = append(roles, "决策会议“"+d+"”的参会人员")
					break
				}
			}
		}
		if len(roles) == 0 {
			continue
		}
		expl := fmt.Sprintf("%s对象 %s（第 %d 行，%s）是%s", purposeLabel(r.purpose), who(r.b), r.index, yuan(r.b.Amount), strings.Join(roles, "、"))
		out = append(out, v.voucherFinding("A-07", r.x, r.org, r.b.Amount, expl, rowRef(r)))
	}
	return out
}

// a08 — 无票据: no attachments on a voucher that is neither a closing nor a
// correcting voucher nor the opening balances (期初, carried from the books
// before), or an attached document of a type outside the
// accepted list.
func (v *view) a08() []Finding {
	var out []Finding
	for _, x := range v.windowed() {
		org := v.voucherOrg(x)
		// Paper sheets may be more than the stored files: the larger counts.
		if max(x.Attachments, x.Files) == 0 && !x.Closing && !x.Correcting && !ledger.OpeningFlow(x.Flow) {
			expl := fmt.Sprintf("附单据张数为 0、附件 0 个（摘要“%s”，金额 %s），既非结账凭证也非更正凭证", x.Summary, yuan(x.Total()))
			out = append(out, v.voucherFinding("A-08", x, org, x.Total(), expl, "none"))
		}
		var badTypes []string
		for _, t := range x.DocTypes {
			if !docAccepted(t, v.cfg.DocTypes) {
				badTypes = appendNew(badTypes, "“"+strings.TrimSpace(t)+"”")
			}
		}
		if len(badTypes) > 0 {
			expl := fmt.Sprintf("所附单据类型 %s 不是有效票据（应为 %s），金额 %s",
				strings.Join(badTypes, "、"), strings.Join(v.cfg.DocTypes, "、"), yuan(x.Total()))
			out = append(out, v.voucherFinding("A-08", x, org, x.Total(), expl, "doctype"))
		}
	}
	return out
}

// docAccepted matches a document type against a list whose entries may
// name alternatives separated by "/" (签收单/花名册).
func docAccepted(t string, list []string) bool {
	t = strings.TrimSpace(t)
	for _, e := range list {
		if t == strings.TrimSpace(e) {
			return true
		}
		for _, alt := range strings.Split(e, "/") {
			if t == strings.TrimSpace(alt) {
				return true
			}
		}
	}
	return false
}

// a09 — 大额现金: procurement paid in cash (a 1001 credit, or method
// cash) of at least the threshold; a withdrawal of at least the threshold
// from the bank into cash; condolence or relief paid in cash of at least
// the threshold is allowed but listed — at SignedCashSeverity with the
// recipients' signature sheet attached, at the rule's severity without.
func (v *view) a09() []Finding {
	var out []Finding
	t := v.cfg.CashThreshold
	for _, x := range v.windowed() {
		cashCredit, cashDebit, bankCredit := ledger.Zero, ledger.Zero, ledger.Zero
		proc, rel := ledger.Zero, ledger.Zero
		var procOrg, relOrg, cashOrg, bankAcct string
		for i := range x.Lines {
			l := &x.Lines[i]
			switch {
			case v.isCashOnHand(l.Account) && l.Credit.Sign() > 0:
				cashCredit = cashCredit.Add(l.Credit)
			case v.isCashOnHand(l.Account) && l.Debit.Sign() > 0:
				cashDebit = cashDebit.Add(l.Debit)
				if cashOrg == "" {
					cashOrg = l.Org
				}
			case v.isBank(l.Account) && l.Credit.Sign() > 0:
				bankCredit = bankCredit.Add(l.Credit)
				if bankAcct == "" {
					bankAcct = l.Account
				}
			}
			if !v.isSpend(l) {
				continue
			}
			switch v.purposeOf(l) {
			case ledger.Procurement:
				proc = proc.Add(l.Debit)
				if procOrg == "" {
					procOrg = l.Org
				}
			case ledger.Condolence, ledger.Relief:
				rel = rel.Add(l.Debit)
				if relOrg == "" {
					relOrg = l.Org
				}
			}
		}
		if w := minMoney(cashDebit, bankCredit); w.Sign() > 0 && w.Cmp(t) >= 0 {
			expl := fmt.Sprintf("从 %s 提取现金 %s，达到大额现金标准 %s", v.accountLabel(bankAcct), yuan(w), yuan(t))
			out = append(out, v.voucherFinding("A-09", x, cashOrg, w, expl, "withdrawal"))
		}
		paidInCash := cashCredit.Sign() > 0 || x.Method == ledger.MethodCash
		if !paidInCash {
			continue
		}
		cashPart := func(m ledger.Money) ledger.Money {
			if cashCredit.Sign() > 0 {
				return minMoney(cashCredit, m)
			}
			return m
		}
		if a := cashPart(proc); proc.Sign() > 0 && a.Cmp(t) >= 0 {
			expl := fmt.Sprintf("以现金支付物资采购 %s（收款人“%s”），达到大额现金标准 %s；采购款应通过银行转账支付",
				yuan(a), x.Payee, yuan(t))
			out = append(out, v.voucherFinding("A-09", x, procOrg, a, expl, "procurement"))
		}
		if a := cashPart(rel); rel.Sign() > 0 && a.Cmp(t) >= 0 {
			signed := false
			for _, d := range x.DocTypes {
				if docAccepted(d, v.cfg.SignatureDocTypes) {
					signed = true
				}
			}
			f := v.voucherFinding("A-09", x, relOrg, a, "", "cash-relief")
			if signed {
				f.Severity = v.cfg.SignedCashSeverity
				f.Explanation += fmt.Sprintf("以现金发放慰问/救助 %s（达到大额现金标准 %s），已附领取人签收单/花名册，列示备查", yuan(a), yuan(t))
			} else {
				f.Explanation += fmt.Sprintf("以现金发放慰问/救助 %s（达到大额现金标准 %s），未附领取人签收单/花名册", yuan(a), yuan(t))
			}
			out = append(out, f)
		}
	}
	return out
}

func minMoney(a, b ledger.Money) ledger.Money {
	if a.Cmp(b) <= 0 {
		return a
	}
	return b
}

// a10 — 拆分支付: two or more payments by one organisation to one payee,
// each below the approval threshold T, whose dates lie within the window
// (the last at most SplitWindowDays after the first) and which together
// reach T. T is the organisation's ApprovalThreshold, else its nearest
// ancestor's, else the configured default. Clusters are formed greedily from
// the earliest payment; a cluster is reported when one of its payments is
// in the evaluation window, under the key of its first payment.
func (v *view) a10() []Finding {
	type payment struct {
		x      *ledger.Voucher
		amount ledger.Money
	}
	type group struct {
		org, payee string
		ps         []payment
	}
	groups := map[string]*group{}
	var order []string
	for _, x := range v.vs {
		if !v.subject(x) || normName(x.Payee) == "" {
			continue
		}
		spent := orgAmounts{}
		for i := range x.Lines {
			if l := &x.Lines[i]; v.isSpend(l) {
				spent.add(l.Org, l.Debit)
			}
		}
		for _, org := range spent.order {
			k := org + "\x00" + normName(x.Payee)
			g := groups[k]
			if g == nil {
				g = &group{org: org, payee: normName(x.Payee)}
				groups[k] = g
				order = append(order, k)
			}
			g.ps = append(g.ps, payment{x, spent.sum[org]})
		}
	}
	var out []Finding
	for _, k := range order {
		g := groups[k]
		t := v.threshold(g.org)
		var small []payment
		for _, p := range g.ps {
			if p.amount.Cmp(t) < 0 {
				small = append(small, p)
			}
		}
		for i := 0; i < len(small); {
			j, total := i, ledger.Zero
			for j < len(small) && dayNum(small[j].x.Date)-dayNum(small[i].x.Date) <= int64(v.cfg.SplitWindowDays) {
				total = total.Add(small[j].amount)
				j++
			}
			if j-i < 2 || total.Cmp(t) < 0 {
				i++
				continue
			}
			cl := small[i:j]
			i = j
			inWin := false
			var list []string
			for _, p := range cl {
				inWin = inWin || v.inWindow(p.x.Date)
				list = append(list, fmt.Sprintf("%s %s %s", p.x.Word(), ymd(p.x.Date), p.amount.Format()))
			}
			if !inWin {
				continue
			}
			first, last := cl[0].x, cl[len(cl)-1].x
			expl := fmt.Sprintf("%s在 %d 天内（%s 至 %s）向收款人“%s”支付 %d 笔：%s；每笔均低于审批限额 %s，合计 %s，达到限额",
				v.orgName(g.org), v.cfg.SplitWindowDays, ymd(first.Date), ymd(last.Date), g.payee, len(cl),
				strings.Join(list, "、"), yuan(t), yuan(total))
			out = append(out, v.voucherFinding("A-10", first, g.org, total, expl, g.payee))
		}
	}
	return out
}

// threshold is the approval threshold of an organisation: its own, else its
// nearest ancestor's, else the configured default.
func (v *view) threshold(org string) ledger.Money {
	for i := 0; org != "" && i <= ledger.OrgDepthMax; i++ {
		o := v.in.Orgs[org]
		if o == nil {
			break
		}
		if o.ApprovalThreshold != nil {
			return *o.ApprovalThreshold
		}
		org = o.Parent
	}
	return v.cfg.SplitThreshold
}

// a11 — 公款私存: procurement paid to a person's account — the payee type
// is individual or the payee's account is recorded as personal — where the
// payee is a cadre or a member of a branch.
func (v *view) a11() []Finding {
	members := map[string][]Member{}
	for _, m := range v.in.Members {
		members[normName(m.Name)] = append(members[normName(m.Name)], m)
	}
	personalAcct := map[string]bool{}
	for _, p := range v.in.PayeeAccounts {
		personalAcct[normName(p.Payee)] = personalAcct[normName(p.Payee)] || p.Personal
	}
	var out []Finding
	for _, x := range v.windowed() {
		payee := normName(x.Payee)
		ms := members[payee]
		if payee == "" || len(ms) == 0 {
			continue
		}
		var how []string
		if x.PayeeType == ledger.PayeeIndividual {
			how = append(how, "收款人类型为个人")
		}
		if personalAcct[payee] {
			how = append(how, "收款账户为个人账户")
		}
		if len(how) == 0 {
			continue
		}
		proc := orgAmounts{}
		for i := range x.Lines {
			if l := &x.Lines[i]; v.isSpend(l) && v.purposeOf(l) == ledger.Procurement {
				proc.add(l.Org, l.Debit)
			}
		}
		var roles []string
		for _, m := range ms {
			r := v.orgName(m.Org) + "党员"
			if m.Cadre {
				r = v.orgName(m.Org) + "党员干部"
			}
			roles = appendNew(roles, r)
		}
		for _, org := range proc.order {
			expl := fmt.Sprintf("%s的物资采购款 %s支付给个人“%s”（%s），其为%s；采购款应直接支付给供应商",
				v.orgName(org), yuan(proc.sum[org]), payee, strings.Join(how, "，"), strings.Join(roles, "、"))
			out = append(out, v.voucherFinding("A-11", x, org, proc.sum[org], expl, payee))
		}
	}
	return out
}

// a15 — 标准超标: a condolence/relief row above the per-person standard
// configured for its purpose.
func (v *view) a15() []Finding {
	var out []Finding
	for _, r := range v.beneficiaries() {
		if !v.inWindow(r.x.Date) {
			continue
		}
		std, ok := v.cfg.Standards[r.purpose]
		if !ok || r.b.Amount.Cmp(std) <= 0 {
			continue
		}
		expl := fmt.Sprintf("%s对象 %s（第 %d 行）发放 %s，超过每人标准 %s，超出 %s",
			purposeLabel(r.purpose), who(r.b), r.index, yuan(r.b.Amount), yuan(std), yuan(r.b.Amount.Sub(std)))
		out = append(out, v.voucherFinding("A-15", r.x, r.org, r.b.Amount, expl, rowRef(r)))
	}
	return out
}
