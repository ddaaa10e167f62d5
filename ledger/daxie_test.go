package ledger_test

import (
	"maps"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// daxieVectors is the R-04 table of domain §6.2, row by row.
var daxieVectors = []struct{ amount, want string }{
	{"0.00", "零元整"},
	{"0.01", "壹分"},
	{"0.10", "壹角整"},
	{"0.55", "伍角伍分"},
	{"1.00", "壹元整"},
	{"2.50", "贰元伍角整"},
	{"10.00", "壹拾元整"},
	{"10.01", "壹拾元零壹分"},
	{"15.00", "壹拾伍元整"},
	{"20.30", "贰拾元叁角整"},
	{"101.00", "壹佰零壹元整"},
	{"325.04", "叁佰贰拾伍元零肆分"},
	{"1,000.00", "壹仟元整"},
	{"1,000.10", "壹仟元壹角整"},
	{"1,010.00", "壹仟零壹拾元整"},
	{"1,409.50", "壹仟肆佰零玖元伍角整"},
	{"1,680.32", "壹仟陆佰捌拾元叁角贰分"},
	{"6,007.14", "陆仟零柒元壹角肆分"},
	{"16,409.02", "壹万陆仟肆佰零玖元零贰分"},
	{"90,000.00", "玖万元整"},
	{"100,500.00", "壹拾万零伍佰元整"},
	{"107,000.53", "壹拾万零柒仟元伍角叁分"},
	{"230,000.00", "贰拾叁万元整"},
	{"320,000.00", "叁拾贰万元整"},
	{"1,234,567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"},
	{"10,000,001.00", "壹仟万零壹元整"},
	{"100,010,000.00", "壹亿零壹万元整"},
	{"108,000,000.00", "壹亿零捌佰万元整"},
	{"200,000,000.10", "贰亿元壹角整"},
	{"1,180,000,000.00", "壹拾壹亿捌仟万元整"},
	{"5,280,000,000.00", "伍拾贰亿捌仟万元整"},
	{"8,360,000,000.00", "捌拾叁亿陆仟万元整"},
	{"999,999,999,999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"},
}

// daxieExtra are further canonical forms around zeros and group
// boundaries, derived from the R-04 rules.
var daxieExtra = []struct{ amount, want string }{
	{"0.05", "伍分"},
	{"0.50", "伍角整"},
	{"11,001,000.00", "壹仟壹佰万零壹仟元整"},
	{"100,001,000.00", "壹亿零壹仟元整"},
	{"1,010,000,000.00", "壹拾亿零壹仟万元整"},
	{"100,000,000.00", "壹亿元整"},
	{"100,000,005.00", "壹亿零伍元整"},
	{"100,100.00", "壹拾万零壹佰元整"},
	{"110,000.00", "壹拾壹万元整"},
	{"1,000,100,000.00", "壹拾亿零壹拾万元整"},
	{"10,005.00", "壹万零伍元整"},
	{"100,000,000,000.00", "壹仟亿元整"},
	{"100,000,000,000.01", "壹仟亿元零壹分"},
}

func TestToDaXie(t *testing.T) {
	for _, tc := range append(daxieVectors, daxieExtra...) {
		m := ledger.MustParseMoney(tc.amount)
		got, err := ledger.ToDaXie(m)
		if err != nil || got != tc.want {
			t.Errorf("ToDaXie(%s) = %q, %v; want %q", tc.amount, got, err, tc.want)
		}
		got, err = ledger.ToDaXieFen(m.Fen())
		if err != nil || got != tc.want {
			t.Errorf("ToDaXieFen(%d) = %q, %v; want %q", m.Fen(), got, err, tc.want)
		}
		back, err := ledger.ParseDaXie(tc.want)
		if err != nil || !back.Equal(m) {
			t.Errorf("ParseDaXie(%q) = %s, %v; want %s", tc.want, back, err, m)
		}
	}
}

func TestToDaXieErrors(t *testing.T) {
	tooBig := ledger.AmountMax.Add(ledger.FromFen(1))
	for _, m := range []ledger.Money{
		ledger.FromFen(-1),
		ledger.MustParseMoney("-999999999999.99"),
		tooBig,
		tooBig.Add(tooBig).Add(tooBig),
		ledger.FromFen(math.MaxInt64),
		ledger.FromFen(math.MinInt64),
	} {
		got, err := ledger.ToDaXie(m)
		if ledger.ErrorCode(err) != ledger.EInvalidAmount || ledger.ErrorField(err) != "amount" || got != "" {
			t.Errorf("ToDaXie(%s) = %q, %v; want %s on amount", m, got, err, ledger.EInvalidAmount)
		}
	}
	for _, fen := range []int64{-1, ledger.AmountMax.Fen() + 1, math.MaxInt64, math.MinInt64} {
		got, err := ledger.ToDaXieFen(fen)
		if ledger.ErrorCode(err) != ledger.EInvalidAmount || ledger.ErrorField(err) != "amount" || got != "" {
			t.Errorf("ToDaXieFen(%d) = %q, %v; want %s on amount", fen, got, err, ledger.EInvalidAmount)
		}
	}
}

// daxieAccepted are non-canonical forms R-05 accepts.
var daxieAccepted = []struct{ in, amount string }{
	{"人民币壹仟肆佰零玖元伍角", "1409.50"},   // missing 整 after 角 (PBOC's own example)
	{"壹仟肆佰零玖元伍角正", "1409.50"},     // 正 for 整
	{"壹仟陆佰捌拾元零叁角贰分", "1680.32"},   // PBOC form 1: 零 after 元
	{"壹拾万柒仟元零伍角叁分", "107000.53"},  // PBOC form 1: no 零 after 万
	{"壹拾万柒仟元伍角叁分", "107000.53"},   // neither optional 零
	{"壹拾万零柒仟元零伍角叁分", "107000.53"}, // both optional 零
	{"人民币叁拾贰万元整", "320000.00"},    // prefix
	{"玖萬圓正", "90000.00"},          // traditional 萬 圓, 正
	{"玖万圆整", "90000.00"},          // simplified 圆
	{"貳億元壹角整", "200000000.10"},    // 貳 億
	{"贰亿元零壹角整", "200000000.10"},   // optional 零 after 元
	{"陸仟零柒元壹角肆分", "6007.14"},      // 陸
	{"壹億零壹萬元整", "100010000.00"},   // 億 萬
	{"壹仟壹佰万壹仟元整", "11001000.00"},  // zeros end at 万, next is 仟
	{"壹亿壹仟元整", "100001000.00"},    // zeros run through 万, next is 仟
	{"壹拾亿壹仟万元整", "1010000000.00"}, // zeros end at 亿, next is 仟万
	{"伍角", "0.50"},
	{"伍角整", "0.50"},
	{"伍角正", "0.50"},
	{"伍分", "0.05"},
	{"人民币伍分", "0.05"},
	{"零元整", "0.00"},
	{"人民币零圆正", "0.00"},
	{" 壹元整\t", "1.00"},      // surrounding white space
	{"壹元整　", "1.00"},        // ideographic space after the text
	{"壹拾元零壹分", "10.01"},     // canonical, mandatory 零
	{"叁佰贰拾伍元零肆分", "325.04"}, // PBOC example
}

func TestParseDaXieAccepted(t *testing.T) {
	for _, tc := range daxieAccepted {
		want := ledger.MustParseMoney(tc.amount)
		got, err := ledger.ParseDaXie(tc.in)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseDaXie(%q) = %s, %v; want %s", tc.in, got, err, want)
			continue
		}
		canon, err := ledger.ToDaXie(got)
		if err != nil {
			t.Fatal(err)
		}
		checkDaXieVariant(t, tc.in, got, canon)
	}
}

