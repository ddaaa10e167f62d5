package configs

// Secrets are masked in configuration values before they are printed
// (`config show`, `db status`): passwords in database URLs (user:pw@host
// and ?password=), in keyword/value connection strings (password=… or
// password='…'), and the whole value of a key named like a secret.

import (
	"regexp"
	"strings"
)

// Mask replaces a secret.
const Mask = "*****"

// secretWords are the name parts that mark a key or parameter as a secret.
var secretWords = []string{"password", "passwd", "pwd", "secret", "token", "key", "apikey", "credential", "credentials"}

// SecretKey reports whether a configuration key (dotted, as `config show`
// prints it) names a secret: its last part contains password or secret, or
// ends in a word such as token or key (tls_key, api_token), but not a
// setting about tokens such as token_ttl.
func SecretKey(key string) bool {
	k := strings.ToLower(key)
	if i := strings.LastIndex(k, "."); i >= 0 {
		k = k[i+1:]
	}
	if strings.Contains(k, "password") || strings.Contains(k, "secret") {
		return true
	}
	parts := strings.FieldsFunc(k, func(r rune) bool { return r == '_' || r == '-' })
	if len(parts) == 0 {
		return false
	}
	last := parts[len(parts)-1]
	for _, w := range secretWords {
		if last == w {
			return true
		}
	}
	return false
}

// paramRE finds a secret-named parameter of a connection string or a URL
// query: password=x, ?sslpassword=x&…, password = 'a b\'c'.
var paramRE = regexp.MustCompile(`(?i)(^|[\s?&;])([a-z_]*(?:password|passwd|pwd|secret|token))(\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&#;]*)`)

// Redact masks every secret inside a configuration value: a URL's password,
// secret query parameters and keyword/value passwords. Other text is kept.
func Redact(s string) string {
	if s == "" {
		return s
	}
	s = maskUserinfo(s)
	return paramRE.ReplaceAllString(s, "${1}${2}${3}"+Mask)
}

// RedactKeyValue masks the value of key: entirely when the key names a secret,
// else the secrets inside it.
func RedactKeyValue(key, s string) string {
	if s != "" && SecretKey(key) {
		return Mask
	}
	return Redact(s)
}

// maskUserinfo hides the password of scheme://user:password@host.
func maskUserinfo(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	rest := s[i+3:]
	// The host follows the last '@' before the path; a raw '/' in the
	// password moves the search to the part before the query.
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		slash = len(rest)
	}
	at := strings.LastIndex(rest[:slash], "@")
	if at < 0 {
		q := strings.IndexAny(rest, "?#")
		if q < 0 {
			q = len(rest)
		}
		at = strings.LastIndex(rest[:q], "@")
	}
	if at < 0 {
		return s
	}
	cred := rest[:at]
	c := strings.Index(cred, ":")
	if c < 0 {
		return s
	}
	return s[:i+3] + cred[:c] + ":" + Mask + rest[at:]
}
