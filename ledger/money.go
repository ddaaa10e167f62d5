package ledger

import (
	"math/big"
	"regexp"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// amountMaxFen is AmountMax in fen.
const amountMaxFen int64 = 99999999999999

// amountTextMax bounds the length of an amount string: the longest valid
// amount ("-¥999,999,999,999.99" with trailing zeros) is far shorter, and
// the bound keeps hostile input from reaching the decimal parser.
const amountTextMax = 64

// amountMaxDecimal backs AmountMax; ParseMoney compares against it, so it
// must not depend on ParseMoney itself (that would be an initialization
// cycle through MustParseMoney).
var amountMaxDecimal = decimal.New(amountMaxFen, -2)

// AmountMax is the largest amount the ledger accepts (SPEC §4).
var AmountMax = Money{amountMaxDecimal}

// Money is an amount in yuan, exact to the fen. It wraps decimal.Decimal at
// scale 2 and is only ever made from strings or integer fen, never floats.
type Money struct{ d decimal.Decimal }

var (
	moneyPattern = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	// groupedPattern is the only shape in which commas are accepted: groups
	// of exactly three digits. Without it "1,00" (a European 1.00) would be
	// read as 100.
	groupedPattern = regexp.MustCompile(`^-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$`)
)

// ParseMoney parses a decimal string such as "90000.00", "1,234.5" or
// "-12.30". Surrounding white space and a leading "¥" are ignored;
// thousands separators are accepted only in groups of three digits. At most
// 2 decimal places and at most AmountMax in absolute value. It does not
// reject zero or negative amounts: ParseAmount does that for posting
// amounts.
func ParseMoney(s string) (Money, error) {
	if len(s) > amountTextMax {
		return Money{}, Errorf(EInvalidAmount, "amount", "amount text is longer than %d bytes", amountTextMax)
	}
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(t, "¥")
	if strings.Contains(t, ",") {
		if !groupedPattern.MatchString(t) {
			return Money{}, Errorf(EInvalidAmount, "amount", "%q has misplaced thousands separators", s)
		}
		t = strings.ReplaceAll(t, ",", "")
	}
	if !moneyPattern.MatchString(t) {
		return Money{}, Errorf(EInvalidAmount, "amount", "%q is not a decimal amount", s)
	}
	d, err := decimal.NewFromString(t)
	if err != nil {
		return Money{}, Errorf(EInvalidAmount, "amount", "%q is not a decimal amount", s)
	}
	if !d.Equal(d.Round(2)) {
		return Money{}, Errorf(EInvalidAmount, "amount", "%q has more than 2 decimal places", s)
	}
	if d.Abs().GreaterThan(amountMaxDecimal) {
		return Money{}, Errorf(EInvalidAmount, "amount", "%q exceeds the maximum 999,999,999,999.99", s)
	}
	return Money{d.Round(2)}, nil
}

// ParseAmount parses a posting amount: a decimal string > 0 with at most 2
// decimal places, at most AmountMax.
func ParseAmount(s string) (Money, error) {
	m, err := ParseMoney(s)
	if err != nil {
		return Money{}, err
	}
	if m.Sign() <= 0 {
		return Money{}, Errorf(EInvalidAmount, "amount", "%q must be greater than 0", s)
	}
	return m, nil
}

// MustParseMoney is ParseMoney for constants; it panics on input that
// ParseMoney rejects (so a constant can never be silently rounded).
func MustParseMoney(s string) Money {
	m, err := ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

// FromFen makes Money from an integer number of fen (1/100 yuan).
func FromFen(fen int64) Money { return Money{decimal.New(fen, -2)} }

// Zero is 0.00.
var Zero = FromFen(0)

// Fen returns the amount in integer fen.
func (m Money) Fen() int64 { return m.d.Shift(2).IntPart() }

// Decimal returns the underlying decimal value.
func (m Money) Decimal() decimal.Decimal { return m.d }

func (m Money) Add(o Money) Money  { return Money{m.d.Add(o.d)} }
func (m Money) Sub(o Money) Money  { return Money{m.d.Sub(o.d)} }
func (m Money) Neg() Money         { return Money{m.d.Neg()} }
func (m Money) Abs() Money         { return Money{m.d.Abs()} }
func (m Money) Sign() int          { return m.d.Sign() }
func (m Money) IsZero() bool       { return m.d.IsZero() }
func (m Money) Cmp(o Money) int    { return m.d.Cmp(o.d) }
func (m Money) Equal(o Money) bool { return m.d.Equal(o.d) }

// String is the plain form with exactly two decimals: "90000.00", "-1.50".
func (m Money) String() string { return m.d.StringFixed(2) }

// Format is the display form with thousands separators: "320,000.00".
func (m Money) Format() string {
	s := m.d.Abs().StringFixed(2)
	intPart, frac := s[:len(s)-3], s[len(s)-2:]
	var b strings.Builder
	if m.d.Sign() < 0 {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	b.WriteByte('.')
	b.WriteString(frac)
	return b.String()
}

// Split divides m into n parts that differ by at most one fen and add up to
// m exactly; the first parts carry the remainder (for a negative m the
// parts are the negated parts of -m). n <= 0 gives nil.
func (m Money) Split(n int) []Money {
	if n <= 0 {
		return nil
	}
	fen, sign := m.fenAbs()
	// fen <= |int64| and n >= 1, so neither the quotient nor the remainder
	// overflows.
	base, rem := fen/uint64(n), fen%uint64(n)
	out := make([]Money, n)
	for i := range out {
		p := base
		if uint64(i) < rem {
			p++
		}
		out[i] = fromFenSigned(p, sign)
	}
	return out
}

// Allocate divides m in proportion to weights; parts add up to m exactly.
// Each part is the exact share rounded down in magnitude, and the fen left
// over go one each to the largest weights first (ties to the earlier
// index), so no part is more than one fen from its exact share. The
// products are computed with math/big, so any amount and weights that sum
// to more than int64 are fine. If every weight is zero (or there are none),
// nothing can be shared and every part is zero. Weights must not be
// negative: Allocate panics on a negative weight, which is a programming
// error.
func (m Money) Allocate(weights []int64) []Money {
	out := make([]Money, len(weights))
	total := new(big.Int)
	for i, w := range weights {
		if w < 0 {
			panic("ledger: Allocate with a negative weight")
		}
		total.Add(total, big.NewInt(w))
		out[i] = Zero
	}
	if total.Sign() == 0 {
		return out
	}
	fen, sign := m.fenAbs()
	whole := new(big.Int).SetUint64(fen)
	parts := make([]uint64, len(weights))
	var given uint64
	var q big.Int
	for i, w := range weights {
		// whole*w/total <= whole, so the part fits in uint64.
		q.Mul(whole, big.NewInt(w))
		q.Quo(&q, total)
		parts[i] = q.Uint64()
		given += parts[i]
	}
	// The remainder is less than the number of positive weights (each
	// positive weight lost less than one fen to rounding down), and the
	// positive weights sort first, so one pass suffices.
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case weights[a] > weights[b]:
			return -1
		case weights[a] < weights[b]:
			return 1
		}
		return 0
	})
	for _, i := range order[:fen-given] {
		parts[i]++
	}
	for i, p := range parts {
		out[i] = fromFenSigned(p, sign)
	}
	return out
}

// fenAbs returns |m| in fen and the sign of m. |m| in fen fits in uint64
// for every amount the ledger can hold.
func (m Money) fenAbs() (uint64, int) {
	f := m.d.Abs().Shift(2).BigInt()
	return f.Uint64(), m.d.Sign()
}

// fromFenSigned makes Money from a fen magnitude and a sign.
func fromFenSigned(fen uint64, sign int) Money {
	d := decimal.NewFromBigInt(new(big.Int).SetUint64(fen), -2)
	if sign < 0 {
		d = d.Neg()
	}
	return Money{d}
}

// MarshalText makes Money a JSON string ("90000.00").
func (m Money) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText parses a JSON string amount; JSON numbers are rejected by
// encoding/json for a TextUnmarshaler, so floats never reach here.
func (m *Money) UnmarshalText(b []byte) error {
	v, err := ParseMoney(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
