package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// ---- A-01 超范围使用

func TestA01PurposeNotPermitted(t *testing.T) {
	f := newFx()
	f.allocate("2020-02-03", "jc", "narrow", "5000.00")
	x := f.spend("2020-02-10", "jc", "narrow", ledger.Relief, "800.00", "", "救助困难群众")
	only(t, f.run(A01), want{rule: "A-01", severity: "HIGH", voucher: x, org: "jc", amount: "800.00",
		phrases: []string{"监测救治临时党支部", "“物资专项党费”", "用途“党员群众救助”", "允许的用途（物资采购）", "500103"},
		key:     key("A-01", x.ID, "jc", "purpose", "relief")})
}

func TestA01PermittedPurposeIsClean(t *testing.T) {
	f := newFx()
	f.spend("2020-02-10", "jc", "narrow", ledger.Procurement, "800.00", "汾阳华联超市", "购买口罩")
	f.spend("2020-02-10", "jc", "upper", ledger.Relief, "800.00", "", "救助困难群众")
	none(t, f.run(A01))
}

func TestA01DenyWord(t *testing.T) {
	f := newFx()
	x := f.spend("2020-02-10", "hq", "upper", ledger.Procurement, "600.00", "汾阳烟酒店", "购买香烟、白酒慰问值守人员")
	only(t, f.run(A01), want{rule: "A-01", severity: "HIGH", voucher: x, org: "hq", amount: "600.00",
		phrases: []string{"“烟”“酒”", "购买香烟、白酒慰问值守人员", "后勤保障临时党支部", "600.00 元"},
		key:     key("A-01", x.ID, "hq", "words")})
}

func TestA01DenyWordInLineSummaryAndMemo(t *testing.T) {
	f := newFx()
	x := f.spend("2020-02-10", "hq", "upper", ledger.Procurement, "600.00", "汾阳家具城", "采购物资")
	x.Lines[0].Summary = "办公家具一套"
	y := f.spend("2020-02-11", "hq", "upper", ledger.Procurement, "300.00", "某商店", "采购物资")
	y.Memo = "春节礼品"
	only(t, f.run(A01),
		want{rule: "A-01", severity: "HIGH", voucher: x, org: "hq", amount: "600.00", phrases: []string{"“办公家具”", "办公家具一套"}},
		want{rule: "A-01", severity: "HIGH", voucher: y, org: "hq", amount: "300.00", phrases: []string{"“礼品”", "春节礼品"}})
}

func TestA01AllowedWordsAreNotDenied(t *testing.T) {
	f := newFx()
	f.spend("2020-02-10", "hq", "upper", ledger.Procurement, "600.00", "汾阳医药公司", "购买医用酒精50瓶、车辆消毒液")
	none(t, f.run(A01))
}

func TestA01ReversedVoucherIsNotReported(t *testing.T) {
	f := newFx()
	x := f.spend("2020-02-10", "hq", "upper", ledger.Procurement, "600.00", "汾阳烟酒店", "购买香烟")
	f.reverse("2020-02-12", x)
	none(t, f.run(A01))
}

func TestA01DraftIsNotReported(t *testing.T) {
	f := newFx()
	x := f.spend("2020-02-10", "hq", "upper", ledger.Procurement, "600.00", "汾阳烟酒店", "购买香烟")
	x.Status = ledger.StatusChecked
	none(t, f.run(A01))
}

// ---- A-02 挪用/挤占

func TestA02ContraNotSpecial(t *testing.T) {
	f := newFx()
	f.receive("2020-02-01", "upper", "90000.00")
	x := f.voucher("2020-02-12", "支付办公费", dr("5101", "city", "upper", "300.00"), cr("100201", "city", "upper", "300.00"))
	only(t, f.run(A02), want{rule: "A-02", severity: "HIGH", voucher: x, org: "city", amount: "300.00",
		phrases: []string{"“上级下拨专项党费”", "100201 银行存款—党费专户", "5101 单位管理费用", "300.00 元"},
		key:     key("A-02", x.ID, "city", "contra", "upper", "5101")})
}

func TestA02LendingAndFundMix(t *testing.T) {
	f := newFx()
	f.receive("2020-02-01", "upper", "90000.00")
	f.receive("2020-02-01", "matching", "230000.00")
	lend := f.voucher("2020-02-12", "借给某公司", dr("121802", "city", "upper", "5000.00"), cr("100201", "city", "upper", "5000.00"))
	mix := f.voucher("2020-02-13", "调剂", dr("100201", "city", "general", "700.00"), cr("100201", "city", "matching", "700.00"))
	only(t, f.run(A02),
		want{rule: "A-02", severity: "HIGH", voucher: lend, org: "city", amount: "5000.00", phrases: []string{"121802 其他应收款—借款"}},
		want{rule: "A-02", severity: "HIGH", voucher: mix, org: "city", amount: "700.00",
			phrases: []string{"“本级配套专项党费”贷方 700.00 元", "借方仅 0.00 元"}, key: key("A-02", mix.ID, "city", "fund-mix", "matching")})
}

func TestA02RegularFlowsAreClean(t *testing.T) {
	f := newFx()
	f.receive("2020-02-01", "upper", "90000.00")
	f.allocate("2020-02-03", "jc", "upper", "1000.00")
	f.spend("2020-02-10", "jc", "upper", ledger.Procurement, "1000.00", "汾阳华联超市", "购买口罩")
	f.allocate("2020-02-11", "hq", "upper", "800.00")
	f.voucher("2020-02-20", "退回结余", dr("100201", "city", "upper", "300.00"), cr("121801", "hq", "upper", "300.00"))
	f.voucher("2020-02-21", "提取现金", dr("1001", "city", "upper", "200.00"), cr("100201", "city", "upper", "200.00"))
	g := f.voucher("2020-02-22", "上缴结余", dr("5401", "city", "upper", "100.00"), cr("100201", "city", "upper", "100.00"))
	g.PayeeType = ledger.PayeeUpper
	none(t, f.run(A02))
}

