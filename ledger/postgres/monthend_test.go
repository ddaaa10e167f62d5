package postgres_test

import (
	"testing"

	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/recon"
)

// TestMonthEndRecords: a month never run has no statement and no run; a
// run with a statement stores both; a later file is the month's statement
// and every statement and new outcome is counted.
func TestMonthEndRecords(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	f.february()
	me, err := f.db.MonthEnd(f.ctx, recBook, 2020, 2)
	if err != nil || me.Statement != nil || me.LastRun != nil || me.Statements != 0 || me.Runs != 0 {
		t.Fatalf("a month never run: %+v, %v", me, err)
	}
	res := f.reconcile("2020-02", postgres.ReconcileOptions{Actor: "sunlixin", Statement: &postgres.StatementFile{Name: "dir/icbc-202002.csv", Data: icbcGBK(t, februaryStatement())}})
	if res.Status != recon.StatusClean {
		t.Fatalf("the fixture's February: %+v", res.Discrepancies)
	}
	me, err = f.db.MonthEnd(f.ctx, recBook, 2020, 2)
	if err != nil {
		t.Fatal(err)
	}
	if s := me.Statement; s == nil || s.Filename != "icbc-202002.csv" || s.Layout != "icbc" || s.Lines != len(februaryStatement()) || me.Statements != 1 {
		t.Fatalf("the stored statement: %+v (%d)", s, me.Statements)
	}
	if r := me.LastRun; r == nil || r.By != "sunlixin" || r.Status != recon.StatusClean || r.PeriodStatus != "open" || r.ClosedPeriod || me.Runs != 1 {
		t.Fatalf("the recorded run: %+v (%d)", r, me.Runs)
	}
	// Another layout's file of the same month is stored next to it and is
	// the month's statement from now on.
	f.reconcile("2020-02", postgres.ReconcileOptions{Statement: &postgres.StatementFile{Name: "ccb-202002.csv", Data: ccbUTF8(februaryStatement())}})
	me, err = f.db.MonthEnd(f.ctx, recBook, 2020, 2)
	if err != nil {
		t.Fatal(err)
	}
	if s := me.Statement; s == nil || s.Filename != "ccb-202002.csv" || s.Layout != "ccb" || me.Statements != 2 {
		t.Fatalf("the latest statement: %+v (%d)", s, me.Statements)
	}
	if me.Runs < 1 || me.LastRun == nil {
		t.Fatalf("the runs: %+v", me)
	}
	if other, err := f.db.MonthEnd(f.ctx, recBook, 2020, 3); err != nil || other.Statement != nil || other.LastRun != nil {
		t.Fatalf("March: %+v, %v", other, err)
	}
}
