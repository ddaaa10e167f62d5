package audit

import (
	"strings"

	"github.com/fenyang/partyfee/ledger"
)

// Finding states (SPEC §5): an auditor moves a finding open (未整改) →
// acknowledged (整改中: 认定, with a note and a deadline for rectification) →
// rectified (已整改).
const (
	FindingOpen         = "open"
	FindingAcknowledged = "acknowledged"
	FindingRectified    = "rectified"
)

// findingStateNames are the Chinese labels of the finding states (整改状态),
// the one wording every surface shows: the CLI, the API and the workbooks.
var findingStateNames = map[string]string{
	FindingOpen:         "未整改",
	FindingAcknowledged: "整改中",
	FindingRectified:    "已整改",
}

// FindingStateName is the Chinese label of a finding state, in any case;
// an unknown state is returned as it is.
func FindingStateName(state string) string {
	if n, ok := findingStateNames[strings.ToLower(state)]; ok {
		return n
	}
	return state
}

// severityNames are the Chinese labels of the severities (严重程度).
var severityNames = map[string]string{SeverityHigh: "高", SeverityMedium: "中", SeverityLow: "低"}

// SeverityName is the Chinese label of a severity (高/中/低), in any case;
// an unknown severity is returned as it is.
func SeverityName(s string) string {
	if n, ok := severityNames[strings.ToUpper(s)]; ok {
		return n
	}
	return s
}

// SeverityRank orders severities: HIGH 3, MEDIUM 2, LOW 1, anything else 0.
func SeverityRank(s string) int {
	switch s {
	case SeverityHigh:
		return 3
	case SeverityMedium:
		return 2
	case SeverityLow:
		return 1
	}
	return 0
}

// ParseSeverity accepts HIGH, MEDIUM or LOW in any case, or their labels
// 高/中/低.
func ParseSeverity(s string) (string, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	for code, name := range severityNames {
		if u == code || u == name {
			return code, nil
		}
	}
	return "", ledger.Errorf(ledger.EInvalid, "severity", "unknown severity %q (HIGH, MEDIUM or LOW)", s)
}
