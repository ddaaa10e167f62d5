package ledger

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Capitals (大写) of amounts and dates, domain §3.7 and §6.2 (R-03..R-06).

// daxieDigits are the capital digits 0..9.
var daxieDigits = [10]rune{'零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'}

// daxieUnits are the units inside a four-digit group, by position.
var daxieUnits = [4]string{"", "拾", "佰", "仟"}

// ToDaXie writes m in canonical capitals: 90000.00 → 玖万元整.
// The range is 0.00 to 999,999,999,999.99; a negative amount is an
// error because reversal documents print the absolute value with a red
// marker, which is the caller's decision.
func ToDaXie(m Money) (string, error) {
	if m.d.Sign() < 0 || m.d.GreaterThan(amountMaxDecimal) {
		return "", daxieRangeError(m)
	}
	if !m.d.Equal(m.d.Round(2)) {
		return "", Errorf(EInvalidAmount, "amount", "%s has more than 2 decimal places", m.d.String())
	}
	return daxie(m.Fen()), nil
}

// ToDaXieFen is ToDaXie for an amount in integer fen.
func ToDaXieFen(fen int64) (string, error) {
	if fen < 0 || fen > amountMaxFen {
		return "", daxieRangeError(FromFen(fen))
	}
	return daxie(fen), nil
}

func daxieRangeError(m Money) *Error {
	if m.Sign() < 0 {
		return Errorf(EInvalidAmount, "amount", "capitals are written for amounts of 0.00 or more, not %s (a reversal prints the absolute value)", m.Format())
	}
	return Errorf(EInvalidAmount, "amount", "capitals are written for amounts up to 999,999,999,999.99, not %s", m.Format())
}

// daxie renders 0 <= fen <= amountMaxFen.
func daxie(fen int64) string {
	yuan, jiao, f := fen/100, fen/10%10, fen%10
	if fen == 0 {
		return "零元整"
	}
	var b strings.Builder
	if yuan > 0 {
		writeDaXieInteger(&b, yuan)
		b.WriteRune('元')
	}
	switch {
	case jiao == 0 && f == 0:
		b.WriteRune('整')
	case jiao == 0:
		// 角 = 0 with 分 ≠ 0: the 零 after 元 is mandatory (PBOC rule 4).
		if yuan > 0 {
			b.WriteRune('零')
		}
		b.WriteRune(daxieDigits[f])
		b.WriteRune('分')
	default:
		b.WriteRune(daxieDigits[jiao])
		b.WriteRune('角')
		if f == 0 {
			b.WriteRune('整')
		} else {
			b.WriteRune(daxieDigits[f])
			b.WriteRune('分')
		}
	}
	return b.String()
}

// writeDaXieInteger writes 0 < yuan < 10^12. A run of zeros between two
// non-zero digits becomes one 零 written just before the next non-zero
// digit, which puts it after 万/亿 when the run crosses a group boundary
// (the canonical choice of PBOC rule 3); trailing zeros are dropped.
func writeDaXieInteger(b *strings.Builder, yuan int64) {
	var digits [12]int64
	for p := range digits {
		digits[p] = yuan % 10
		yuan /= 10
	}
	started, zero := false, false
	for p := 11; p >= 0; p-- {
		if d := digits[p]; d == 0 {
			zero = started
		} else {
			if zero {
				b.WriteRune('零')
				zero = false
			}
			b.WriteRune(daxieDigits[d])
			b.WriteString(daxieUnits[p%4])
			started = true
		}
		if p == 8 || p == 4 {
			if digits[p]+digits[p+1]+digits[p+2]+digits[p+3] != 0 {
				if p == 8 {
					b.WriteRune('亿')
				} else {
					b.WriteRune('万')
				}
			}
		}
	}
}

// daxieTextMax bounds the input of ParseDaXie in bytes; the longest valid
// text (人民币 and every optional 零) is under 40 characters.
const daxieTextMax = 256

