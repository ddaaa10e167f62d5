package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// bodyKinds are the JSON request bodies of the routes, each decoded as its
// handler decodes it, with the follow-up parsing of its nested parts.
var bodyKinds = []struct {
	name  string
	new   func() any
	after func(v any) error // nested decoding the handler does next
}{
	{"receive", func() any { return &receiveBody{} }, func(v any) error { return flowAfter(&v.(*receiveBody).flowCommon) }},
	{"match", func() any { return &matchBody{} }, func(v any) error { return flowAfter(&v.(*matchBody).flowCommon) }},
	{"allocate", func() any { return &allocateBody{} }, func(v any) error { return flowAfter(&v.(*allocateBody).flowCommon) }},
	{"spend", func() any { return &spendBody{} }, func(v any) error {
		in := v.(*spendBody)
		if in.Purpose != "" {
			if _, err := ledger.ParsePurpose(in.Purpose); err != nil {
				return err
			}
		}
		if _, err := beneficiaries(in.Beneficiaries); err != nil {
			return err
		}
		return flowAfter(&in.flowCommon)
	}},
	{"return", func() any { return &returnBody{} }, func(v any) error { return flowAfter(&v.(*returnBody).flowCommon) }},
	{"voucher", func() any { return &voucherBody{} }, func(v any) error {
		in := v.(*voucherBody)
		for i, raw := range in.Lines {
			prefix := fmt.Sprintf("lines[%d].", i+1)
			var lb lineBody
			if err := decodeStrict(raw, &lb, prefix, false); err != nil {
				return err
			}
			if _, err := optionalAmount(lb.Debit, prefix+"debit"); err != nil {
				return err
			}
			if _, err := optionalAmount(lb.Credit, prefix+"credit"); err != nil {
				return err
			}
		}
		if _, err := beneficiaries(in.Beneficiaries); err != nil {
			return err
		}
		_, err := date(in.Date, "date", time.Time{})
		return err
	}},
	{"reverse", func() any { return &reverseBody{} }, nil},
	{"login", func() any { return &loginBody{} }, nil},
	{"user", func() any { return &userBody{} }, nil},
	{"password", func() any { return &passwordBody{} }, nil},
	{"token", func() any { return &tokenBody{} }, nil},
	{"audit-run", func() any { return &auditRunBody{} }, nil},
	{"finding-ack", func() any { return &findingBody{} }, nil},
	{"finding-rectify", func() any { return &rectifyBody{} }, nil},
	{"reconcile", func() any { return &reconcileBody{} }, nil},
	{"reopen", func() any { return &reopenBody{} }, nil},
	{"publicity", func() any { return &publicityBody{} }, func(v any) error {
		in := v.(*publicityBody)
		for _, f := range []struct{ s, name string }{{in.Procurement, "procurement"}, {in.Condolence, "condolence"},
			{in.Relief, "relief"}, {in.Total, "total"}} {
			if _, err := publishedAmount(f.s, f.name); err != nil {
				return err
			}
		}
		return nil
	}},
	{"roster", func() any { return &rosterBody{} }, nil},
	{"member", func() any { return &memberBody{} }, nil},
	{"meeting", func() any { return &meetingBody{} }, nil},
	{"payee", func() any { return &payeeBody{} }, nil},
	{"value-date", func() any { return &valueDateBody{} }, nil},
	{"empty", func() any { return &struct{}{} }, nil},
}

// flowAfter parses the amount and date of a flow as the handler does.
func flowAfter(c *flowCommon) error {
	if _, err := amount(c.Amount, "amount"); err != nil {
		return err
	}
	_, err := date(c.Date, "date", time.Time{})
	return err
}

// FuzzDecodeBodies decodes any bytes as each route's body. It never
// panics; a refusal is a *ledger.Error coded invalid or invalid_amount
// (purpose_not_allowed for an unknown purpose); a body it accepts encodes and decodes again to the same
// value.
func FuzzDecodeBodies(f *testing.F) {
	seeds := []string{
		`{"fund": "FY-UP", "amount": "90000.00", "date": "2020-02-03", "decision": "吕组通〔2020〕5号", "attachments": 1}`,
		`{"fund": "FY-UP", "to": "FY-CP-01", "amount": "5000.00", "date": "2020-02-05"}`,
		`{"org": "FY-CP-01", "fund": "FY-UP", "purpose": "relief", "amount": "500.00", "beneficiaries": [{"name": "张三", "category": "群众", "id_number": "141182197001011232", "amount": "500.00"}]}`,
		`{"date": "2020-02-10", "summary": "调整", "lines": [{"summary": "a", "account": "100201", "org": "FY", "fund": "FY-UP", "debit": "1.00"}, {"summary": "a", "account": "420101", "org": "FY", "fund": "FY-UP", "credit": "1.00"}]}`,
		`{"user": "wangfang", "password": "demo-officer-1", "ttl": "8h"}`,
		`{"name": "chenjing", "roles": ["officer"], "scope": "FY-CP-02", "password": "a long passphrase"}`,
		`{"note": "情况属实，限期整改", "deadline": "2020-03-31"}`,
		`{"period": "2020-02", "close": true}`,
		`{"org": "FY-CP-01", "date": "2020-03-02", "channel": "公示栏", "procurement": "8600.00", "condolence": "1200.00", "relief": "0", "total": "9800.00"}`,
		`{"decision": "部务会2020-02-04", "attendees": ["孙立新", "王芳"]}`,
		`{"payee": "白云峰", "personal": true}`,
		`{"amount": 12.5}`, `{"amount": "1e3"}`, `{"Amount": "1.00", "amount": "2.00"}`, `{"amount": "1.00", "amount": "2.00"}`,
		`{"summary": "a\u0000b"}`, "{\"summary\": \"\xff\xfe\"}", `[]`, `null`, `{} {}`, `{"lines": [1]}`, `{"beneficiaries": [{"x": 1}]}`,
		`{"attachments": 99999999999999999999}`, `{"attachments": -1}`, `{"date": "9999-12-31"}`, ``,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		k := bodyKinds[int(kind)%len(bodyKinds)]
		v := k.new()
		err := decodeStrict(data, v, "", k.name == "empty")
		if err == nil && k.after != nil {
			err = k.after(v)
		}
		if err != nil {
			var le *ledger.Error
			if !errors.As(err, &le) {
				t.Fatalf("%s: %T is not a *ledger.Error: %v", k.name, err, err)
			}
			if c := ledger.ErrorCode(err); c != ledger.EInvalid && c != ledger.EInvalidAmount && c != ledger.EPurposeNotAllowed {
				t.Fatalf("%s: code %s for %q: %v", k.name, c, data, err)
			}
			return
		}
		first, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: encode: %v", k.name, err)
		}
		again := k.new()
		if err := decodeStrict(first, again, "", true); err != nil {
			t.Fatalf("%s: %s decoded, but its encoding %s does not: %v", k.name, data, first, err)
		}
		second, _ := json.Marshal(again)
		if !bytes.Equal(first, second) {
			t.Fatalf("%s: encoding not stable:\n%s\n%s", k.name, first, second)
		}
	})
}
