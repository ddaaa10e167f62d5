package web_test

import (
	"net/http"
	"strconv"
	"testing"
)

// A voucher's history names the channel of each act in Chinese, not by
// its code.
func TestVoucherHistorySourceInChinese(t *testing.T) {
	e := newEnv(t)
	p := e.login("wangfang").get("/vouchers/" + strconv.FormatInt(e.receive.ID, 10))
	wantStatus(t, p, http.StatusOK, "the voucher")
	wantBody(t, p, "the voucher's history", "<td>网页/接口</td>")
	wantNot(t, p, "the voucher's history", "<td>http</td>", "<td>cli</td>")
}
