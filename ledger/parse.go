package ledger

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dateTextLayout is the only accepted text form of a date.
const dateTextLayout = "2006-01-02"

// ParseDate parses a calendar date written YYYY-MM-DD (nothing else: no
// time, no time zone, no white space) into midnight UTC. The year is
// 0001..9999.
func ParseDate(s string) (time.Time, error) {
	d, ok := parseDateText(s)
	if !ok {
		return time.Time{}, Errorf(EInvalid, "date", "%q is not a date of the form YYYY-MM-DD", clipInput(s))
	}
	return d, nil
}

func parseDateText(s string) (time.Time, bool) {
	if len(s) != len(dateTextLayout) || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	y, ok1 := asciiDigits(s[0:4])
	m, ok2 := asciiDigits(s[5:7])
	d, ok3 := asciiDigits(s[8:10])
	if !ok1 || !ok2 || !ok3 || y < 1 || m < 1 || m > 12 || d < 1 || d > monthDays(y, m) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), true
}

// asciiDigits parses a string of ASCII digits only (no sign, unlike strconv).
func asciiDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(s) > 0
}

func monthDays(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// clipInput shortens hostile input for error messages.
func clipInput(s string) string {
	const clipMax = 40
	if len(s) <= clipMax {
		return s
	}
	return strings.ToValidUTF8(s[:clipMax], "") + "…"
}

// PeriodRange is a run of whole calendar months: From is midnight UTC of
// the first day of the first month, To midnight UTC of the last day of the
// last month (both inclusive).
type PeriodRange struct{ From, To time.Time }

// ParsePeriod parses a month "2020-02", a range of months
// "2020-02..2020-03" (first <= last) or a year "2020". Years are
// 0001..9999.
func ParsePeriod(s string) (PeriodRange, error) {
	bad := func(why string) (PeriodRange, error) {
		return PeriodRange{}, Errorf(EInvalid, "period", "%q is not a period (2020-02, 2020-02..2020-03 or 2020): %s", clipInput(s), why)
	}
	if len(s) == 4 {
		y, ok := asciiDigits(s)
		if !ok || y < 1 {
			return bad("bad year")
		}
		return PeriodRange{
			From: time.Date(y, time.January, 1, 0, 0, 0, 0, time.UTC),
			To:   time.Date(y, time.December, 31, 0, 0, 0, 0, time.UTC),
		}, nil
	}
	first, last, isRange := strings.Cut(s, "..")
	if !isRange {
		last = first
	}
	fy, fm, ok := parseMonth(first)
	if !ok {
		return bad("bad month")
	}
	ly, lm, ok := parseMonth(last)
	if !ok {
		return bad("bad month")
	}
	if ly*12+lm < fy*12+fm {
		return bad("the last month is before the first")
	}
	return PeriodRange{
		From: time.Date(fy, time.Month(fm), 1, 0, 0, 0, 0, time.UTC),
		To:   time.Date(ly, time.Month(lm), monthDays(ly, lm), 0, 0, 0, 0, time.UTC),
	}, nil
}

// parseMonth parses YYYY-MM.
func parseMonth(s string) (y, m int, ok bool) {
	if len(s) != 7 || s[4] != '-' {
		return 0, 0, false
	}
	y, ok1 := asciiDigits(s[:4])
	m, ok2 := asciiDigits(s[5:])
	if !ok1 || !ok2 || y < 1 || m < 1 || m > 12 {
		return 0, 0, false
	}
	return y, m, true
}

// Label is the shortest text ParsePeriod reads back as p: "2020" for a
// whole year, "2020-02" for one month, "2020-02..2020-03" otherwise.
func (p PeriodRange) Label() string {
	fy, fm, _ := p.From.Date()
	ly, lm, _ := p.To.Date()
	switch {
	case fy == ly && fm == time.January && lm == time.December:
		return fmt.Sprintf("%04d", fy)
	case fy == ly && fm == lm:
		return fmt.Sprintf("%04d-%02d", fy, fm)
	}
	return fmt.Sprintf("%04d-%02d..%04d-%02d", fy, fm, ly, lm)
}

// Contains reports whether the calendar date of t (in t's own location,
// so a voucher dated 00:30 in Beijing counts on that Beijing day) falls in
// the period.
func (p PeriodRange) Contains(t time.Time) bool {
	y, m, d := t.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return !day.Before(p.From) && !day.After(p.To)
}

// Months lists the (year, month) pairs of the period in order.
func (p PeriodRange) Months() [][2]int {
	fy, fm, _ := p.From.Date()
	ly, lm, _ := p.To.Date()
	first, last := fy*12+int(fm)-1, ly*12+int(lm)-1
	if last < first {
		return nil
	}
	out := make([][2]int, 0, last-first+1)
	for k := first; k <= last; k++ {
		out = append(out, [2]int{k / 12, k%12 + 1})
	}
	return out
}

// ParseBeneficiary parses a beneficiary as a command line gives it:
// "name,category,id-number,amount[,reason]"; the id may name its document's
// kind first ("hk_macao:H12345678"), a resident identity card when it does
// not.
func ParseBeneficiary(s string) (Beneficiary, error) {
	parts := strings.Split(s, ",")
	if len(parts) < 4 {
		return Beneficiary{}, Errorf(EInvalid, "beneficiary", "%q is not 'name,category,id-number,amount[,reason]'", s)
	}
	amt, err := ParseAmount(strings.TrimSpace(parts[3]))
	if err != nil {
		return Beneficiary{}, err
	}
	p := Beneficiary{Name: strings.TrimSpace(parts[0]), Category: strings.TrimSpace(parts[1]), IDNumber: strings.TrimSpace(parts[2]), Amount: amt}
	if kind, number, ok := strings.Cut(p.IDNumber, ":"); ok {
		p.IDKind, p.IDNumber = IDKind(strings.TrimSpace(kind)), strings.TrimSpace(number)
	}
	if len(parts) > 4 {
		p.Reason = strings.TrimSpace(strings.Join(parts[4:], ","))
	}
	return p, nil
}

// VoucherRef names a voucher: by its id, or by its period, type and
// number (2020-02:记-12).
type VoucherRef struct {
	ID                  int64
	Year, Month, Number int
	Type                string
}

// ParseVoucherRef parses a voucher id or PERIOD:字-号 such as 2020-02:记-12.
func ParseVoucherRef(ref string) (VoucherRef, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return VoucherRef{ID: id}, nil
	}
	period, word, ok := strings.Cut(ref, ":")
	typ, num, ok2 := strings.Cut(word, "-")
	n, err := strconv.Atoi(num)
	if !ok || !ok2 || err != nil {
		return VoucherRef{}, Errorf(EInvalid, "voucher", "%q is neither a voucher id nor PERIOD:字-号 (e.g. 2020-02:记-12)", ref)
	}
	p, err := ParsePeriod(period)
	if err != nil {
		return VoucherRef{}, err
	}
	return VoucherRef{Year: p.From.Year(), Month: int(p.From.Month()), Type: typ, Number: n}, nil
}
