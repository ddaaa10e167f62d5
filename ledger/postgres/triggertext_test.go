package postgres_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// TestTriggerFormatsHaveChinese: every trigger refusal the adapter renders
// through the catalogue has its Chinese.
func TestTriggerFormatsHaveChinese(t *testing.T) {
	for _, f := range postgres.TriggerFormatsForTest() {
		if !i18n.Has(i18n.ZhCN, f) {
			t.Errorf("no Chinese for the trigger refusal %q (ledger/i18n/zh-CN.json)", f)
		}
	}
}

// TestTriggerRefusalReadsInChinese: a refusal raised the way the schema's
// triggers raise it (SQLSTATE LE0nn, the field as COLUMN, an English
// MESSAGE) keeps its code, field and, in English, the trigger's text, and
// reads in Chinese: with the trigger's values when its format is known,
// as the code's sentence when not.
func TestTriggerRefusalReadsInChinese(t *testing.T) {
	t.Parallel()
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	ctx := context.Background()
	han := regexp.MustCompile(`\p{Han}`)
	word := regexp.MustCompile(`[A-Za-z]{3,}`)
	for _, c := range []struct {
		state, code, field, msg string
		values                  []string // printed in the Chinese too
	}{
		{"LE006", ledger.ESamePerson, "checker", "wangfang made voucher 42 and cannot check it", []string{"wangfang", "42"}},
		{"LE004", ledger.EPeriodClosed, "date", "period 2020-02 of book FY-DFZH is closed", []string{"2020-02", "FY-DFZH"}},
		{"LE001", ledger.EUnbalanced, "lines", "voucher 7 does not balance for fund FY-UP: debit 10.00, credit 9.00", []string{"FY-UP", "10.00", "9.00"}},
		{"LE010", ledger.EInvalid, "lines.date", "the lines of voucher 7 are dated 2020-02-11, the voucher 2020-02-10", []string{"7", "2020-02-11", "2020-02-10"}},
		{"LE004", ledger.EPeriodClosed, "date", "year 2020 of book FY-DFZH is closed", []string{"2020", "FY-DFZH"}},
		{"LE007", ledger.EInvalidState, "status", "some future refusal nobody translated", nil},
	} {
		sql := "DO $$ BEGIN RAISE USING ERRCODE = '" + c.state + "', COLUMN = '" + c.field + "', MESSAGE = '" + c.msg + "'; END $$"
		_, err := db.Pool.Exec(ctx, sql)
		err = postgres.MapErrorForTest(err)
		if ledger.ErrorCode(err) != c.code || ledger.ErrorField(err) != c.field {
			t.Errorf("%s: %v, want %s on %s", c.msg, err, c.code, c.field)
			continue
		}
		msg := i18n.Message(i18n.ZhCN, err)
		rest := msg
		for _, v := range c.values {
			if !strings.Contains(msg, v) {
				t.Errorf("%s: the Chinese %q lacks %s", c.msg, msg, v)
			}
			rest = strings.ReplaceAll(rest, v, "")
		}
		if !han.MatchString(msg) || word.MatchString(rest) {
			t.Errorf("%s: the Chinese reads %q", c.msg, msg)
		}
		var e *ledger.Error
		if !errors.As(err, &e) || e.Msg != c.msg {
			t.Errorf("%s: the error's text is %v", c.msg, err)
		}
		if en := i18n.Message(i18n.En, err); c.values != nil && en != c.msg {
			t.Errorf("%s: the English reads %q", c.msg, en)
		}
	}
}
