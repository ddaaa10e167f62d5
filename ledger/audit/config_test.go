package audit

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

// same compares configurations by value (Money prints its amount).
func same(a, b Config) bool { return fmt.Sprintf("%v", a) == fmt.Sprintf("%v", b) }

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"A-03 days", c.UndistributedDays, 15},
		{"A-03 HIGH after", c.UndistributedHighDays, 30},
		{"A-04 days", c.UnsettledDays, 60},
		{"A-09 threshold", c.CashThreshold.String(), "1000.00"},
		{"A-10 days", c.SplitWindowDays, 7},
		{"A-10 threshold", c.SplitThreshold.String(), "1000.00"},
		{"A-14 days", c.BackdateDays, 30},
		{"A-17 days", c.PublicityDays, 30},
		{"A-01 words", strings.Join(c.DenyWords, ","), "烟,酒,礼品,购物卡,餐费,宴请,旅游,车辆,办公家具"},
		{"A-08 types", strings.Join(c.DocTypes, ","), "发票,财政票据,银行回单,签收单/花名册"},
		{"A-15 condolence", c.Standards[ledger.Condolence].String(), "1000.00"},
		{"A-15 relief", c.Standards[ledger.Relief].String(), "2000.00"},
	}
	for _, k := range checks {
		if fmt.Sprint(k.got) != fmt.Sprint(k.want) {
			t.Errorf("%s = %v, want %v", k.name, k.got, k.want)
		}
	}
	wantSev := map[string]string{
		"A-01": "HIGH", "A-02": "HIGH", "A-03": "MEDIUM", "A-04": "MEDIUM", "A-05": "HIGH", "A-06": "HIGH",
		"A-07": "HIGH", "A-08": "MEDIUM", "A-09": "MEDIUM", "A-10": "MEDIUM", "A-11": "HIGH", "A-12": "HIGH",
		"A-13": "HIGH", "A-14": "LOW", "A-15": "MEDIUM", "A-16": "HIGH", "A-17": "LOW",
	}
	if fmt.Sprint(c.Severity) != fmt.Sprint(wantSev) {
		t.Errorf("severities %v, want %v", c.Severity, wantSev)
	}
	// DefaultConfig returns fresh maps and slices.
	c.Severity["A-01"], c.DenyWords[0] = "LOW", "x"
	if d := DefaultConfig(); d.Severity["A-01"] != "HIGH" || d.DenyWords[0] != "烟" {
		t.Error("DefaultConfig shares its maps or slices")
	}
}

func TestConfigFileEqualsDefaults(t *testing.T) {
	data, err := os.ReadFile("../../configs/audit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(data, "configs/audit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !same(c, DefaultConfig()) {
		t.Fatalf("configs/audit.yaml differs from DefaultConfig:\n file     %v\n defaults %v", c, DefaultConfig())
	}
	// Every key of the file down to the second level is documented: a
	// comment on the line above or at the end of its line.
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		trimmed := strings.TrimLeft(l, " ")
		indent := len(l) - len(trimmed)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || !strings.Contains(trimmed, ":") || indent > 2 {
			continue
		}
		above := i > 0 && strings.HasPrefix(strings.TrimLeft(lines[i-1], " "), "#")
		if !above && !strings.Contains(l, " # ") && indent > 0 {
			t.Errorf("configs/audit.yaml line %d %q has no comment", i+1, l)
		}
		if indent == 0 && !above && !strings.Contains(l, " # ") && !strings.HasPrefix(lines[i+1], "  ") {
			t.Errorf("configs/audit.yaml line %d %q has no comment", i+1, l)
		}
	}
}

