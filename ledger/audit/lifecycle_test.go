package audit

import (
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

func TestLabels(t *testing.T) {
	for _, c := range []struct{ state, want string }{
		{FindingOpen, "未整改"}, {FindingAcknowledged, "整改中"}, {FindingRectified, "已整改"}, {"OPEN", "未整改"}, {"closed", "closed"},
	} {
		if got := FindingStateName(c.state); got != c.want {
			t.Errorf("FindingStateName(%q) = %q, want %q", c.state, got, c.want)
		}
	}
	for _, c := range []struct{ sev, want string }{
		{SeverityHigh, "高"}, {SeverityMedium, "中"}, {"low", "低"}, {"CRITICAL", "CRITICAL"},
	} {
		if got := SeverityName(c.sev); got != c.want {
			t.Errorf("SeverityName(%q) = %q, want %q", c.sev, got, c.want)
		}
	}
}

func TestParseSeverity(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"HIGH", SeverityHigh}, {" medium ", SeverityMedium}, {"低", SeverityLow}, {"高", SeverityHigh},
	} {
		got, err := ParseSeverity(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseSeverity(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
		// Each severity's label parses back to it.
		if back, err := ParseSeverity(SeverityName(got)); err != nil || back != got {
			t.Errorf("ParseSeverity(SeverityName(%q)) = %q, %v", got, back, err)
		}
	}
	for _, in := range []string{"", "CRITICAL", "高高"} {
		if _, err := ParseSeverity(in); ledger.ErrorCode(err) != ledger.EInvalid {
			t.Errorf("ParseSeverity(%q): code %q, want %q", in, ledger.ErrorCode(err), ledger.EInvalid)
		}
	}
	if SeverityRank(SeverityHigh) <= SeverityRank(SeverityMedium) || SeverityRank(SeverityMedium) <= SeverityRank(SeverityLow) || SeverityRank("x") != 0 {
		t.Error("SeverityRank does not order HIGH > MEDIUM > LOW > unknown")
	}
}
