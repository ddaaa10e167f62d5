package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
)

// outcome is the result of one act on one voucher of a selection.
type outcome struct {
	ID      int64
	Word    string
	OK      bool
	Message string
}

type queueData struct {
	Work     work
	Act      string
	Outcomes []outcome
}

// queue answers GET /queue: 审核·出纳签字·记账, the vouchers waiting for
// each of the user's roles, to act on one or a selection.
func (s *Server) queue(w http.ResponseWriter, r *http.Request) {
	wk, err := s.work(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "queue", page{Title: "审核·出纳签字·记账", Menu: "queue", Notice: doneNotice(r), Data: queueData{Work: wk}})
}

// queueActs are the acts of a selection on /queue.
var queueActs = map[string]ledger.Action{
	"check": ledger.ActCheck, "uncheck": ledger.ActUncheck, "sign": ledger.ActSign, "post": ledger.ActPost,
}

// queueAct answers POST /queue (act, id…): the act on each selected
// voucher in turn, each by the same use case as the API's. All done: back
// to /queue with a notice; otherwise the queue again with each voucher's
// outcome, a refusal naming the voucher and the reason in Chinese.
func (s *Server) queueAct(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	act, ok := queueActs[r.PostFormValue("act")]
	if !ok {
		s.fail(w, r, ledger.Errorf(ledger.EInvalid, "act", "unknown act %q", r.PostFormValue("act")))
		return
	}
	ids := r.PostForm["id"]
	if len(ids) == 0 {
		s.fail(w, r, ledger.Errorf(ledger.EInvalid, "id", "select at least one voucher"))
		return
	}
	var outs []outcome
	status := http.StatusOK
	for _, a := range ids {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			s.fail(w, r, ledger.Errorf(ledger.EInvalid, "id", "%q is not a voucher id", a))
			return
		}
		o := outcome{ID: id, Word: "#" + a}
		v, err := s.db.Transition(r.Context(), rq.user.Book, rq.user.Name, id, act)
		if err == nil {
			o.OK, o.Word = true, v.Word()
		} else {
			if cur, e := s.db.Voucher(r.Context(), rq.user.Book, id); e == nil && mayRead(rq.user, cur, rq.books) == nil {
				o.Word = cur.Word()
			}
			o.Message = i18n.Message(i18n.ZhCN, err)
			if status == http.StatusOK {
				status = statusOf(ledger.ErrorCode(err))
			}
		}
		outs = append(outs, o)
	}
	if status == http.StatusOK {
		http.Redirect(w, r, withQuery("/queue", url.Values{"done": {string(act)}, "n": {strconv.Itoa(len(outs))}}), http.StatusSeeOther)
		return
	}
	wk, err := s.work(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "queue", page{Title: "审核·出纳签字·记账", Menu: "queue", Data: queueData{Work: wk, Act: string(act), Outcomes: outs}})
}

// act answers POST /vouchers/{id}/{act} (check, uncheck, sign, post, void,
// reverse with an optional date): done, back to the voucher (the red
// voucher after reverse); refused, an error page naming the voucher and
// the reason.
func (s *Server) act(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	id, err := voucherID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := r.PathValue("act")
	target := id
	switch name {
	case "check", "uncheck", "sign", "post", "void":
		_, err = s.db.Transition(r.Context(), rq.user.Book, rq.user.Name, id, ledger.Action(name))
	case "reverse":
		var d time.Time
		if ds := r.PostFormValue("date"); ds != "" {
			if d, err = ledger.ParseDate(ds); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		var red *ledger.Voucher
		if red, err = s.db.Reverse(r.Context(), rq.user.Book, rq.user.Name, id, d); err == nil {
			target = red.ID
		}
	default:
		s.fail(w, r, ledger.Errorf(ledger.ENotFound, "act", "no act %q", name))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, withQuery("/vouchers/"+strconv.FormatInt(target, 10), url.Values{"done": {name}}), http.StatusSeeOther)
}