func TestLoadConfigEmptyAndPartial(t *testing.T) {
	c, err := LoadConfig(nil, "empty.yaml")
	if err != nil || !same(c, DefaultConfig()) {
		t.Fatalf("empty file: %v %v", err, c)
	}
	c, err = LoadConfig([]byte("a03:\n  days: 10\nseverity:\n  A-14: MEDIUM\na15:\n  standards:\n    relief: \"3000.00\"\na01:\n  deny_words: [烟]\n"), "local.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.UndistributedDays != 10 || c.UndistributedHighDays != 30 || c.Severity["A-14"] != "MEDIUM" || c.Severity["A-01"] != "HIGH" {
		t.Errorf("partial override: %+v", c)
	}
	if c.Standards[ledger.Relief].String() != "3000.00" || c.Standards[ledger.Condolence].String() != "1000.00" {
		t.Errorf("standards merged key by key: %v", c.Standards)
	}
	if len(c.DenyWords) != 1 || c.DenyWords[0] != "烟" {
		t.Errorf("a list replaces the default: %v", c.DenyWords)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	cases := []struct {
		name, yaml, field string
		phrases           []string
	}{
		{"unknown key", "a03:\n  days: 15\n  dayz: 3\n", "a03.dayz", []string{"line 3", "unknown key"}},
		{"unknown section", "a99:\n  days: 1\n", "a99", []string{"unknown key"}},
		{"wrong type days", "a04:\n  days: \"60\"\n", "a04.days", []string{"line 2", "whole number"}},
		{"days as list", "a04:\n  days: [60]\n", "a04.days", []string{"whole number"}},
		{"unquoted money", "a09:\n  threshold: 1000.00\n", "a09.threshold", []string{"quoted string"}},
		{"bad money", "a09:\n  threshold: \"1,000.001\"\n", "a09.threshold", []string{"line 2", "decimal places"}},
		{"not money", "a10:\n  threshold: \"abc\"\n", "a10.threshold", []string{"not a decimal amount"}},
		{"zero money", "a10:\n  threshold: \"0.00\"\n", "a10.threshold", []string{"greater than 0"}},
		{"negative days", "a17:\n  days: -1\n", "a17.days", []string{"line 2", "negative"}},
		{"high before days", "a03:\n  days: 20\n  high_after_days: 10\n", "a03.high_after_days", []string{"a03.days"}},
		{"unknown severity", "severity:\n  A-05: CRITICAL\n", "severity.A-05", []string{"line 2", "CRITICAL"}},
		{"unknown rule", "severity:\n  A-18: LOW\n", "severity.A-18", []string{"unknown rule"}},
		{"signed severity", "a09:\n  signed_severity: low\n", "a09.signed_severity", []string{"unknown severity"}},
		{"unknown purpose", "a15:\n  standards:\n    banquet: \"100.00\"\n", "a15.standards.banquet", []string{"line 3", "unknown purpose"}},
		{"empty word", "a01:\n  deny_words: [烟, \"\"]\n", "a01.deny_words[1]", []string{"empty"}},
		{"number as word", "a01:\n  deny_words: [烟, 100]\n", "a01.deny_words[1]", []string{"expected a string"}},
		{"null value", "a14:\n  days:\n", "a14.days", []string{"no value"}},
		{"duplicate key", "a14:\n  days: 1\n  days: 2\n", "a14.days", []string{"twice"}},
		{"section not a map", "a14: 30\n", "a14", []string{"mapping"}},
		{"syntax", "a14: [\n", "", []string{"yaml"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadConfig([]byte(c.yaml), "site/audit.yaml")
			if err == nil {
				t.Fatal("no error")
			}
			if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != c.field {
				t.Fatalf("code %q field %q, want invalid %q: %v", ledger.ErrorCode(err), ledger.ErrorField(err), c.field, err)
			}
			msg := ledger.ErrorMessage(err)
			for _, p := range append([]string{"site/audit.yaml", c.field}, c.phrases...) {
				if !strings.Contains(msg, p) {
					t.Errorf("message lacks %q: %s", p, msg)
				}
			}
		})
	}
}

func TestLoadedConfigDrivesRules(t *testing.T) {
	cfg, err := LoadConfig([]byte("a09:\n  threshold: \"500.00\"\nseverity:\n  A-09: HIGH\n"), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := newFx()
	x := f.voucher("2020-02-10", "提取现金", dr("1001", "city", "upper", "500.00"), cr("100201", "city", "upper", "500.00"))
	fs := A09(f.input(), &cfg)
	only(t, fs, want{rule: "A-09", severity: "HIGH", voucher: x, org: "city", amount: "500.00", phrases: []string{"大额现金标准 500.00 元"}})
}
