package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
)

// dataDir makes a data directory under the system temporary directory that
// the postgres user can enter when the tests run as root.
func dataDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "ledger-cmdtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopIfRunning(d)
		os.RemoveAll(d)
	})
	return d
}

// postmasterPID reads the cluster's postmaster.pid (0 if none).
func postmasterPID(dir string) int {
	f, err := os.Open(filepath.Join(dir, "pg", "postmaster.pid"))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	pid, _ := strconv.Atoi(strings.TrimSpace(sc.Text()))
	return pid
}

// processAlive reports whether pid runs (zombies count as gone).
func processAlive(pid int) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || s[i+2] != 'Z'
}

// serverProcesses lists the PIDs of processes whose command line names the
// cluster directory (the postmaster) or whose parent is the postmaster.
func serverProcesses(dir string) []int {
	pg := filepath.Join(dir, "pg")
	master := postmasterPID(dir)
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !processAlive(pid) {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		stat, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
		s := string(stat)
		ppid := 0
		if i := strings.LastIndexByte(s, ')'); i >= 0 {
			f := strings.Fields(s[i+1:])
			if len(f) > 1 {
				ppid, _ = strconv.Atoi(f[1])
			}
		}
		if strings.Contains(strings.ReplaceAll(string(cmdline), "\x00", " "), pg) || master > 0 && ppid == master {
			out = append(out, pid)
		}
	}
	return out
}