// daxieRejected are strings R-05 rejects, with the reason.
var daxieRejected = []struct{ in, why string }{
	{"", "empty"},
	{"人民币", "prefix only"},
	{"人民币 壹元整", "space after 人民币"},
	{"壹元 整", "space inside"},
	{"RMB壹元整", "latin prefix"},
	{"壹元", "missing 整 after 元"},
	{"壹拾元壹分", "missing 零 between 元 and 分"},
	{"壹拾元零角壹分", "零角 written out"},
	{"壹元壹分整", "整 after 分"},
	{"壹元零壹分正", "正 after 分"},
	{"壹角壹分整", "整 after 分"},
	{"壹分整", "整 after 分"},
	{"1元整", "Arabic digit"},
	{"壹0元整", "Arabic digit"},
	{"１元整", "full-width digit"},
	{"壹千元整", "千 is not a capital unit"},
	{"壹百元整", "百 is not a capital unit"},
	{"壹万万元整", "万万"},
	{"壹亿亿元整", "亿亿"},
	{"壹亿万元整", "empty 万 group"},
	{"万元整", "万 without digits"},
	{"元整", "元 without digits"},
	{"壹拾壹佰元整", "佰 after 拾 in the same group"},
	{"壹佰壹仟元整", "仟 after 佰"},
	{"伍伍元整", "two ones digits"},
	{"壹拾伍伍元整", "two ones digits"},
	{"壹万壹亿元整", "亿 after 万"},
	{"壹万壹万元整", "万 twice"},
	{"壹仟亿壹万亿元整", "亿 twice"},
	{"拾元整", "壹 dropped before 拾"},
	{"拾万元整", "壹 dropped before 拾"},
	{"壹万拾元整", "壹 dropped before 拾"},
	{"壹佰壹元整", "missing 零 (101)"},
	{"壹万伍元整", "missing 零 (10,005), not 15,000"},
	{"壹万伍佰元整", "missing 零 (10,500)"},
	{"壹拾万伍佰元整", "missing 零 across 万 before 佰"},
	{"壹亿壹佰元整", "missing 零 across 万 before 佰"},
	{"壹拾亿壹佰万元整", "missing 零 across 亿 before 佰万"},
	{"壹亿伍元整", "missing 零 before 伍"},
	{"壹佰零零壹元整", "two 零"},
	{"壹佰零壹拾元整", "零 where no digit is zero"},
	{"壹拾万零伍仟零佰元整", "零佰"},
	{"壹拾零万元整", "零 before 万"},
	{"壹拾零亿元整", "零 before 亿"},
	{"壹拾万零元整", "零 before 元"},
	{"零壹元整", "leading 零"},
	{"零壹拾元整", "leading 零"},
	{"零伍分", "leading 零 without 元"},
	{"零伍角整", "leading 零 without 元"},
	{"零元", "零元 without 整"},
	{"零元伍角整", "零元 before 角"},
	{"零零元整", "two 零"},
	{"壹仟陆佰捌拾伍元零叁角", "零 after 元 but the 元 digit is 5"},
	{"壹元零整", "零 then 整"},
	{"壹元零", "trailing 零"},
	{"壹元伍", "digit after 元 without 角 or 分"},
	{"伍", "digit alone"},
	{"壹佰", "missing 元"},
	{"壹佰伍角", "missing 元 before 角"},
	{"壹拾角", "unit before 角"},
	{"壹元元整", "元 twice"},
	{"壹元圆整", "元 twice (variant)"},
	{"伍角伍角", "角 twice"},
	{"伍分伍角", "角 after 分"},
	{"伍角角", "角 without digit"},
	{"角整", "角 without digit"},
	{"分", "分 without digit"},
	{"壹元整整", "整 twice"},
	{"壹元整伍角", "角 after 整"},
	{"整", "no amount"},
	{"正", "no amount"},
	{"伍角整伍分", "分 after 整"},
	{"壹元整人民币", "人民币 at the end"},
	{"壹整元", "整 before 元"},
	{"壹分元整", "分 before 元"},
	{"美元壹元整", "other currency"},
	{"壹元整\xff", "invalid UTF-8"},
	{strings.Repeat("壹", 100), "too long"},
	{"壹万亿元整", "亿 after 万"},
	{"壹仟仟元整", "unit twice"},
	{"壹仟万仟元整", "unit without digit"},
	{"壹拾万亿元整", "亿 after 万"},
}

