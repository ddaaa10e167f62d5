package reports

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/report"
)

const (
	fundUpper    = "FY-2020-UP"
	fundMatching = "FY-2020-MT"
	orgCity      = "FY-ZZB"
)

// newBook is an empty Fenyang-like book: the city organisation department,
// six temporary branches and groups in a tree, the two special funds.
func newBook() *tBook {
	return &tBook{
		code: "FY-DFZH", name: "中共汾阳市委组织部（党费专户）", city: orgCity,
		from: day(2020, 2, 1), to: day(2020, 2, 29),
		orgs: []tOrg{
			{code: orgCity, name: "中共汾阳市委组织部", kind: ledger.OrgDept, secretary: "张部长", host: "中共汾阳市委组织部"},
			{code: "FY-ZH", name: "综合协调组临时党支部", parent: orgCity, kind: ledger.OrgTempBranch, category: "工作组", secretary: "王书记", host: "市委办公室"},
			{code: "FY-JC", name: "监测救治组临时党支部", parent: orgCity, kind: ledger.OrgTempBranch, category: "工作组", secretary: "刘书记", host: "市卫健局"},
			{code: "FY-KK", name: "高速口检测站临时党支部", parent: orgCity, kind: ledger.OrgTempBranch, category: "检测站点", secretary: "陈书记", host: "市交通局"},
			{code: "FY-KK-1", name: "高速口检测站第一党小组", parent: "FY-KK", kind: ledger.OrgPartyGroup, category: "党小组", secretary: "赵组长", host: "市交通局"},
			{code: "FY-PC", name: "流动人口排查临时党支部", parent: orgCity, kind: ledger.OrgTempBranch, category: "排查", secretary: "孙书记", host: "市公安局"},
			{code: "FY-DC", name: "督查指导临时党支部", parent: orgCity, kind: ledger.OrgTempBranch, category: "督查指导", secretary: "周书记", host: "市纪委监委"},
		},
		funds: []tFund{
			{code: fundUpper, name: "省市下拨专项党费", kind: ledger.FundUpper},
			{code: fundMatching, name: "本级配套专项党费", kind: ledger.FundMatching},
		},
	}
}

// people makes n beneficiaries of amount each; IDs start at seed.
func people(n int, amount string, category, reason string, seed int) []ledger.Beneficiary {
	names := []string{"张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴霞", "徐丽", "孙涛"}
	var out []ledger.Beneficiary
	for i := 0; i < n; i++ {
		k := seed + i
		out = append(out, ledger.Beneficiary{Name: names[k%len(names)], Category: category,
			IDNumber: fmt.Sprintf("14238219%02d%02d%02d%04d", 70+k%25, 1+k%12, 1+k%28, 1000+k), Phone: fmt.Sprintf("1390358%04d", k),
			Reason: reason, Amount: m(amount)})
	}
	return out
}

