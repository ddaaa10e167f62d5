package configs

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, c := range []struct{ in, want, secret string }{
		{"postgres://ledger:hunter2@db.example/ledger", "postgres://ledger:*****@db.example/ledger", "hunter2"},
		{"postgres://ledger@db.example/ledger?password=hunter2", "postgres://ledger@db.example/ledger?password=*****", "hunter2"},
		{"postgres://db.example/ledger?sslmode=require&password=hunter2&user=x", "postgres://db.example/ledger?sslmode=require&password=*****&user=x", "hunter2"},
		{"postgres://u:pw1@db/l?password=hunter2", "postgres://u:*****@db/l?password=*****", "hunter2"},
		{"postgres://u:p@ss?w0rd@db/l", "postgres://u:*****@db/l", "ss?w0rd"},
		{"host=db user=ledger password=hunter2 dbname=l", "host=db user=ledger password=***** dbname=l", "hunter2"},
		{"host=db password = 'hunter 2' dbname=l", "host=db password = ***** dbname=l", "hunter 2"},
		{`host=db password='it\'s hunter2' dbname=l`, "host=db password=***** dbname=l", "hunter2"},
		{"host=db PASSWORD=hunter2", "host=db PASSWORD=*****", "hunter2"},
		{"host=db sslpassword=hunter2", "host=db sslpassword=*****", "hunter2"},
		{"postgres://db.example:5432/ledger?application_name=a@b", "postgres://db.example:5432/ledger?application_name=a@b", ""},
		{"127.0.0.1:8080", "127.0.0.1:8080", ""},
	} {
		got := Redact(c.in)
		if got != c.want || (c.secret != "" && strings.Contains(got, c.secret)) {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSecretKey(t *testing.T) {
	for k, want := range map[string]bool{
		"database_url": false, "serve.tls_key": true, "serve.token_ttl": false, "smtp.password": true,
		"api.client_secret": true, "serve.api_token": true, "serve.addr": false, "monkey": false,
		"db_passwd": true,
	} {
		if SecretKey(k) != want {
			t.Errorf("SecretKey(%q) = %v, want %v", k, !want, want)
		}
	}
	if RedactKeyValue("smtp.password", "hunter2") != Mask || RedactKeyValue("smtp.password", "") != "" {
		t.Error("a secret key's value is not masked")
	}
}

func TestValuePasswordWithSlash(t *testing.T) {
	if got := Redact("postgres://u:a/b@db/l"); got != "postgres://u:*****@db/l" {
		t.Fatal(got)
	}
}
