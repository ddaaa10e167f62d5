package web_test

import (
	"bytes"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/reports"
)

// tableRows reads the rows of the page's audit table (table#audit-NAME):
// each row's cells as text, and the link of each cell ("" without one).
func tableRows(t *testing.T, body, name string) (rows [][]string, links [][]string) {
	t.Helper()
	start := strings.Index(body, `id="audit-`+name+`"`)
	if start < 0 {
		t.Fatalf("no table audit-%s on the page:\n%s", name, body)
	}
	body = body[start:]
	tb := strings.Index(body, "<tbody>")
	end := strings.Index(body, "</tbody>")
	if tb < 0 || end < tb {
		t.Fatalf("table audit-%s has no body", name)
	}
	for _, tr := range trPattern.FindAllStringSubmatch(body[tb:end], -1) {
		var cells, hrefs []string
		for _, td := range tdPattern.FindAllStringSubmatch(tr[1], -1) {
			text, href := td[1], ""
			if m := aPattern.FindStringSubmatch(text); m != nil {
				href, text = html.UnescapeString(m[1]), m[2]
			}
			cells = append(cells, html.UnescapeString(text))
			hrefs = append(hrefs, href)
		}
		rows = append(rows, cells)
		links = append(links, hrefs)
	}
	return rows, links
}

var (
	trPattern = regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`)
	tdPattern = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	aPattern  = regexp.MustCompile(`(?s)^<a href="([^"]*)">(.*)</a>$`)
)

