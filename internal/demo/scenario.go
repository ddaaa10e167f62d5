package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/recon"
)

// The demo scenario: Fenyang, February–March 2020, recorded through the
// real workflow (different users make, check, sign and post) on a simulated
// clock, from a seeded generator so every run records the same ledger.

// Book is the code of the demo's book (configs/demo/fenyang.yaml).
const Book = demoBook

const (
	demoBook   = "FY-DFZH"
	demoSeed   = 20200203
	demoRoot   = "FY"
	fundUpper  = "FY-UP"
	fundMatch  = "FY-MATCH"
	fundDonate = "FY-DON"
)

// Demo people (configs/demo/fenyang.yaml).
const (
	officerA = "wangfang" // 王芳
	officerB = "liuyang"  // 刘洋
	checkerA = "liqiang"
	checkerB = "zhouhui"
	cashier  = "zhaomin"
	auditor  = "fengqing"
	admin    = "sunlixin"
)

// planted is an irregularity the scenario records on purpose; the audit
// rules must find exactly these in February (the demo's expected T8).
type planted struct {
	Rule    string
	Voucher string // 字号
	ID      int64
	Org     string
	What    string
}

type scenario struct {
	ctx     context.Context
	db      *postgres.DB
	b       *ledger.Books
	rng     *rand.Rand
	clock   time.Time
	log     io.Writer
	planted []planted
	// spent tracks what each branch spent per fund and purpose, by month,
	// for the publicity records (公示).
	published map[string]map[ledger.Purpose]ledger.Money
	lastPaid  map[string]time.Time // org|payee → last payment date (avoids accidental split payments)
	nextID    int
	vouchers  int
	files     int // scanned originals attached (scans.go)
	findings  []postgres.StoredFinding
	// opt says where the batch writes its workbook and bank statement
	// (nowhere when OutDir is empty).
	opt           Options
	upper         *upperBook // the book the 90,000.00 is granted from, if the setup has one
	batch         *recon.ReconcileResult
	reconcileBook string
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// at sets the simulated clock to a time of day on date d.
func (s *scenario) at(d time.Time, hour, minute int) {
	t := d.Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
	if t.After(s.clock) {
		s.clock = t
	}
}

// tick advances the simulated clock by a few minutes.
func (s *scenario) tick() { s.clock = s.clock.Add(time.Duration(2+s.rng.IntN(9)) * time.Minute) }

// make records a flow as a draft by maker.
func (s *scenario) make(maker string, r *ledger.FlowRequest) (*ledger.Voucher, error) {
	v, err := ledger.BuildFlow(r, s.b)
	if err != nil {
		return nil, fmt.Errorf("%s %s %s: %w", r.Flow, r.Org, r.Amount, err)
	}
	return s.create(maker, v)
}

func (s *scenario) create(maker string, v *ledger.Voucher) (*ledger.Voucher, error) {
	s.tick()
	out, _, err := s.db.CreateVoucher(s.ctx, maker, v)
	if err != nil {
		return nil, fmt.Errorf("make %q: %w", v.Summary, err)
	}
	s.vouchers++
	return out, nil
}

// approve checks, signs (cash/bank vouchers) and posts v.
func (s *scenario) approve(v *ledger.Voucher, checker string) (*ledger.Voucher, error) {
	var err error
	s.tick()
	if v, err = s.db.Transition(s.ctx, demoBook, checker, v.ID, ledger.ActCheck); err != nil {
		return nil, err
	}
	if v.TouchesCash(s.b.Chart) {
		s.tick()
		if v, err = s.db.Transition(s.ctx, demoBook, cashier, v.ID, ledger.ActSign); err != nil {
			return nil, err
		}
	}
	s.tick()
	return s.db.Transition(s.ctx, demoBook, checker, v.ID, ledger.ActPost)
}

func (s *scenario) record(maker, checker string, r *ledger.FlowRequest) (*ledger.Voucher, error) {
	v, err := s.make(maker, r)
	if err != nil {
		return nil, err
	}
	return s.approve(v, checker)
}

func otherChecker(maker string) string {
	if maker == officerA {
		return checkerA
	}
	return checkerB
}

// branches returns the temporary branches in tree order.
func (s *scenario) branches() []*ledger.Organisation {
	var out []*ledger.Organisation
	for _, o := range s.b.Orgs {
		if o.Kind == ledger.OrgTempBranch {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// allocationWeight is the share of the 320,000.00 each kind of branch gets
// (in yuan per branch: working groups 12,000, checkpoints 13,000, …).
func allocationWeight(o *ledger.Organisation) int64 {
	switch o.Category {
	case "工作组":
		return 12000
	case "检测站点":
		return 13000
	case "排查":
		return 20000
	case "返乡群众联系服务":
		return 25000
	case "督查指导":
		return 10000
	}
	return 6500
}

var (
	suppliers = []string{"汾阳市医药药材有限公司", "山西国药控股汾阳医药有限公司", "汾阳市康宁医疗器械经销部", "汾阳市华联超市有限公司",
		"汾阳市美特好超市", "汾阳市劳保用品商店", "汾阳市鑫源办公用品店", "汾阳市家家利超市", "吕梁市同心消毒用品有限公司", "汾阳市宏达粮油批发部"}
	procurementItems = []string{"医用外科口罩", "N95口罩", "红外测温枪", "84消毒液", "医用酒精", "防护服", "一次性手套", "帐篷及折叠床",
		"取暖器", "方便面及饮用水", "护目镜", "喷壶及消毒器械"}
	surnames   = []rune("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田萧潘袁于董")
	givenNames = []string{"建华", "秀英", "志强", "丽娟", "海燕", "国庆", "文斌", "晓红", "永军", "春梅", "卫东", "桂兰", "振国",
		"淑珍", "明亮", "小燕", "俊峰", "玉梅", "德胜", "红霞", "鹏飞", "雪梅", "浩然", "静怡"}
	condolenceCats = []string{"医务人员", "基层干部", "公安", "社区工作者", "志愿者", "党员"}
	reliefCats     = []string{"党员", "群众"}
	reliefReasons  = []string{"因疫情隔离生活困难", "家庭成员确诊住院", "返乡隔离无收入", "慢性病患者购药困难"}
)

// person makes a new beneficiary with a unique (fictional) ID number of
// 汾阳市 (141182).
func (s *scenario) person(cats []string) ledger.Beneficiary {
	s.nextID++
	birth := day("1955-01-01").AddDate(0, 0, s.rng.IntN(365*45))
	name := string(surnames[s.rng.IntN(len(surnames))]) + givenNames[s.rng.IntN(len(givenNames))]
	first17 := fmt.Sprintf("141182%s%03d", birth.Format("20060102"), s.nextID%1000)
	id := first17 + string(ledger.IDCheckChar(first17))
	return ledger.Beneficiary{Name: name, Category: cats[s.rng.IntN(len(cats))], IDNumber: id, Phone: fmt.Sprintf("139%08d", 35000000+s.nextID)}
}

func yuan(fen int64) ledger.Money { return ledger.FromFen(fen) }

// money draws a random amount in [lo, hi] yuan, in whole 10-yuan steps.
func (s *scenario) money(lo, hi int64) ledger.Money {
	return yuan((lo + s.rng.Int64N((hi-lo)/10+1)*10) * 100)
}

// run records the whole scenario.
func (s *scenario) run() error {
	setup := s.opt.Setup
	if setup == nil {
		var err error
		if setup, err = configs.ParseSetup(configs.Demo(), "configs/demo/fenyang.yaml", nil); err != nil {
			return err
		}
	}
	s.upper = findUpper(setup)
	var err error
	s.at(day("2020-02-02"), 17, 0)
	if err := s.db.ApplySetup(s.ctx, setup); err != nil {
		return err
	}
	if s.b, err = s.db.LoadBooks(s.ctx, demoBook); err != nil {
		return err
	}
	s.published = map[string]map[ledger.Purpose]ledger.Money{}
	s.lastPaid = map[string]time.Time{}
	steps := []struct {
		name string
		fn   func() error
	}{
		{"收入与配套", s.receiveAndMatch},
		{"下拨", s.allocate},
		{"支出及其余业务", s.spend},
	}
	for _, st := range steps {
		if err := st.fn(); err != nil {
			return fmt.Errorf("demo %s: %w", st.name, err)
		}
		fmt.Fprintf(s.log, "  %-22s 完成（累计 %d 张凭证，时钟 %s）\n", st.name, s.vouchers, s.clock.Format("2006-01-02 15:04"))
	}
	return nil
}

func (s *scenario) receiveAndMatch() error {
	if s.upper != nil {
		if err := s.receiveByGrant(); err != nil {
			return err
		}
	} else {
		s.at(day("2020-02-03"), 9, 10)
		if _, err := s.record(officerA, checkerA, &ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: fundUpper, Amount: ledger.MustParseMoney("90000.00"),
			Date: day("2020-02-03"), Summary: "收到省市下拨疫情防控专项党费", Payee: demoRoot, PayeeType: ledger.PayeeOrg, Method: ledger.MethodBank,
			Attachments: 2, DocTypes: []string{"银行回单", "财政票据"}, Decision: "晋组通〔2020〕8号；吕组通〔2020〕3号"}); err != nil {
			return err
		}
	}
	s.at(day("2020-02-04"), 10, 0)
	_, err := s.record(officerA, checkerA, &ledger.FlowRequest{Flow: ledger.FlowMatch, Fund: fundMatch, Amount: ledger.MustParseMoney("230000.00"),
		Date: day("2020-02-04"), Summary: "本级配套疫情防控专项党费", Method: ledger.MethodBank, Attachments: 1, DocTypes: []string{"银行回单"},
		Decision: "汾阳市委常委会2020年第4次会议纪要（2020-02-03）"})
	return err
}

// allocate passes all 320,000.00 down: each fund is divided among the 26
// branches by weight, so the funds' totals are exact.
func (s *scenario) allocate() error {
	brs := s.branches()
	weights := make([]int64, len(brs))
	for i, o := range brs {
		weights[i] = allocationWeight(o)
	}
	parts := map[string][]ledger.Money{
		fundUpper: ledger.MustParseMoney("90000.00").Allocate(weights),
		fundMatch: ledger.MustParseMoney("230000.00").Allocate(weights),
	}
	for i, o := range brs {
		d := day("2020-02-05")
		if i >= 13 {
			d = day("2020-02-06")
		}
		s.at(d, 9, 0)
		for _, fund := range []string{fundUpper, fundMatch} {
			maker := officerA
			if i%2 == 1 {
				maker = officerB
			}
			if _, err := s.record(maker, otherChecker(maker), &ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: fund, Org: o.Code, Amount: parts[fund][i],
				Date: d, Attachments: 1, DocTypes: []string{"银行回单"}, Decision: "汾阳市委组织部部务会2020年第2次会议纪要（2020-02-04）"}); err != nil {
				return err
			}
		}
	}
	return nil
}

// spendPlan is one spending to record.
type spendPlan struct {
	date    time.Time
	org     *ledger.Organisation
	purpose ledger.Purpose
	plant   string // audit rule it plants, "" for an ordinary spend
}

func (s *scenario) spend() error {
	brs := s.branches()
	var plans []spendPlan
	start, end := day("2020-02-06"), day("2020-03-25")
	for i := 0; i < 430; i++ {
		d := start.AddDate(0, 0, s.rng.IntN(int(end.Sub(start).Hours()/24)+1))
		o := brs[s.rng.IntN(len(brs))]
		if (o.Code == "FY-OT-03" || o.Code == "FY-OT-04") && d.After(day("2020-03-10")) {
			d = day("2020-03-10").AddDate(0, 0, -s.rng.IntN(20))
		}
		p := ledger.Procurement
		switch r := s.rng.IntN(100); {
		case r >= 80:
			p = ledger.Relief
		case r >= 55:
			p = ledger.Condolence
		}
		plans = append(plans, spendPlan{date: d, org: o, purpose: p})
	}
	// The planted irregularities of February (documented in README.md).
	plans = append(plans,
		spendPlan{date: day("2020-02-12"), org: s.b.Orgs["FY-CP-02"], purpose: ledger.Condolence, plant: "A-06a"},
		spendPlan{date: day("2020-02-18"), org: s.b.Orgs["FY-CP-05"], purpose: ledger.Condolence, plant: "A-06b"},
		spendPlan{date: day("2020-02-20"), org: s.b.Orgs["FY-FXQZ"], purpose: ledger.Relief, plant: "A-07"},
		spendPlan{date: day("2020-02-14"), org: s.b.Orgs["FY-WG-XCBD"], purpose: ledger.Procurement, plant: "A-08"},
		spendPlan{date: day("2020-02-16"), org: s.b.Orgs["FY-WG-HQBZ"], purpose: ledger.Procurement, plant: "A-09"},
		spendPlan{date: day("2020-02-21"), org: s.b.Orgs["FY-CP-07"], purpose: ledger.Procurement, plant: "A-10a"},
		spendPlan{date: day("2020-02-24"), org: s.b.Orgs["FY-CP-07"], purpose: ledger.Procurement, plant: "A-10b"},
	)
	sort.SliceStable(plans, func(i, j int) bool { return plans[i].date.Before(plans[j].date) })
	milestones := s.timeline()
	if err := inDateOrder(milestones); err != nil {
		return err
	}
	runMilestones := func(upTo time.Time) error {
		for len(milestones) > 0 && !milestones[0].date.After(upTo) {
			m := milestones[0]
			milestones = milestones[1:]
			if err := m.fn(); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			fmt.Fprintf(s.log, "  %-22s 完成（累计 %d 张凭证，时钟 %s）\n", m.name, s.vouchers, s.clock.Format("2006-01-02 15:04"))
		}
		return nil
	}
	var dup ledger.Beneficiary
	var bal map[string]ledger.Money
	for n, pl := range plans {
		if err := runMilestones(pl.date); err != nil {
			return err
		}
		if bal == nil || n%20 == 0 {
			var err error
			if bal, err = s.pending(); err != nil {
				return err
			}
		}
		s.at(pl.date, 9+n%8, s.rng.IntN(50))
		r := &ledger.FlowRequest{Flow: ledger.FlowSpend, Org: pl.org.Code, Purpose: pl.purpose, Date: pl.date, Method: ledger.MethodBank,
			Decision:    fmt.Sprintf("%s支委会会议记录（%s）", strings.TrimSuffix(pl.org.Name, "临时党支部"), pl.date.Format("2006-01-02")),
			Attachments: 1 + s.rng.IntN(3)}
		var item string // what a procurement buys
		switch pl.purpose {
		case ledger.Procurement:
			item = procurementItems[s.rng.IntN(len(procurementItems))]
			r.Amount = s.money(200, 1500)
			r.Payee, r.PayeeType = s.supplier(pl.org.Code, pl.date), ledger.PayeeSupplier
			r.Summary = fmt.Sprintf("%s采购%s", strings.TrimSuffix(pl.org.Name, "临时党支部"), item)
			r.DocTypes = []string{"发票"}
		case ledger.Condolence, ledger.Relief:
			cats, lo, hi, reason := condolenceCats, int64(100), int64(500), "慰问一线防控人员"
			if pl.purpose == ledger.Relief {
				cats, lo, hi = reliefCats, 200, 800
				reason = reliefReasons[s.rng.IntN(len(reliefReasons))]
			}
			k := 1 + s.rng.IntN(3)
			total := ledger.Zero
			for j := 0; j < k; j++ {
				p := s.person(cats)
				p.Amount, p.Reason = s.money(lo, hi), reason
				total = total.Add(p.Amount)
				r.Beneficiaries = append(r.Beneficiaries, p)
			}
			r.Amount = total
			r.Payee, r.PayeeType = r.Beneficiaries[0].Name, ledger.PayeeIndividual
			if k > 1 {
				r.Payee = fmt.Sprintf("%s等%d人", r.Beneficiaries[0].Name, k)
			}
			if s.rng.IntN(4) == 0 && total.Cmp(ledger.MustParseMoney("1000.00")) < 0 {
				r.Method = ledger.MethodCash
			}
			r.Summary = fmt.Sprintf("%s%s（%s）", strings.TrimSuffix(pl.org.Name, "临时党支部"), pl.purpose.Name(), r.Payee)
			r.DocTypes = []string{"签收单/花名册"}
		}
		maker := officerA
		if n%3 == 1 {
			maker = officerB
		}
		switch pl.plant {
		case "A-06a":
			dup = s.person(condolenceCats)
			dup.Amount, dup.Reason = ledger.MustParseMoney("300.00"), "慰问一线防控人员"
			r.Beneficiaries, r.Amount, r.Payee = []ledger.Beneficiary{dup}, dup.Amount, dup.Name
			r.Summary = fmt.Sprintf("%s一线慰问（%s）", strings.TrimSuffix(pl.org.Name, "临时党支部"), dup.Name)
		case "A-06b":
			d := dup
			d.Amount = ledger.MustParseMoney("400.00")
			r.Beneficiaries, r.Amount, r.Payee = []ledger.Beneficiary{d}, d.Amount, d.Name
			r.Summary = fmt.Sprintf("%s一线慰问（%s）", strings.TrimSuffix(pl.org.Name, "临时党支部"), d.Name)
		case "A-07":
			maker = officerB
			p := s.person(reliefCats)
			p.Name, p.Category, p.Amount, p.Reason = "刘洋", "党员", ledger.MustParseMoney("600.00"), "家属隔离生活困难"
			r.Beneficiaries, r.Amount, r.Payee = []ledger.Beneficiary{p}, p.Amount, p.Name
			r.Summary = "返乡群众联系服务党员群众救助（刘洋）"
		case "A-08":
			r.Attachments, r.DocTypes = 0, nil
			r.Amount = ledger.MustParseMoney("860.00")
		case "A-09":
			r.Method, r.Amount = ledger.MethodCash, ledger.MustParseMoney("1500.00")
			r.Payee = "汾阳市劳保用品商店"
			r.Summary = "后勤保障工作组现金采购防护用品"
		case "A-10a", "A-10b":
			r.Payee = "汾阳市康宁医疗器械经销部"
			r.Amount = ledger.MustParseMoney("600.00")
			if pl.plant == "A-10b" {
				r.Amount = ledger.MustParseMoney("580.00")
			}
			r.Summary = strings.TrimSuffix(pl.org.Name, "临时党支部") + "采购红外测温枪"
		}
		if pl.purpose == ledger.Procurement {
			switch pl.plant {
			case "A-09":
				item = "防护用品"
			case "A-10a", "A-10b":
				item = "红外测温枪"
			}
			r.Items = demoItems(item, r.Amount)
		}
		// Spend from whichever fund has more left, keeping some in hand.
		up, mt := bal[pl.org.Code+"|"+fundUpper], bal[pl.org.Code+"|"+fundMatch]
		r.Fund = fundMatch
		if up.Cmp(mt) > 0 {
			r.Fund = fundUpper
		}
		left := bal[pl.org.Code+"|"+r.Fund].Sub(r.Amount)
		if pl.plant == "" && left.Cmp(ledger.MustParseMoney("800.00")) < 0 {
			continue // the branch keeps a reserve
		}
		v, err := s.make(maker, r)
		if err != nil {
			return err
		}
		// Every fourth ordinary spending has its original scanned.
		if pl.plant == "" && n%4 == 0 {
			k, err := s.attachScans(maker, v, r.Purpose)
			if err != nil {
				return err
			}
			s.files += k
		}
		if v, err = s.approve(v, otherChecker(maker)); err != nil {
			return err
		}
		bal[pl.org.Code+"|"+r.Fund] = left
		s.lastPaid[pl.org.Code+"|"+r.Payee] = pl.date
		if pl.plant != "" {
			s.planted = append(s.planted, planted{Rule: pl.plant[:4], Voucher: v.Word(), ID: v.ID, Org: pl.org.Code, What: v.Summary})
		}
	}
	return runMilestones(day("2099-12-31"))
}

// milestone is a dated step of the timeline besides ordinary spending.
type milestone struct {
	date time.Time
	name string
	fn   func() error
}

// timeline is the scenario's dated steps besides ordinary spending, in
// date order. A step runs on its day before that day's spending; the steps
// of one day run in the order written here.
func (s *scenario) timeline() []milestone {
	return []milestone{
		{day("2020-02-29"), "收到代收捐款", s.receiveDonations},
		// The first working day of March: the branches publish their
		// February figures, which the audit rules compare with the ledger
		// the auditor evaluates February and acknowledges
		// each finding, since the batch refuses to close the month while a
		// HIGH finding is open; then the February batch closes the month
		// with the bank's statement, and the March postings follow — the
		// interest the bank credited on 29 February and the remittance of
		// the donations.
		{day("2020-03-02"), "2 月公示", s.publishFebruary},
		{day("2020-03-02"), "2 月审计", s.auditFebruary},
		{day("2020-03-02"), "2 月批处理结账", s.februaryBatch},
		{day("2020-03-02"), "记入银行利息", s.bookInterest},
		{day("2020-03-02"), "上缴代收捐款", s.remitDonations},
		{day("2020-03-03"), "红字冲销与更正", s.reverseAndCorrect},
		{day("2020-03-15"), "撤销支部与退回余款", s.dissolveAndReturn},
	}
}

// inDateOrder refuses a timeline whose steps are not in date order.
func inDateOrder(ms []milestone) error {
	for i := 1; i < len(ms); i++ {
		if ms[i].date.Before(ms[i-1].date) {
			return fmt.Errorf("demo timeline: %q (%s) comes after %q (%s)", ms[i].name, ms[i].date.Format(time.DateOnly),
				ms[i-1].name, ms[i-1].date.Format(time.DateOnly))
		}
	}
	return nil
}

// supplier picks a supplier this branch has not paid within the last 7
// days, so ordinary spending never looks like a split payment.
func (s *scenario) supplier(org string, d time.Time) string {
	for tries := 0; tries < 50; tries++ {
		p := suppliers[s.rng.IntN(len(suppliers))]
		if p == "汾阳市康宁医疗器械经销部" && org == "FY-CP-07" {
			continue
		}
		if last, ok := s.lastPaid[org+"|"+p]; !ok || d.Sub(last) > 8*24*time.Hour {
			return p
		}
	}
	return "汾阳市" + strings.TrimSuffix(s.b.Orgs[org].Name, "临时党支部") + "定点供应商"
}

// pending reads every branch's 121801 balance per fund.
func (s *scenario) pending() (map[string]ledger.Money, error) {
	rows, err := s.db.Balances(s.ctx, demoBook, "", "", time.Time{})
	if err != nil {
		return nil, err
	}
	out := map[string]ledger.Money{}
	for _, r := range rows {
		if r.Account == ledger.AcctPending && !r.Own.IsZero() {
			out[r.Org+"|"+r.Fund] = r.Own
		}
	}
	return out, nil
}

// donations: members' voluntary donations collected by the city and
// remitted upward in full (a liability, never spent locally).
func (s *scenario) receiveDonations() error {
	s.at(day("2020-02-29"), 15, 0)
	_, err := s.record(officerA, checkerA, &ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: fundDonate, Amount: ledger.MustParseMoney("12860.00"),
		Date: day("2020-02-29"), Summary: "代收党员自愿捐款", Method: ledger.MethodBank, Attachments: 1, DocTypes: []string{"银行回单"},
		Decision: "中组部关于组织党员自愿捐款的通知"})
	return err
}

func (s *scenario) remitDonations() error {
	s.at(day("2020-03-02"), 14, 0)
	v := &ledger.Voucher{Book: demoBook, Type: "记", Date: day("2020-03-02"), Summary: "代收党员自愿捐款全额上缴", Attachments: 1,
		DocTypes: []string{"银行回单"}, Decision: "中组部关于组织党员自愿捐款的通知", Payee: "中共吕梁市委组织部", PayeeType: ledger.PayeeUpper,
		Method: ledger.MethodBank, Flow: "remit", Lines: []ledger.Line{
			{Account: ledger.AcctDonation, Org: demoRoot, Fund: fundDonate, Debit: ledger.MustParseMoney("12860.00"), Credit: ledger.Zero},
			{Account: ledger.AcctBank, Org: demoRoot, Fund: fundDonate, Debit: ledger.Zero, Credit: ledger.MustParseMoney("12860.00")},
		}}
	made, err := s.create(officerA, v)
	if err != nil {
		return err
	}
	_, err = s.approve(made, checkerA)
	return err
}

// reverseAndCorrect: a spend posted with the wrong amount is cancelled by a
// red voucher and recorded again correctly (订正).
func (s *scenario) reverseAndCorrect() error {
	d := day("2020-03-03")
	s.at(d, 11, 0)
	org := s.b.Orgs["FY-WG-GGCS"]
	r := &ledger.FlowRequest{Flow: ledger.FlowSpend, Org: org.Code, Fund: fundMatch, Purpose: ledger.Procurement, Date: d,
		Amount: ledger.MustParseMoney("2800.00"), Payee: "吕梁市同心消毒用品有限公司", PayeeType: ledger.PayeeSupplier, Method: ledger.MethodBank,
		Attachments: 1, DocTypes: []string{"发票"}, Decision: "公共场所管理支委会会议记录（2020-03-02）", Summary: "公共场所管理工作组采购消毒用品"}
	r.Items = demoItems("消毒用品", r.Amount)
	wrong, err := s.record(officerA, checkerA, r)
	if err != nil {
		return err
	}
	s.at(day("2020-03-04"), 9, 30)
	red, err := s.db.Reverse(s.ctx, demoBook, officerA, wrong.ID, day("2020-03-04"))
	if err != nil {
		return err
	}
	s.vouchers++
	if _, err := s.approve(red, checkerA); err != nil {
		return err
	}
	r.Amount, r.Date = ledger.MustParseMoney("2080.00"), day("2020-03-04")
	r.Items = demoItems("消毒用品", r.Amount)
	v, err := ledger.BuildFlow(r, s.b)
	if err != nil {
		return err
	}
	v.Summary, v.CorrectionOf = ledger.CorrectionSummary(wrong), wrong.ID
	made, err := s.create(officerA, v)
	if err != nil {
		return err
	}
	_, err = s.approve(made, checkerA)
	return err
}

// dissolveAndReturn: two temporary branches are dissolved on 2020-03-15 and
// return their unspent money.
func (s *scenario) dissolveAndReturn() error {
	s.at(day("2020-03-15"), 16, 0)
	bal, err := s.pending()
	if err != nil {
		return err
	}
	for i, code := range []string{"FY-OT-03", "FY-OT-04"} {
		if err := s.db.DissolveOrg(s.ctx, demoBook, admin, code, day("2020-03-15")); err != nil {
			return err
		}
		d := day("2020-03-16").AddDate(0, 0, i)
		s.at(d, 10, 0)
		for _, fund := range []string{fundUpper, fundMatch} {
			amt := bal[code+"|"+fund]
			if amt.Sign() <= 0 {
				continue
			}
			if _, err := s.record(officerB, checkerB, &ledger.FlowRequest{Flow: ledger.FlowReturn, Org: code, Fund: fund, Amount: amt, Date: d,
				Attachments: 1, DocTypes: []string{"银行回单"}, Decision: "汾阳市委组织部部务会2020年第5次会议纪要（2020-03-14）",
				Summary: s.b.Orgs[code].Name + "撤销，结余专项党费退回"}); err != nil {
				return err
			}
		}
	}
	return nil
}
