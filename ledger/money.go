package ledger

import (
	"regexp"
	"strings"

	"github.com/shopspring/decimal"
)

// AmountMax is the largest amount the ledger accepts (SPEC §4).
var AmountMax = MustParseMoney("999999999999.99")

// amountMaxFen is AmountMax in fen.
const amountMaxFen int64 = 99999999999999

// Money is an amount in yuan, exact to the fen. It wraps decimal.Decimal at
// scale 2 and is only ever made from strings or integer fen, never floats.
type Money struct{ d decimal.Decimal }

var moneyPattern = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// ParseMoney parses a decimal string such as "90000.00", "1,234.5" or
// "-12.30". Thousands separators are accepted; at most 2 decimal places and
// at most AmountMax in absolute value. It does not reject zero or negative
// amounts: ParseAmount does that for posting amounts.
func ParseMoney(s string) (Money, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(t, "¥")
	t = strings.ReplaceAll(t, ",", "")
	if !moneyPattern.MatchString(t) {
		return Money{}, Errorf(EInvalidAmount, "amount", "%q is not a decimal amount", s)
	}
	d, err := decimal.NewFromString(t)
	if err != nil {
		return Money{}, Errorf(EInvalidAmount, "amount", "%q is not a decimal amount", s)
	}
	if d.Exponent() < -2 && !d.Equal(d.Round(2)) {
		return Money{}, Errorf(EInvalidAmount, "amount", "%q has more than 2 decimal places", s)
	}
	m := Money{d.Round(2)}
	if m.Abs().d.GreaterThan(AmountMax.d) {
		return Money{}, Errorf(EInvalidAmount, "amount", "%q exceeds the maximum 999,999,999,999.99", s)
	}
	return m, nil
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

// MustParseMoney is ParseMoney for constants; it panics on bad input.
func MustParseMoney(s string) Money {
	t := strings.ReplaceAll(s, ",", "")
	d, err := decimal.NewFromString(t)
	if err != nil {
		panic(err)
	}
	return Money{d.Round(2)}
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
// m exactly; the first parts carry the remainder.
func (m Money) Split(n int) []Money {
	if n <= 0 {
		return nil
	}
	fen := m.Fen()
	base, rem := fen/int64(n), fen%int64(n)
	out := make([]Money, n)
	for i := range out {
		p := base
		if int64(i) < rem {
			p++
		}
		out[i] = FromFen(p)
	}
	return out
}

// Allocate divides m in proportion to weights; parts add up to m exactly,
// the remainder going to the largest weights first.
func (m Money) Allocate(weights []int64) []Money {
	var total int64
	for _, w := range weights {
		total += w
	}
	out := make([]Money, len(weights))
	if total == 0 {
		for i := range out {
			out[i] = Zero
		}
		return out
	}
	fen := m.Fen()
	var given int64
	parts := make([]int64, len(weights))
	for i, w := range weights {
		parts[i] = fen * w / total
		given += parts[i]
	}
	for i := 0; given < fen; i = (i + 1) % len(parts) {
		if weights[i] > 0 {
			parts[i]++
			given++
		}
	}
	for i, p := range parts {
		out[i] = FromFen(p)
	}
	return out
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

var amountMaxDecimal = AmountMax.d
