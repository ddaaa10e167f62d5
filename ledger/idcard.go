package ledger

import (
	"strings"
	"time"
)

// IDKind is the kind of identity document a beneficiary is recorded with.
type IDKind string

const (
	IDResident    IDKind = "resident"     // 居民身份证 (GB 11643)
	IDResidence   IDKind = "residence"    // 港澳台居民居住证 (GB 11643 form, 81/82/83 prefix)
	IDHKMacao     IDKind = "hk_macao"     // 港澳居民来往内地通行证
	IDTaiwan      IDKind = "taiwan"       // 台湾居民来往大陆通行证
	IDPassport    IDKind = "passport"     // 护照
	IDForeignPerm IDKind = "foreign_perm" // 外国人永久居留身份证
)

// IDKinds lists the kinds with their Chinese names, in the order a form
// offers them.
var IDKinds = []struct {
	Kind IDKind
	Name string
}{
	{IDResident, "居民身份证"},
	{IDResidence, "港澳台居民居住证"},
	{IDHKMacao, "港澳居民来往内地通行证"},
	{IDTaiwan, "台湾居民来往大陆通行证"},
	{IDPassport, "护照"},
	{IDForeignPerm, "外国人永久居留身份证"},
}

// ParseIDKind reads a kind by its code or its Chinese name; "" is a resident
// identity card, the usual case.
func ParseIDKind(field, s string) (IDKind, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return IDResident, nil
	}
	for _, k := range IDKinds {
		if s == string(k.Kind) || s == k.Name {
			return k.Kind, nil
		}
	}
	return "", Errorf(EInvalid, field, "unknown identity document kind %q (resident 居民身份证, residence, hk_macao, taiwan, passport, foreign_perm)", s)
}

// CheckPersonID checks the identity document of a person named in a record
// (a beneficiary, a roster entry, a member) whose fields are prefix+"id_kind"
// and prefix+"id_number" ("" or "beneficiaries[2]."): the kind defaults to
// a resident identity card, an empty number is allowed (the person may be
// identified by a phone number), any other number must be a real one of its
// kind. It returns the kind and the number in canonical form; asOf is the
// day of the record (a date of birth after it is refused).
func CheckPersonID(prefix, kind, number string, asOf time.Time) (IDKind, string, error) {
	if prefix != "" && !strings.HasSuffix(prefix, ".") {
		prefix += "."
	}
	k, err := ParseIDKind(prefix+"id_kind", kind)
	if err != nil {
		return "", "", err
	}
	number = strings.TrimSpace(number)
	if number == "" {
		return k, "", nil
	}
	n, err := CheckIDNumber(prefix+"id_number", k, number, asOf)
	if err != nil {
		return "", "", err
	}
	return k, n, nil
}

// gb11643Weights are the weights of the first 17 characters; the check
// character is 1 − Σ(aᵢ·Wᵢ) mod 11, written through gb11643Check.
var gb11643Weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const gb11643Check = "10X98765432"

// CheckIDNumber checks an identity document number of the given kind and
// returns it in its canonical form (an 18-character number with an upper-case
// X). A resident card (and a residence permit, which has the same form) has
// 17 digits, a date of birth that exists at positions 7–14 and lies between
// 1900-01-01 and asOf, and the GB 11643 check character; an `x` is accepted.
// Other documents are checked for their printed form only.
func CheckIDNumber(field string, kind IDKind, number string, asOf time.Time) (string, error) {
	n := strings.TrimSpace(number)
	switch kind {
	case IDResident, IDResidence:
		return checkGB11643(field, kind, n, asOf)
	case IDHKMacao:
		// H or M and 8 digits (the 2013 card), or 10 digits (older).
		if len(n) == 9 && (n[0] == 'H' || n[0] == 'M' || n[0] == 'h' || n[0] == 'm') && allDigits(n[1:]) {
			return strings.ToUpper(n[:1]) + n[1:], nil
		}
		if len(n) == 11 && (n[0] == 'H' || n[0] == 'M') && allDigits(n[1:]) {
			return n, nil
		}
		return "", Errorf(EInvalid, field, "%q is not a 港澳居民来往内地通行证 number (H or M and 8 or 10 digits)", number)
	case IDTaiwan:
		if len(n) == 8 && allDigits(n) {
			return n, nil
		}
		return "", Errorf(EInvalid, field, "%q is not a 台湾居民来往大陆通行证 number (8 digits)", number)
	case IDPassport, IDForeignPerm:
		if len(n) >= 5 && len(n) <= 17 && alphanumeric(n) {
			return strings.ToUpper(n), nil
		}
		return "", Errorf(EInvalid, field, "%q is not a document number (5 to 17 letters and digits)", number)
	}
	return "", Errorf(EInvalid, field, "unknown identity document kind %q", string(kind))
}

func checkGB11643(field string, kind IDKind, n string, asOf time.Time) (string, error) {
	if len(n) != 18 {
		return "", Errorf(EInvalid, field, "an identity card number has 18 characters, %q has %d", n, len([]rune(n)))
	}
	if !allDigits(n[:17]) {
		return "", Errorf(EInvalid, field, "the first 17 characters of an identity card number are digits: %q", n)
	}
	last := n[17]
	if last == 'x' {
		last = 'X'
	}
	if !(last >= '0' && last <= '9') && last != 'X' {
		return "", Errorf(EInvalid, field, "an identity card number ends in a digit or X: %q", n)
	}
	if kind == IDResidence && !(strings.HasPrefix(n, "81") || strings.HasPrefix(n, "82") || strings.HasPrefix(n, "83")) {
		return "", Errorf(EInvalid, field, "a 港澳台居民居住证 number starts with 81, 82 or 83: %q", n)
	}
	birth, err := time.Parse("20060102", n[6:14])
	if err != nil {
		return "", Errorf(EInvalid, field, "%q has no valid date of birth at characters 7–14 (%s)", n, n[6:14])
	}
	if birth.Year() < 1900 || (!asOf.IsZero() && birth.After(asOf)) {
		return "", Errorf(EInvalid, field, "%q has the date of birth %s, outside 1900-01-01 to today", n, birth.Format("2006-01-02"))
	}
	sum := 0
	for i, w := range gb11643Weights {
		sum += int(n[i]-'0') * w
	}
	want := gb11643Check[sum%11]
	if last != want {
		return "", Errorf(EInvalid, field, "%q fails the check character of GB 11643 (the last character should be %c)", n, want)
	}
	return n[:17] + string(last), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func alphanumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// IDCheckChar computes the GB 11643 check character of 17 digits; the demo
// and tests make valid numbers with it.
func IDCheckChar(first17 string) byte {
	sum := 0
	for i, w := range gb11643Weights {
		sum += int(first17[i]-'0') * w
	}
	return gb11643Check[sum%11]
}
