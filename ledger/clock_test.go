package ledger

import (
	"testing"
	"time"
)

func TestToday(t *testing.T) {
	shanghai, err := LoadTimeZone("")
	if err != nil {
		t.Fatal(err)
	}
	utc := time.UTC
	for _, c := range []struct {
		now  time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2020, 2, 4, 23, 30, 0, 0, time.UTC), shanghai, "2020-02-05"},
		{time.Date(2020, 2, 4, 23, 30, 0, 0, time.UTC), nil, "2020-02-05"},
		{time.Date(2020, 2, 4, 15, 59, 0, 0, time.UTC), shanghai, "2020-02-04"},
		{time.Date(2020, 2, 4, 16, 0, 0, 0, time.UTC), shanghai, "2020-02-05"},
		{time.Date(2020, 2, 4, 23, 30, 0, 0, time.UTC), utc, "2020-02-04"},
		{time.Date(2020, 12, 31, 16, 0, 0, 0, time.UTC), shanghai, "2021-01-01"},
	} {
		got := Today(c.now, c.loc)
		if got.Format(time.DateOnly) != c.want || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("Today(%s, %v) = %s, want %s at UTC midnight", c.now, c.loc, got, c.want)
		}
	}
}

func TestLoadTimeZone(t *testing.T) {
	first, err := LoadTimeZone("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := LoadTimeZone("Asia/Shanghai"); again != first {
		t.Fatal("a zone is read from disk again on every call: want the one loaded first")
	}
	_, err = LoadTimeZone("Mars/Olympus")
	if ErrorCode(err) != EInvalid {
		t.Fatalf("an unknown zone: %v, want %s", err, EInvalid)
	}
	at := time.Date(2020, 2, 4, 23, 30, 0, 0, time.UTC)
	if got := InZone(at, nil); got.Hour() != 7 || got.Day() != 5 || !got.Equal(at) {
		t.Fatalf("InZone = %s, want 07:30 on the 5th, the same instant", got)
	}
	if !InZone(time.Time{}, nil).IsZero() {
		t.Fatal("a zero time stays zero")
	}
}