func TestA02NegativeBranchBalance(t *testing.T) {
	f := newFx()
	f.receive("2020-02-01", "upper", "90000.00")
	f.allocate("2020-02-03", "jc", "upper", "1000.00")
	x := f.spend("2020-02-10", "jc", "upper", ledger.Procurement, "1200.00", "汾阳华联超市", "购买口罩")
	only(t, f.run(A02), want{rule: "A-02", severity: "HIGH", voucher: x, org: "jc", amount: "200.00",
		phrases: []string{"监测救治临时党支部", "121801", "降至 -200.00 元", "截至 2020-02-29 仍为 -200.00 元"},
		key:     key("A-02", x.ID, "jc", "negative", "upper", "121801")})
}

func TestA02NegativeProjectBalance(t *testing.T) {
	f := newFx()
	f.receive("2020-02-01", "upper", "1000.00")
	x := f.voucher("2020-02-10", "直接采购", dr("500101", "city", "upper", "1500.00"), cr("100201", "city", "upper", "1500.00"))
	fs := f.run(A02)
	only(t, fs,
		want{rule: "A-02", severity: "HIGH", voucher: x, org: "", amount: "500.00",
			phrases: []string{"项目“2020-疫情防控专项”", "可用余额", "-500.00"}, key: key("A-02", x.ID, "", "negative", "upper", "")},
		want{rule: "A-02", severity: "HIGH", voucher: x, org: "city", amount: "500.00", phrases: []string{"100201"}})
}

func TestA02ExactBalanceIsClean(t *testing.T) {
	f := newFx()
	f.receive("2020-02-01", "upper", "90000.00")
	f.allocate("2020-02-03", "jc", "upper", "1000.00")
	f.spend("2020-02-10", "jc", "upper", ledger.Procurement, "1000.00", "汾阳华联超市", "购买口罩")
	none(t, f.run(A02))
}

func TestA02SameDayOrderDoesNotMatter(t *testing.T) {
	f := newFx()
	f.receive("2020-02-01", "upper", "90000.00")
	f.spend("2020-02-10", "jc", "upper", ledger.Procurement, "500.00", "汾阳华联超市", "购买口罩")
	f.allocate("2020-02-10", "jc", "upper", "500.00") // recorded after the spending, same day
	none(t, f.run(A02))
}

func TestA02EpisodeOverBeforeWindow(t *testing.T) {
	f := newFx()
	f.receive("2020-01-02", "upper", "90000.00")
	f.allocate("2020-01-10", "jc", "upper", "1000.00")
	f.spend("2020-01-15", "jc", "upper", ledger.Procurement, "1200.00", "汾阳华联超市", "购买口罩")
	f.allocate("2020-01-20", "jc", "upper", "500.00")
	none(t, f.run(A02))
	f.in.From = time.Time{}
	if fs := f.run(A02); len(fs) != 1 || !strings.Contains(fs[0].Explanation, "2020-01-20 恢复为非负") {
		t.Fatalf("whole project: want the January episode, got\n%s", dump(fs))
	}
}

// ---- A-03 截留/拨付不及时

func a03Fixture(asOf string) (*fx, *ledger.Voucher) {
	f := newFx()
	f.in.AsOf = day(asOf)
	x := f.receive("2020-02-01", "upper", "90000.00")
	f.allocate("2020-02-05", "jc", "upper", "60000.00")
	m := f.receive("2020-02-01", "matching", "230000.00")
	f.allocate("2020-02-06", "hq", "matching", "230000.00")
	_ = m
	return f, x
}

func TestA03Undistributed(t *testing.T) {
	f, x := a03Fixture("2020-02-17")
	fs := f.run(A03)
	only(t, fs, want{rule: "A-03", severity: "MEDIUM", voucher: x, org: "city", amount: "30000.00",
		phrases: []string{"中共汾阳市委组织部于 2020-02-01 收到专项资金“上级下拨专项党费” 90,000.00 元", "仍有 30,000.00 元", "已 16 天，超过 15 天"},
		key:     key("A-03", x.ID, "city", "upper")})
	if fs[0].Responsible != "王书记" {
		t.Errorf("responsible %q, want the secretary", fs[0].Responsible)
	}
}

func TestA03InsideWindow(t *testing.T) {
	f, _ := a03Fixture("2020-02-16")
	none(t, f.run(A03))
}

func TestA03HighAfter30Days(t *testing.T) {
	f, x := a03Fixture("2020-03-02")
	only(t, f.run(A03), want{rule: "A-03", severity: "MEDIUM", voucher: x, org: "city", amount: "30000.00", phrases: []string{"已 30 天"}})
	f, x = a03Fixture("2020-03-03")
	only(t, f.run(A03), want{rule: "A-03", severity: "HIGH", voucher: x, org: "city", amount: "30000.00",
		phrases: []string{"已 31 天", "升为 HIGH"}, key: key("A-03", x.ID, "city", "upper")})
}