// daxieVariants maps the accepted variant characters to the
// canonical ones.
var daxieVariants = map[rune]rune{
	'貳': '贰', '陸': '陆', '億': '亿', '萬': '万', '圓': '元', '圆': '元', '正': '整',
}

// daxieForbidden are the characters PBOC forbids in capitals, with the
// capital to write instead.
var daxieForbidden = map[rune]string{
	'一': "壹", '二': "贰", '两': "贰", '三': "叁", '四': "肆", '五': "伍",
	'六': "陆", '七': "柒", '八': "捌", '九': "玖", '十': "拾", '廿': "贰拾",
	'念': "贰拾", '毛': "角", '另': "零", '〇': "零",
}

func daxieError(format string, args ...any) *Error {
	return Errorf(EInvalid, "daxie", format, args...)
}

func daxieDigit(r rune) (int, bool) {
	for d, c := range daxieDigits[1:] {
		if r == c {
			return d + 1, true
		}
	}
	return 0, false
}

func daxieUnit(r rune) (int, bool) {
	switch r {
	case '拾':
		return 1, true
	case '佰':
		return 2, true
	case '仟':
		return 3, true
	}
	return 0, false
}

// daxieWritten is one non-zero digit of the integer part as written.
type daxieWritten struct {
	digit int
	pos   int  // position inside its group (0..3), then absolute (0..11)
	zero  bool // a 零 was written just before it
}

// ParseDaXie reads capitals typed on a document and returns the
// amount. Besides the canonical form of ToDaXie it accepts a leading
// 人民币, the variants 圆 圓 正 貳 陸 億 萬, the optional 零 of PBOC rule 3
// (after 元 when the 元 digit is 0; after 万 or 亿 when the zeros end at
// that unit and the next digit is a 仟) and a missing 整 after 角. It
// rejects the forbidden characters and Arabic digits, 整 after 分, a
// missing 整 after 元, a missing 零 that the rules require, a 零 where no
// digit is zero, and units out of order. 零元 is written only as 零元整.
// Surrounding white space is ignored.
func ParseDaXie(s string) (Money, error) {
	if len(s) > daxieTextMax {
		return Money{}, daxieError("capitals are longer than %d bytes", daxieTextMax)
	}
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(t, "人民币")
	if t == "" {
		return Money{}, daxieError("no amount in capitals in %q", s)
	}
	if !utf8.ValidString(t) {
		return Money{}, daxieError("capitals are not valid UTF-8")
	}
	rs := make([]rune, 0, len(t)/3)
	for _, r := range t {
		if want, ok := daxieForbidden[r]; ok {
			return Money{}, daxieError("%q is not allowed in capitals; write %s", r, want)
		}
		if unicode.IsDigit(r) {
			return Money{}, daxieError("digit %q is not allowed in capitals", r)
		}
		if unicode.IsSpace(r) {
			return Money{}, daxieError("space inside capitals %q", s)
		}
		if c, ok := daxieVariants[r]; ok {
			r = c
		}
		if !strings.ContainsRune("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整", r) {
			return Money{}, daxieError("%q is not a capital character", r)
		}
		rs = append(rs, r)
	}

	intPart, fracPart, hasYuan := rs, []rune(nil), false
	for i, r := range rs {
		if r == '元' {
			if hasYuan {
				return Money{}, daxieError("元 is written twice")
			}
			intPart, fracPart, hasYuan = rs[:i], rs[i+1:], true
		}
	}
	if !hasYuan {
		intPart, fracPart = nil, rs
	}

	var yuan int64
	onesZero := true
	switch {
	case !hasYuan:
	case len(intPart) == 0:
		return Money{}, daxieError("元 without digits before it")
	case string(intPart) == "零":
		if string(fracPart) != "整" {
			return Money{}, daxieError("零元 is written only as 零元整; leave out 零元 before 角 or 分")
		}
		return Zero, nil
	default:
		digits, err := parseDaXieInteger(intPart)
		if err != nil {
			return Money{}, err
		}
		for p := 11; p >= 0; p-- {
			yuan = yuan*10 + int64(digits[p])
		}
		onesZero = digits[0] == 0
	}
	cents, err := parseDaXieFraction(fracPart, hasYuan, onesZero)
	if err != nil {
		return Money{}, err
	}
	return FromFen(yuan*100 + cents), nil
}

