package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/recon"
)

// The runs of the month end work in the background: a run of the batch
// over a large month takes longer than a browser waits for an answer, so
// the POST starts it and the page shows its progress (the steps of
// postgres.ReconcileOptions.Progress) until it ends, then its result. The
// runs live in memory: a restarted server has forgotten them, and the
// page then asks for a new preview (what a run wrote is in the database).

// Kinds of runs.
const (
	jobStatement = "statement" // upload the bank statement and reconcile
	jobPreview   = "preview"   // reconcile, recording nothing
	jobClose     = "close"     // reconcile and close when clean
)

const (
	// jobKeep is how long a finished run's result stays readable.
	jobKeep = time.Hour
	// jobsMax bounds the runs kept; the oldest finished go first.
	jobsMax = 100
	// jobTimeout bounds a run.
	jobTimeout = 30 * time.Minute
)

// batchJob is one run of the batch started from the page.
type batchJob struct {
	id         string
	book, user string
	period     ledger.PeriodRange
	kind       string
	started    time.Time

	mu       sync.Mutex
	step     string
	done     int
	total    int
	finished bool
	ended    time.Time
	res      *recon.ReconcileResult
	err      error
}

// jobState is what the page and the status endpoint show of a run.
type jobState struct {
	Kind     string
	Step     string // the step running, in Chinese
	Done     int
	Total    int
	Finished bool
	Percent  int
}

func (j *batchJob) state() jobState {
	j.mu.Lock()
	defer j.mu.Unlock()
	st := jobState{Kind: j.kind, Step: stepName(j.step), Done: j.done, Total: j.total, Finished: j.finished}
	if j.total > 0 {
		st.Percent = j.done * 100 / j.total
	}
	if j.finished {
		st.Percent = 100
	}
	return st
}

func (j *batchJob) outcome() (*recon.ReconcileResult, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.res, j.err
}

// batchJobs are the runs of one server.
type batchJobs struct {
	mu   sync.Mutex
	jobs map[string]*batchJob
}

func newBatchJobs() *batchJobs { return &batchJobs{jobs: map[string]*batchJob{}} }

// start runs run in the background for u's book. One run of a book works
// at a time: a second is refused with in_progress.
func (js *batchJobs) start(u *ledger.User, p ledger.PeriodRange, kind string, log *slog.Logger,
	run func(ctx context.Context, progress func(step string, done, total int)) (*recon.ReconcileResult, error)) (*batchJob, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	j := &batchJob{id: hex.EncodeToString(b[:]), book: u.Book, user: u.Name, period: p, kind: kind, started: time.Now()}
	js.mu.Lock()
	for _, o := range js.jobs {
		o.mu.Lock()
		running := !o.finished
		o.mu.Unlock()
		if running && o.book == u.Book {
			js.mu.Unlock()
			return nil, ledger.Errorf(ledger.EInProgress, "period", "a run of the month end (%s) is in progress; wait for it to end", o.period.Label())
		}
	}
	js.prune()
	js.jobs[j.id] = j
	js.mu.Unlock()

	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), jobTimeout)
		defer cancel()
		var res *recon.ReconcileResult
		var err error
		func() {
			defer func() {
				if p := recover(); p != nil {
					log.Error("panic", "batch", kind, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
					err = &ledger.Error{Code: ledger.EInternal, Msg: "internal error"}
				}
			}()
			res, err = run(ctx, func(step string, done, total int) {
				j.mu.Lock()
				j.step, j.done, j.total = step, done, total
				j.mu.Unlock()
			})
		}()
		if code := ledger.ErrorCode(err); err != nil && (code == ledger.EInternal || code == "") {
			log.Error("month end run failed", "kind", kind, "period", p.Label(), "err", err.Error())
		}
		j.mu.Lock()
		j.res, j.err, j.finished, j.ended = res, err, true, time.Now()
		j.mu.Unlock()
	}()
	return j, nil
}

// prune drops the finished runs older than jobKeep, and the oldest
// finished ones beyond jobsMax; js.mu is held.
func (js *batchJobs) prune() {
	now := time.Now()
	var oldest *batchJob
	for id, j := range js.jobs {
		j.mu.Lock()
		finished, ended := j.finished, j.ended
		j.mu.Unlock()
		if finished && now.Sub(ended) > jobKeep {
			delete(js.jobs, id)
			continue
		}
		if finished && (oldest == nil || j.started.Before(oldest.started)) {
			oldest = j
		}
	}
	if len(js.jobs) >= jobsMax && oldest != nil {
		delete(js.jobs, oldest.id)
	}
}

// get returns the run id if u started it (nil otherwise).
func (js *batchJobs) get(id string, u *ledger.User) *batchJob {
	js.mu.Lock()
	defer js.mu.Unlock()
	j := js.jobs[id]
	if j == nil || j.book != u.Book || j.user != u.Name {
		return nil
	}
	return j
}

// stepName is a step of the batch in Chinese.
func stepName(step string) string {
	switch step {
	case "":
		return "准备"
	case "journal":
		return "汇总本月分录"
	case "voucher balance":
		return "核对凭证借贷平衡"
	case "numbering":
		return "核对凭证编号"
	case "stored balances":
		return "核对余额与明细账"
	case "conservation":
		return "核对专项党费资金守恒"
	case "negative balances":
		return "核对受限余额"
	case "trial balance":
		return "试算平衡"
	case "bank statement":
		return "银行对账"
	case "seal chain":
		return "校验防篡改链"
	case "audit findings":
		return "执行审计规则"
	case "close":
		return "检查结账条件"
	case "commit":
		return "保存结果"
	}
	return step
}