func TestA03ReturnedMoney(t *testing.T) {
	f := newFx()
	f.in.AsOf = day("2020-02-26")
	f.receive("2020-02-01", "upper", "1000.00")
	f.allocate("2020-02-02", "jc", "upper", "1000.00")
	r := f.voucher("2020-02-10", "退回结余", dr("100201", "city", "upper", "400.00"), cr("121801", "jc", "upper", "400.00"))
	only(t, f.run(A03), want{rule: "A-03", severity: "MEDIUM", voucher: r, org: "city", amount: "400.00", phrases: []string{"收回专项资金"}})
	f.allocate("2020-02-25", "hq", "upper", "400.00")
	none(t, f.run(A03))
}

// ---- A-04 滞留/沉淀

func TestA04Unsettled(t *testing.T) {
	f := newFx()
	f.in.From, f.in.AsOf = day("2020-03-01"), day("2020-03-02")
	f.receive("2020-01-01", "upper", "90000.00")
	x := f.allocate("2020-01-01", "jc", "upper", "5000.00")
	f.spend("2020-01-20", "jc", "upper", ledger.Procurement, "2000.00", "汾阳华联超市", "购买口罩")
	fs := f.run(A04)
	only(t, fs, want{rule: "A-04", severity: "MEDIUM", voucher: x, org: "jc", amount: "3000.00",
		phrases: []string{"2020-01-01 拨付监测救治临时党支部", "5,000.00 元", "仍有 3,000.00 元未报账", "已 61 天，超过 60 天"},
		key:     key("A-04", x.ID, "jc", "upper")})
	if fs[0].Responsible != "刘常委" {
		t.Errorf("responsible %q", fs[0].Responsible)
	}
	f.in.AsOf = day("2020-03-01")
	none(t, f.run(A04))
}

func TestA04BalanceAfterDissolution(t *testing.T) {
	f := newFx()
	f.in.AsOf = day("2020-02-21")
	f.in.Orgs["hq"].Dissolved = ptr(day("2020-02-20"))
	f.receive("2020-02-01", "upper", "90000.00")
	f.allocate("2020-02-03", "hq", "upper", "1000.00")
	f.spend("2020-02-10", "hq", "upper", ledger.Procurement, "500.00", "汾阳华联超市", "购买口罩")
	fs := f.run(A04)
	only(t, fs, want{rule: "A-04", severity: "MEDIUM", org: "hq", amount: "500.00",
		phrases: []string{"后勤保障临时党支部已于 2020-02-20 撤销", "余额仍为 500.00 元", "121801", "未报账或退回"},
		key:     key("A-04", 0, "hq", "dissolved", "upper")})
	if !fs[0].Date.Equal(day("2020-02-20")) {
		t.Errorf("date %s, want the dissolution date", fs[0].Date)
	}
	f.in.AsOf = day("2020-02-20")
	none(t, f.run(A04))
	f.in.AsOf = day("2020-02-21")
	f.voucher("2020-02-20", "撤销退回", dr("100201", "city", "upper", "500.00"), cr("121801", "hq", "upper", "500.00"))
	none(t, f.run(A04))
}

func ptr[T any](v T) *T { return &v }

// ---- A-05 支出晚于撤销

func TestA05SpendAfterDissolution(t *testing.T) {
	f := newFx()
	f.in.Orgs["hq"].Dissolved = ptr(day("2020-02-20"))
	f.allocate("2020-02-03", "hq", "upper", "1000.00")
	f.spend("2020-02-20", "hq", "upper", ledger.Procurement, "300.00", "汾阳华联超市", "购买口罩")
	x := f.spend("2020-02-21", "hq", "upper", ledger.Condolence, "200.00", "", "慰问")
	only(t, f.run(A05), want{rule: "A-05", severity: "HIGH", voucher: x, org: "hq", amount: "200.00",
		phrases: []string{"后勤保障临时党支部已于 2020-02-20 撤销", "200.00 元（一线慰问）", "晚于撤销日期 1 天"},
		key:     key("A-05", x.ID, "hq")})
}

func TestA05OnDissolutionDayIsClean(t *testing.T) {
	f := newFx()
	f.in.Orgs["hq"].Dissolved = ptr(day("2020-02-20"))
	f.spend("2020-02-20", "hq", "upper", ledger.Procurement, "300.00", "汾阳华联超市", "购买口罩")
	none(t, f.run(A05))
}

// ---- A-06 虚报冒领/重复领取

const (
	idZhang = "142301199001011234"
	idLi    = "142301199202021111"
)

func TestA06DuplicateAcrossOrganisations(t *testing.T) {
	f := newFx()
	a := f.relief("2020-02-05", "jc", "upper", ledger.Relief, ben("张三", idZhang, "500.00"))
	b := f.relief("2020-02-10", "hq", "upper", ledger.Condolence, ben("李四", idLi, "300.00"), ben("张三", strings.ToLower(idZhang)+" ", "400.00"))
	fs := f.run(A06)
	only(t, fs, want{rule: "A-06", severity: "HIGH", voucher: b, org: "hq", amount: "400.00",
		phrases: []string{"张三（证件号 1423**********1234）", "2020-02-05", a.Word(), "监测救治临时党支部，党员群众救助 500.00 元", "第 2 行再次领取 400.00 元", "证件号相同"},
		key:     key("A-06", b.ID, "hq", "duplicate", "#0002")})
	if strings.Contains(fs[0].Explanation, idZhang) || strings.Contains(fs[0].Key, idZhang) {
		t.Errorf("the ID number is not masked: %s / %s", fs[0].Explanation, fs[0].Key)
	}
}

