package ledger_test

import (
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

var asOf = time.Date(2020, 2, 10, 0, 0, 0, 0, time.UTC)

func TestCheckIDNumberOK(t *testing.T) {
	for _, tc := range []struct {
		kind      ledger.IDKind
		in, canon string
	}{
		// The example number of GB 11643's own explanations.
		{ledger.IDResident, "11010519491231002X", "11010519491231002X"},
		{ledger.IDResident, "11010519491231002x", "11010519491231002X"},
		{ledger.IDResident, " 44052419800101001" + string(ledger.IDCheckChar("44052419800101001")) + " ", "44052419800101001" + string(ledger.IDCheckChar("44052419800101001"))},
		{ledger.IDResident, "142301198001011234"[:17] + string(ledger.IDCheckChar("14230119800101123")), "142301198001011234"[:17] + string(ledger.IDCheckChar("14230119800101123"))},
		{ledger.IDResidence, "810000199408230021"[:17] + string(ledger.IDCheckChar("81000019940823002")), "810000199408230021"[:17] + string(ledger.IDCheckChar("81000019940823002"))},
		{ledger.IDHKMacao, "h12345678", "H12345678"},
		{ledger.IDHKMacao, "M1234567890", "M1234567890"},
		{ledger.IDTaiwan, "01234567", "01234567"},
		{ledger.IDPassport, "e12345678", "E12345678"},
	} {
		got, err := ledger.CheckIDNumber("id_number", tc.kind, tc.in, asOf)
		if err != nil || got != tc.canon {
			t.Errorf("%s %q: %q, %v; want %q", tc.kind, tc.in, got, err, tc.canon)
		}
	}
}

func TestCheckIDNumberRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind ledger.IDKind
		in   string
	}{
		{"too short", ledger.IDResident, "123"},
		{"15-digit old form", ledger.IDResident, "110105491231002"},
		{"19 characters", ledger.IDResident, "11010519491231002X1"},
		{"wrong check digit", ledger.IDResident, "110105194912310021"},
		{"wrong check X", ledger.IDResident, "44052418800101001X"},
		{"letter inside", ledger.IDResident, "1101051949123100AX"},
		{"February 30", ledger.IDResident, "110105194902300021"},
		{"month 13", ledger.IDResident, "110105194913010021"},
		{"born after the voucher", ledger.IDResident, "11010520300101" + "001" + string(ledger.IDCheckChar("11010520300101001"))},
		{"born before 1900", ledger.IDResident, "11010518991231" + "001" + string(ledger.IDCheckChar("11010518991231001"))},
		{"full-width digits", ledger.IDResident, "１１０１０５１９４９１２３１００２X"},
		{"residence permit without 8x", ledger.IDResidence, "11010519491231002X"},
		{"hk permit without letter", ledger.IDHKMacao, "123456789"},
		{"taiwan permit 7 digits", ledger.IDTaiwan, "1234567"},
		{"passport with a space", ledger.IDPassport, "E 1234567"},
		{"unknown kind", ledger.IDKind("visa"), "E1234567"},
	} {
		_, err := ledger.CheckIDNumber("beneficiaries[1].id_number", tc.kind, tc.in, asOf)
		if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "beneficiaries[1].id_number" {
			t.Errorf("%s: %q gave %v, want invalid naming the field", tc.name, tc.in, err)
		}
	}
}

func TestParseIDKind(t *testing.T) {
	for in, want := range map[string]ledger.IDKind{"": ledger.IDResident, "居民身份证": ledger.IDResident, "hk_macao": ledger.IDHKMacao, "港澳居民来往内地通行证": ledger.IDHKMacao} {
		if got, err := ledger.ParseIDKind("id_kind", in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	if _, err := ledger.ParseIDKind("id_kind", "驾驶证"); ledger.ErrorField(err) != "id_kind" {
		t.Errorf("驾驶证: %v", err)
	}
}

func TestCheckText(t *testing.T) {
	ok := []struct {
		s         string
		multiline bool
	}{
		{"高速汾阳东口检测站点", false}, {"", false}, {"第一行\n第二行\t备注", true}, {"windows\r\nline", true},
	}
	for _, tc := range ok {
		if err := ledger.CheckText("summary", tc.s, tc.multiline); err != nil {
			t.Errorf("%q: %v", tc.s, err)
		}
	}
	bad := []struct {
		s         string
		multiline bool
	}{
		{"a\x00b", false}, {"a\x00b", true}, {"\xff\xfe", false}, {"\xb8\xdf\xcb\xd9", true}, // GBK 高速
		{"red \x1b[31m", true}, {"tab\there", false}, {"line\nbreak", false}, {"del\x7f", true},
		{"c1 \u0085", true}, {"lone cr\r", true}, {"abc\u202edcba", false},
	}
	for _, tc := range bad {
		err := ledger.CheckText("summary", tc.s, tc.multiline)
		if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "summary" {
			t.Errorf("%q (multiline %v): %v", tc.s, tc.multiline, err)
		}
	}
}
