package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A README block is a fenced code block of a shell language. Every one of
// them carries a marker after the language: `run` (this test runs it) or
// `skip` (it starts a server, runs the suites or the bench, or shows a
// schedule), so a new block is classified when it is written.
type readmeBlock struct {
	line   int // of the opening fence
	marker string
	text   string
}

var shellLangs = map[string]bool{"sh": true, "bash": true, "shell": true, "console": true}

func readmeBlocks(t *testing.T, path string) []readmeBlock {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []readmeBlock
	var cur *readmeBlock
	var body strings.Builder
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if !strings.HasPrefix(line, "```") {
			if cur != nil {
				body.WriteString(line + "\n")
			}
			continue
		}
		if cur != nil {
			cur.text = body.String()
			blocks = append(blocks, *cur)
			cur = nil
			continue
		}
		info := strings.Fields(strings.TrimPrefix(line, "```"))
		if len(info) == 0 || !shellLangs[info[0]] {
			// Not a shell block (cron, ini, yaml): skip to its closing fence.
			for sc.Scan() {
				n++
				if strings.HasPrefix(sc.Text(), "```") {
					break
				}
			}
			continue
		}
		marker := ""
		if len(info) > 1 {
			marker = strings.TrimSuffix(info[1], ":")
		}
		cur = &readmeBlock{line: n, marker: marker}
		body.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return blocks
}

// TestReadmeCommands runs the README's runnable command blocks in order, as
// a newcomer would type them, on a fresh data directory with the embedded
// PostgreSQL: `ledger` is this test binary.
func TestReadmeCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the README's commands; not in -short")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlocks(t, filepath.Join(root, "README.md"))
	var run []readmeBlock
	for _, b := range blocks {
		switch b.marker {
		case "run":
			run = append(run, b)
		case "skip":
		default:
			t.Errorf("README.md:%d: a shell block is marked neither `run` nor `skip` (```sh run)", b.line)
		}
	}
	if len(run) < 5 {
		t.Fatalf("only %d runnable blocks in README.md", len(run))
	}

	// The folders must be enterable by the postgres user that runs the
	// embedded server when the test runs as root.
	work := t.TempDir()
	for d := work; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	bin := filepath.Join(work, "bin")
	data := filepath.Join(work, "data")
	cwd := filepath.Join(work, "cwd")
	for _, d := range []string{bin, data, cwd} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	wrapper := "#!/bin/sh\nLEDGER_TEST_RUN_MAIN=1 exec " + self + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "ledger"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	// Paths in the README are relative to the repository root.
	for _, name := range []string{"configs", "scripts"} {
		if err := os.Symlink(filepath.Join(root, name), filepath.Join(cwd, name)); err != nil {
			t.Fatal(err)
		}
	}
	env := append(cleanEnv(), "PATH="+bin+":"+os.Getenv("PATH"), "LEDGER_DATA_DIR="+data, "HOME="+work)
	sh := func(script string) (string, error) {
		c := exec.Command("bash", "-euo", "pipefail", "-c", script)
		c.Dir, c.Env = cwd, env
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		err := c.Run()
		return out.String(), err
	}
	if out, err := sh("ledger db start"); err != nil {
		t.Fatalf("ledger db start: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := sh("ledger db stop"); err != nil {
			t.Logf("ledger db stop: %v\n%s", err, out)
		}
	})
	for _, b := range run {
		start := time.Now()
		out, err := sh(b.text)
		if err != nil {
			t.Fatalf("README.md:%d: the block failed (%v) after %v:\n%s\n--- output ---\n%s", b.line, err, time.Since(start).Round(time.Millisecond), b.text, out)
		}
		t.Logf("README.md:%d ran in %v", b.line, time.Since(start).Round(time.Millisecond))
	}
}