func TestA06DuplicateByNameAndPhoneWithHistory(t *testing.T) {
	f := newFx()
	p := ledger.Beneficiary{Name: "王五", Phone: "13800001234", Amount: yuanOf("300.00")}
	f.relief("2020-01-20", "jc", "upper", ledger.Condolence, p) // before the window: history
	x := f.relief("2020-02-03", "jc", "upper", ledger.Condolence, p)
	only(t, f.run(A06), want{rule: "A-06", severity: "HIGH", voucher: x, org: "jc", amount: "300.00",
		phrases: []string{"王五（电话 1380***1234）", "2020-01-20", "姓名和电话相同"}})
}

func TestA06DistinctPeopleAndCancelledFirstAreClean(t *testing.T) {
	f := newFx()
	f.relief("2020-02-05", "jc", "upper", ledger.Relief, ben("张三", idZhang, "500.00"))
	f.relief("2020-02-10", "hq", "upper", ledger.Condolence, ben("张三", "142301199001015678", "400.00"))
	none(t, f.run(A06))

	g := newFx()
	first := g.relief("2020-02-05", "jc", "upper", ledger.Relief, ben("张三", idZhang, "500.00"))
	g.reverse("2020-02-06", first)
	g.relief("2020-02-10", "jc", "upper", ledger.Relief, ben("张三", idZhang, "500.00"))
	none(t, g.run(A06))
}

func TestA06NotOnRoster(t *testing.T) {
	f := newFx()
	f.in.Roster = []RosterEntry{
		{Org: "jc", Name: "张三", IDNumber: idZhang},
		{Org: "", Name: "赵六", Phone: "13900001111"},
		{Org: "jc", Name: "李四", IDNumber: "142301199202029999"},
	}
	x := f.relief("2020-02-05", "jc", "upper", ledger.Relief,
		ben("张三", idZhang, "500.00"),
		ledger.Beneficiary{Name: "赵六", Amount: yuanOf("100.00")},
		ben("王五", "142301199303033333", "200.00"),
		ben("李四", idLi, "300.00"))
	only(t, f.run(A06),
		want{rule: "A-06", severity: "HIGH", voucher: x, org: "jc", amount: "200.00",
			phrases: []string{"王五", "第 3 行", "不在监测救治临时党支部经批准的花名册上"}},
		want{rule: "A-06", severity: "HIGH", voucher: x, org: "jc", amount: "300.00",
			phrases: []string{"李四", "花名册上同名人员的证件号为 1423**********9999"}})
}

// ---- A-07 优亲厚友

func TestA07BeneficiaryIsMakerOrAttendee(t *testing.T) {
	f := newFx()
	f.in.Meetings = []Meeting{{Decision: "市委组织部部务会纪要〔2020〕3号", Attendees: []string{"赵敏", "孙强"}}}
	x := f.relief("2020-02-05", "jc", "upper", ledger.Relief,
		ben("张伟", "142301198001010011", "500.00"),
		ben("陈明", "142301198001010022", "500.00"),
		ben("孙强", "142301198001010033", "600.00"))
	only(t, f.run(A07),
		want{rule: "A-07", severity: "HIGH", voucher: x, org: "jc", amount: "500.00",
			phrases: []string{"张伟（证件号 1423**********0011）", "本凭证的制单人"},
			key:     key("A-07", x.ID, "jc", "#0001")},
		want{rule: "A-07", severity: "HIGH", voucher: x, org: "jc", amount: "600.00",
			phrases: []string{"孙强", "决策会议“市委组织部部务会纪要〔2020〕3号”的参会人员"}})
}

func TestA07UnrelatedBeneficiaryIsClean(t *testing.T) {
	f := newFx()
	f.in.Meetings = []Meeting{{Decision: "另一次会议", Attendees: []string{"陈明"}}}
	f.relief("2020-02-05", "jc", "upper", ledger.Relief, ben("陈明", "142301198001010022", "500.00"))
	none(t, f.run(A07))
}

// ---- A-08 无票据

func TestA08NoAttachments(t *testing.T) {
	f := newFx()
	x := f.spend("2020-02-10", "jc", "upper", ledger.Procurement, "450.00", "汾阳华联超市", "购买口罩")
	x.Attachments, x.DocTypes = 0, nil
	c := f.spend("2020-02-11", "jc", "upper", ledger.Procurement, "100.00", "汾阳华联超市", "结转")
	c.Attachments, c.Closing = 0, true
	o := f.spend("2020-02-01", "jc", "upper", ledger.Procurement, "100.00", "", "期初本年累计发生额")
	o.Attachments, o.DocTypes, o.Flow = 0, nil, ledger.FlowOpeningYTD
	only(t, f.run(A08), want{rule: "A-08", severity: "MEDIUM", voucher: x, org: "jc", amount: "450.00",
		phrases: []string{"附单据张数为 0", "购买口罩"}, key: key("A-08", x.ID, "jc", "none")})
}

// Stored files count as documents: paper sheets 0 with a scanned file is
// not A-08, and neither is a sheet count above the files.
func TestA08FilesCount(t *testing.T) {
	f := newFx()
	x := f.spend("2020-02-10", "jc", "upper", ledger.Procurement, "450.00", "汾阳华联超市", "购买口罩")
	x.Attachments, x.Files = 0, 1
	y := f.spend("2020-02-11", "jc", "upper", ledger.Procurement, "100.00", "汾阳华联超市", "购买消毒液")
	y.Attachments, y.Files = 2, 0
	z := f.spend("2020-02-12", "jc", "upper", ledger.Procurement, "80.00", "汾阳华联超市", "购买手套")
	z.Attachments, z.Files, z.DocTypes = 0, 0, nil
	only(t, f.run(A08), want{rule: "A-08", severity: "MEDIUM", voucher: z, org: "jc", amount: "80.00",
		phrases: []string{"附件 0 个", "购买手套"}, key: key("A-08", z.ID, "jc", "none")})
}

