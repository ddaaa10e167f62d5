package postgres_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// TestCheckListsHoldEveryValue: the list checks of vouchers and
// voucher_lines, written as array literals (migration 00040), take every
// value of their list and refuse one outside it, whoever writes (the
// superuser, with the triggers off, so that only the checks judge).
func TestCheckListsHoldEveryValue(t *testing.T) {
	t.Parallel()
	f, v := attachFixture(t, nil)
	cases := []struct {
		table, column, constraint, where string
		good                             []string
	}{
		{"vouchers", "flow", "vouchers_flow_check", "id = %d",
			[]string{"receive", "match", "allocate", "spend", "return", "general", "reversal", "correction", "import",
				"donation", "remit", "opening", "opening_ytd", "year_close", "grant"}},
		{"vouchers", "method", "vouchers_method_check", "id = %d", []string{"", "bank", "cash"}},
		{"vouchers", "payee_type", "vouchers_payee_type_check", "id = %d",
			[]string{"", "supplier", "host_unit", "individual", "org", "upper_org"}},
		{"vouchers", "status", "vouchers_status_check", "id = %d", []string{"draft", "void"}},
		{"voucher_lines", "purpose", "voucher_lines_purpose_check", "voucher_id = %d AND line_no = 1",
			[]string{"procurement", "condolence", "relief"}},
	}
	set := func(table, column, where, value string) error {
		t.Helper()
		assign := fmt.Sprintf("%s = '%s'", column, value)
		if column == "status" { // a void voucher records when, any other but a draft who checked it
			assign += fmt.Sprintf(`, voided_at = CASE WHEN '%[1]s' = 'void' THEN now() END,
				checker = CASE WHEN '%[1]s' IN ('draft', 'void') THEN NULL ELSE 'liqiang' END`, value)
		}
		return pgtest.Exec(t, f.tdb.SuperURL, fmt.Sprintf(`DO $$ BEGIN
				SET LOCAL session_replication_role = replica;
				UPDATE %s SET %s WHERE book = 'FY-DFZH' AND %s;
			END $$`, table, assign, fmt.Sprintf(where, v.ID)))
	}
	for _, c := range cases {
		for _, good := range c.good {
			if err := set(c.table, c.column, c.where, good); err != nil {
				t.Fatalf("%s.%s = %q refused: %v", c.table, c.column, good, err)
			}
		}
		err := set(c.table, c.column, c.where, "bogus")
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "23514" || pe.ConstraintName != c.constraint {
			t.Fatalf("%s.%s = 'bogus': %v, want a violation of %s", c.table, c.column, err, c.constraint)
		}
	}
}
