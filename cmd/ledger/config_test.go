package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/internal/exit"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigPrecedence(t *testing.T) {
	file := writeFile(t, "ledger.yaml", "serve:\n  addr: 127.0.0.1:7001\nbook: FILE-BOOK\nreconcile:\n  window_days: 5\n")
	tests := []struct {
		name string
		file bool
		env  map[string]string
		args []string
		key  string
		want string
	}{
		{"default", false, nil, nil, "serve.addr", "127.0.0.1:8080"},
		{"default book", false, nil, nil, "book", "FY-DFZH"},
		{"file over default", true, nil, nil, "serve.addr", "127.0.0.1:7001"},
		{"file int", true, nil, nil, "reconcile.window_days", "5"},
		{"env over file", true, map[string]string{"LEDGER_SERVE_ADDR": "127.0.0.1:7002"}, nil, "serve.addr", "127.0.0.1:7002"},
		{"env over default", false, map[string]string{"LEDGER_BOOK": "ENV-BOOK"}, nil, "book", "ENV-BOOK"},
		{"flag over env", true, map[string]string{"LEDGER_BOOK": "ENV-BOOK"}, []string{"--book", "FLAG-BOOK"}, "book", "FLAG-BOOK"},
		{"flag over file", true, nil, []string{"--book", "FLAG-BOOK"}, "book", "FLAG-BOOK"},
		{"env data dir", false, map[string]string{"LEDGER_DATA_DIR": "/srv/x"}, nil, "data_dir", "/srv/x"},
		{"flag data dir", false, map[string]string{"LEDGER_DATA_DIR": "/srv/x"}, []string{"--data-dir", "/srv/y"}, "data_dir", "/srv/y"},
		{"env user", false, map[string]string{"LEDGER_USER": "wangfang"}, nil, "user", "wangfang"},
		{"flag as", false, map[string]string{"LEDGER_USER": "wangfang"}, []string{"--as", "liqiang"}, "user", "liqiang"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{}, tc.args...)
			if tc.file {
				args = append(args, "--config", file)
			}
			args = append(args, "config", "show")
			out, errOut, code := runLedger(t, tc.env, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			line := tc.key + " = " + tc.want + "\n"
			if !strings.Contains(out, line) {
				t.Fatalf("want line %q in\n%s", line, out)
			}
		})
	}
}

func TestConfigFileErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string
	}{
		{"unknown top key", "databse_url: x\n", []string{"unknown key \"databse_url\"", "line 1"}},
		{"unknown nested key", "serve:\n  adr: x\n", []string{"unknown key \"serve.adr\""}},
		{"int as string", "reconcile:\n  window_days: ten\n", []string{"\"reconcile.window_days\"", "integer"}},
		{"bool wrong", "json: maybe\n", []string{"\"json\"", "true or false"}},
		{"money unquoted", "voucher:\n  approval_threshold: 1000.00\n", []string{"\"voucher.approval_threshold\"", "quoted string"}},
		{"money bad", "voucher:\n  approval_threshold: \"10.001\"\n", []string{"\"voucher.approval_threshold\"", "2 decimal"}},
		{"duration bad", "serve:\n  read_timeout: \"soon\"\n", []string{"\"serve.read_timeout\"", "duration"}},
		{"list wrong", "voucher:\n  types: 记\n", []string{"\"voucher.types\"", "list"}},
		{"mapping wrong", "serve: 3\n", []string{"\"serve\""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := writeFile(t, "bad.yaml", tc.content)
			_, errOut, code := runLedger(t, nil, "--config", file, "config", "show")
			if code != exit.Usage {
				t.Fatalf("exit %d, want %d; stderr %s", code, exit.Usage, errOut)
			}
			for _, w := range append(tc.want, file) {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
		})
	}
}

func TestConfigEnvValidated(t *testing.T) {
	_, errOut, code := runLedger(t, map[string]string{"LEDGER_SERVE_READ_TIMEOUT": "soon"}, "config", "show")
	if code != exit.Usage || !strings.Contains(errOut, "serve.read_timeout") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func TestConfigShowMasksSecrets(t *testing.T) {
	out, _, code := runLedger(t, map[string]string{"LEDGER_DATABASE_URL": "postgres://ledger:hunter2@db.example/ledger"}, "config", "show")
	if code != 0 {
		t.Fatal(code)
	}
	if strings.Contains(out, "hunter2") || !strings.Contains(out, "postgres://ledger:*****@db.example/ledger") {
		t.Fatalf("secret not masked:\n%s", out)
	}
}

// Every secret form of a database URL is masked (issue #14, defect 10).
func TestConfigShowMasksEverySecretForm(t *testing.T) {
	for _, u := range []string{
		"postgres://ledger@db.example/ledger?sslmode=disable&password=hunter2",
		"postgres://ledger:pw@db.example/ledger?password=hunter2",
		"host=db.example user=ledger password=hunter2 dbname=ledger",
		"host=db.example user=ledger password='hunter2 x' dbname=ledger",
	} {
		out, _, code := runLedger(t, map[string]string{"LEDGER_DATABASE_URL": u, "LEDGER_SERVE_TLS_KEY": "/etc/hunter2.key"}, "config", "show", "--json")
		if code != 0 {
			t.Fatal(code)
		}
		if strings.Contains(out, "hunter2") || !strings.Contains(out, "*****") {
			t.Fatalf("%s: secret not masked:\n%s", u, out)
		}
	}
}

func TestEveryCommandHasAnExample(t *testing.T) {
	a := newApp(nil, nil, nil)
	root := a.rootCommand()
	var walk func(c interface {
		Name() string
	})
	_ = walk
	stack := append(root.Commands(), root)
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		stack = append(stack, c.Commands()...)
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" || c.Parent() != nil && c.Parent().Name() == "completion" {
			continue
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("command %q has no example", c.CommandPath())
		}
	}
}
