package web_test

import (
	"net/http"
	"testing"
)

// The menu offers each user the pages of their roles: an auditor sees no
// entry, import or check-and-post menu; an officer and a checker do.
func TestMenuFollowsRoles(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		user       string
		make, work bool
	}{{"fengqing", false, false}, {"wangfang", true, true}, {"liqiang", false, true}} {
		p := e.login(c.user).get("/vouchers")
		wantStatus(t, p, http.StatusOK, c.user+"'s 凭证查询")
		for _, m := range []struct {
			part string
			want bool
		}{{`>凭证录入</a>`, c.make}, {`<a href="/vouchers/import">凭证导入</a>`, c.make}, {`>审核记账</a>`, c.work}} {
			if m.want {
				wantBody(t, p, c.user+"'s menu", m.part)
			} else {
				wantNot(t, p, c.user+"'s menu", m.part)
			}
		}
	}
}
