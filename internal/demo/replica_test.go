package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/internal/workbook"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
	"github.com/fenyang/partyfee/ledger/report"
)

// replicaPair is a primary and its streaming replica, two real servers of
// the test's own (never pgtest's shared cluster, which other tests use
// while this one kills servers).
type replicaPair struct {
	primary, replica *embedded.Server
}

func startReplicaPair(t *testing.T) *replicaPair {
	t.Helper()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "ledger-replica-")
	if err != nil {
		t.Fatal(err)
	}
	// A read that must see the latest write waits for the primary's
	// flushed WAL, so commits are flushed (fsync stays off).
	p, err := embedded.New(embedded.Options{DataDir: dir, NoSync: true, Settings: map[string]string{"synchronous_commit": "on"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Remove(context.Background()); err != nil {
			t.Errorf("remove the pair: %v", err)
		}
	})
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := postgres.Bootstrap(ctx, p.URL("postgres", embedded.Superuser), "ledger"); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Migrate(ctx, p.URL("ledger", "ledger_owner"), nil); err != nil {
		t.Fatal(err)
	}
	r, err := p.Replica()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return &replicaPair{primary: p, replica: r}
}

// dumpWorkbook is every cell of every sheet of an .xlsx file, as stored.
func dumpWorkbook(t *testing.T, path string) map[string][][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][][]string{}
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		out[name] = rows
	}
	return out
}

func diffWorkbooks(a, b map[string][][]string) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d sheets against %d", len(a), len(b))
	}
	for name, ra := range a {
		rb, ok := b[name]
		if !ok {
			return "sheet " + name + " missing"
		}
		if fmt.Sprint(ra) != fmt.Sprint(rb) {
			for i := range min(len(ra), len(rb)) {
				if fmt.Sprint(ra[i]) != fmt.Sprint(rb[i]) {
					return fmt.Sprintf("sheet %s row %d: %v against %v", name, i+1, ra[i], rb[i])
				}
			}
			return fmt.Sprintf("sheet %s: %d rows against %d", name, len(ra), len(rb))
		}
	}
	return ""
}

// warnings collects what a ReadDB warns about.
type warnings struct {
	mu   sync.Mutex
	errs []error
}

func (w *warnings) add(err error) { w.mu.Lock(); w.errs = append(w.errs, err); w.mu.Unlock() }
func (w *warnings) take() []error {
	w.mu.Lock()
	defer w.mu.Unlock()
	e := w.errs
	w.errs = nil
	return e
}

