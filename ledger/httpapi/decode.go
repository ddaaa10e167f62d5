package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fenyang/partyfee/ledger"
)

// readBody reads a request body of at most limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, tooLarge(limit)
	}
	if err != nil {
		return nil, ledger.Errorf(ledger.EInvalid, "body", "the request body could not be read")
	}
	if len(bytes.TrimSpace(b)) > 0 {
		if ct := r.Header.Get("Content-Type"); ct != "" {
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
				return nil, withStatus(http.StatusUnsupportedMediaType,
					ledger.Errorf(ledger.EInvalid, "Content-Type", "the body must be JSON (Content-Type: application/json), not %q", ct))
			}
		}
	}
	return b, nil
}

func tooLarge(limit int64) error {
	return ledger.Errorf(ledger.ETooLarge, "body", "the request body is larger than %d bytes", limit)
}

// amountFields are the JSON names that hold money: a JSON number there is
// invalid_amount, since amounts are decimal strings ("1200.00").
var amountFields = map[string]bool{"amount": true, "debit": true, "credit": true,
	"total": true, "procurement": true, "condolence": true, "relief": true}

// decodeStrict decodes one JSON object from data into v, rejecting unknown
// fields, wrong types and trailing data. prefix is the path of the object
// in the request ("lines[2].") for error fields. An empty body decodes as
// {} when emptyOK.
func decodeStrict(data []byte, v any, prefix string, emptyOK bool) error {
	if len(bytes.TrimSpace(data)) == 0 {
		if emptyOK {
			return nil
		}
		return ledger.Errorf(ledger.EInvalid, strings.TrimSuffix(prefix, ".")+orBody(prefix), "the request body is empty; send a JSON object")
	}
	if err := uniqueKeys(data, prefix); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, prefix)
	}
	if _, err := dec.Token(); err != io.EOF {
		return ledger.Errorf(ledger.EInvalid, orBody(prefix), "the body holds more than one JSON value")
	}
	return nil
}

// uniqueKeys refuses an object that holds a key twice, or two keys that
// differ only in case: encoding/json matches names without regard to case
// and keeps the last, so "Amount" would silently override "amount" after
// a proxy or a log had read the first. It also refuses a key or a string
// that is not valid UTF-8, naming it, since the decoder would store U+FFFD
// in its place (a GBK body) and the domain's text check would never see
// it. Malformed JSON passes here; the decoder names its fault.
func uniqueKeys(data []byte, prefix string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	// token reads one token and refuses one whose bytes are not UTF-8.
	token := func(field string) (json.Token, error) {
		from := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, errStop
		}
		if _, ok := tok.(string); ok && !utf8.Valid(data[from:dec.InputOffset()]) {
			return nil, ledger.Errorf(ledger.EInvalid, field, "%s is not valid UTF-8 text; send UTF-8", field)
		}
		return tok, nil
	}
	var walk func(path string) error
	walk = func(path string) error {
		tok, err := token(strings.TrimSuffix(path, ".") + orBody(path))
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]string{}
			for dec.More() {
				k, err := token(strings.TrimSuffix(path, ".") + orBody(path))
				if err != nil {
					return err
				}
				key, _ := k.(string)
				fold := strings.ToLower(strings.ToUpper(key))
				if first, ok := seen[fold]; ok {
					if first == key {
						return ledger.Errorf(ledger.EInvalid, path+key, "the key %q appears twice in one object", key)
					}
					return ledger.Errorf(ledger.EInvalid, path+key, "the keys %q and %q differ only in case; send each field once, in lower case", first, key)
				}
				seen[fold] = key
				if err := walk(path + key + "."); err != nil {
					return err
				}
			}
			dec.Token()
		case json.Delim('['):
			base := strings.TrimSuffix(path, ".")
			for i := 1; dec.More(); i++ {
				if err := walk(fmt.Sprintf("%s[%d].", base, i)); err != nil {
					return err
				}
			}
			dec.Token()
		}
		return nil
	}
	if err := walk(prefix); err != errStop {
		return err
	}
	return nil
}

// errStop ends the walk of malformed JSON.
var errStop = errors.New("malformed JSON")

func orBody(prefix string) string {
	if prefix == "" {
		return "body"
	}
	return ""
}