func TestA08DocumentType(t *testing.T) {
	f := newFx()
	x := f.spend("2020-02-10", "jc", "upper", ledger.Procurement, "450.00", "汾阳华联超市", "购买口罩")
	x.DocTypes = []string{"发票", "白条"}
	y := f.spend("2020-02-11", "jc", "upper", ledger.Procurement, "100.00", "汾阳华联超市", "购买口罩")
	y.DocTypes = []string{"签收单"}
	z := f.spend("2020-02-12", "jc", "upper", ledger.Procurement, "100.00", "汾阳华联超市", "购买口罩")
	z.DocTypes = []string{"花名册", "签收单/花名册", "财政票据", "银行回单"}
	only(t, f.run(A08), want{rule: "A-08", severity: "MEDIUM", voucher: x, org: "jc", amount: "450.00",
		phrases: []string{"“白条”", "不是有效票据"}, key: key("A-08", x.ID, "jc", "doctype")})
}

// ---- A-09 大额现金

func TestA09CashProcurement(t *testing.T) {
	f := newFx()
	x := f.spend("2020-02-10", "jc", "upper", ledger.Procurement, "1000.00", "个体菜店", "购买蔬菜")
	x.Method = ledger.MethodCash
	y := f.spend("2020-02-10", "jc", "upper", ledger.Procurement, "999.99", "个体菜店", "购买蔬菜")
	y.Method = ledger.MethodCash
	z := f.voucher("2020-02-11", "现金采购", dr("500101", "city", "upper", "1200.00"), cr("1001", "city", "upper", "1200.00"))
	only(t, f.run(A09),
		want{rule: "A-09", severity: "MEDIUM", voucher: x, org: "jc", amount: "1000.00",
			phrases: []string{"以现金支付物资采购 1,000.00 元", "个体菜店", "大额现金标准 1,000.00 元"}, key: key("A-09", x.ID, "jc", "procurement")},
		want{rule: "A-09", severity: "MEDIUM", voucher: z, org: "city", amount: "1200.00"})
}

func TestA09Withdrawal(t *testing.T) {
	f := newFx()
	x := f.voucher("2020-02-10", "提取现金", dr("1001", "city", "upper", "1000.00"), cr("100201", "city", "upper", "1000.00"))
	f.voucher("2020-02-11", "提取现金", dr("1001", "city", "upper", "999.99"), cr("100201", "city", "upper", "999.99"))
	only(t, f.run(A09), want{rule: "A-09", severity: "MEDIUM", voucher: x, org: "city", amount: "1000.00",
		phrases: []string{"从 100201 银行存款—党费专户 提取现金 1,000.00 元"}, key: key("A-09", x.ID, "city", "withdrawal")})
}

func TestA09CashReliefIsListed(t *testing.T) {
	f := newFx()
	signed := f.relief("2020-02-10", "jc", "upper", ledger.Relief, ben("张三", idZhang, "1500.00"))
	signed.Method = ledger.MethodCash
	unsigned := f.relief("2020-02-11", "jc", "upper", ledger.Condolence, ben("李四", idLi, "1000.00"))
	unsigned.Method, unsigned.DocTypes = ledger.MethodCash, []string{"发票"}
	small := f.relief("2020-02-12", "jc", "upper", ledger.Condolence, ben("王五", "1423", "999.99"))
	small.Method = ledger.MethodCash
	only(t, f.run(A09),
		want{rule: "A-09", severity: "LOW", voucher: signed, org: "jc", amount: "1500.00", phrases: []string{"已附领取人签收单/花名册，列示备查"}},
		want{rule: "A-09", severity: "MEDIUM", voucher: unsigned, org: "jc", amount: "1000.00", phrases: []string{"未附领取人签收单/花名册"},
			key: key("A-09", unsigned.ID, "jc", "cash-relief")})
}

// ---- A-10 拆分支付

func splitFixture(third string, amounts ...string) (*fx, []*ledger.Voucher) {
	f := newFx()
	dates := []string{"2020-02-03", "2020-02-06", third}
	var xs []*ledger.Voucher
	for i, a := range amounts {
		xs = append(xs, f.spend(dates[i], "jc", "upper", ledger.Procurement, a, "汾阳华联超市", "购买防护物资"))
	}
	return f, xs
}

func TestA10SplitPayments(t *testing.T) {
	f, xs := splitFixture("2020-02-10", "400.00", "400.00", "300.00")
	only(t, f.run(A10), want{rule: "A-10", severity: "MEDIUM", voucher: xs[0], org: "jc", amount: "1100.00",
		phrases: []string{"7 天内（2020-02-03 至 2020-02-10）", "“汾阳华联超市”支付 3 笔", xs[2].Word() + " 2020-02-10 300.00", "审批限额 1,000.00 元", "合计 1,100.00 元"},
		key:     key("A-10", xs[0].ID, "jc", "汾阳华联超市")})
}

func TestA10NearMisses(t *testing.T) {
	f, _ := splitFixture("2020-02-11", "400.00", "400.00", "300.00") // third payment 8 days after the first
	none(t, f.run(A10))
	f, _ = splitFixture("2020-02-10", "400.00", "400.00", "199.99") // total one fen short
	none(t, f.run(A10))
	f, _ = splitFixture("2020-02-10", "400.00", "1000.00", "400.00") // the middle one went through approval
	none(t, f.run(A10))
	f, _ = splitFixture("2020-02-10", "400.00", "400.00", "300.00")
	f.in.Orgs["jc"].ApprovalThreshold = moneyPtr("2000.00") // the branch's own threshold
	none(t, f.run(A10))
}

