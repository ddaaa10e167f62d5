package recon

import (
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

func TestRetention(t *testing.T) {
	d := func(day int) time.Time { return time.Date(2020, 2, day, 0, 0, 0, 0, time.UTC) }
	m := ledger.MustParseMoney
	end := d(29)
	for _, c := range []struct {
		name    string
		moves   []PendingMove
		unspent string
		since   time.Time
		days    int
	}{
		{"nothing", nil, "0.00", time.Time{}, 0},
		{"one allocation untouched", []PendingMove{{d(5), m("5000.00")}}, "5000.00", d(5), 24},
		{"spent in full", []PendingMove{{d(5), m("5000.00")}, {d(10), m("-5000.00")}}, "0.00", time.Time{}, 0},
		{"the oldest settled first", []PendingMove{{d(5), m("100.00")}, {d(20), m("200.00")}, {d(21), m("-150.00")}}, "150.00", d(20), 9},
		{"part of the oldest left", []PendingMove{{d(5), m("100.00")}, {d(20), m("200.00")}, {d(21), m("-99.99")}}, "200.01", d(5), 24},
		{"a red reversal settles like a spending", []PendingMove{{d(5), m("100.00")}, {d(6), m("-100.00")}, {d(7), m("30.00")}}, "30.00", d(7), 22},
	} {
		got := Retention(c.moves, end)
		if !got.Unspent.Equal(m(c.unspent)) || !got.Since.Equal(c.since) || got.Days != c.days {
			t.Errorf("%s: %+v, want %s since %s, %d days", c.name, got, c.unspent, c.since.Format(time.DateOnly), c.days)
		}
	}
}