// fixtureBook is the deterministic fixture of the golden and invariant
// tests: February 2020, 90,000.00 upper-level and 230,000.00 matching
// special fees, all allocated, 21 spends over the three purposes (one of
// them reversed in red and re-entered), one return, two findings and a
// bank reconciliation.
func fixtureBook() *tBook {
	b := newBook()
	up, mt := fundUpper, fundMatching
	b.receive(day(2020, 2, 3), up, m("90000.00"))
	b.receive(day(2020, 2, 4), mt, m("230000.00"))
	for _, a := range []struct{ org, fund, amt string }{
		{"FY-ZH", up, "20000.00"}, {"FY-JC", up, "30000.00"}, {"FY-JC", mt, "50000.00"}, {"FY-KK", mt, "60000.00"},
		{"FY-KK-1", up, "10000.00"}, {"FY-PC", up, "30000.00"}, {"FY-PC", mt, "60000.00"}, {"FY-DC", mt, "60000.00"},
	} {
		b.allocate(day(2020, 2, 6), a.org, a.fund, m(a.amt))
	}
	q := func(n int64) decimal.Decimal { return decimal.NewFromInt(n) }
	buy := func(item string, n int64, price, payee string) tVoucher {
		return tVoucher{item: item, qty: q(n), unitPrice: m(price), payee: payee, payeeType: ledger.PayeeSupplier,
			attachments: 2, docTypes: []string{"发票", "签收单/花名册"}, decision: "支部委员会2020-02-06会议纪要"}
	}
	give := func(bs []ledger.Beneficiary, reason string) tVoucher {
		return tVoucher{item: reason, beneficiaries: bs, payee: "受助个人（见花名册）", payeeType: ledger.PayeeIndividual,
			attachments: 1, docTypes: []string{"签收单/花名册"}, decision: "支部委员会2020-02-06会议纪要"}
	}
	P, C, R := ledger.Procurement, ledger.Condolence, ledger.Relief
	b.spend(day(2020, 2, 7), "FY-ZH", up, P, m("3600.00"), buy("医用口罩", 1200, "3.00", "汾阳市康泰医药有限公司"))
	b.spend(day(2020, 2, 7), "FY-JC", up, P, m("8500.00"), buy("84消毒液", 500, "17.00", "汾阳市康泰医药有限公司"))
	b.spend(day(2020, 2, 8), "FY-JC", mt, C, m("4000.00"), give(people(8, "500.00", "医务人员", "慰问一线医务人员", 0), "一线医务人员"))
	b.spend(day(2020, 2, 9), "FY-KK", mt, P, m("12000.00"), buy("红外测温枪", 40, "300.00", "山西晋安科技有限公司"))
	cash := give(people(4, "500.00", "公安", "慰问检测站执勤民警", 20), "执勤民警")
	cash.method = ledger.MethodCash
	b.spend(day(2020, 2, 10), "FY-KK-1", up, C, m("2000.00"), cash)
	b.spend(day(2020, 2, 10), "FY-PC", up, R, m("3000.00"), give(people(3, "1000.00", "群众", "救助生活困难群众", 30), "困难群众"))
	b.spend(day(2020, 2, 11), "FY-PC", mt, P, m("15800.00"), buy("医用防护服", 200, "79.00", "汾阳市康泰医药有限公司"))
	dup := people(3, "500.00", "社区工作者", "慰问社区防控人员", 40)
	dup[2] = people(1, "500.00", "医务人员", "慰问社区防控人员", 0)[0] // same person as in the 02-08 condolence
	dupV := b.spend(day(2020, 2, 12), "FY-DC", mt, C, m("1500.00"), give(dup, "社区防控人员"))
	b.spend(day(2020, 2, 13), "FY-ZH", up, R, m("2400.00"), give(people(2, "1200.00", "党员", "救助患病党员", 50), "患病党员"))
	b.spend(day(2020, 2, 14), "FY-JC", up, P, m("6250.50"), buy("护目镜", 150, "41.67", "山西晋安科技有限公司"))
	b.spend(day(2020, 2, 15), "FY-JC", mt, P, m("20000.00"), buy("应急帐篷", 10, "2000.00", "太原市华北帐篷厂"))
	b.spend(day(2020, 2, 16), "FY-KK", mt, C, m("3000.00"), give(people(6, "500.00", "志愿者", "慰问检测站志愿者", 60), "志愿者"))
	noReceipt := buy("方便面", 20, "49.00", "汾阳市城关超市")
	noReceipt.method, noReceipt.attachments, noReceipt.docTypes, noReceipt.payeeType = ledger.MethodCash, 0, nil, ledger.PayeeSupplier
	bad := b.spend(day(2020, 2, 17), "FY-PC", up, P, m("980.00"), noReceipt)
	wrong := b.spend(day(2020, 2, 18), "FY-DC", mt, P, m("9999.99"), buy("对讲机", 30, "333.33", "汾阳市通达电子商行"))
	b.spend(day(2020, 2, 19), "FY-ZH", up, P, m("1234.56"), buy("体温登记本", 96, "12.86", "汾阳市新华书店"))
	b.reverse(day(2020, 2, 20), wrong)
	fixed := buy("对讲机", 30, "330.00", "汾阳市通达电子商行")
	fixed.summary = "订正2月18日" + wrong.word() + "号凭证"
	b.spend(day(2020, 2, 20), "FY-DC", mt, P, m("9899.99"), fixed)
	b.spend(day(2020, 2, 21), "FY-KK-1", up, R, m("1000.00"), give(people(1, "1000.00", "群众", "救助隔离户", 70), "隔离户"))
	b.spend(day(2020, 2, 24), "FY-JC", mt, R, m("5000.00"), give(people(5, "1000.00", "群众", "救助困难家庭", 80), "困难家庭"))
	b.spend(day(2020, 2, 25), "FY-PC", mt, C, m("2500.00"), give(people(5, "500.00", "基层干部", "慰问排查干部", 90), "排查干部"))
	b.spend(day(2020, 2, 26), "FY-KK", mt, P, m("7777.77"), buy("防护面屏", 333, "23.36", "山西晋安科技有限公司"))
	b.spend(day(2020, 2, 27), "FY-DC", mt, R, m("2000.00"), give(people(2, "1000.00", "群众", "救助困难群众", 100), "困难群众"))
	ret := b.giveBack(day(2020, 2, 28), "FY-DC", mt, m("5000.00"))
	b.findings = []report.T8Row{
		{Rule: "A-08", Type: "无票据支付", Severity: "MEDIUM", VoucherID: bad.id, Voucher: bad.word(), Date: bad.date,
			OrgName: "流动人口排查临时党支部", Amount: m("980.00"), Note: "现金支付无发票，仅有收条", Responsible: "孙书记",
			Deadline: day(2020, 3, 15), Status: "open"},
		{Rule: "A-06", Type: "虚报冒领/重复领取", Severity: "HIGH", VoucherID: dupV.id, Voucher: dupV.word(), Date: dupV.date,
			OrgName: "督查指导临时党支部", Amount: m("500.00"), Note: "同一证件号在两个党组织领取慰问金", Responsible: "周书记",
			Deadline: day(2020, 3, 10), Status: "acknowledged"},
	}
	b.t9 = &report.T9Table{BankName: "中国建设银行汾阳支行", Account: "1405 0161 6208 0000 0123", AsOf: day(2020, 2, 29),
		BookBalance: m("5000.00"), BankBalance: m("7.34"),
		BankReceived: []report.T9Item{{Date: day(2020, 2, 29), Ref: "结息单", Summary: "一季度存款利息", Amount: m("12.34")}},
		BankPaid:     []report.T9Item{{Date: day(2020, 2, 29), Ref: "收费凭证", Summary: "账户管理费", Amount: m("5.00")}},
		BookReceived: []report.T9Item{{Date: ret.date, Ref: ret.word(), Summary: ret.summary, Amount: m("5000.00")}},
	}
	return b
}
