package ledger_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

var cst = time.FixedZone("CST", 8*3600)

// sealPrev is the previous seal of the golden vector: bytes 0x00…0x1f.
func sealPrev() []byte {
	p := make([]byte, ledger.SealSize)
	for i := range p {
		p[i] = byte(i)
	}
	return p
}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// sealVoucher builds the golden voucher afresh on every call, so a test can
// change it without touching other tests.
func sealVoucher() *ledger.Voucher {
	return &ledger.Voucher{
		ID:          1042,
		Book:        "FY-ZZB",
		Type:        "记",
		Year:        2020,
		Month:       2,
		Number:      12,
		Date:        time.Date(2020, 2, 14, 0, 0, 0, 0, time.UTC),
		Summary:     "一线慰问：监测救治组慰问发热门诊医务人员",
		Attachments: 2,
		Decision:    "市委组织部部务会 2020-02-10 纪要第3号",
		Payee:       "监测救治组临时党支部",
		PayeeType:   ledger.PayeeOrg,
		Method:      ledger.MethodCash,
		Flow:        "spend",
		Status:      ledger.StatusPosted,
		Maker:       "wangli",
		MadeAt:      at("2020-02-14T09:30:00.123456789+08:00"),
		Checker:     "zhaomin",
		CheckedAt:   at("2020-02-14T02:05:00Z"),
		Poster:      "zhaomin",
		PostedAt:    at("2020-02-14T11:00:00+08:00"),
		Lines: []ledger.Line{
			{No: 1, Summary: "慰问发热门诊医务人员", Account: ledger.AcctCondolence, Org: "T-JCJZ", Fund: "F-MATCH", Purpose: ledger.Condolence, Debit: ledger.MustParseMoney("1500.00"), Credit: ledger.Zero},
			{No: 2, Summary: "慰问发热门诊医务人员", Account: ledger.AcctPending, Org: "T-JCJZ", Fund: "F-MATCH", Debit: ledger.Zero, Credit: ledger.MustParseMoney("1500.00")},
		},
		Beneficiaries: []ledger.Beneficiary{
			{Name: "张三", Category: "医务人员", IDNumber: "142301198001011234", Phone: "13800000000", Amount: ledger.MustParseMoney("800.00")},
			{Name: "李四", Category: "党员", IDNumber: "14230119850505432X", Amount: ledger.MustParseMoney("700")},
		},
	}
}

// sealGoldenEncoding is the version 1 encoding of sealVoucher() at sequence 7
// after sealPrev(). It was produced by an independent implementation of the
// specification in SealEncode's comment; the two must agree byte for byte.
const sealGoldenEncoding = `1:1
6:FY-ZZB
1:7
4:1042
3:记
4:2020
1:2
2:12
10:2020-02-14
60:一线慰问：监测救治组慰问发热门诊医务人员
1:2
49:市委组织部部务会 2020-02-10 纪要第3号
30:监测救治组临时党支部
3:org
4:cash
5:spend
1:0
6:wangli
27:2020-02-14T01:30:00.123456Z
7:zhaomin
27:2020-02-14T02:05:00.000000Z
0:
0:
7:zhaomin
27:2020-02-14T03:00:00.000000Z
1:2
1:1
6:500102
6:T-JCJZ
7:F-MATCH
10:condolence
7:1500.00
4:0.00
1:2
6:121801
6:T-JCJZ
7:F-MATCH
0:
4:0.00
7:1500.00
1:2
6:张三
12:医务人员
18:142301198001011234
6:800.00
6:李四
6:党员
18:14230119850505432X
6:700.00
64:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
`

const sealGoldenHex = "7733acd33f600e93abdec3d991738e3c3660839e7f726d778bbf652a4ee88d40"

func TestSealGolden(t *testing.T) {
	v := sealVoucher()
	got := ledger.SealEncode(v, 7, sealPrev())
	if string(got) != sealGoldenEncoding {
		t.Fatalf("encoding changed; a change of the sealed bytes needs a new SealVersion\ngot:\n%s\nwant:\n%s", got, sealGoldenEncoding)
	}
	if h := ledger.SealHex(v, 7, sealPrev()); h != sealGoldenHex {
		t.Fatalf("SealHex = %s, want %s", h, sealGoldenHex)
	}
	s := ledger.Seal(v, 7, sealPrev())
	if sum := sha256.Sum256([]byte(sealGoldenEncoding)); s != sum {
		t.Fatalf("Seal is not SHA-256 of the encoding")
	}
	if ledger.SealVersion1 != 1 {
		t.Fatalf("SealVersion1 = %d; a new version needs its own golden vector", ledger.SealVersion1)
	}
}