func TestAuditTablesPages(t *testing.T) {
	e := newEnv(t)
	e.approve(e.spend)
	a := e.login("fengqing")

	p := a.get("/audit/tables?period=2020-02")
	wantStatus(t, p, http.StatusOK, "the index of the tables")
	wantBody(t, p, "the index of the tables", "审计报表", `href="/audit/workbook.xlsx?period=2020-02"`)
	for _, n := range []string{"t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"} {
		wantBody(t, p, "the index of the tables", `href="/audit/tables/`+n+`?period=2020-02"`, `href="/audit/tables/`+n+`.xlsx?period=2020-02"`)
		q := a.get("/audit/tables/" + n + "?period=2020-02")
		wantStatus(t, q, http.StatusOK, n)
		sheet, _ := reports.SheetName(n)
		wantBody(t, q, n, html.EscapeString(reports.TableTitle(sheet)), "单位：元", `id="audit-`+n+`"`)
	}
	wantBody(t, a.get("/audit?period=2020-02"), "the overview", `href="/audit/tables?period=2020-02"`)

	// T1 of the whole book: the receipt, the allocation and the spending,
	// the totals linked to their vouchers.
	p = a.get("/audit/tables/t1?period=2020-02")
	rows, links := tableRows(t, p.body, "t1")
	last := rows[len(rows)-1]
	if last[0] != "合计" || last[3] != "90,000.00" || last[7] != "1,234.50" {
		t.Errorf("T1 合计: %q", last)
	}
	used := links[len(links)-1][7]
	if !strings.HasPrefix(used, "/vouchers?") || !strings.Contains(used, "flow=spend") || !strings.Contains(used, "period=2020-02") {
		t.Errorf("T1 合计 本期使用 links to %q", used)
	}
	// The link yields the spending and nothing else.
	v := a.get(used)
	wantStatus(t, v, http.StatusOK, "the vouchers of 本期使用")
	wantBody(t, v, "the vouchers of 本期使用", e.spend.Word())
	wantNot(t, v, "the vouchers of 本期使用", e.receive.Word()+"<", e.allocate.Word()+"<")
	if in := links[len(links)-1][3]; !strings.Contains(in, "flow=receive") {
		t.Errorf("T1 合计 本期收入 links to %q", in)
	} else {
		v := a.get(in)
		wantBody(t, v, "the vouchers of 本期收入", e.receive.Word())
		wantNot(t, v, "the vouchers of 本期收入", e.spend.Word()+"<")
	}
	wantStatus(t, a.get("/vouchers?flow=nope"), http.StatusUnprocessableEntity, "an unknown flow")

	// An officer of a branch reads the tables of the branch only.
	o := e.login("cp01officer")
	p = o.get("/audit/tables/t1?period=2020-02")
	wantStatus(t, p, http.StatusOK, "T1 of a branch")
	rows, _ = tableRows(t, p.body, "t1")
	for _, r := range rows {
		if r[0] != "小计" && r[0] != "合计" && r[0] != e.orgName("FY-CP-01") {
			t.Errorf("T1 of FY-CP-01 shows %q", r)
		}
	}
	last = rows[len(rows)-1]
	if last[3] != "0.00" || last[4] != "5,000.00" || last[7] != "1,234.50" {
		t.Errorf("T1 合计 of FY-CP-01: %q", last)
	}
	wantStatus(t, o.get("/audit/tables/t1?period=2020-02&org=FY-CP-02"), http.StatusForbidden, "T1 of a sibling branch")
	wantStatus(t, o.get("/audit/workbook.xlsx?period=2020-02&org=FY"), http.StatusForbidden, "the workbook of the book for a branch")

	// Refusals are Chinese pages.
	p = a.get("/audit/tables/t1?period=2020-13")
	wantStatus(t, p, http.StatusUnprocessableEntity, "a bad period")
	if m := regexp.MustCompile(`<p class="message">([^<]*)</p>`).FindStringSubmatch(p.body); m == nil ||
		!regexp.MustCompile(`\p{Han}`).MatchString(m[1]) || strings.Contains(m[1], "is not a") || !strings.Contains(m[1], "2020-13") {
		t.Errorf("the bad period's page is not Chinese:\n%s", p.body)
	}
	p = a.get("/audit/tables/t10?period=2020-02")
	wantStatus(t, p, http.StatusNotFound, "an unknown table")
	wantBody(t, p, "an unknown table", "页面或记录不存在", "t10")
	wantStatus(t, a.get("/audit/tables/t1?period=2020-02&org=NOPE"), http.StatusNotFound, "an unknown organisation")
	if p := e.browser().get("/audit/tables/t1?period=2020-02"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/login") {
		t.Errorf("signed out: %d %s", p.status, p.header.Get("Location"))
	}

	// Downloads: one sheet and the whole workbook, for the same period.
	p = a.get("/audit/tables/t3.xlsx?period=2020-02")
	wantStatus(t, p, http.StatusOK, "T3 alone")
	f := openXLSX(t, p)
	if got := f.GetSheetList(); len(got) != 1 || got[0] != reports.SheetT3 {
		t.Errorf("T3 alone has sheets %q", got)
	}
	p = a.get("/audit/workbook.xlsx?period=2020-02")
	wantStatus(t, p, http.StatusOK, "the workbook")
	f = openXLSX(t, p)
	if got := f.GetSheetList(); strings.Join(got, ",") != strings.Join(reports.SheetNames, ",") {
		t.Errorf("the workbook has sheets %q", got)
	}
	wantStatus(t, a.get("/audit/workbook.xlsx?period=2020-13"), http.StatusUnprocessableEntity, "the workbook of a bad period")
}