func TestA10ThresholdFromAncestor(t *testing.T) {
	f := newFx()
	f.in.Orgs["jc"].ApprovalThreshold = moneyPtr("500.00")
	x := f.spend("2020-02-03", "jc1", "upper", ledger.Procurement, "300.00", "某药店", "购买药品")
	f.spend("2020-02-04", "jc1", "upper", ledger.Procurement, "200.00", "某药店", "购买药品")
	only(t, f.run(A10), want{rule: "A-10", severity: "MEDIUM", voucher: x, org: "jc1", amount: "500.00", phrases: []string{"审批限额 500.00 元"}})
}

// ---- A-11 公款私存

func TestA11PaidToMembersPersonalAccount(t *testing.T) {
	f := newFx()
	f.in.Members = []Member{{Org: "jc", Name: "赵六", Cadre: true}, {Org: "hq", Name: "钱七"}}
	f.in.PayeeAccounts = []PayeeAccount{{Payee: "钱七", Personal: true}}
	x := f.spend("2020-02-10", "jc", "upper", ledger.Procurement, "2000.00", "赵六", "代购口罩")
	x.PayeeType = ledger.PayeeIndividual
	y := f.spend("2020-02-11", "hq", "upper", ledger.Procurement, "800.00", "钱七", "代购消毒液")
	y.PayeeType = ledger.PayeeHostUnit
	only(t, f.run(A11),
		want{rule: "A-11", severity: "HIGH", voucher: x, org: "jc", amount: "2000.00",
			phrases: []string{"支付给个人“赵六”", "收款人类型为个人", "监测救治临时党支部党员干部"}, key: key("A-11", x.ID, "jc", "赵六")},
		want{rule: "A-11", severity: "HIGH", voucher: y, org: "hq", amount: "800.00",
			phrases: []string{"收款账户为个人账户", "后勤保障临时党支部党员"}})
}

func TestA11NearMisses(t *testing.T) {
	f := newFx()
	f.in.Members = []Member{{Org: "jc", Name: "赵六", Cadre: true}}
	f.spend("2020-02-10", "jc", "upper", ledger.Procurement, "2000.00", "赵六", "购买口罩") // a supplier account
	x := f.spend("2020-02-11", "jc", "upper", ledger.Procurement, "300.00", "个体户孙八", "购买蔬菜")
	x.PayeeType = ledger.PayeeIndividual // an individual, not a member
	y := f.spend("2020-02-12", "jc", "upper", ledger.Relief, "500.00", "赵六", "救助")
	y.PayeeType = ledger.PayeeIndividual // relief to a member is not procurement
	none(t, f.run(A11))
}

// ---- A-12 程序违规

func TestA12Procedure(t *testing.T) {
	f := newFx()
	f.receive("2020-02-01", "upper", "90000.00")
	nodec := f.allocate("2020-02-03", "jc", "upper", "1000.00")
	nodec.Decision = " "
	same := f.allocate("2020-02-04", "hq", "upper", "1000.00")
	same.Checker = "zhang"
	nocash := f.allocate("2020-02-05", "hq", "upper", "500.00")
	nocash.Cashier = ""
	skip := f.allocate("2020-02-06", "jc1", "upper", "300.00")
	fs := f.run(A12)
	only(t, fs,
		want{rule: "A-12", severity: "HIGH", voucher: nodec, org: "jc", amount: "1000.00",
			phrases: []string{"专项资金拨付 1,000.00 元，未填决策依据"}, key: key("A-12", nodec.ID, "jc", "decision")},
		want{rule: "A-12", severity: "HIGH", voucher: same, org: "hq", amount: "1000.00",
			phrases: []string{"制单人与审核人同为 张伟（zhang）"}, key: key("A-12", same.ID, "hq", "same-person")},
		want{rule: "A-12", severity: "HIGH", voucher: nocash, org: "hq", amount: "500.00",
			phrases: []string{"未经出纳签字即记账"}, key: key("A-12", nocash.ID, "hq", "cashier")},
		want{rule: "A-12", severity: "HIGH", voucher: skip, org: "jc1", amount: "300.00",
			phrases: []string{"由中共汾阳市委组织部向监测救治第一党小组拨付 300.00 元", "上级党组织是监测救治临时党支部", "越级拨付"},
			key:     key("A-12", skip.ID, "jc1", "skip-level")})
}

func TestA12CleanAndReversals(t *testing.T) {
	f := newFx()
	f.receive("2020-02-01", "upper", "90000.00")
	f.allocate("2020-02-03", "jc", "upper", "1000.00")
	f.spend("2020-02-10", "jc", "upper", ledger.Procurement, "300.00", "汾阳华联超市", "购买口罩") // no cash line: no cashier needed
	f.voucher("2020-02-11", "党小组内部调剂", dr("121801", "jc1", "upper", "100.00"), cr("121801", "jc", "upper", "100.00"))
	bad := f.allocate("2020-02-12", "hq", "upper", "200.00")
	bad.Decision = ""
	r := f.reverse("2020-02-13", bad) // the original is cancelled: not reported
	none(t, f.run(A12))
	r.Checker = r.Maker // but how the reversal itself was handled is
	only(t, f.run(A12), want{rule: "A-12", severity: "HIGH", voucher: r, org: "hq", amount: "-200.00", phrases: []string{"制单人与审核人"}})
}

// ---- A-13 捐款混用