// jsonError explains a decoding error, naming the field.
func jsonError(err error, prefix string) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return ledger.Errorf(ledger.EInvalid, "body", "malformed JSON at byte %d: %s", se.Offset, se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return ledger.Errorf(ledger.EInvalid, "body", "malformed JSON: the body ends early")
	case errors.As(err, &te):
		// The path names an embedded struct by its Go name; the fields of
		// flowCommon are top-level JSON keys.
		te.Field = strings.ReplaceAll(te.Field, "flowCommon.", "")
		field := prefix + te.Field
		if te.Field == "" {
			return ledger.Errorf(ledger.EInvalid, strings.TrimSuffix(prefix, ".")+orBody(prefix), "expected a JSON object, got %s", te.Value)
		}
		if te.Value == "number" && amountFields[path.Ext("." + te.Field)[1:]] {
			return ledger.Errorf(ledger.EInvalidAmount, field, "amounts are JSON strings such as \"1200.00\", never numbers")
		}
		return ledger.Errorf(ledger.EInvalid, field, "%s must be %s, not %s", field, typeName(te.Type.String()), te.Value)
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		if n, err := strconv.Unquote(name); err == nil {
			name = n
		}
		return ledger.Errorf(ledger.EInvalid, prefix+name, "unknown field %q", name)
	}
	return ledger.Errorf(ledger.EInvalid, "body", "malformed JSON")
}

func typeName(t string) ledger.Phrase {
	switch {
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "int"):
		return "an integer"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	}
	return "an object"
}

// amount parses a posting amount (> 0, at most 2 decimals) naming field.
func amount(s, field string) (ledger.Money, error) {
	if strings.TrimSpace(s) == "" {
		return ledger.Money{}, ledger.Errorf(ledger.EInvalidAmount, field, "%s is required: a decimal string such as \"1200.00\"", field)
	}
	m, err := ledger.ParseAmount(s)
	if err != nil {
		return ledger.Money{}, ledger.Errorf(ledger.EInvalidAmount, field, "%s", ledger.ErrorMessage(err))
	}
	return m, nil
}

// optionalAmount is amount for a debit or credit that may be absent.
func optionalAmount(s, field string) (ledger.Money, error) {
	if strings.TrimSpace(s) == "" {
		return ledger.Zero, nil
	}
	return amount(s, field)
}

// date parses a YYYY-MM-DD date naming field; empty gives def.
func date(s, field string, def time.Time) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return def, nil
	}
	d, err := ledger.ParseDate(s)
	if err != nil {
		return time.Time{}, ledger.Errorf(ledger.EInvalid, field, "%s", ledger.ErrorMessage(err))
	}
	return d, nil
}

// pathID parses the {id} path value.
func pathID(r *http.Request) (int64, error) {
	s := r.PathValue("id")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, ledger.Errorf(ledger.EInvalid, "id", "%q is not an id (a positive integer)", s)
	}
	return id, nil
}

// beneficiaryBody is a beneficiary of condolence or relief money.
type beneficiaryBody struct {
	Name     string `json:"name"`
	Category string `json:"category"`
	IDNumber string `json:"id_number"`
	IDKind   string `json:"id_kind"` // "" is a resident identity card
	Phone    string `json:"phone"`
	Reason   string `json:"reason"`
	Amount   string `json:"amount"`
}

func beneficiaries(raw []json.RawMessage) ([]ledger.Beneficiary, error) {
	if len(raw) > ledger.BeneficiariesMax {
		return nil, ledger.Errorf(ledger.EInvalid, "beneficiaries", "at most %d beneficiaries per voucher", ledger.BeneficiariesMax)
	}
	var out []ledger.Beneficiary
	for i, m := range raw {
		prefix := fmt.Sprintf("beneficiaries[%d].", i+1)
		var b beneficiaryBody
		if err := decodeStrict(m, &b, prefix, false); err != nil {
			return nil, err
		}
		amt, err := amount(b.Amount, prefix+"amount")
		if err != nil {
			return nil, err
		}
		out = append(out, ledger.Beneficiary{Name: b.Name, Category: b.Category, IDNumber: b.IDNumber, IDKind: ledger.IDKind(b.IDKind), Phone: b.Phone, Reason: b.Reason, Amount: amt})
	}
	return out, nil
}

// itemBody is an item line (物品明细): quantity and unit price are decimal
// strings, like amounts.
type itemBody struct {
	Name      string `json:"name"`
	Spec      string `json:"spec"`
	Unit      string `json:"unit"`
	Quantity  string `json:"quantity"`
	UnitPrice string `json:"unit_price"`
	Amount    string `json:"amount"`
}

// items decodes the items of a line; field is where they stand
// ("items", "lines[1].items").
func items(raw []json.RawMessage, field string) ([]ledger.Item, error) {
	if len(raw) > ledger.ItemsMax {
		return nil, ledger.Errorf(ledger.EInvalid, field, "a voucher has at most %d items", ledger.ItemsMax)
	}
	var out []ledger.Item
	for i, m := range raw {
		prefix := fmt.Sprintf("%s[%d].", field, i+1)
		var b itemBody
		if err := decodeStrict(m, &b, prefix, false); err != nil {
			return nil, err
		}
		it, err := ledger.ParseItemFields(prefix, b.Name, b.Spec, b.Unit, b.Quantity, b.UnitPrice, b.Amount)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}