func openXLSX(t *testing.T, p page) *excelize.File {
	t.Helper()
	if ct := p.header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("content type %q", ct)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(p.body)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestAuditT1PageEqualsWorkbook reads T1 on the page and T1 in the
// downloaded workbook for the same period and finds every cell equal: the
// text of the text columns, and every amount to the fen.
func TestAuditT1PageEqualsWorkbook(t *testing.T) {
	e := newEnv(t)
	e.approve(e.spend)
	// A second allocation and a return make more rows and columns.
	e.approve(e.flow("wangfang", ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-02", Amount: ledger.MustParseMoney("800.00"), Attachments: 1}))
	e.approve(e.sibling)
	// A red voucher cancelling the sibling's spending counts in 本期使用 and
	// is among the vouchers its total links to.
	red, err := e.db.Reverse(t.Context(), book, "wangfang", e.sibling.ID, time.Date(2020, 2, 12, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		who string
		act ledger.Action
	}{{"liqiang", ledger.ActCheck}, {"liqiang", ledger.ActPost}} {
		if _, err := e.db.Transition(t.Context(), book, s.who, red.ID, s.act); err != nil {
			t.Fatalf("%s %s %s: %v", s.who, s.act, red.Word(), err)
		}
	}
	e.approve(e.flow("wangfang", ledger.FlowRequest{Flow: ledger.FlowReturn, Fund: "FY-UP", Org: "FY-CP-01", Amount: ledger.MustParseMoney("65.50"), Attachments: 1}))
	a := e.login("fengqing")
	for _, period := range []string{"2020-02", "2020", "2020-01..2020-03"} {
		p := a.get("/audit/tables/t1?period=" + period)
		wantStatus(t, p, http.StatusOK, "T1 "+period)
		rows, links := tableRows(t, p.body, "t1")
		if used := rows[len(rows)-1][7]; used != "1,234.50" {
			t.Errorf("%s: T1 合计 本期使用 %s", period, used)
		}
		v := a.get(links[len(links)-1][7])
		wantBody(t, v, "the vouchers of 本期使用", e.spend.Word()+"<", e.sibling.Word()+"<", red.Word()+"<")
		wantNot(t, v, "the vouchers of 本期使用", e.receive.Word()+"<", e.allocate.Word()+"<")
		x := a.get("/audit/workbook.xlsx?period=" + period)
		wantStatus(t, x, http.StatusOK, "the workbook "+period)
		f := openXLSX(t, x)
		sheet, err := f.GetRows(reports.SheetT1, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		heads := reports.TableHeads(reports.SheetT1)
		if got := sheet[2]; strings.Join(got, "|") != strings.Join(heads, "|") {
			t.Errorf("%s: the sheet's heads %q, the page's %q", period, got, heads)
		}
		data := sheet[3:]
		for len(data) > 0 && len(data[len(data)-1]) == 0 {
			data = data[:len(data)-1]
		}
		if len(rows) != len(data) || len(rows) < 4 {
			t.Fatalf("%s: %d rows on the page, %d in the sheet\npage %q\nsheet %q", period, len(rows), len(data), rows, data)
		}
		amounts := 0
		for i := range rows {
			for c := range heads {
				page, cell := rows[i][c], ""
				if c < len(data[i]) {
					cell = data[i][c]
				}
				if c < 2 {
					if c == 1 && rows[i][0] == "合计" && page == "" && cell == "" {
						continue
					}
					if page != cell {
						t.Errorf("%s row %d col %d: page %q, sheet %q", period, i+1, c+1, page, cell)
					}
					continue
				}
				pm, err := ledger.ParseMoney(strings.ReplaceAll(page, ",", ""))
				if err != nil {
					t.Fatalf("%s row %d col %d: %q on the page: %v", period, i+1, c+1, page, err)
				}
				v, err := strconv.ParseFloat(cell, 64)
				if err != nil {
					t.Fatalf("%s row %d col %d: %q in the sheet: %v", period, i+1, c+1, cell, err)
				}
				if sm := ledger.FromFen(int64(roundHalf(v * 100))); !sm.Equal(pm) {
					t.Errorf("%s row %d col %d: page %s, sheet %s", period, i+1, c+1, pm, sm)
				}
				amounts++
			}
		}
		if last := rows[len(rows)-1]; last[0] != "合计" || last[3] != "90,000.00" {
			t.Errorf("%s: T1 合计 %q", period, last)
		}
		t.Logf("%s: %d rows, %d amounts equal", period, len(rows), amounts)
	}
}

func roundHalf(v float64) float64 {
	if v < 0 {
		return -roundHalf(-v)
	}
	return float64(int64(v + 0.5))
}