func TestA13Donations(t *testing.T) {
	f := newFx()
	f.voucher("2020-02-03", "代收捐款", dr("100201", "city", "donation", "5000.00"), cr("230701", "city", "donation", "5000.00"))
	payable := f.voucher("2020-02-10", "支付捐款", dr("230701", "city", "donation", "500.00"), cr("100201", "city", "donation", "500.00"))
	payable.Payee, payable.PayeeType = "汾阳华联超市", ledger.PayeeSupplier
	up := f.voucher("2020-02-11", "上缴捐款", dr("230701", "city", "donation", "4000.00"), cr("100201", "city", "donation", "4000.00"))
	up.Payee, up.PayeeType = "吕梁市委组织部", ledger.PayeeUpper
	exp := f.voucher("2020-02-12", "以捐款慰问", dr("500102", "city", "donation", "200.00"), cr("100201", "city", "donation", "200.00"))
	tr := f.voucher("2020-02-13", "捐款转入专项", dr("121801", "jc", "upper", "300.00"), cr("100201", "city", "donation", "300.00"))
	only(t, f.run(A13),
		want{rule: "A-13", severity: "HIGH", voucher: payable, org: "city", amount: "500.00",
			phrases: []string{"230701", "“汾阳华联超市”不是上级党组织"}, key: key("A-13", payable.ID, "city", "payable")},
		want{rule: "A-13", severity: "HIGH", voucher: exp, org: "city", amount: "200.00",
			phrases: []string{"以代收捐款“代收党员自愿捐款”列支 200.00 元", "500102"}, key: key("A-13", exp.ID, "city", "expense")},
		want{rule: "A-13", severity: "HIGH", voucher: tr, org: "jc", amount: "300.00",
			phrases: []string{"转入专项资金“上级下拨专项党费” 300.00 元"}, key: key("A-13", tr.ID, "jc", "transfer")})
}

// ---- A-14 补记/倒签

func TestA14LateAfterValueDate(t *testing.T) {
	f := newFx()
	x := f.receive("2020-02-10", "upper", "90000.00")
	y := f.receive("2020-02-10", "matching", "230000.00")
	f.in.BankValueDates = map[int64]time.Time{x.ID: day("2020-01-10"), y.ID: day("2020-01-11")}
	only(t, f.run(A14), want{rule: "A-14", severity: "LOW", voucher: x, org: "city", amount: "90000.00",
		phrases: []string{"银行起息日 2020-01-10", "2020-02-10 才制单", "相隔 31 天，超过 30 天"}, key: key("A-14", x.ID, "city", "late")})
}

func TestA14MadeAfterClose(t *testing.T) {
	f := newFx()
	f.in.ClosedPeriods = []ClosedPeriod{
		{Year: 2020, Month: 1, ClosedAt: at("2020-02-20 17:00")}, // closed again after a re-opening
		{Year: 2020, Month: 1, ClosedAt: at("2020-02-05 17:00")},
	}
	x := f.spend("2020-01-28", "jc", "upper", ledger.Procurement, "300.00", "汾阳华联超市", "补记1月采购")
	x.MadeAt = ptr(at("2020-02-06 09:00"))
	y := f.spend("2020-01-29", "jc", "upper", ledger.Procurement, "200.00", "汾阳华联超市", "1月采购")
	y.MadeAt = ptr(at("2020-02-05 16:59"))
	only(t, f.run(A14), want{rule: "A-14", severity: "LOW", voucher: x, org: "jc", amount: "300.00",
		phrases: []string{"所属期间 2020-01 已于 2020-02-05 17:00 结账", "2020-02-06 09:00 制单"}, key: key("A-14", x.ID, "jc", "backdated")})
}

// ---- A-15 标准超标

func TestA15AboveStandard(t *testing.T) {
	f := newFx()
	x := f.relief("2020-02-05", "jc", "upper", ledger.Condolence, ben("张三", idZhang, "1000.01"), ben("李四", idLi, "1000.00"))
	y := f.relief("2020-02-06", "jc", "upper", ledger.Relief, ben("王五", "142301199303033333", "2000.00"))
	_ = y
	only(t, f.run(A15), want{rule: "A-15", severity: "MEDIUM", voucher: x, org: "jc", amount: "1000.01",
		phrases: []string{"一线慰问对象 张三（证件号 1423**********1234）", "每人标准 1,000.00 元", "超出 0.01 元"},
		key:     key("A-15", x.ID, "jc", "#0001")})
}

func TestA15PayeeWithoutRows(t *testing.T) {
	f := newFx()
	x := f.spend("2020-02-05", "jc", "upper", ledger.Relief, "2000.01", "困难群众刘九", "救助")
	x.PayeeType = ledger.PayeeIndividual
	only(t, f.run(A15), want{rule: "A-15", severity: "MEDIUM", voucher: x, org: "jc", amount: "2000.01", phrases: []string{"刘九", "2,000.00 元"}})
}

// ---- A-16 分类不平

// leshan books the 乐山 spending (domain §1): condolence 4.73万 and supplies
// 21.6万, and publishes them with the reported total given.
func leshan(reported string) *fx {
	f := newFx()
	f.in.Book.Name = "乐山市直机关工委"
	f.receive("2020-02-01", "upper", "249000.00")
	f.receive("2020-02-01", "matching", "23000.00")
	f.voucher("2020-02-10", "一线慰问88人次", dr("500102", "city", "upper", "47300.00"), cr("100201", "city", "upper", "47300.00"))
	f.voucher("2020-02-12", "防疫物资", dr("500101", "city", "upper", "201700.00"), cr("100201", "city", "upper", "201700.00"))
	f.voucher("2020-02-12", "防疫物资", dr("500101", "city", "matching", "14300.00"), cr("100201", "city", "matching", "14300.00"))
	f.in.Publicity = []PublicityRecord{{
		Org: "", Date: day("2020-02-28"), Channel: "乐山市直机关工委微信公众号",
		Totals:        map[ledger.Purpose]ledger.Money{ledger.Condolence: yuanOf("47300.00"), ledger.Procurement: yuanOf("216000.00")},
		ReportedTotal: yuanOf(reported),
	}}
	return f
}

