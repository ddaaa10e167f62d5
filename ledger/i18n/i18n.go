// Package i18n is the message catalogue: every message a person reads, in
// Simplified Chinese (the default) and English.
//
// A message is keyed by its English format string, the one passed to
// ledger.Errorf or to T. The catalogue holds the Chinese format of each key;
// English needs no entry, since the key is the English text. A test walks the
// module's source and fails when a format has no Chinese entry, or when an
// entry uses other arguments than its key, so a message added in English only
// cannot land.
//
// Formatting is fmt's, not golang.org/x/text/message's Printer: the Printer
// groups digits by locale, which would print the year 2020 as "2,020" and a
// voucher id as "1,234"; amounts reach messages already formatted.
package i18n

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/language"

	"github.com/fenyang/partyfee/ledger"
)

// Lang is a language the catalogue speaks.
type Lang string

const (
	ZhCN Lang = "zh-CN" // the default
	En   Lang = "en"
)

// Langs lists the languages, the default first.
var Langs = []Lang{ZhCN, En}

//go:embed zh-CN.json
var zhCNJSON []byte

type catalogue struct {
	Codes    map[string]string `json:"codes"`    // code → title (余额不足)
	Messages map[string]string `json:"messages"` // English format → Chinese format
}

var zh = mustLoad(zhCNJSON)

func mustLoad(b []byte) catalogue {
	var c catalogue
	if err := json.Unmarshal(b, &c); err != nil {
		panic("i18n: zh-CN.json: " + err.Error())
	}
	return c
}

// English titles of the codes; the code itself stays the machine name.
var codeTitlesEn = map[string]string{
	ledger.EInvalidAmount:       "invalid amount",
	ledger.EUnbalanced:          "unbalanced",
	ledger.EInsufficientFunds:   "insufficient funds",
	ledger.EPurposeNotAllowed:   "purpose not allowed",
	ledger.EPeriodClosed:        "period closed",
	ledger.EOrgInactive:         "organisation inactive",
	ledger.ENotFound:            "not found",
	ledger.EUnauthenticated:     "not signed in",
	ledger.EForbidden:           "forbidden",
	ledger.ESamePerson:          "same person",
	ledger.EInvalidState:        "invalid state",
	ledger.EImmutable:           "immutable",
	ledger.EIdempotencyConflict: "idempotency conflict",
	ledger.ETooLarge:            "too large",
	ledger.ERateLimited:         "rate limited",
	ledger.EUnavailable:         "unavailable",
	ledger.EInvalid:             "invalid",
	ledger.EInternal:            "internal error",
	ledger.EInProgress:          "in progress",
}

// Parse reads a configured locale ("zh-CN", "zh", "en", "en-US"); anything
// it does not know is an error naming the value.
func Parse(s string) (Lang, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "zh", "zh-cn", "zh_cn", "zh-hans", "zh-hans-cn":
		return ZhCN, nil
	case "en", "en-us", "en_us", "en-gb":
		return En, nil
	}
	return ZhCN, ledger.Errorf(ledger.EInvalid, "locale", "unknown locale %q (zh-CN, en)", s)
}

var matcher = language.NewMatcher([]language.Tag{language.SimplifiedChinese, language.English})

// FromAcceptLanguage picks the language of an HTTP Accept-Language header;
// Chinese when the header is empty or names neither.
func FromAcceptLanguage(header string) Lang {
	if strings.TrimSpace(header) == "" {
		return ZhCN
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return ZhCN
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No || i == 0 {
		return ZhCN
	}
	return En
}

// T renders a message of the catalogue: format is the English text.
func T(lang Lang, format string, args ...any) string {
	if lang != En {
		if f, ok := zh.Messages[format]; ok {
			format = f
		}
	}
	return fmt.Sprintf(format, args...)
}

// CodeTitle names an error code for a person: 余额不足 for insufficient_funds.
func CodeTitle(lang Lang, code string) string {
	if lang == En {
		if t, ok := codeTitlesEn[code]; ok {
			return t
		}
		return code
	}
	if t, ok := zh.Codes[code]; ok {
		return t
	}
	return code
}

// Message is err's message for a person in lang: the catalogue's rendering of
// its format, or its text where it has none. Internal errors never show
// their detail.
func Message(lang Lang, err error) string {
	var e *ledger.Error
	if !errors.As(err, &e) {
		return CodeTitle(lang, ledger.EInternal)
	}
	if e.Format != "" {
		return T(lang, e.Format, localArgs(lang, e.Args)...)
	}
	if e.Msg != "" {
		return e.Msg
	}
	return CodeTitle(lang, e.Code)
}

// localArgs renders arguments that are errors or phrases in lang, so that
// a wrapped refusal reads in one language.
func localArgs(lang Lang, args []any) []any {
	var out []any
	for i, a := range args {
		// A voucher's state and a fund's kind are words of the domain:
		// 已记账, 上级下拨 in Chinese, the code in English.
		if name := domainWord(lang, a); name != "" {
			if out == nil {
				out = append([]any(nil), args...)
			}
			out[i] = name
			continue
		}
		if p, ok := a.(ledger.Phrase); ok {
			if out == nil {
				out = append([]any(nil), args...)
			}
			out[i] = Text(lang, string(p))
			continue
		}
		err, ok := a.(error)
		var e *ledger.Error
		if !ok || !errors.As(err, &e) {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = Message(lang, err)
	}
	if out == nil {
		return args
	}
	return out
}

// domainWord is the Chinese name of a voucher state or fund kind argument
// ("" for English, or for any other argument).
func domainWord(lang Lang, a any) string {
	if lang == En {
		return ""
	}
	switch v := a.(type) {
	case ledger.VoucherStatus:
		return v.Name()
	case ledger.FundKind:
		return v.Name()
	}
	return ""
}

// Describe is the one line a person reads for a refusal:
//
//	错误：余额不足（insufficient_funds，字段 amount）：…
//	error: insufficient funds (insufficient_funds, field amount): …
//
// The English code stays in it for scripts and for the help desk.
func Describe(lang Lang, err error) string {
	code := ledger.ErrorCode(err)
	field := ledger.ErrorField(err)
	msg := Message(lang, err)
	if lang == En {
		s := "error: " + CodeTitle(lang, code) + " (" + code
		if field != "" {
			s += ", field " + field
		}
		return s + "): " + msg
	}
	s := "错误：" + CodeTitle(lang, code) + "（" + code
	if field != "" {
		s += "，字段 " + field
	}
	return s + "）：" + msg
}

// Text is s as the catalogue has it in lang, without formatting: for help
// texts and labels that are keys themselves and may hold a literal %.
func Text(lang Lang, s string) string {
	if lang != En && s != "" {
		if f, ok := zh.Messages[s]; ok {
			return f
		}
	}
	return s
}

// Has reports whether the catalogue holds s (always true in English).
func Has(lang Lang, s string) bool {
	_, ok := zh.Messages[s]
	return lang == En || ok
}
