package ledger

import (
	"strings"
	"unicode/utf8"
)

// Saved summaries (常用摘要): each user keeps a short list of the 摘要
// texts they type again and again, offered by the voucher entry grid.
// They are the user's own and belong to no voucher.

// Limits on saved summaries.
const (
	SavedSummaryLenMax = 100 // characters of one text
	SavedSummariesMax  = 50  // texts per user
)

// CheckSavedSummary returns text trimmed, refused (invalid, field
// "summary") when it is empty, longer than SavedSummaryLenMax characters
// or holds a character a person does not type (CheckText).
func CheckSavedSummary(text string) (string, error) {
	t := strings.TrimSpace(text)
	if err := CheckText("summary", t, false); err != nil {
		return "", err
	}
	if t == "" {
		return "", Errorf(EInvalid, "summary", "a saved summary is not empty")
	}
	if utf8.RuneCountInString(t) > SavedSummaryLenMax {
		return "", Errorf(EInvalid, "summary", "a saved summary has at most %d characters", SavedSummaryLenMax)
	}
	return t, nil
}