func TestParseDaXieRejected(t *testing.T) {
	rows := daxieRejected
	// Every forbidden character of R-05, in place of a capital.
	for _, c := range []string{"一", "二", "两", "三", "四", "五", "六", "七", "八", "九", "十", "廿", "念", "毛", "另", "〇"} {
		rows = append(rows,
			struct{ in, why string }{c + "元整", "forbidden " + c},
			struct{ in, why string }{"壹拾" + c + "元整", "forbidden " + c},
			struct{ in, why string }{"壹元" + c + "角整", "forbidden " + c},
		)
	}
	for _, tc := range rows {
		got, err := ledger.ParseDaXie(tc.in)
		if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "daxie" {
			t.Errorf("ParseDaXie(%q) (%s) = %s, %v; want %s on daxie", tc.in, tc.why, got, err, ledger.EInvalid)
			continue
		}
		if msg := ledger.ErrorMessage(err); msg == "" || msg == ledger.EInvalid {
			t.Errorf("ParseDaXie(%q): no message", tc.in)
		}
	}
}

func TestParseDaXieMessages(t *testing.T) {
	// The message names the fault, so a user can correct the document.
	for _, tc := range []struct{ in, part string }{
		{"壹元", "missing 整 after 元"},
		{"壹拾元壹分", "missing 零 between 元 and 分"},
		{"壹元壹分整", "整 is never written after 分"},
		{"壹万万元整", "万 without digits"},
		{"壹拾壹佰元整", "壹佰 cannot follow 壹拾"},
		{"五元整", "write 伍"},
		{"壹佰壹元整", "missing 零 before 壹"},
		{"拾元整", "壹拾"},
	} {
		_, err := ledger.ParseDaXie(tc.in)
		if !strings.Contains(ledger.ErrorMessage(err), tc.part) {
			t.Errorf("ParseDaXie(%q) message %q does not contain %q", tc.in, ledger.ErrorMessage(err), tc.part)
		}
	}
}

