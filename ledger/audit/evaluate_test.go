package audit

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

// cleanFenyang records a regular February: 90,000.00 + 230,000.00 received,
// passed on within days, spent on the three purposes with decisions,
// invoices and signature sheets, and published in time.
func cleanFenyang() *fx {
	f := newFx()
	f.in.AsOf = day("2020-03-31")
	f.receive("2020-02-01", "upper", "90000.00")
	f.receive("2020-02-02", "matching", "230000.00")
	f.allocate("2020-02-03", "jc", "upper", "90000.00")
	f.allocate("2020-02-03", "hq", "matching", "230000.00")
	f.spend("2020-02-05", "jc", "upper", ledger.Procurement, "60000.00", "汾阳医药公司", "购买口罩、医用酒精")
	f.relief("2020-02-08", "jc", "upper", ledger.Condolence, ben("张三", idZhang, "800.00"), ben("李四", idLi, "800.00"))
	f.spend("2020-02-10", "hq", "matching", ledger.Procurement, "229000.00", "汾阳华联超市", "购买生活物资")
	f.relief("2020-02-12", "hq", "matching", ledger.Relief, ben("王五", "142301199303033333", "1000.00"))
	f.spend("2020-02-15", "jc", "upper", ledger.Procurement, "28400.00", "汾阳医药公司", "购买防护服")
	f.in.Publicity = []PublicityRecord{{
		Org: "city", Date: day("2020-03-05"), Through: day("2020-02-29"), Channel: "汾阳党建",
		Totals: map[ledger.Purpose]ledger.Money{
			ledger.Procurement: yuanOf("317400.00"), ledger.Condolence: yuanOf("1600.00"), ledger.Relief: yuanOf("1000.00"),
		},
		ReportedTotal: yuanOf("320000.00"),
	}}
	f.in.Roster = []RosterEntry{{Org: "jc", Name: "张三", IDNumber: idZhang}, {Org: "jc", Name: "李四", IDNumber: idLi}, {Org: "hq", Name: "王五"}}
	return f
}

func TestEvaluateCleanScenario(t *testing.T) {
	f := cleanFenyang()
	none(t, Evaluate(f.input(), nil))
}

// troubled adds one breach of most rules to the clean scenario.
func troubled() *fx {
	f := cleanFenyang()
	f.in.From = day("2020-03-01")
	f.in.Orgs["hq"].Dissolved = ptr(day("2020-03-10"))
	f.in.Members = []Member{{Org: "jc", Name: "赵六", Cadre: true}}
	f.allocate("2020-03-02", "jc", "upper", "0.01").Decision = ""
	f.receive("2020-03-01", "upper", "5000.00")
	x := f.spend("2020-03-03", "jc", "upper", ledger.Procurement, "1500.00", "赵六", "代购香烟")
	x.PayeeType, x.Method, x.Attachments = ledger.PayeeIndividual, ledger.MethodCash, 0
	f.relief("2020-03-04", "hq", "matching", ledger.Relief, ben("张三", idZhang, "2500.00"))
	f.spend("2020-03-11", "hq", "matching", ledger.Procurement, "100.00", "汾阳华联超市", "补购")
	f.in.Publicity = append(f.in.Publicity, leshan("272000.00").in.Publicity...)
	f.in.Publicity[1].Date = day("2020-03-20")
	return f
}

func TestEvaluateFindsEachBreach(t *testing.T) {
	fs := Evaluate(troubled().input(), nil)
	rules := map[string]bool{}
	for _, f := range fs {
		rules[f.Rule] = true
	}
	for _, r := range []string{"A-01", "A-02", "A-03", "A-04", "A-05", "A-06", "A-08", "A-09", "A-11", "A-12", "A-15", "A-16"} {
		if !rules[r] {
			t.Errorf("no %s finding:\n%s", r, dump(fs))
		}
	}
	for i := 1; i < len(fs); i++ {
		a, b := fs[i-1], fs[i]
		if a.Rule > b.Rule || a.Rule == b.Rule && b.Date.Before(a.Date) {
			t.Errorf("not sorted at %d: %s %s before %s %s", i, a.Rule, ymd(a.Date), b.Rule, ymd(b.Date))
		}
	}
}

