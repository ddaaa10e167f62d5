package i18n

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// verb is one formatting directive of a format string, with the argument it
// takes (1-based).
type verb struct {
	text string // as written, "%[2]q"
	arg  int
	kind rune // 's', 'q', 'd', 'v', …
}

// verbs lists a format's directives in the way fmt assigns arguments:
// sequentially, or from an explicit [n] index onwards.
func verbs(format string) []verb {
	var out []verb
	next := 1
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		start := i
		i++
		if i < len(format) && format[i] == '%' {
			continue
		}
		for i < len(format) && strings.ContainsRune("+-# 0123456789.*", rune(format[i])) {
			i++
		}
		if i < len(format) && format[i] == '[' {
			end := strings.IndexByte(format[i:], ']')
			if end > 0 {
				if n, err := strconv.Atoi(format[i+1 : i+end]); err == nil {
					next = n
				}
				i += end + 1
			}
		}
		for i < len(format) && strings.ContainsRune("+-# 0123456789.*", rune(format[i])) {
			i++
		}
		if i >= len(format) {
			break
		}
		out = append(out, verb{text: format[start : i+1], arg: next, kind: rune(format[i])})
		next++
	}
	return out
}

// verbSet is a canonical text of which argument each directive takes and
// how, order aside: two formats with the same set render the same arguments.
func verbSet(format string) string {
	var parts []string
	for _, v := range verbs(format) {
		parts = append(parts, fmt.Sprintf("%d%c", v.arg, v.kind))
	}
	sort.Strings(parts)
	return "[" + strings.Join(parts, " ") + "]"
}
