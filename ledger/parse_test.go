package ledger_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

func utcDate(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2020-02-29", utcDate(2020, 2, 29)},
		{"2020-01-01", utcDate(2020, 1, 1)},
		{"2020-12-31", utcDate(2020, 12, 31)},
		{"2000-02-29", utcDate(2000, 2, 29)},
		{"0001-01-01", utcDate(1, 1, 1)},
		{"9999-12-31", utcDate(9999, 12, 31)},
	} {
		got, err := ledger.ParseDate(tc.in)
		if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

var dateRejected = []string{
	"",
	"2020",
	"2020-02",
	"2020-2-29",
	"2020-02-9",
	"20-02-29",
	"2021-02-29", // not a leap year
	"1900-02-29", // not a leap year
	"2020-02-30",
	"2020-04-31",
	"2020-13-01",
	"2020-00-10",
	"2020-01-00",
	"2020-01-32",
	"0000-01-01",
	"+202-01-01",
	"-202-01-01",
	"2020-+1-01",
	"2020/02/29",
	"2020-02-29 ",
	" 2020-02-29",
	"2020-02-29T00:00:00Z",
	"29.02.2020",
	"２０２０-02-29",
	"2020年2月29日",
	"abcd-ef-gh",
	"20200229",
}

func TestParseDateErrors(t *testing.T) {
	for _, in := range dateRejected {
		got, err := ledger.ParseDate(in)
		if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "date" || !got.IsZero() {
			t.Errorf("ParseDate(%q) = %v, %v; want %s on date", in, got, err, ledger.EInvalid)
		}
	}
	// A long hostile input is clipped in the message.
	_, err := ledger.ParseDate(strings.Repeat("9", 10000))
	if msg := ledger.ErrorMessage(err); len(msg) > 200 {
		t.Errorf("message of %d bytes for a long input", len(msg))
	}
}

func TestParsePeriod(t *testing.T) {
	for _, tc := range []struct {
		in       string
		from, to time.Time
		label    string
		months   [][2]int
	}{
		{"2020-02", utcDate(2020, 2, 1), utcDate(2020, 2, 29), "2020-02", [][2]int{{2020, 2}}},
		{"2021-02", utcDate(2021, 2, 1), utcDate(2021, 2, 28), "2021-02", [][2]int{{2021, 2}}},
		{"2020-12", utcDate(2020, 12, 1), utcDate(2020, 12, 31), "2020-12", [][2]int{{2020, 12}}},
		{"2020-02..2020-03", utcDate(2020, 2, 1), utcDate(2020, 3, 31), "2020-02..2020-03", [][2]int{{2020, 2}, {2020, 3}}},
		{"2019-11..2020-02", utcDate(2019, 11, 1), utcDate(2020, 2, 29), "2019-11..2020-02", [][2]int{{2019, 11}, {2019, 12}, {2020, 1}, {2020, 2}}},
		{"2020-02..2020-02", utcDate(2020, 2, 1), utcDate(2020, 2, 29), "2020-02", [][2]int{{2020, 2}}},
		{"2020", utcDate(2020, 1, 1), utcDate(2020, 12, 31), "2020", nil},
		{"2020-01..2020-12", utcDate(2020, 1, 1), utcDate(2020, 12, 31), "2020", nil},
		{"2019-01..2020-12", utcDate(2019, 1, 1), utcDate(2020, 12, 31), "2019-01..2020-12", nil},
	} {
		p, err := ledger.ParsePeriod(tc.in)
		if err != nil || !p.From.Equal(tc.from) || !p.To.Equal(tc.to) {
			t.Errorf("ParsePeriod(%q) = %v..%v, %v; want %v..%v", tc.in, p.From, p.To, err, tc.from, tc.to)
			continue
		}
		if got := p.Label(); got != tc.label {
			t.Errorf("ParsePeriod(%q).Label() = %q; want %q", tc.in, got, tc.label)
		}
		if tc.months != nil && !slices.Equal(p.Months(), tc.months) {
			t.Errorf("ParsePeriod(%q).Months() = %v; want %v", tc.in, p.Months(), tc.months)
		}
	}
	p, _ := ledger.ParsePeriod("2020")
	if m := p.Months(); len(m) != 12 || m[0] != [2]int{2020, 1} || m[11] != [2]int{2020, 12} {
		t.Errorf("Months of 2020 = %v", m)
	}
}

var periodRejected = []string{
	"",
	"20",
	"202",
	"20200",
	"0000",
	"-202",
	"+202",
	"2020-2",
	"2020-13",
	"2020-00",
	"2020-02-01",
	"2020/02",
	"2020-03..2020-02", // backwards
	"2021..2020",
	"2020..2021", // year ranges are written month to month
	"2020-02..",
	"..2020-02",
	"2020-02...2020-03",
	"2020-02..2020-03..2020-04",
	"2020-02 ..2020-03",
	" 2020-02",
	"2020-02 ",
	"２０２０",
	"2020年2月",
}

func TestParsePeriodErrors(t *testing.T) {
	for _, in := range periodRejected {
		p, err := ledger.ParsePeriod(in)
		if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "period" {
			t.Errorf("ParsePeriod(%q) = %+v, %v; want %s on period", in, p, err, ledger.EInvalid)
		}
	}
}

func TestPeriodContains(t *testing.T) {
	p, err := ledger.ParsePeriod("2020-02..2020-03")
	if err != nil {
		t.Fatal(err)
	}
	beijing := time.FixedZone("CST", 8*3600)
	for _, tc := range []struct {
		t    time.Time
		want bool
	}{
		{utcDate(2020, 1, 31), false},
		{time.Date(2020, 1, 31, 23, 59, 59, 999999999, time.UTC), false},
		{utcDate(2020, 2, 1), true},
		{utcDate(2020, 2, 29), true},
		{utcDate(2020, 3, 31), true},
		{time.Date(2020, 3, 31, 23, 59, 59, 999999999, time.UTC), true},
		{utcDate(2020, 4, 1), false},
		// The calendar day in the time's own location counts.
		{time.Date(2020, 4, 1, 0, 30, 0, 0, beijing), false},   // 2020-03-31 16:30 UTC
		{time.Date(2020, 2, 1, 0, 30, 0, 0, beijing), true},    // 2020-01-31 16:30 UTC
		{time.Date(2020, 3, 31, 23, 30, 0, 0, beijing), true},  // 2020-03-31 15:30 UTC
		{time.Date(2020, 1, 31, 23, 30, 0, 0, beijing), false}, // 2020-01-31 15:30 UTC
		{time.Date(2021, 2, 15, 0, 0, 0, 0, time.UTC), false},  // a year later
		{time.Date(2019, 3, 15, 0, 0, 0, 0, time.UTC), false},  // a year earlier
	} {
		if got := p.Contains(tc.t); got != tc.want {
			t.Errorf("Contains(%v) = %v; want %v", tc.t, got, tc.want)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2020-02-29", "2020-01-01", "0001-01-01", "9999-12-31"} {
		f.Add(s)
	}
	for _, s := range dateRejected {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ledger.ParseDate(s)
		if err != nil {
			if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "date" {
				t.Fatalf("ParseDate(%q): %v; want %s on date", s, err, ledger.EInvalid)
			}
			return
		}
		if d.Location() != time.UTC || d.Hour() != 0 || d.Minute() != 0 || d.Second() != 0 || d.Nanosecond() != 0 {
			t.Fatalf("ParseDate(%q) = %v, not midnight UTC", s, d)
		}
		// The text is exactly the canonical form of the date.
		if got := d.Format("2006-01-02"); got != s {
			t.Fatalf("ParseDate(%q).Format = %q", s, got)
		}
		// The standard parser agrees on every accepted date.
		if std, err := time.Parse("2006-01-02", s); err != nil || !std.Equal(d) {
			t.Fatalf("time.Parse(%q) = %v, %v; ParseDate gave %v", s, std, err, d)
		}
	})
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2020-02", "2020-02..2020-03", "2020", "2019-11..2020-02", "2020-01..2020-12", "0001-01..9999-12"} {
		f.Add(s)
	}
	for _, s := range periodRejected {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ledger.ParsePeriod(s)
		if err != nil {
			if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "period" {
				t.Fatalf("ParsePeriod(%q): %v; want %s on period", s, err, ledger.EInvalid)
			}
			return
		}
		label := p.Label()
		back, err := ledger.ParsePeriod(label)
		if err != nil || back != p {
			t.Fatalf("ParsePeriod(%q) = %+v, %v; want %+v (from %q)", label, back, err, p, s)
		}
		if p.From.Day() != 1 || p.To.AddDate(0, 0, 1).Day() != 1 || p.To.Before(p.From) {
			t.Fatalf("ParsePeriod(%q) = %v..%v: not whole months", s, p.From, p.To)
		}
		if !p.Contains(p.From) || !p.Contains(p.To) || p.Contains(p.From.AddDate(0, 0, -1)) || p.Contains(p.To.AddDate(0, 0, 1)) {
			t.Fatalf("ParsePeriod(%q).Contains is wrong at the ends", s)
		}
		months := p.Months()
		first, last := months[0], months[len(months)-1]
		if first != [2]int{p.From.Year(), int(p.From.Month())} || last != [2]int{p.To.Year(), int(p.To.Month())} {
			t.Fatalf("ParsePeriod(%q).Months() runs %v..%v", s, first, last)
		}
		if want := (last[0]-first[0])*12 + last[1] - first[1] + 1; len(months) != want {
			t.Fatalf("ParsePeriod(%q).Months() has %d months; want %d", s, len(months), want)
		}
	})
}
