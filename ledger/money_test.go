package ledger_test

import (
	"encoding/json"
	"flag"
	"math"
	"math/big"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

var propertySeed = flag.Uint64("ledger.seed", 0, "seed of the property tests (0 picks one from the clock)")

// propertyRand returns a generator for a property test and logs its seed,
// so a failure can be replayed with -args -ledger.seed=N.
func propertyRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := *propertySeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay: go test ./ledger/ -run '^%s$' -args -ledger.seed=%d)", seed, t.Name(), seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0", "0.00"},
		{"0.00", "0.00"},
		{"-0", "0.00"},
		{"0.01", "0.01"},
		{"1", "1.00"},
		{"1.5", "1.50"},
		{"-12.30", "-12.30"},
		{"90000.00", "90000.00"},
		{"1.000", "1.00"}, // trailing zeros are not extra precision
		{"007", "7.00"},
		{"1,234.5", "1234.50"},
		{"320,000.00", "320000.00"},
		{"-1,000.00", "-1000.00"},
		{"999,999,999,999.99", "999999999999.99"},
		{"999999999999.99", "999999999999.99"},
		{"-999999999999.99", "-999999999999.99"},
		{"¥320,000.00", "320000.00"},
		{" 1.00 ", "1.00"}, // spreadsheet cells carry stray spaces; they are harmless
		{"\t1.00\n", "1.00"},
	} {
		m, err := ledger.ParseMoney(tc.in)
		if err != nil || m.String() != tc.want {
			t.Errorf("ParseMoney(%q) = %s, %v; want %s", tc.in, m, err, tc.want)
		}
	}
}

var moneyRejected = []string{
	"",
	" ",
	"abc",
	"1e5",
	"1E5",
	"0x10",
	"12.3.4",
	"0.001",
	"1.005",
	"-0.001",
	"1000000000000.00",
	"1000000000000",
	"-1000000000000.00",
	"999999999999.999",
	"1,00",      // a European 1.00, not 100
	"1,0000.00", // a group of four
	",100",
	"100,",
	"1,,000",
	"1,000,00.00",
	".5",
	"5.",
	"+1",
	"1 000",
	"¥",
	"¥ 1",
	"1.00元",
	"NaN",
	"Inf",
	"１２",
	"--1",
	strings.Repeat("0", 100) + "1",
}

func TestParseMoneyErrors(t *testing.T) {
	for _, in := range moneyRejected {
		m, err := ledger.ParseMoney(in)
		if ledger.ErrorCode(err) != ledger.EInvalidAmount || ledger.ErrorField(err) != "amount" {
			t.Errorf("ParseMoney(%q) = %s, %v; want %s on amount", in, m, err, ledger.EInvalidAmount)
		}
	}
}

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0.01", "0.01"},
		{"1", "1.00"},
		{"90,000.00", "90000.00"},
		{"999999999999.99", "999999999999.99"},
	} {
		m, err := ledger.ParseAmount(tc.in)
		if err != nil || m.String() != tc.want {
			t.Errorf("ParseAmount(%q) = %s, %v; want %s", tc.in, m, err, tc.want)
		}
	}
	for _, in := range append([]string{"0", "0.00", "-0", "-1", "-0.01", "-999999999999.99"}, moneyRejected...) {
		m, err := ledger.ParseAmount(in)
		if ledger.ErrorCode(err) != ledger.EInvalidAmount || ledger.ErrorField(err) != "amount" {
			t.Errorf("ParseAmount(%q) = %s, %v; want %s on amount", in, m, err, ledger.EInvalidAmount)
		}
	}
}

func TestMustParseMoney(t *testing.T) {
	if got := ledger.MustParseMoney("1,234.50").String(); got != "1234.50" {
		t.Errorf("MustParseMoney = %s", got)
	}
	if got := ledger.AmountMax.String(); got != "999999999999.99" {
		t.Errorf("AmountMax = %s", got)
	}
	for _, in := range []string{"1e5", "0.001", "1,00"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("MustParseMoney(%q) did not panic", in)
				}
			}()
			ledger.MustParseMoney(in)
		}()
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		fen  int64
		want string
	}{
		{32000000, "320,000.00"},
		{-100000, "-1,000.00"},
		{0, "0.00"},
		{1, "0.01"},
		{-1, "-0.01"},
		{99999, "999.99"},
		{100000, "1,000.00"},
		{123456789, "1,234,567.89"},
		{99999999999999, "999,999,999,999.99"},
	} {
		if got := ledger.FromFen(tc.fen).Format(); got != tc.want {
			t.Errorf("FromFen(%d).Format() = %q; want %q", tc.fen, got, tc.want)
		}
		back, err := ledger.ParseMoney(tc.want)
		if err != nil || back.Fen() != tc.fen {
			t.Errorf("ParseMoney(%q) = %s, %v; want %d fen", tc.want, back, err, tc.fen)
		}
	}
	if got := (ledger.Money{}).Format(); got != "0.00" {
		t.Errorf("zero Money formats as %q", got)
	}
}

