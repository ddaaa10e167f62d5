package ledger_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fenyang/partyfee/ledger"
)

// FuzzCheckText holds CheckText to its promise: what it accepts is valid
// UTF-8 without C0/C1 controls, DEL or direction overrides (tab, LF and CR
// LF in multi-line fields only), and what it refuses is `invalid` naming
// the field.
func FuzzCheckText(f *testing.F) {
	for _, s := range []string{"采购防疫物资", "a\tb\nc\r\nd", "a\x00b", "\x1b[31m红", "\xff\xfe", "\u202eabc", "\u0085", "a\rb", "\x7f", ""} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, multiline bool) {
		err := ledger.CheckText("summary", s, multiline)
		if err != nil {
			if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "summary" {
				t.Fatalf("%q: %v (code %s, field %s)", s, err, ledger.ErrorCode(err), ledger.ErrorField(err))
			}
			return
		}
		if !utf8.ValidString(s) {
			t.Fatalf("%q: accepted invalid UTF-8", s)
		}
		rest := s
		if multiline {
			rest = strings.NewReplacer("\r\n", "", "\t", "", "\n", "").Replace(s)
		}
		for _, r := range rest {
			if r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
				t.Fatalf("%q: accepted U+%04X", s, r)
			}
		}
	})
}

// FuzzCheckIDNumber: no panic; a resident number it accepts is 18
// characters, 17 digits and its check character, born no later than asOf.
func FuzzCheckIDNumber(f *testing.F) {
	for _, s := range []string{"141182197001011232", "14118219700101123x", "141182197002301232", "H12345678", "1234567890", "", " 141182198503152224 ", "１４１１"} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(2))
	}
	kinds := []ledger.IDKind{ledger.IDResident, ledger.IDResidence, ledger.IDHKMacao, ledger.IDTaiwan, ledger.IDPassport, ledger.IDKind("other")}
	asOf := time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string, k uint8) {
		kind := kinds[int(k)%len(kinds)]
		out, err := ledger.CheckIDNumber("id_number", kind, s, asOf)
		if err != nil {
			if ledger.ErrorField(err) != "id_number" {
				t.Fatalf("%q: %v names field %q", s, err, ledger.ErrorField(err))
			}
			return
		}
		if kind != ledger.IDResident && kind != ledger.IDResidence {
			return
		}
		if len(out) != 18 || out[17] != ledger.IDCheckChar(out[:17]) {
			t.Fatalf("%q accepted as %q", s, out)
		}
		born, err := time.Parse("20060102", out[6:14])
		if err != nil || born.After(asOf) {
			t.Fatalf("%q accepted with birth date %s", s, out[6:14])
		}
	})
}