// parseDaXieInteger reads the part before 元 into digits by position
// (0 = 元, 4 = 万, 8 = 亿).
func parseDaXieInteger(rs []rune) ([12]int, error) {
	var digits [12]int
	var all []daxieWritten // every written digit, positions made absolute
	var group []daxieWritten
	groupBase := 12 // base of the last group closed by 亿 or 万
	zero := false
	closeGroup := func(base int, unit rune) error {
		if len(group) == 0 {
			return daxieError("%c without digits before it", unit)
		}
		if base >= groupBase {
			return daxieError("%c out of order", unit)
		}
		for _, w := range group {
			w.pos += base
			all = append(all, w)
		}
		groupBase, group = base, group[:0]
		return nil
	}
	for i := 0; i < len(rs); {
		r := rs[i]
		if d, ok := daxieDigit(r); ok {
			pos := 0
			if i+1 < len(rs) {
				if u, ok := daxieUnit(rs[i+1]); ok {
					pos = u
					i++
				}
			}
			i++
			if n := len(group); n > 0 && pos >= group[n-1].pos {
				return digits, daxieError("%s cannot follow %s in the same group",
					daxieName(d, pos), daxieName(group[n-1].digit, group[n-1].pos))
			}
			group = append(group, daxieWritten{digit: d, pos: pos, zero: zero})
			zero = false
			continue
		}
		switch r {
		case '零':
			if zero {
				return digits, daxieError("零 is written twice in a row; a run of zeros is one 零")
			}
			if len(all) == 0 && len(group) == 0 {
				return digits, daxieError("capitals cannot start with 零")
			}
			zero = true
		case '拾', '佰', '仟':
			return digits, daxieError("%c must follow a digit (壹%c, not %c)", r, r, r)
		case '万', '亿':
			if zero {
				return digits, daxieError("零 cannot stand before %c", r)
			}
			base := 4
			if r == '亿' {
				base = 8
			}
			if err := closeGroup(base, r); err != nil {
				return digits, err
			}
		default: // 角 分 整
			return digits, daxieError("%c before 元", r)
		}
		i++
	}
	if zero {
		return digits, daxieError("零 cannot stand before 元")
	}
	if len(group) > 0 {
		if err := closeGroup(0, '元'); err != nil {
			return digits, err
		}
	}
	for k, w := range all {
		digits[w.pos] = w.digit
		if k == 0 {
			continue
		}
		gap := all[k-1].pos - w.pos - 1
		switch {
		case gap > 0 && !w.zero && w.pos != 3 && w.pos != 7:
			// Only a run of zeros ending at 万 or 亿 may go without its 零
			// (PBOC rule 3); anywhere else the 零 keeps 壹佰壹 from being
			// read as 壹佰零壹.
			return digits, daxieError("missing 零 before %s", daxieName(w.digit, w.pos))
		case gap == 0 && w.zero:
			return digits, daxieError("零 before %s but no digit there is zero", daxieName(w.digit, w.pos))
		}
	}
	return digits, nil
}

// daxieName names a written digit for messages: 伍佰, 伍万, 伍.
func daxieName(d, pos int) string {
	s := string(daxieDigits[d]) + daxieUnits[pos%4]
	if pos%4 == 0 && pos > 0 {
		s += map[int]string{4: "万", 8: "亿"}[pos]
	}
	return s
}