func TestSealFirstInChain(t *testing.T) {
	v := sealVoucher()
	enc := ledger.SealEncode(v, 1, nil)
	want := "64:" + strings.Repeat("0", 64) + "\n"
	if !bytes.HasSuffix(enc, []byte(want)) {
		t.Fatalf("first link does not end with 64 zeros: %q", enc[len(enc)-80:])
	}
	if !bytes.Equal(enc, ledger.SealEncode(v, 1, []byte{})) {
		t.Fatal("nil and empty prev encode differently")
	}
	if bytes.Equal(enc, ledger.SealEncode(v, 1, make([]byte, 32))) == false {
		t.Fatal("an all-zero previous seal and no previous seal should be the same link text")
	}
}

func TestSealFieldChanges(t *testing.T) {
	base := ledger.SealHex(sealVoucher(), 7, sealPrev())
	m := ledger.MustParseMoney
	tests := []struct {
		name   string
		change func(v *ledger.Voucher)
	}{
		{"book", func(v *ledger.Voucher) { v.Book = "FY-ZZB2" }},
		{"id", func(v *ledger.Voucher) { v.ID = 1043 }},
		{"type", func(v *ledger.Voucher) { v.Type = "付" }},
		{"type empty", func(v *ledger.Voucher) { v.Type = "" }},
		{"year", func(v *ledger.Voucher) { v.Year = 2021 }},
		{"month", func(v *ledger.Voucher) { v.Month = 3 }},
		{"number", func(v *ledger.Voucher) { v.Number = 13 }},
		{"date", func(v *ledger.Voucher) { v.Date = v.Date.AddDate(0, 0, 1) }},
		{"summary", func(v *ledger.Voucher) { v.Summary += "。" }},
		{"attachments", func(v *ledger.Voucher) { v.Attachments = 3 }},
		{"decision", func(v *ledger.Voucher) { v.Decision = "" }},
		{"payee", func(v *ledger.Voucher) { v.Payee = "监测救治组" }},
		{"payee type", func(v *ledger.Voucher) { v.PayeeType = ledger.PayeeSupplier }},
		{"method", func(v *ledger.Voucher) { v.Method = ledger.MethodBank }},
		{"flow", func(v *ledger.Voucher) { v.Flow = "reversal" }},
		{"reversal of", func(v *ledger.Voucher) { v.ReversalOf = 1000 }},
		{"maker", func(v *ledger.Voucher) { v.Maker = "wangl" }},
		{"made at", func(v *ledger.Voucher) { *v.MadeAt = v.MadeAt.Add(time.Microsecond) }},
		{"made at missing", func(v *ledger.Voucher) { v.MadeAt = nil }},
		{"checker", func(v *ledger.Voucher) { v.Checker = "zhaomi" }},
		{"checked at", func(v *ledger.Voucher) { *v.CheckedAt = v.CheckedAt.Add(time.Second) }},
		{"cashier", func(v *ledger.Voucher) { v.Cashier = "liuyang" }},
		{"signed at", func(v *ledger.Voucher) { v.SignedAt = at("2020-02-14T02:10:00Z") }},
		{"poster", func(v *ledger.Voucher) { v.Poster = "admin" }},
		{"posted at", func(v *ledger.Voucher) { *v.PostedAt = v.PostedAt.Add(time.Hour) }},
		{"line no", func(v *ledger.Voucher) { v.Lines[1].No = 3 }},
		{"line account", func(v *ledger.Voucher) { v.Lines[0].Account = ledger.AcctRelief }},
		{"line org", func(v *ledger.Voucher) { v.Lines[0].Org = "T-ZHXT" }},
		{"line fund", func(v *ledger.Voucher) { v.Lines[1].Fund = "F-UPPER" }},
		{"line purpose", func(v *ledger.Voucher) { v.Lines[0].Purpose = ledger.Relief }},
		{"line debit", func(v *ledger.Voucher) { v.Lines[0].Debit = m("1500.01") }},
		{"line credit", func(v *ledger.Voucher) { v.Lines[1].Credit = m("1499.99") }},
		{"line debit/credit swapped", func(v *ledger.Voucher) {
			v.Lines[0].Debit, v.Lines[0].Credit = v.Lines[0].Credit, v.Lines[0].Debit
		}},
		{"line negated (red)", func(v *ledger.Voucher) {
			v.Lines[0].Debit = v.Lines[0].Debit.Neg()
			v.Lines[1].Credit = v.Lines[1].Credit.Neg()
		}},
		{"lines renumbered", func(v *ledger.Voucher) { v.Lines[0].No, v.Lines[1].No = 2, 1 }},
		{"line added", func(v *ledger.Voucher) {
			v.Lines = append(v.Lines, ledger.Line{No: 3, Account: ledger.AcctPending, Org: "T-JCJZ", Fund: "F-MATCH", Debit: ledger.Zero, Credit: ledger.Zero})
		}},
		{"line removed", func(v *ledger.Voucher) { v.Lines = v.Lines[:1] }},
		{"beneficiary name", func(v *ledger.Voucher) { v.Beneficiaries[0].Name = "张四" }},
		{"beneficiary category", func(v *ledger.Voucher) { v.Beneficiaries[1].Category = "群众" }},
		{"beneficiary id", func(v *ledger.Voucher) { v.Beneficiaries[0].IDNumber = "142301198001011235" }},
		{"beneficiary amount", func(v *ledger.Voucher) { v.Beneficiaries[1].Amount = m("700.10") }},
		{"beneficiaries reordered", func(v *ledger.Voucher) {
			v.Beneficiaries[0], v.Beneficiaries[1] = v.Beneficiaries[1], v.Beneficiaries[0]
		}},
		{"beneficiary removed", func(v *ledger.Voucher) { v.Beneficiaries = v.Beneficiaries[:1] }},
		{"beneficiaries removed", func(v *ledger.Voucher) { v.Beneficiaries = nil }},
	}
	seen := map[string]string{base: "base"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := sealVoucher()
			tt.change(v)
			got := ledger.SealHex(v, 7, sealPrev())
			if other, dup := seen[got]; dup {
				t.Fatalf("seal %s equals the seal of %q", got, other)
			}
			seen[got] = tt.name
		})
	}
}

