package postgres_test

import (
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// The rules of the opening balances and the year-end close, in the parity
// table (parity_test.go). The import makes posted general vouchers only,
// never opening or closing ones.
func init() {
	const noImport = "the import makes posted general vouchers, never opening balances nor the year-end close"
	rawOpening := func(f *fixture, date, maker string) error {
		_, err := f.db.Pool.Exec(f.ctx, `INSERT INTO vouchers (book, date, summary, flow, maker, made_at) VALUES ($1, $2, '期初', 'opening', $3, now())`,
			book, day(date), maker)
		return postgres.MapError(err)
	}
	parityTable = append(parityTable,
		parityRow{code: ledger.EPeriodClosed, rule: "opening balances are locked once a month of the book is closed",
			use: parityPath{run: func(f *fixture) error {
				if err := f.closeMonth(2020, 2); err != nil {
					return err
				}
				_, _, err := f.db.Opening(f.ctx, book, "sunlixin", feb2020, openingRows(), "")
				return err
			}, field: "date", state: "go"},
			sql: parityPath{run: func(f *fixture) error {
				if err := f.closeMonth(2020, 2); err != nil {
					return err
				}
				return rawOpening(f, "2020-03-01", "sunlixin")
			}, field: "date", state: "LE004"},
			bulk: unreachable(noImport)},
		parityRow{code: ledger.EForbidden, rule: "opening balances are entered by an admin of the whole book",
			use: parityPath{run: func(f *fixture) error {
				_, _, err := f.db.Opening(f.ctx, book, "wangfang", feb2020, openingRows(), "")
				return err
			}, field: "user", state: "go"},
			sql:  parityPath{run: func(f *fixture) error { return rawOpening(f, "2020-02-01", "wangfang") }, field: "maker", state: "LE011"},
			bulk: unreachable(noImport)},
		parityRow{code: ledger.EInvalid, rule: "opening balances are dated the first day of a month",
			use:  unreachable("the use case dates the opening balances the first day of the month it is given"),
			sql:  parityPath{run: func(f *fixture) error { return rawOpening(f, "2020-02-03", "sunlixin") }, field: "date", state: "LE010"},
			bulk: unreachable(noImport)},
		parityRow{code: ledger.EInvalidState, rule: "the year-end close needs January–November closed; December closes the year with income and expense at zero",
			use: parityPath{run: func(f *fixture) error {
				f.fund("100.00", nil)
				_, err := f.db.YearClose(f.ctx, book, "sunlixin", 2020)
				return err
			}, field: "year", state: "go"},
			sql: parityPath{run: func(f *fixture) error {
				f.fund("100.00", nil)
				for m := 2; m <= 11; m++ {
					if err := f.closeMonth(2020, m); err != nil {
						return err
					}
				}
				return postgres.MapError(f.closeMonth(2020, 12))
			}, field: "year", state: "LE007"},
			bulk: unreachable(noImport)},
	)
}
