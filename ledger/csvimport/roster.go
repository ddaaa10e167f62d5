package csvimport

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
)

// The roster CSV of `ledger roster import` and POST /api/v1/roster/import:
// a header row naming the columns name (姓名), id (证件号/身份证号),
// id_kind (证件类型, default a resident identity card), category (身份/类别),
// phone (电话), org (党组织), in UTF-8 or GBK.

// RosterRowsMax bounds a roster file.
const RosterRowsMax = 100000

var rosterColumns = map[string]string{
	"name": "name", "姓名": "name",
	"id": "id", "id_number": "id", "证件号": "id", "证件号码": "id", "身份证号": "id", "身份证号码": "id",
	"category": "category", "身份": "category", "类别": "category",
	"phone": "phone", "电话": "phone", "手机": "phone", "联系电话": "phone",
	"org": "org", "党组织": "org", "组织": "org",
	"id_kind": "id_kind", "kind": "id_kind", "证件类型": "id_kind",
}

// ParseRoster reads a roster file, UTF-8 (a byte-order mark is dropped) or,
// when it is not valid UTF-8, GBK/GB18030; rows without an organisation
// take defOrg ("" for every organisation of the book). name names the file
// in errors.
func ParseRoster(data []byte, name, defOrg string) ([]audit.RosterEntry, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil {
			return nil, ledger.Errorf(ledger.EInvalid, "file", "%s is neither UTF-8 nor GBK text", name)
		}
		data = dec
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, ledger.Errorf(ledger.EInvalid, "file", "%s: no header row: %v", name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		k, ok := rosterColumns[strings.ToLower(strings.TrimSpace(h))]
		if !ok {
			return nil, ledger.Errorf(ledger.EInvalid, "file", "%s: unknown column %q (name, id, id_kind, category, phone, org)", name, h)
		}
		col[k] = i
	}
	if _, ok := col["name"]; !ok {
		return nil, ledger.Errorf(ledger.EInvalid, "file", "%s: no name (姓名) column", name)
	}
	var out []audit.RosterEntry
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, ledger.Errorf(ledger.EInvalid, "file", "%s: %v", name, err)
		}
		get := func(k string) string {
			if i, ok := col[k]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		if len(out) == RosterRowsMax {
			return nil, ledger.Errorf(ledger.ETooLarge, "file", "%s: more than %d rows", name, RosterRowsMax)
		}
		e := audit.RosterEntry{Org: get("org"), Name: get("name"), IDNumber: get("id"), IDKind: ledger.IDKind(get("id_kind")), Category: get("category"), Phone: get("phone")}
		if e.Org == "" {
			e.Org = defOrg
		}
		if e.Name == "" {
			return nil, ledger.Errorf(ledger.EInvalid, fmt.Sprintf("line %d", line), "%s line %d: the name is empty", name, line)
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, ledger.Errorf(ledger.EInvalid, "file", "%s has no rows", name)
	}
	return out, nil
}