func TestSealChainChanges(t *testing.T) {
	v := sealVoucher()
	base := ledger.Seal(v, 7, sealPrev())
	if ledger.Seal(v, 8, sealPrev()) == base {
		t.Error("sequence change keeps the seal")
	}
	for i := range ledger.SealSize {
		p := sealPrev()
		p[i] ^= 0x01
		if ledger.Seal(v, 7, p) == base {
			t.Errorf("flipping bit 0 of prev byte %d keeps the seal", i)
		}
	}
	if ledger.Seal(v, 7, nil) == base {
		t.Error("no previous seal gives the same seal")
	}
}

// Things that are the same voucher must seal the same: the database hands
// back times in another zone and without nanoseconds, and lines in any order.
func TestSealStableUnderStorage(t *testing.T) {
	base := ledger.SealHex(sealVoucher(), 7, sealPrev())
	tests := []struct {
		name   string
		change func(v *ledger.Voucher)
	}{
		{"times in another zone", func(v *ledger.Voucher) {
			for _, p := range []*time.Time{v.MadeAt, v.CheckedAt, v.PostedAt} {
				*p = p.In(cst)
			}
		}},
		{"nanoseconds dropped by PostgreSQL", func(v *ledger.Voucher) { *v.MadeAt = v.MadeAt.Truncate(time.Microsecond) }},
		{"monotonic clock reading", func(v *ledger.Voucher) { *v.PostedAt = v.PostedAt.Round(0) }},
		{"lines out of order", func(v *ledger.Voucher) { v.Lines[0], v.Lines[1] = v.Lines[1], v.Lines[0] }},
		{"date with a zone", func(v *ledger.Voucher) { v.Date = time.Date(2020, 2, 14, 0, 0, 0, 0, cst) }},
		{"unsealed fields", func(v *ledger.Voucher) {
			v.Status = ledger.StatusChecked
			v.Memo = "memo"
			v.Key = "k-1"
			v.DocTypes = []string{"签收单/花名册"}
			v.Lines[0].Summary = "another line summary"
			v.Beneficiaries[0].Phone = ""
		}},
		{"amount scale", func(v *ledger.Voucher) { v.Beneficiaries[1].Amount = ledger.FromFen(70000) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := sealVoucher()
			tt.change(v)
			if got := ledger.SealHex(v, 7, sealPrev()); got != base {
				t.Fatalf("seal %s, want %s\n%s", got, base, ledger.SealEncode(v, 7, sealPrev()))
			}
		})
	}
	// Sorting must not reorder the caller's lines.
	v := sealVoucher()
	v.Lines[0], v.Lines[1] = v.Lines[1], v.Lines[0]
	ledger.Seal(v, 7, sealPrev())
	if v.Lines[0].No != 2 {
		t.Fatal("Seal reordered the voucher's lines")
	}
}

