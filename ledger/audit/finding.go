package audit

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// Finding is one row of the exception list (T8 异常情况清单).
type Finding struct {
	Rule        string // "A-01" … "A-17"
	Type        string // 问题类型, e.g. 超范围使用
	Severity    string // HIGH, MEDIUM or LOW
	VoucherID   int64  // 0 when the finding is about an organisation or a publication
	Voucher     string // 凭证字号 such as 记-0012, "" with VoucherID 0
	Date        time.Time
	Org         string // organisation code, "" for the whole book
	Amount      ledger.Money
	Explanation string // 说明, in Chinese
	Responsible string // 责任人
	// Key is a stable fingerprint of the finding: the rule, the voucher,
	// the organisation and what distinguishes it from the rule's other
	// findings on the same voucher — never the explanation text, so a
	// re-run finds the same finding and its stored state (acknowledged,
	// rectified) is kept.
	Key string
}

// Rule is one audit rule.
type Rule struct {
	ID       string
	Type     string // 问题类型
	Severity string // default severity (domain §6.7)
}

// Rules lists the rules in order.
var Rules = []Rule{
	{ID: "A-01", Type: "超范围使用", Severity: SeverityHigh},
	{ID: "A-02", Type: "挪用/挤占", Severity: SeverityHigh},
	{ID: "A-03", Type: "截留/拨付不及时", Severity: SeverityMedium},
	{ID: "A-04", Type: "滞留/沉淀", Severity: SeverityMedium},
	{ID: "A-05", Type: "支出晚于撤销", Severity: SeverityHigh},
	{ID: "A-06", Type: "虚报冒领/重复领取", Severity: SeverityHigh},
	{ID: "A-07", Type: "优亲厚友", Severity: SeverityHigh},
	{ID: "A-08", Type: "无票据", Severity: SeverityMedium},
	{ID: "A-09", Type: "大额现金", Severity: SeverityMedium},
	{ID: "A-10", Type: "拆分支付", Severity: SeverityMedium},
	{ID: "A-11", Type: "公款私存", Severity: SeverityHigh},
	{ID: "A-12", Type: "程序违规", Severity: SeverityHigh},
	{ID: "A-13", Type: "捐款混用", Severity: SeverityHigh},
	{ID: "A-14", Type: "补记/倒签", Severity: SeverityLow},
	{ID: "A-15", Type: "标准超标", Severity: SeverityMedium},
	{ID: "A-16", Type: "分类不平", Severity: SeverityHigh},
	{ID: "A-17", Type: "公示缺失", Severity: SeverityLow},
}

// checks are the rules' implementations, in the order of Rules.
var checks = []func(*view) []Finding{
	(*view).a01, (*view).a02, (*view).a03, (*view).a04, (*view).a05, (*view).a06,
	(*view).a07, (*view).a08, (*view).a09, (*view).a10, (*view).a11, (*view).a12,
	(*view).a13, (*view).a14, (*view).a15, (*view).a16, (*view).a17,
}

func ruleByID(id string) *Rule {
	for i := range Rules {
		if Rules[i].ID == id {
			return &Rules[i]
		}
	}
	return nil
}

// Evaluate runs every rule in order over one input and returns the
// findings sorted by rule, date, voucher, organisation and key. The result
// depends on the input and the configuration only. A nil cfg means
// DefaultConfig().
func Evaluate(in *Input, cfg *Config) []Finding {
	v := newView(in, cfg)
	var out []Finding
	for _, check := range checks {
		out = append(out, check(v)...)
	}
	SortFindings(out)
	return out
}

// SortFindings orders findings by rule, date, voucher id, organisation and
// key.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if !a.Date.Equal(b.Date) {
			return a.Date.Before(b.Date)
		}
		if a.VoucherID != b.VoucherID {
			return a.VoucherID < b.VoucherID
		}
		if a.Org != b.Org {
			return a.Org < b.Org
		}
		return a.Key < b.Key
	})
}

func runOne(run func(*view) []Finding, in *Input, cfg *Config) []Finding {
	out := run(newView(in, cfg))
	SortFindings(out)
	return out
}

// A01 runs rule A-01 (超范围使用) alone; the package documentation says what it
// detects.
func A01(in *Input, cfg *Config) []Finding { return runOne((*view).a01, in, cfg) }

// A02 runs rule A-02 (挪用/挤占) alone; the package documentation says what it
// detects.
func A02(in *Input, cfg *Config) []Finding { return runOne((*view).a02, in, cfg) }

// A03 runs rule A-03 (截留/拨付不及时) alone; the package documentation says what it
// detects.
func A03(in *Input, cfg *Config) []Finding { return runOne((*view).a03, in, cfg) }

// A04 runs rule A-04 (滞留/沉淀) alone; the package documentation says what it
// detects.
func A04(in *Input, cfg *Config) []Finding { return runOne((*view).a04, in, cfg) }

// A05 runs rule A-05 (支出晚于撤销) alone; the package documentation says what it
// detects.
func A05(in *Input, cfg *Config) []Finding { return runOne((*view).a05, in, cfg) }

// A06 runs rule A-06 (虚报冒领/重复领取) alone; the package documentation says what it
// detects.
func A06(in *Input, cfg *Config) []Finding { return runOne((*view).a06, in, cfg) }

// A07 runs rule A-07 (优亲厚友) alone; the package documentation says what it
// detects.
func A07(in *Input, cfg *Config) []Finding { return runOne((*view).a07, in, cfg) }

// A08 runs rule A-08 (无票据) alone; the package documentation says what it
// detects.
func A08(in *Input, cfg *Config) []Finding { return runOne((*view).a08, in, cfg) }

// A09 runs rule A-09 (大额现金) alone; the package documentation says what it
// detects.
func A09(in *Input, cfg *Config) []Finding { return runOne((*view).a09, in, cfg) }

// A10 runs rule A-10 (拆分支付) alone; the package documentation says what it
// detects.
func A10(in *Input, cfg *Config) []Finding { return runOne((*view).a10, in, cfg) }

// A11 runs rule A-11 (公款私存) alone; the package documentation says what it
// detects.
func A11(in *Input, cfg *Config) []Finding { return runOne((*view).a11, in, cfg) }

// A12 runs rule A-12 (程序违规) alone; the package documentation says what it
// detects.
func A12(in *Input, cfg *Config) []Finding { return runOne((*view).a12, in, cfg) }

// A13 runs rule A-13 (捐款混用) alone; the package documentation says what it
// detects.
func A13(in *Input, cfg *Config) []Finding { return runOne((*view).a13, in, cfg) }

// A14 runs rule A-14 (补记/倒签) alone; the package documentation says what it
// detects.
func A14(in *Input, cfg *Config) []Finding { return runOne((*view).a14, in, cfg) }

// A15 runs rule A-15 (标准超标) alone; the package documentation says what it
// detects.
func A15(in *Input, cfg *Config) []Finding { return runOne((*view).a15, in, cfg) }

// A16 runs rule A-16 (分类不平) alone; the package documentation says what it
// detects.
func A16(in *Input, cfg *Config) []Finding { return runOne((*view).a16, in, cfg) }

// A17 runs rule A-17 (公示缺失) alone; the package documentation says what it
// detects.
func A17(in *Input, cfg *Config) []Finding { return runOne((*view).a17, in, cfg) }

// key builds a finding key from its parts.
func key(rule string, voucherID int64, org string, detail ...string) string {
	parts := append([]string{rule, strconv.FormatInt(voucherID, 10), org}, detail...)
	return strings.Join(parts, "|")
}