// parseDaXieFraction reads what follows 元 (or the whole text when there
// is no integer part) and returns 角 and 分 in fen.
func parseDaXieFraction(rs []rune, hasYuan, onesZero bool) (int64, error) {
	i := 0
	zero := false
	if i < len(rs) && rs[i] == '零' {
		zero = true
		i++
	}
	var jiao, fen int
	hasJiao, hasFen, zheng := false, false, false
	if i+1 < len(rs) && rs[i+1] == '角' {
		if d, ok := daxieDigit(rs[i]); ok {
			jiao, hasJiao = d, true
			i += 2
		}
	}
	if i+1 < len(rs) && rs[i+1] == '分' {
		if d, ok := daxieDigit(rs[i]); ok {
			fen, hasFen = d, true
			i += 2
		}
	}
	if i < len(rs) && rs[i] == '整' {
		zheng = true
		i++
	}
	if i < len(rs) {
		r := rs[i]
		switch {
		case r == '整':
			return 0, daxieError("整 is written twice")
		case (r == '角' || r == '分') && i > 0 && rs[i-1] == '零':
			return 0, daxieError("零%c is not written; leave the zero %c out", r, r)
		case r == '角' || r == '分':
			return 0, daxieError("%c must follow a digit", r)
		case zheng || hasFen:
			return 0, daxieError("%c after %c", r, rs[i-1])
		case !hasYuan && strings.ContainsRune("拾佰仟万亿", r):
			return 0, daxieError("missing 元 after the integer part")
		case r == '零':
			return 0, daxieError("misplaced 零")
		default:
			if _, ok := daxieDigit(r); ok {
				if !hasYuan {
					return 0, daxieError("%c must be followed by 元, 角 or 分", r)
				}
				return 0, daxieError("%c after 元 must be followed by 角 or 分", r)
			}
			return 0, daxieError("unexpected %c", r)
		}
	}
	switch {
	case hasFen && zheng:
		return 0, daxieError("整 is never written after 分")
	case !hasYuan && zero:
		return 0, daxieError("capitals cannot start with 零")
	case !hasYuan && !hasJiao && !hasFen:
		return 0, daxieError("no amount in capitals")
	case hasYuan && !hasJiao && !hasFen && zero:
		return 0, daxieError("零 after 元 must be followed by 角 or 分")
	case hasYuan && !hasJiao && !hasFen && !zheng:
		return 0, daxieError("missing 整 after 元")
	case hasYuan && hasJiao && zero && !onesZero:
		return 0, daxieError("零 after 元 but the 元 digit is not zero")
	case hasYuan && !hasJiao && hasFen && !zero:
		return 0, daxieError("missing 零 between 元 and 分 (角 is zero)")
	}
	return int64(jiao*10 + fen), nil
}

// DateDaXie writes the calendar date of d (in d's location) in capitals as
// bills require: the year digit by digit, months 壹 贰 壹拾 and days
// 壹–玖 壹拾 贰拾 叁拾 with a leading 零 (so no digit can be added in front),
// days 拾壹–拾玖 with a leading 壹: 2020-10-20 → 贰零贰零年零壹拾月零贰拾日.
func DateDaXie(d time.Time) string {
	y, m, day := d.Date()
	if y < 0 {
		y = -y
	}
	var b strings.Builder
	year := []rune{}
	for ; y > 0 || len(year) == 0; y /= 10 {
		year = append(year, daxieDigits[y%10])
	}
	for i := len(year) - 1; i >= 0; i-- {
		b.WriteRune(year[i])
	}
	b.WriteRune('年')
	if m <= 2 || m == 10 {
		b.WriteRune('零')
	}
	writeDaXieSmall(&b, int(m))
	b.WriteRune('月')
	if day <= 9 || day%10 == 0 {
		b.WriteRune('零')
	}
	writeDaXieSmall(&b, day)
	b.WriteRune('日')
	return b.String()
}

// writeDaXieSmall writes 1 <= n <= 99 with 壹 kept before 拾.
func writeDaXieSmall(b *strings.Builder, n int) {
	if n >= 10 {
		b.WriteRune(daxieDigits[n/10])
		b.WriteRune('拾')
	}
	if n%10 != 0 {
		b.WriteRune(daxieDigits[n%10])
	}
}