// naiveJoin is what the length prefixes prevent: fields joined by a
// separator, which a value containing the separator can shift.
func naiveJoin(fields ...string) string { return strings.Join(fields, "\n") }

func TestSealInjection(t *testing.T) {
	// Payee and payee type are adjacent fields: moving bytes across the
	// boundary keeps a separator-joined text unchanged.
	a := sealVoucher()
	a.Payee, a.PayeeType = "监测救治组临时党支部\norg", "cash"
	b := sealVoucher()
	b.Payee, b.PayeeType = "监测救治组临时党支部", "org\ncash"
	if naiveJoin(a.Payee, a.PayeeType) != naiveJoin(b.Payee, b.PayeeType) {
		t.Fatal("test setup: the naive join should collide")
	}
	// The summary imitates the encoding of the fields after it.
	c := sealVoucher()
	c.Summary, c.Attachments = "一线慰问\n1:2\n49:市委组织部部务会", 0
	d := sealVoucher()
	d.Summary, d.Attachments = "一线慰问", 2
	d.Decision = "市委组织部部务会\n1:0\n" + d.Decision
	e := sealVoucher()
	e.Summary = "x\n0:"
	f := sealVoucher()
	f.Summary = "x"
	f.Attachments = 0

	cases := []*ledger.Voucher{a, b, c, d, e, f, sealVoucher()}
	cases[len(cases)-1].Summary = "一线慰问\n1:2"
	seen := map[[32]byte]int{}
	for i, v := range cases {
		s := ledger.Seal(v, 7, sealPrev())
		if j, dup := seen[s]; dup {
			t.Fatalf("vouchers %d and %d collide", j, i)
		}
		seen[s] = i
		// Every encoding splits back into exactly its fields, whatever the values hold.
		fields := splitSealFields(t, ledger.SealEncode(v, 7, sealPrev()))
		if want := 28 + 7*len(v.Lines) + 4*len(v.Beneficiaries); len(fields) != want {
			t.Fatalf("voucher %d: %d fields, want %d", i, len(fields), want)
		}
		if fields[9] != v.Summary || fields[12] != v.Payee || fields[13] != v.PayeeType || fields[11] != v.Decision {
			t.Fatalf("voucher %d: fields do not round-trip: %q", i, fields[9:14])
		}
	}
}

// splitSealFields parses an encoding back into its field values, failing
// the test on anything that is not a well-formed field sequence.
func splitSealFields(t testing.TB, enc []byte) []string {
	t.Helper()
	var out []string
	for len(enc) > 0 {
		colon := bytes.IndexByte(enc, ':')
		if colon <= 0 {
			t.Fatalf("no length prefix at %q", enc[:min(len(enc), 20)])
		}
		digits := string(enc[:colon])
		n, err := strconv.Atoi(digits)
		if err != nil || n < 0 || strconv.Itoa(n) != digits {
			t.Fatalf("bad length %q", digits)
		}
		rest := enc[colon+1:]
		if len(rest) < n+1 || rest[n] != '\n' {
			t.Fatalf("field of length %d not terminated by a newline", n)
		}
		out = append(out, string(rest[:n]))
		enc = rest[n+1:]
	}
	return out
}

func FuzzSealFields(f *testing.F) {
	f.Add("一线慰问", "监测救治组", "org")
	f.Add("a\n3:org\n", "", "x:y")
	f.Add("", "\n", "0:\n")
	f.Fuzz(func(t *testing.T, summary, payee, payeeType string) {
		v := sealVoucher()
		v.Summary, v.Payee, v.PayeeType = summary, payee, payeeType
		fields := splitSealFields(t, ledger.SealEncode(v, 7, sealPrev()))
		if len(fields) != 28+7*2+4*2 {
			t.Fatalf("%d fields", len(fields))
		}
		if fields[9] != summary || fields[12] != payee || fields[13] != payeeType {
			t.Fatalf("fields do not round-trip")
		}
		if fields[len(fields)-1] != hex.EncodeToString(sealPrev()) {
			t.Fatalf("last field is not the previous seal")
		}
	})
}