func stopIfRunning(dir string) {
	if pid := postmasterPID(dir); processAlive(pid) {
		syscall.Kill(pid, syscall.SIGQUIT)
		for i := 0; i < 500 && processAlive(pid); i++ {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func mustRun(t *testing.T, c *exec.Cmd) string {
	t.Helper()
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", c.Args, err, out)
	}
	return string(out)
}

func TestEmbeddedStartsAndStopsWithTheCommand(t *testing.T) {
	dir := dataDir(t)
	out := mustRun(t, ledgerCmd(t, nil, "--data-dir", dir, "migrate"))
	if !strings.Contains(out, "数据库结构版本") {
		t.Fatalf("migrate printed %q", out)
	}
	if ps := serverProcesses(dir); len(ps) != 0 {
		t.Fatalf("server processes left after the command: %v", ps)
	}
	if _, err := os.Stat(filepath.Join(dir, "pg", "PG_VERSION")); err != nil {
		t.Fatalf("cluster not created in <data-dir>/pg: %v", err)
	}
	// Unix socket only: no TCP listener configured.
	conf, err := os.ReadFile(filepath.Join(dir, "pg", "ledger.conf"))
	if err != nil || !strings.Contains(string(conf), "listen_addresses = ''") {
		t.Fatalf("ledger.conf does not turn TCP off: %v %s", err, conf)
	}
	if os.Geteuid() == 0 {
		st, _ := os.Stat(dir)
		if uid := st.Sys().(*syscall.Stat_t).Uid; strconv.Itoa(int(uid)) != postgresUID(t) {
			t.Fatalf("data directory owned by uid %d, want the postgres user", uid)
		}
	}
	// Warm start: a second command reuses the cluster.
	start := time.Now()
	mustRun(t, ledgerCmd(t, nil, "--data-dir", dir, "migrate"))
	t.Logf("warm command (start, migrate check, stop) took %v", time.Since(start))
}

func postgresUID(t *testing.T) string {
	out, err := exec.Command("id", "-u", "postgres").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func TestEmbeddedDbStartPinsUntilStop(t *testing.T) {
	dir := dataDir(t)
	mustRun(t, ledgerCmd(t, nil, "--data-dir", dir, "db", "start"))
	pid := postmasterPID(dir)
	if !processAlive(pid) {
		t.Fatal("db start returned without a running server")
	}
	mustRun(t, ledgerCmd(t, nil, "--data-dir", dir, "migrate"))
	if postmasterPID(dir) != pid || !processAlive(pid) {
		t.Fatal("a command stopped or replaced the server that db start pinned")
	}
	out := mustRun(t, ledgerCmd(t, nil, "--data-dir", dir, "db", "url"))
	if !strings.HasPrefix(out, "postgresql:///ledger?host=") {
		t.Fatalf("db url = %q", out)
	}
	status := mustRun(t, ledgerCmd(t, nil, "--data-dir", dir, "--json", "db", "status"))
	if !strings.Contains(status, `"running": true`) || !strings.Contains(status, `"pinned": true`) {
		t.Fatalf("status = %s", status)
	}
	mustRun(t, ledgerCmd(t, nil, "--data-dir", dir, "db", "stop"))
	if processAlive(pid) || len(serverProcesses(dir)) != 0 {
		t.Fatal("db stop left the server running")
	}
}

// A second command run while the first holds the server reuses it; the last
// one out stops it.
func TestEmbeddedConcurrentCommandsShareTheServer(t *testing.T) {
	dir := dataDir(t)
	mustRun(t, ledgerCmd(t, nil, "--data-dir", dir, "migrate")) // create the cluster
	first := ledgerCmd(t, nil, "--data-dir", dir, "db", "shell", "--", "-c", "select pg_sleep(3)")
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	for i := 0; i < 500; i++ {
		if pid = postmasterPID(dir); processAlive(pid) && serverReady(dir) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !processAlive(pid) {
		t.Fatal("first command did not start the server")
	}
	out := mustRun(t, ledgerCmd(t, nil, "--data-dir", dir, "db", "shell", "--", "-At", "-c", "select pg_postmaster_start_time() is not null"))
	if strings.TrimSpace(out) != "t" {
		t.Fatalf("second command: %q", out)
	}
	if postmasterPID(dir) != pid || !processAlive(pid) {
		t.Fatal("the second command stopped the server while the first still used it")
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first command: %v", err)
	}
	if processAlive(pid) || len(serverProcesses(dir)) != 0 {
		t.Fatalf("server left running after the last command: %v", serverProcesses(dir))
	}
}

func serverReady(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "run", ".s.PGSQL.5432"))
	return err == nil
}

// A command killed with -9 leaves its registration and the server behind;
// the next command recovers and leaves nothing running.
func TestEmbeddedRecoversAfterKill9(t *testing.T) {
	dir := dataDir(t)
	// The schema and its roles first, so that the victim's psql connects
	// and holds the server (on a bare cluster it failed at once, and the
	// server could be gone before it was looked at).
	mustRun(t, ledgerCmd(t, nil, "--data-dir", dir, "migrate"))
	victim := ledgerCmd(t, nil, "--data-dir", dir, "db", "shell", "--", "-c", "select pg_sleep(60)")
	victim.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000 && !(processAlive(postmasterPID(dir)) && serverReady(dir)); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // psql connected
	pid := postmasterPID(dir)
	if !processAlive(pid) {
		t.Fatal("server did not start")
	}
	// kill -9 the ledger process and its psql (its process group).
	syscall.Kill(-victim.Process.Pid, syscall.SIGKILL)
	victim.Wait()
	mustRun(t, ledgerCmd(t, nil, "--data-dir", dir, "migrate"))
	if processAlive(pid) || len(serverProcesses(dir)) != 0 {
		t.Fatalf("server still running after recovery: %v", serverProcesses(dir))
	}
	// The postmaster itself killed with -9: the next command recovers too.
	mustRun(t, ledgerCmd(t, nil, "--data-dir", dir, "db", "start"))
	pid = postmasterPID(dir)
	syscall.Kill(pid, syscall.SIGKILL)
	for i := 0; i < 500 && processAlive(pid); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	// Its backends may linger for a moment; wait for them to go.
	for i := 0; i < 500 && len(serverProcesses(dir)) > 0; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	out := mustRun(t, ledgerCmd(t, nil, "--data-dir", dir, "migrate"))
	if !strings.Contains(out, "数据库结构版本") {
		t.Fatalf("after postmaster kill -9: %s", out)
	}
	mustRun(t, ledgerCmd(t, nil, "--data-dir", dir, "db", "stop"))
	if ps := serverProcesses(dir); len(ps) != 0 {
		t.Fatalf("stray processes: %v", ps)
	}
}

func TestEmbeddedStopsOnSIGTERM(t *testing.T) {
	t.Run("psql running", func(t *testing.T) { stopsOnSIGTERM(t, 300*time.Millisecond) })
	// The signal arrives as the server comes up, while pg_ctl may still be
	// waiting for it: the start is cut short and the server stopped.
	t.Run("while starting", func(t *testing.T) { stopsOnSIGTERM(t, 0) })
}

func stopsOnSIGTERM(t *testing.T, after time.Duration) {
	dir := dataDir(t)
	c := ledgerCmd(t, nil, "--data-dir", dir, "db", "shell", "--", "-c", "select pg_sleep(30)")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000 && !(processAlive(postmasterPID(dir)) && serverReady(dir)); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(after)
	pid := postmasterPID(dir)
	c.Process.Signal(syscall.SIGTERM)
	c.Wait()
	for i := 0; i < 1500 && processAlive(pid); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if processAlive(pid) || len(serverProcesses(dir)) != 0 {
		t.Fatalf("server left running after SIGTERM: %v", serverProcesses(dir))
	}
}

func TestMissingBinaries(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("PATH", empty)
	_, err := embedded.FindBinaries("", []string{filepath.Join(empty, "*", "bin")}, 0)
	if err == nil || !strings.Contains(err.Error(), "apt-get install -y postgresql") {
		t.Fatalf("FindBinaries with nothing installed: %v", err)
	}
	dir := dataDir(t)
	c := ledgerCmd(t, []string{"LEDGER_POSTGRES_BIN_DIR=" + empty}, "--data-dir", dir, "migrate")
	out, err := c.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exit.Error {
		t.Fatalf("exit %v, want %d: %s", err, exit.Error, out)
	}
	if !strings.Contains(string(out), "apt-get install -y postgresql") {
		t.Fatalf("no install command in %q", out)
	}
}

func TestVersionMismatchIsReported(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "pg"), 0o700)
	os.WriteFile(filepath.Join(dir, "pg", "PG_VERSION"), []byte("9\n"), 0o600)
	s, err := embedded.New(embedded.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Status(); st.Version != 9 {
		t.Fatalf("version %d", st.Version)
	}
	_, err = embedded.FindBinaries("", nil, 9)
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL 9") {
		t.Fatalf("want a version mismatch error, got %v", err)
	}
}

func TestUnreachableParentIsNamed(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Log("runs as root only: an ordinary user's server runs as that user")
		return
	}
	parent, err := os.MkdirTemp("", "ledger-closed-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(parent)
	os.Chmod(parent, 0o700)
	dir := filepath.Join(parent, "data")
	c := ledgerCmd(t, nil, "--data-dir", dir, "migrate")
	out, err := c.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "cannot enter "+parent) {
		t.Fatalf("want the closed parent named, got %v: %s", err, out)
	}
}