func TestEvaluateIsDeterministic(t *testing.T) {
	f := troubled()
	first := Evaluate(f.input(), nil)
	if len(first) == 0 {
		t.Fatal("fixture has no findings")
	}
	for i := 0; i < 5; i++ {
		if again := Evaluate(f.input(), nil); !reflect.DeepEqual(first, again) {
			t.Fatalf("run %d differs:\n%s\nvs\n%s", i, dump(first), dump(again))
		}
	}
	// The order the vouchers arrive in does not matter.
	rnd := rand.New(rand.NewSource(1))
	for i := 0; i < 5; i++ {
		in := f.input()
		rnd.Shuffle(len(in.Vouchers), func(a, b int) { in.Vouchers[a], in.Vouchers[b] = in.Vouchers[b], in.Vouchers[a] })
		if again := Evaluate(in, nil); dump(again) != dump(first) {
			t.Fatalf("shuffled input %d differs:\n%s\nvs\n%s", i, dump(first), dump(again))
		}
	}
	keys := map[string]bool{}
	for _, fd := range first {
		if keys[fd.Key] {
			t.Errorf("duplicate key %s", fd.Key)
		}
		keys[fd.Key] = true
		if strings.Contains(fd.Explanation, idZhang) || strings.Contains(fd.Key, idZhang) {
			t.Errorf("unmasked ID in %s", fd.Key)
		}
		if fd.Explanation == "" || fd.Type == "" || !validSeverity(fd.Severity) {
			t.Errorf("incomplete finding %+v", fd)
		}
	}
}

func TestKeysSurviveARerunWithMoreData(t *testing.T) {
	f := troubled()
	before := Evaluate(f.input(), nil)
	// A later voucher, unrelated to the findings, changes no key.
	f.spend("2020-03-25", "jc", "upper", ledger.Procurement, "10.00", "汾阳医药公司", "购买口罩")
	after := map[string]Finding{}
	for _, fd := range Evaluate(f.input(), nil) {
		after[fd.Key] = fd
	}
	for _, fd := range before {
		if _, ok := after[fd.Key]; !ok {
			t.Errorf("finding %s lost its key on re-run", fd.Key)
		}
	}
}

func TestEvaluateMatchesSingleRules(t *testing.T) {
	in := troubled().input()
	cfg := DefaultConfig()
	var all []Finding
	for _, r := range []func(*Input, *Config) []Finding{A01, A02, A03, A04, A05, A06, A07, A08, A09, A10, A11, A12, A13, A14, A15, A16, A17} {
		all = append(all, r(in, &cfg)...)
	}
	SortFindings(all)
	if got := Evaluate(in, &cfg); !reflect.DeepEqual(got, all) {
		t.Fatalf("Evaluate differs from the rules run one by one")
	}
}

func TestRulesTable(t *testing.T) {
	if len(Rules) != 17 || len(checks) != len(Rules) {
		t.Fatalf("%d rules, %d checks", len(Rules), len(checks))
	}
	for i, r := range Rules {
		if want := "A-" + string(rune('0'+(i+1)/10)) + string(rune('0'+(i+1)%10)); r.ID != want || r.Type == "" {
			t.Errorf("rule %d is %q %q", i, r.ID, r.Type)
		}
	}
}

func TestEvaluateToleratesSparseInput(t *testing.T) {
	none(t, Evaluate(&Input{}, nil))
	// Unknown accounts, funds and organisations, zero-value amounts and a
	// reversal whose original is not in the input do not panic.
	in := &Input{AsOf: day("2020-02-29"), Vouchers: []ledger.Voucher{
		{ID: 1, Date: day("2020-02-01"), Status: ledger.StatusPosted, Lines: []ledger.Line{{Account: "9999", Org: "nowhere", Fund: "nofund"}, {}}},
		{ID: 2, Date: day("2020-02-02"), Status: ledger.StatusPosted, ReversalOf: 99, Beneficiaries: []ledger.Beneficiary{{}}},
	}}
	fs := Evaluate(in, nil)
	for _, f := range fs {
		if f.Rule != "A-08" && f.Rule != "A-14" {
			t.Errorf("unexpected finding on sparse input:\n%s", dump([]Finding{f}))
		}
	}
}