func TestMoneyJSON(t *testing.T) {
	type doc struct {
		Amount ledger.Money `json:"amount"`
	}
	b, err := json.Marshal(doc{ledger.MustParseMoney("90000")})
	if err != nil || string(b) != `{"amount":"90000.00"}` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
	var d doc
	if err := json.Unmarshal([]byte(`{"amount":"-1,234.5"}`), &d); err != nil || d.Amount.String() != "-1234.50" {
		t.Errorf("Unmarshal string = %s, %v", d.Amount, err)
	}
	for _, in := range []string{`{"amount":90000.5}`, `{"amount":1}`, `{"amount":1e5}`, `{"amount":true}`} {
		var d doc
		if err := json.Unmarshal([]byte(in), &d); err == nil {
			t.Errorf("Unmarshal(%s) accepted a JSON number: %s", in, d.Amount)
		}
	}
	for _, in := range []string{`{"amount":"0.001"}`, `{"amount":"1e5"}`, `{"amount":""}`} {
		var d doc
		err := json.Unmarshal([]byte(in), &d)
		if ledger.ErrorCode(err) != ledger.EInvalidAmount {
			t.Errorf("Unmarshal(%s) = %v; want %s", in, err, ledger.EInvalidAmount)
		}
	}
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		fen  int64
		n    int
		want []int64
	}{
		{100, 3, []int64{34, 33, 33}},
		{-100, 3, []int64{-34, -33, -33}},
		{2, 3, []int64{1, 1, 0}},
		{0, 2, []int64{0, 0}},
		{99999999999999, 1, []int64{99999999999999}},
		{99999999999999, 7, []int64{14285714285715, 14285714285714, 14285714285714, 14285714285714, 14285714285714, 14285714285714, 14285714285714}},
	} {
		if got := moneyFens(ledger.FromFen(tc.fen).Split(tc.n)); !slices.Equal(got, tc.want) {
			t.Errorf("FromFen(%d).Split(%d) = %v; want %v", tc.fen, tc.n, got, tc.want)
		}
	}
	for _, n := range []int{0, -1} {
		if got := ledger.FromFen(100).Split(n); got != nil {
			t.Errorf("Split(%d) = %v; want nil", n, got)
		}
	}
}

