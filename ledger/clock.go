package ledger

import (
	"sync"
	"time"
)

// DefaultTimeZone is the zone of a book that names none (SPEC §12): the
// calendar day of a default date and every displayed time is Beijing's.
const DefaultTimeZone = "Asia/Shanghai"

// chinaStandardTime stands in for Asia/Shanghai where the system has no
// time zone database: China has kept UTC+8 without daylight saving since
// 1991.
var chinaStandardTime = time.FixedZone("CST", 8*3600)

// zones holds the zones loaded so far by name: time.LoadLocation reads
// and parses the zone's file on every call, and every draft asks for its
// book's zone.
var zones sync.Map // string → *time.Location

// loadLocation is time.LoadLocation remembered by name.
func loadLocation(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

// LoadTimeZone loads a zone by its IANA name; "" is DefaultTimeZone.
func LoadTimeZone(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultTimeZone
	}
	loc, err := loadLocation(name)
	if err != nil {
		if name == DefaultTimeZone {
			return chinaStandardTime, nil
		}
		return nil, Errorf(EInvalid, "time_zone", "%q is no time zone (e.g. Asia/Shanghai)", name)
	}
	return loc, nil
}

// Today is the calendar date of now in the book's zone loc (nil: the
// default zone), as the UTC midnight every stored date uses: at 23:30 UTC
// on 4 February it is already 5 February in Beijing.
func Today(now time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc, _ = LoadTimeZone("")
	}
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// InZone is t shown in the book's zone loc (nil: the default zone); a zero
// time stays zero.
func InZone(t time.Time, loc *time.Location) time.Time {
	if t.IsZero() {
		return t
	}
	if loc == nil {
		loc, _ = LoadTimeZone("")
	}
	return t.In(loc)
}