// TestReplica runs the Fenyang demo on a primary with a streaming replica:
// a posted voucher shows on the replica within a second; the audit
// workbook read from the replica equals the one read from the primary and
// says where it was read; with the replica killed every read falls back
// to the primary with a warning and posting goes on; with the primary
// killed the replica still answers the reads.
func TestReplica(t *testing.T) {
	pair := startReplicaPair(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, pair.primary.URL("ledger", "ledger_app"), postgres.Options{MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := Run(ctx, db, Options{OutDir: t.TempDir(), Out: io.Discard}); err != nil {
		t.Fatalf("demo: %v", err)
	}
	var warned warnings
	reads := postgres.OpenReadDB(ctx, db, pair.replica.URL("ledger", "ledger_app"), postgres.Options{MaxConns: 8}, 5*time.Second, warned.add)
	defer reads.Close()
	b, err := db.LoadBooks(ctx, demoBook)
	if err != nil {
		t.Fatal(err)
	}
	// post records and posts a receipt on the primary.
	post := func(amount string, d time.Time, summary string) *ledger.Voucher {
		t.Helper()
		s := &scenario{ctx: ctx, db: db, b: b, rng: rand.New(rand.NewPCG(1, 2))}
		v, err := s.record(officerA, checkerA, &ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: fundUpper, Amount: ledger.MustParseMoney(amount),
			Date: d, Summary: summary, Payee: demoRoot, PayeeType: ledger.PayeeOrg, Method: ledger.MethodBank, Attachments: 1,
			DocTypes: []string{"银行回单"}, Decision: "吕组通〔2020〕9号"})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	march, _ := ledger.ParsePeriod("2020-03")
	write := func(rdb *postgres.DB, src *report.ReadSource, name string) string {
		t.Helper()
		out := filepath.Join(t.TempDir(), name)
		if _, err := workbook.WriteAudit(ctx, rdb, workbook.AuditRequest{Book: demoBook, Period: march, Sheet: "audit", Out: out,
			Actor: ledger.SystemUser, Source: src}); err != nil {
			t.Fatalf("workbook %s: %v", name, err)
		}
		return out
	}

	t.Run("posted voucher visible on the replica within 1 s", func(t *testing.T) {
		v := post("1000.00", day("2020-03-20"), "收到上级补拨专项党费（一）")
		began := time.Now()
		for {
			var status string
			err := reads.Replica.Pool.QueryRow(ctx, `SELECT status FROM vouchers WHERE book = $1 AND id = $2`, demoBook, v.ID).Scan(&status)
			if err == nil && status == string(ledger.StatusPosted) {
				break
			}
			if time.Since(began) > time.Second {
				t.Fatalf("voucher %d not posted on the replica after %v (status %q, %v)", v.ID, time.Since(began), status, err)
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Logf("visible on the replica after %v", time.Since(began).Round(time.Millisecond))
	})

	var fromPrimary map[string][][]string
	t.Run("workbook from the replica equals the one from the primary", func(t *testing.T) {
		post("2000.00", day("2020-03-21"), "收到上级补拨专项党费（二）")
		if _, err := db.SealAll(ctx); err != nil {
			t.Fatal(err)
		}
		rdb, src := reads.For(ctx, postgres.ReadLatest)
		if rdb != reads.Replica || src == nil || !src.Replica || src.ReplayLSN == "" {
			t.Fatalf("a fresh read went to %p with source %+v, want the replica %p; warnings %v", rdb, src, reads.Replica, warned.take())
		}
		fromPrimary = dumpWorkbook(t, write(db, nil, "primary.xlsx"))
		fromReplica := dumpWorkbook(t, write(rdb, nil, "replica.xlsx"))
		if d := diffWorkbooks(fromPrimary, fromReplica); d != "" {
			t.Fatalf("the workbooks differ: %s", d)
		}
		if !strings.Contains(fmt.Sprint(fromReplica), "收到上级补拨专项党费（二）") {
			t.Fatalf("the replica's workbook lacks the receipt just posted")
		}
		// verify reads the chain on the replica (parallel snapshots
		// exported and imported on a hot standby) as on the primary.
		onReplica, err := rdb.Verify(ctx, demoBook, 1)
		if err != nil {
			t.Fatalf("verify on the replica: %v", err)
		}
		onPrimary, err := db.Verify(ctx, demoBook, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !onReplica.Clean() || onReplica.Checked == 0 || onReplica.Head != onPrimary.Head {
			t.Fatalf("verify on the replica: %+v; on the primary: %+v", onReplica, onPrimary)
		}
		// Said so: the cover names the replica and its replay position.
		cover := fmt.Sprint(dumpWorkbook(t, write(rdb, src, "replica-source.xlsx"))["封面"])
		if !strings.Contains(cover, "只读备库") || !strings.Contains(cover, src.ReplayLSN) {
			t.Fatalf("the cover does not name the replica at %s: %s", src.ReplayLSN, cover)
		}
		if w := warned.take(); len(w) > 0 {
			t.Fatalf("warnings with both servers up: %v", w)
		}
	})

	t.Run("replica killed: the primary serves everything", func(t *testing.T) {
		pid := pair.replica.PID()
		if pid == 0 {
			t.Fatal("the replica is not running")
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 500 && pair.replica.Running(); i++ {
			time.Sleep(10 * time.Millisecond)
		}
		reads.Replica.Pool.Reset() // the connections to the killed server
		post("300.00", day("2020-03-22"), "收到上级补拨专项党费（三）")
		rdb, src := reads.For(ctx, postgres.ReadLatest)
		if rdb != db || src == nil || src.Replica {
			t.Fatalf("with the replica down a read went to %p (source %+v), want the primary %p", rdb, src, db)
		}
		w := warned.take()
		if len(w) != 1 || ledger.ErrorCode(w[0]) != ledger.EUnavailable {
			t.Fatalf("warnings %v, want one unavailable", w)
		}
		got := dumpWorkbook(t, write(rdb, nil, "fallback.xlsx"))
		if !strings.Contains(fmt.Sprint(got), "收到上级补拨专项党费（三）") {
			t.Fatalf("the fallback workbook lacks the receipt just posted")
		}
		cover := fmt.Sprint(dumpWorkbook(t, write(rdb, src, "fallback-source.xlsx"))["封面"])
		if !strings.Contains(cover, "主库") {
			t.Fatalf("the cover does not say the primary was read: %s", cover)
		}
		// Started again, the replica catches up through its slot.
		if err := pair.replica.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if rdb, _ := reads.For(ctx, postgres.ReadLatest); rdb != reads.Replica {
			t.Fatalf("the restarted replica did not catch up: %v", warned.take())
		}
	})

	t.Run("primary killed: the replica answers reads", func(t *testing.T) {
		before := dumpWorkbook(t, write(db, nil, "before.xlsx"))
		if rdb, _ := reads.For(ctx, postgres.ReadLatest); rdb != reads.Replica {
			t.Fatalf("not on the replica before the kill: %v", warned.take())
		}
		pid := pair.primary.PID()
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 500 && pair.primary.Running(); i++ {
			time.Sleep(10 * time.Millisecond)
		}
		db.Pool.Reset()
		rdb, src := reads.For(ctx, postgres.ReadReplayed)
		if rdb != reads.Replica || src == nil || !src.Replica {
			t.Fatalf("with the primary down a read went to %p (source %+v), want the replica", rdb, src)
		}
		after := dumpWorkbook(t, write(rdb, nil, "after.xlsx"))
		if d := diffWorkbooks(before, after); d != "" {
			t.Fatalf("the replica's workbook differs from the primary's before the kill: %s", d)
		}
		// A fresh read cannot ask the primary how far to wait: it reads
		// the replica and says it may lag.
		if rdb, _ := reads.For(ctx, postgres.ReadLatest); rdb != reads.Replica {
			t.Fatalf("a fresh read with the primary down went to %p", rdb)
		}
		if w := warned.take(); len(w) != 1 {
			t.Fatalf("warnings %v, want one (the primary does not answer)", w)
		}
	})
}