func TestAllocate(t *testing.T) {
	for _, tc := range []struct {
		fen     int64
		weights []int64
		want    []int64
	}{
		{100, []int64{1, 1, 1}, []int64{34, 33, 33}},
		{-100, []int64{1, 1, 1}, []int64{-34, -33, -33}},
		// The remainder goes to the largest weights first.
		{100, []int64{1, 2, 0}, []int64{33, 67, 0}},
		{10, []int64{1, 1, 5}, []int64{1, 1, 8}},
		{32000000, []int64{9, 23}, []int64{9000000, 23000000}},
		{1, []int64{0, 0, 3}, []int64{0, 0, 1}},
		// fen*weight overflows int64 here.
		{99999999999999, []int64{math.MaxInt64, math.MaxInt64}, []int64{50000000000000, 49999999999999}},
		{99999999999999, []int64{1, math.MaxInt64 - 1}, []int64{0, 99999999999999}},
		// Weights summing past int64.
		{300, []int64{math.MaxInt64, math.MaxInt64, math.MaxInt64}, []int64{100, 100, 100}},
		{100, []int64{0, 0}, []int64{0, 0}},
		{100, nil, []int64{}},
	} {
		if got := moneyFens(ledger.FromFen(tc.fen).Allocate(tc.weights)); !slices.Equal(got, tc.want) {
			t.Errorf("FromFen(%d).Allocate(%v) = %v; want %v", tc.fen, tc.weights, got, tc.want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Allocate with a negative weight did not panic")
		}
	}()
	ledger.FromFen(100).Allocate([]int64{2, -1})
}

// TestSplitAllocateProperty: parts always add up to the amount exactly,
// Split's parts differ by at most a fen and no allocated part is more than
// a fen from its exact share.
func TestSplitAllocateProperty(t *testing.T) {
	r := propertyRand(t)
	maxFen := ledger.AmountMax.Fen()
	for range 5000 {
		fen := r.Int64N(2*maxFen+1) - maxFen
		if r.IntN(3) == 0 {
			fen = r.Int64N(2001) - 1000
		}
		m := ledger.FromFen(fen)

		n := 1 + r.IntN(40)
		parts := m.Split(n)
		if len(parts) != n {
			t.Fatalf("FromFen(%d).Split(%d) has %d parts", fen, n, len(parts))
		}
		lo, hi := parts[0].Fen(), parts[0].Fen()
		for _, p := range parts {
			lo, hi = min(lo, p.Fen()), max(hi, p.Fen())
		}
		if !moneySum(parts).Equal(m) || hi-lo > 1 {
			t.Fatalf("FromFen(%d).Split(%d) = %v: sum %s, spread %d", fen, n, moneyFens(parts), moneySum(parts), hi-lo)
		}

		weights := make([]int64, r.IntN(12))
		for i := range weights {
			switch r.IntN(4) {
			case 0:
				weights[i] = 0
			case 1:
				weights[i] = r.Int64N(math.MaxInt64)
			default:
				weights[i] = r.Int64N(1000)
			}
		}
		parts = m.Allocate(weights)
		total := new(big.Int)
		for _, w := range weights {
			total.Add(total, big.NewInt(w))
		}
		if len(parts) != len(weights) {
			t.Fatalf("Allocate(%v) has %d parts", weights, len(parts))
		}
		if total.Sign() == 0 {
			for _, p := range parts {
				if !p.IsZero() {
					t.Fatalf("FromFen(%d).Allocate(%v) = %v; want all zero", fen, weights, moneyFens(parts))
				}
			}
			continue
		}
		if !moneySum(parts).Equal(m) {
			t.Fatalf("FromFen(%d).Allocate(%v) = %v: sum %s", fen, weights, moneyFens(parts), moneySum(parts))
		}
		for i, w := range weights {
			exact := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(fen), big.NewInt(w)), total)
			diff := new(big.Rat).Sub(new(big.Rat).SetInt64(parts[i].Fen()), exact)
			if diff.Abs(diff).Cmp(big.NewRat(1, 1)) > 0 {
				t.Fatalf("FromFen(%d).Allocate(%v)[%d] = %d; exact share %s", fen, weights, i, parts[i].Fen(), exact.FloatString(3))
			}
		}
	}
}

var moneyPlain = regexp.MustCompile(`^-?(0|[1-9][0-9]*)\.[0-9]{2}$`)

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"0.01", "90000.00", "1,234.5", "-1,000.00", "¥320,000.00", " 1.00 ", "999999999999.99", "-0"} {
		f.Add(s)
	}
	for _, s := range moneyRejected {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ledger.ParseMoney(s)
		if err != nil {
			if ledger.ErrorCode(err) != ledger.EInvalidAmount || ledger.ErrorField(err) != "amount" {
				t.Fatalf("ParseMoney(%q): %v; want %s on amount", s, err, ledger.EInvalidAmount)
			}
			return
		}
		if m.Abs().Cmp(ledger.AmountMax) > 0 {
			t.Fatalf("ParseMoney(%q) = %s, out of range", s, m)
		}
		str := m.String()
		if !moneyPlain.MatchString(str) || str == "-0.00" {
			t.Fatalf("ParseMoney(%q).String() = %q", s, str)
		}
		for _, out := range []string{str, m.Format()} {
			back, err := ledger.ParseMoney(out)
			if err != nil || !back.Equal(m) || back.String() != str {
				t.Fatalf("ParseMoney(%q) = %s, %v; want %s (from %q)", out, back, err, str, s)
			}
		}
		if got := ledger.FromFen(m.Fen()); !got.Equal(m) {
			t.Fatalf("FromFen(Fen(%s)) = %s", m, got)
		}
		b, err := json.Marshal(m)
		if err != nil || string(b) != `"`+str+`"` {
			t.Fatalf("json.Marshal(%s) = %s, %v", m, b, err)
		}
	})
}

func moneyFens(ms []ledger.Money) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.Fen()
	}
	return out
}

func moneySum(ms []ledger.Money) ledger.Money {
	s := ledger.Zero
	for _, m := range ms {
		s = s.Add(m)
	}
	return s
}