func TestDateDaXie(t *testing.T) {
	for _, tc := range []struct{ date, want string }{
		{"2020-01-15", "贰零贰零年零壹月壹拾伍日"},
		{"2020-02-05", "贰零贰零年零贰月零伍日"},
		{"2020-02-10", "贰零贰零年零贰月零壹拾日"},
		{"2020-02-11", "贰零贰零年零贰月壹拾壹日"},
		{"2020-02-20", "贰零贰零年零贰月零贰拾日"},
		{"2020-02-29", "贰零贰零年零贰月贰拾玖日"},
		{"2020-03-30", "贰零贰零年叁月零叁拾日"},
		{"2020-03-31", "贰零贰零年叁月叁拾壹日"},
		{"2020-10-20", "贰零贰零年零壹拾月零贰拾日"},
		{"2020-11-01", "贰零贰零年壹拾壹月零壹日"},
		{"2020-12-21", "贰零贰零年壹拾贰月贰拾壹日"},
		// Further rows from the same rules.
		{"2021-09-19", "贰零贰壹年玖月壹拾玖日"},
		{"2000-12-09", "贰零零零年壹拾贰月零玖日"},
	} {
		d, err := time.Parse("2006-01-02", tc.date)
		if err != nil {
			t.Fatal(err)
		}
		if got := ledger.DateDaXie(d); got != tc.want {
			t.Errorf("DateDaXie(%s) = %q; want %q", tc.date, got, tc.want)
		}
	}
	// The calendar day is taken in the time's own location.
	beijing := time.FixedZone("CST", 8*3600)
	d := time.Date(2020, 3, 1, 0, 30, 0, 0, beijing) // 2020-02-29 16:30 UTC
	if got, want := ledger.DateDaXie(d), "贰零贰零年叁月零壹日"; got != want {
		t.Errorf("DateDaXie(%v) = %q; want %q", d, got, want)
	}
}