// TestSealCoversVoucherFields makes a new field of Voucher, Line or
// Beneficiary a decision: either it is sealed (SealEncode and this list) or
// it is listed as unsealed in SealEncode's comment and here.
func TestSealCoversVoucherFields(t *testing.T) {
	known := map[reflect.Type][]string{
		reflect.TypeFor[ledger.Voucher](): {
			// sealed
			"ID", "Book", "Type", "Year", "Month", "Number", "Date", "Summary", "Attachments", "Decision",
			"Payee", "PayeeType", "Method", "Flow", "ReversalOf", "Lines", "Beneficiaries",
			"Maker", "Checker", "Cashier", "Poster", "MadeAt", "CheckedAt", "SignedAt", "PostedAt",
			// not sealed
			"DocTypes", "Memo", "Closing", "Correcting", "Status", "CorrectionOf", "Key", "Version",
			"Files", // the count; version 2 seals the files themselves (SealEncodeV2)
		},
		reflect.TypeFor[ledger.Line](): {
			"No", "Account", "Org", "Fund", "Purpose", "Debit", "Credit",
			"Summary", "Items",
		},
		reflect.TypeFor[ledger.Beneficiary](): {
			"Name", "Category", "IDNumber", "Amount",
			"Phone", "Reason", "IDKind",
		},
	}
	for typ, names := range known {
		for i := range typ.NumField() {
			if f := typ.Field(i); !slices.Contains(names, f.Name) {
				t.Errorf("%s.%s is new: decide whether the seal covers it (a new SealVersion if it does)", typ.Name(), f.Name)
			}
		}
	}
}

func TestParseSealHex(t *testing.T) {
	ok := []string{sealGoldenHex, strings.ToUpper(sealGoldenHex), strings.Repeat("0", 64)}
	for _, s := range ok {
		b, err := ledger.ParseSealHex(s)
		if err != nil || len(b) != ledger.SealSize || hex.EncodeToString(b) != strings.ToLower(s) {
			t.Errorf("ParseSealHex(%q) = %x, %v", s, b, err)
		}
	}
	bad := []string{"", "00", sealGoldenHex + "0", sealGoldenHex[:63], strings.Repeat("g", 64), " " + sealGoldenHex[1:]}
	for _, s := range bad {
		if _, err := ledger.ParseSealHex(s); ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "seal" {
			t.Errorf("ParseSealHex(%q): error %v, want code %s on field seal", s, err, ledger.EInvalid)
		}
	}
}

func BenchmarkSeal(b *testing.B) {
	v := sealVoucher()
	prev := sealPrev()
	b.Run("Seal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s := ledger.Seal(v, 7, prev)
			prev = s[:]
		}
	})
	b.Run("AppendSealEncoding", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 1024)
		for b.Loop() {
			buf = ledger.AppendSealEncoding(buf[:0], v, 7, prev)
		}
		b.SetBytes(int64(len(buf)))
	})
}

func TestSealAmountFormat(t *testing.T) {
	m := ledger.MustParseMoney
	huge := ledger.FromFen(100000000000000) // 1e12 yuan
	for range 20 {
		huge = huge.Add(huge)
	}
	huge = huge.Sub(ledger.FromFen(1))
	tests := []struct {
		amount ledger.Money
		want   string
	}{
		{ledger.Money{}, "0.00"},
		{ledger.Zero, "0.00"},
		{m("5"), "5.00"},
		{m("0.01"), "0.01"},
		{m("-0.05"), "-0.05"},
		{m("-1500.5"), "-1500.50"},
		{m("320,000.00"), "320000.00"},
		{ledger.AmountMax, "999999999999.99"},
		{ledger.AmountMax.Neg(), "-999999999999.99"},
		{huge, "1048575999999999999.99"}, // beyond int64 fen: the slow path
		{ledger.FromFen(7).Add(m("0.1")), "0.17"},
	}
	for _, tt := range tests {
		v := sealVoucher()
		v.Lines[0].Debit = tt.amount
		fields := splitSealFields(t, ledger.SealEncode(v, 7, sealPrev()))
		if got := fields[26+5]; got != tt.want {
			t.Errorf("amount %s encodes as %q, want %q", tt.amount, got, tt.want)
		}
	}
}
