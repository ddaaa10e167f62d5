package textout

import (
	"strings"
	"testing"

	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// TestProblemText: every problem kind of verify reads in Chinese, naming
// the voucher; English keeps the problem's own message.
func TestProblemText(t *testing.T) {
	for _, kind := range []string{postgres.ProblemContent, postgres.ProblemLink, postgres.ProblemGap, postgres.ProblemVoucherMissing,
		postgres.ProblemNotPosted, postgres.ProblemUnsealed, postgres.ProblemHead, postgres.ProblemPeriodSeal, postgres.ProblemVersion,
		postgres.ProblemAttachment} {
		p := postgres.ChainProblem{Kind: kind, Seq: 3, Voucher: "2020-02:记-0003", Message: "voucher 2020-02:记-0003 at position 3: changed"}
		zh := ProblemText(i18n.ZhCN, p)
		if !strings.HasPrefix(zh, "凭证 2020-02:记-0003：") || strings.ContainsAny(zh, "abcdefghijklmnopqrstuvwxyz") && !strings.Contains(zh, "2020-02") {
			t.Errorf("%s in Chinese: %q", kind, zh)
		}
		if strings.Contains(zh, "position") || strings.Contains(zh, "voucher") {
			t.Errorf("%s in Chinese reads English: %q", kind, zh)
		}
		if en := ProblemText(i18n.En, p); en != p.Message {
			t.Errorf("%s in English: %q", kind, en)
		}
	}
}