// daxieReference renders capitals by a different method from the package:
// write every digit with its unit (零仟零佰壹拾零万…), then rewrite the
// string until it settles.
func daxieReference(fen int64) string {
	const caps = "零壹贰叁肆伍陆柒捌玖"
	digit := func(d int64) string { return string([]rune(caps)[d]) }
	yuan, jiao, f := fen/100, fen/10%10, fen%10
	if fen == 0 {
		return "零元整"
	}
	var out string
	if yuan > 0 {
		units := []string{"仟", "佰", "拾", "亿", "仟", "佰", "拾", "万", "仟", "佰", "拾", "元"}
		var full strings.Builder
		for i, c := range []byte(daxiePadded(yuan, 12)) {
			full.WriteString(digit(int64(c - '0')))
			full.WriteString(units[i])
		}
		s := regexp.MustCompile(`零[仟佰拾]`).ReplaceAllString(full.String(), "零")
		for {
			u := regexp.MustCompile(`零+`).ReplaceAllString(s, "零")
			u = regexp.MustCompile(`零([亿万])`).ReplaceAllString(u, "${1}零")
			u = strings.ReplaceAll(u, "亿万", "亿")
			u = strings.ReplaceAll(u, "零元", "元")
			if u == s {
				break
			}
			s = u
		}
		out = strings.TrimLeft(s, "零亿万")
	}
	switch {
	case jiao > 0:
		out += digit(jiao) + "角"
	case f > 0 && yuan > 0:
		out += "零"
	}
	if f > 0 {
		out += digit(f) + "分"
	} else {
		out += "整"
	}
	return out
}

func daxiePadded(n int64, width int) string {
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return strings.Repeat("0", width-len(s)) + s
}

// daxieRandomFen draws amounts in range, often with many zero digits, since
// zeros are where capitals go wrong.
func daxieRandomFen(r *rand.Rand) int64 {
	maxFen := ledger.AmountMax.Fen()
	switch r.IntN(4) {
	case 0:
		return r.Int64N(maxFen + 1)
	case 1:
		return r.Int64N(100000)
	default:
		var fen int64
		for range 1 + r.IntN(14) {
			fen *= 10
			if r.IntN(10) >= 6 {
				fen += 1 + r.Int64N(9)
			}
		}
		return fen
	}
}

func TestToDaXieProperty(t *testing.T) {
	r := propertyRand(t)
	for range 20000 {
		fen := daxieRandomFen(r)
		got, err := ledger.ToDaXieFen(fen)
		if want := daxieReference(fen); err != nil || got != want {
			t.Fatalf("ToDaXieFen(%d) = %q, %v; reference %q", fen, got, err, want)
		}
		back, err := ledger.ParseDaXie(got)
		if err != nil || back.Fen() != fen {
			t.Fatalf("ParseDaXie(%q) = %s, %v; want %d fen", got, back, err, fen)
		}
	}
}

var (
	daxieOptionalGroupZero = regexp.MustCompile(`([万亿])零([壹贰叁肆伍陆柒捌玖])仟`)
	daxieZeroYuanJiao      = regexp.MustCompile(`([拾佰仟万亿])元([壹贰叁肆伍陆柒捌玖])角`)
	daxieMandatoryFenZero  = regexp.MustCompile(`元零([壹贰叁肆伍陆柒捌玖])分`)
)

