package textout

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// actionNames are the Chinese names of the steps of a voucher's history.
var actionNames = map[ledger.Action]string{
	ledger.ActMake: "制单", ledger.ActEdit: "修改", ledger.ActCheck: "审核", ledger.ActUncheck: "取消审核",
	ledger.ActSign: "出纳签字", ledger.ActPost: "记账", ledger.ActVoid: "作废",
}

// contentNames are the Chinese names of the fields an edit changes.
var contentNames = map[string]string{
	"date": "日期", "summary": "摘要", "attachments": "附单据张数", "doc_types": "票据类型", "decision": "决策依据",
	"payee": "收款人", "payee_type": "收款人类型", "method": "结算方式", "memo": "备注", "closing": "结账凭证",
	"correcting": "更正凭证", "lines": "分录", "beneficiaries": "受助对象",
}

// History prints a voucher's history (postgres.DB.VoucherHistory), times
// in the book's zone loc: one line per step, an edit with the fields it
// changed and, for the header, the values before and after.
func History(w io.Writer, h []ledger.VersionEntry, loc *time.Location) {
	if len(h) == 0 {
		return
	}
	fmt.Fprintln(w, "修改记录:")
	for _, e := range h {
		name := actionNames[e.Action]
		if name == "" {
			name = string(e.Action)
		}
		fmt.Fprintf(w, "  第%d版  %s  %s  %s", e.Version, ledger.InZone(e.At, loc).Format(time.DateTime), Safe(e.Actor), name)
		if len(e.Changed) > 0 {
			var fs []string
			for _, f := range e.Changed {
				label := contentNames[f]
				if label == "" {
					label = f
				}
				if from, to, ok := headerChange(e, f); ok {
					label += fmt.Sprintf("（%s → %s）", Safe(OneLine(from)), Safe(OneLine(to)))
				}
				fs = append(fs, label)
			}
			fmt.Fprintf(w, "  改动: %s", strings.Join(fs, "、"))
		}
		fmt.Fprintln(w)
	}
}

// headerChange is the value of a header field before and after an edit.
func headerChange(e ledger.VersionEntry, field string) (string, string, bool) {
	if e.Before == nil || e.After == nil {
		return "", "", false
	}
	get := func(c *ledger.VoucherContent) (string, bool) {
		switch field {
		case "date":
			return c.Date, true
		case "summary":
			return c.Summary, true
		case "attachments":
			return fmt.Sprint(c.Attachments), true
		case "decision":
			return c.Decision, true
		case "payee":
			return c.Payee, true
		case "method":
			return c.Method, true
		case "memo":
			return c.Memo, true
		case "lines":
			t := ledger.Zero
			for _, l := range c.Lines {
				t = t.Add(l.Debit)
			}
			return "合计 " + t.Format(), true
		}
		return "", false
	}
	from, ok := get(e.Before)
	to, _ := get(e.After)
	return from, to, ok
}

// WithHistory is the --json form of `voucher show`: the voucher with its
// history, times in the book's zone loc.
func WithHistory(view ledger.VoucherView, h []ledger.VersionEntry, loc *time.Location) any {
	for i := range h {
		h[i].At = ledger.InZone(h[i].At, loc)
	}
	if h == nil {
		h = []ledger.VersionEntry{}
	}
	return struct {
		ledger.VoucherView
		History []ledger.VersionEntry `json:"history"`
	}{view, h}
}