func TestA16LeshanFigures(t *testing.T) {
	f := leshan("272000.00")
	fs := f.run(A16)
	only(t, fs, want{rule: "A-16", severity: "HIGH", org: "", amount: "8700.00",
		phrases: []string{"乐山市直机关工委 2020-02-28 在“乐山市直机关工委微信公众号”公示", "物资采购 216,000.00 元 + 一线慰问 47,300.00 元",
			"分类合计 263,300.00 元", "公示总额 272,000.00 元", "相差 8,700.00 元"},
		key: key("A-16", 0, "", "categories", "2020-02-28", "乐山市直机关工委微信公众号")})
	if !fs[0].Date.Equal(day("2020-02-28")) {
		t.Errorf("date %s", fs[0].Date)
	}
}

func TestA16ConsistentPublicationIsClean(t *testing.T) {
	none(t, leshan("263300.00").run(A16))
}

func TestA16DiffersFromLedger(t *testing.T) {
	f := newFx()
	f.allocate("2020-02-03", "jc", "upper", "2000.00")
	f.spend("2020-02-10", "jc", "upper", ledger.Procurement, "1200.00", "汾阳华联超市", "购买口罩")
	f.spend("2020-02-10", "jc1", "upper", ledger.Condolence, "100.00", "", "慰问") // the group is in the branch's subtree
	f.spend("2020-03-02", "jc", "upper", ledger.Procurement, "999.00", "汾阳华联超市", "购买口罩")
	f.in.AsOf = day("2020-03-31")
	f.in.Publicity = []PublicityRecord{
		{Org: "jc", Date: day("2020-03-05"), Through: day("2020-02-29"), Channel: "公示栏",
			Totals:        map[ledger.Purpose]ledger.Money{ledger.Procurement: yuanOf("1000.00"), ledger.Condolence: yuanOf("100.00")},
			ReportedTotal: yuanOf("1100.00")},
		{Org: "jc", Date: day("2020-03-06"), Through: day("2020-02-29"), Channel: "公示栏",
			Totals:        map[ledger.Purpose]ledger.Money{ledger.Procurement: yuanOf("1200.00"), ledger.Condolence: yuanOf("100.00")},
			ReportedTotal: yuanOf("1300.00")},
		{Org: "hq", Date: day("2020-03-06"), Channel: "公示栏", ReportedTotal: yuanOf("50.00")},
	}
	only(t, f.run(A16),
		want{rule: "A-16", severity: "HIGH", org: "jc", amount: "200.00",
			phrases: []string{"截至 2020-02-29 的账簿不符", "物资采购 公示 1,000.00 元、账簿 1,200.00 元"},
			key:     key("A-16", 0, "jc", "ledger", "2020-03-05", "公示栏")},
		want{rule: "A-16", severity: "HIGH", org: "hq", amount: "50.00", phrases: []string{"公示总额 50.00 元、账簿 0.00 元"}})
}

// ---- A-17 公示缺失

func a17Fixture(asOf string) (*fx, *ledger.Voucher) {
	f := newFx()
	f.in.From, f.in.AsOf = day("2020-03-01"), day(asOf)
	f.allocate("2020-02-03", "jc", "upper", "2000.00")
	f.spend("2020-02-05", "jc", "upper", ledger.Procurement, "200.00", "汾阳华联超市", "购买口罩")
	x := f.spend("2020-02-10", "jc", "upper", ledger.Condolence, "300.00", "", "慰问")
	return f, x
}

func TestA17NoPublication(t *testing.T) {
	f, x := a17Fixture("2020-03-31")
	fs := f.run(A17)
	only(t, fs, want{rule: "A-17", severity: "LOW", org: "jc", amount: "500.00",
		phrases: []string{"监测救治临时党支部 2020年2月使用专项资金 500.00 元（2 笔", x.Word(), "至 2020-03-30（月末后 30 天）未见公示记录"},
		key:     key("A-17", 0, "jc", "2020-02")})
	if ymd(fs[0].Date) != "2020-02-29" || fs[0].Responsible != "刘常委" {
		t.Errorf("date %s responsible %q", ymd(fs[0].Date), fs[0].Responsible)
	}
}

func TestA17NearMisses(t *testing.T) {
	f, _ := a17Fixture("2020-03-30") // the deadline has not passed
	none(t, f.run(A17))
	f, _ = a17Fixture("2020-03-31")
	f.in.Publicity = []PublicityRecord{{Org: "jc", Date: day("2020-03-30"), Channel: "公示栏"}}
	none(t, f.run(A17))
	f, _ = a17Fixture("2020-03-31")
	f.in.Publicity = []PublicityRecord{{Org: "city", Date: day("2020-03-10"), Channel: "汾阳党建"}} // an ancestor's publication covers it
	none(t, f.run(A17))
	f, _ = a17Fixture("2020-04-30") // reported by the March run, not again
	f.in.From = day("2020-04-01")
	none(t, f.run(A17))
}

func TestA17PublicationBeforeTheUses(t *testing.T) {
	f, _ := a17Fixture("2020-03-31")
	f.in.Publicity = []PublicityRecord{{Org: "jc", Date: day("2020-02-06"), Channel: "公示栏"}}
	if fs := f.run(A17); len(fs) != 1 {
		t.Fatalf("a publication before the last use does not cover it:\n%s", dump(fs))
	}
}