// TestParseDaXieVariantsProperty writes random amounts in every accepted
// variant, and breaks them in ways R-05 rejects.
func TestParseDaXieVariantsProperty(t *testing.T) {
	r := propertyRand(t)
	traditional := strings.NewReplacer("贰", "貳", "陆", "陸", "亿", "億", "万", "萬", "元", "圓", "整", "正")
	for range 20000 {
		fen := daxieRandomFen(r)
		canon, err := ledger.ToDaXieFen(fen)
		if err != nil {
			t.Fatal(err)
		}
		variants := []string{
			"人民币" + canon,
			traditional.Replace(canon),
			strings.ReplaceAll(canon, "元", "圆"),
			daxieOptionalGroupZero.ReplaceAllString(canon, "${1}${2}仟"),
			daxieZeroYuanJiao.ReplaceAllString(canon, "${1}元零${2}角"),
			strings.TrimSuffix(canon, "角整") + map[bool]string{true: "角", false: ""}[strings.HasSuffix(canon, "角整")],
		}
		for _, v := range variants {
			got, err := ledger.ParseDaXie(v)
			if err != nil || got.Fen() != fen {
				t.Fatalf("ParseDaXie(%q) = %s, %v; want %d fen (canonical %q)", v, got, err, fen, canon)
			}
		}
		var broken []string
		if strings.HasSuffix(canon, "元整") {
			broken = append(broken, strings.TrimSuffix(canon, "整"))
		}
		if strings.HasSuffix(canon, "分") {
			broken = append(broken, canon+"整", canon+"正")
		}
		if daxieMandatoryFenZero.MatchString(canon) {
			broken = append(broken, daxieMandatoryFenZero.ReplaceAllString(canon, "元${1}分"))
		}
		if strings.Contains(canon, "壹") {
			broken = append(broken, strings.Replace(canon, "壹", "一", 1))
		}
		if strings.Contains(canon, "拾") {
			broken = append(broken, strings.Replace(canon, "拾", "十", 1))
		}
		for _, b := range broken {
			if got, err := ledger.ParseDaXie(b); ledger.ErrorCode(err) != ledger.EInvalid {
				t.Fatalf("ParseDaXie(%q) = %s, %v; want %s (canonical %q)", b, got, err, ledger.EInvalid, canon)
			}
		}
	}
}

func FuzzDaXieRoundTrip(f *testing.F) {
	for _, tc := range append(daxieVectors, daxieExtra...) {
		f.Add(ledger.MustParseMoney(tc.amount).Fen())
	}
	f.Add(int64(-1))
	f.Add(ledger.AmountMax.Fen() + 1)
	f.Add(int64(math.MaxInt64))
	f.Add(int64(math.MinInt64))
	f.Fuzz(func(t *testing.T, fen int64) {
		s, err := ledger.ToDaXieFen(fen)
		if fen < 0 || fen > ledger.AmountMax.Fen() {
			if ledger.ErrorCode(err) != ledger.EInvalidAmount || ledger.ErrorField(err) != "amount" {
				t.Fatalf("ToDaXieFen(%d) = %q, %v; want %s", fen, s, err, ledger.EInvalidAmount)
			}
			return
		}
		if err != nil {
			t.Fatalf("ToDaXieFen(%d): %v", fen, err)
		}
		if want := daxieReference(fen); s != want {
			t.Fatalf("ToDaXieFen(%d) = %q; reference %q", fen, s, want)
		}
		if m, err := ledger.ToDaXie(ledger.FromFen(fen)); err != nil || m != s {
			t.Fatalf("ToDaXie(%d fen) = %q, %v; ToDaXieFen gave %q", fen, m, err, s)
		}
		back, err := ledger.ParseDaXie(s)
		if err != nil || back.Fen() != fen {
			t.Fatalf("ParseDaXie(%q) = %s, %v; want %d fen", s, back, err, fen)
		}
	})
}

func FuzzParseDaXie(f *testing.F) {
	for _, tc := range append(daxieVectors, daxieExtra...) {
		f.Add(tc.want)
	}
	for _, tc := range daxieAccepted {
		f.Add(tc.in)
	}
	for _, tc := range daxieRejected {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ledger.ParseDaXie(s)
		if err != nil {
			if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "daxie" {
				t.Fatalf("ParseDaXie(%q): %v; want %s on daxie", s, err, ledger.EInvalid)
			}
			return
		}
		if m.Sign() < 0 || m.Cmp(ledger.AmountMax) > 0 {
			t.Fatalf("ParseDaXie(%q) = %s, out of range", s, m)
		}
		canon, err := ledger.ToDaXie(m)
		if err != nil {
			t.Fatalf("ToDaXie(%s) after ParseDaXie(%q): %v", m, s, err)
		}
		back, err := ledger.ParseDaXie(canon)
		if err != nil || !back.Equal(m) {
			t.Fatalf("ParseDaXie(%q) = %s, %v; want %s (from %q)", canon, back, err, m, s)
		}
		checkDaXieVariant(t, s, m, canon)
	})
}

// daxieTokens is the alphabet of FuzzParseDaXieTokens: every capital, the
// variants, a forbidden character and a space.
var daxieTokens = []rune("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整圆正貳億萬十 ")

// FuzzParseDaXieTokens reads each input byte as a token of daxieTokens, so
// the fuzzer explores the grammar instead of random UTF-8.
func FuzzParseDaXieTokens(f *testing.F) {
	index := map[rune]byte{}
	for i, r := range daxieTokens {
		index[r] = byte(i)
	}
	for _, tc := range append(daxieVectors, daxieExtra...) {
		var b []byte
		for _, r := range tc.want {
			b = append(b, index[r])
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 64 {
			return
		}
		rs := make([]rune, len(b))
		for i, c := range b {
			rs[i] = daxieTokens[int(c)%len(daxieTokens)]
		}
		s := string(rs)
		m, err := ledger.ParseDaXie(s)
		if err != nil {
			if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "daxie" {
				t.Fatalf("ParseDaXie(%q): %v; want %s on daxie", s, err, ledger.EInvalid)
			}
			return
		}
		canon, err := ledger.ToDaXie(m)
		if err != nil {
			t.Fatalf("ToDaXie(%s) after ParseDaXie(%q): %v", m, s, err)
		}
		checkDaXieVariant(t, s, m, canon)
	})
}

var (
	daxieNormalize = strings.NewReplacer("貳", "贰", "陸", "陆", "億", "亿", "萬", "万", "圓", "元", "圆", "元", "正", "整")
	daxieGroupZero = regexp.MustCompile(`[万亿]零[壹贰叁肆伍陆柒捌玖]仟`)
)

// checkDaXieVariant fails unless s, accepted as m, is one of the forms R-05
// documents for canon = ToDaXie(m): the canonical text with an optional
// 人民币, variant characters, any optional 零 of PBOC rule 3 left out or
// added, and 整 after 角 left out. Anything else was accepted wrongly.
func checkDaXieVariant(t *testing.T, s string, m ledger.Money, canon string) {
	t.Helper()
	norm := daxieNormalize.Replace(strings.TrimPrefix(strings.TrimSpace(s), "人民币"))
	forms := map[string]bool{canon: true}
	// Drop each optional 零 after 万 or 亿 that precedes a 仟; 万 and 亿
	// occur at most once each, so every match is unique in the text.
	for _, match := range daxieGroupZero.FindAllString(canon, -1) {
		for f := range maps.Clone(forms) {
			forms[strings.Replace(f, match, strings.Replace(match, "零", "", 1), 1)] = true
		}
	}
	for f := range maps.Clone(forms) {
		if v := daxieZeroYuanJiao.ReplaceAllString(f, "${1}元零${2}角"); v != f {
			forms[v] = true
		}
	}
	for f := range maps.Clone(forms) {
		if strings.HasSuffix(f, "角整") {
			forms[strings.TrimSuffix(f, "整")] = true
		}
	}
	if !forms[norm] {
		t.Fatalf("ParseDaXie(%q) = %s, but %q is not a documented form of %q (forms %v)", s, m, norm, canon, slices.Sorted(maps.Keys(forms)))
	}
}
