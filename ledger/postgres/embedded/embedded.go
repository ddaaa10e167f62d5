// Package embedded runs the private PostgreSQL cluster that ledger uses when
// no database URL is configured (SPEC §5 "Embedded default").
//
// The cluster lives in <data-dir>/pg and listens on a Unix socket only. Several
// ledger processes share one running server: each process registers itself
// in <data-dir>/clients/<pid> under an exclusive lock on <data-dir>/ledger.lock;
// the last registered process to leave stops a server that a command started.
// A server started by `ledger db start` is pinned and runs until `ledger db
// stop`. Registrations of processes that no longer exist (killed with -9) are
// pruned by the next process, which then owns the server's lifetime.
//
// Run as root, the data directory is owned by the postgres user and the
// server runs as that user, because initdb refuses to run as root.
package embedded

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// InstallHint is printed when no PostgreSQL server binaries are found.
const InstallHint = "apt-get install -y postgresql   (Debian/Ubuntu, as root; or set postgres.bin_dir to a directory holding initdb, postgres and pg_ctl)"

// ErrNoBinaries means initdb, postgres and pg_ctl were not found together.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, postgres, pg_ctl) not found on PATH or under /usr/lib/postgresql/*/bin; install them with: " + InstallHint)

// socketPathMax is the longest Unix socket path the kernel accepts (sun_path
// is 108 bytes including the terminating NUL).
const socketPathMax = 107

// Port is the port number in the socket file name; no TCP port is opened.
const Port = 5432

// Options configure a Server.
type Options struct {
	DataDir string // the ledger data directory; the cluster is DataDir/pg
	BinDir  string // if set, the only place binaries are looked for
	// SearchGlobs replaces the default /usr/lib/postgresql/*/bin (tests).
	SearchGlobs []string
	// Settings are extra postgresql.conf settings (name → value).
	Settings map[string]string
	// NoSync runs initdb --no-sync and the server with fsync off (tests only).
	NoSync bool
	// Log receives progress lines; nil discards them.
	Log func(format string, args ...any)
}

// Server is a handle on the private cluster of one data directory.
type Server struct {
	opt      Options
	bin      string // directory with initdb, postgres, pg_ctl
	pgdata   string
	sockDir  string
	runAs    *user.User // non-nil when running as root
	uid, gid int
	held     bool // this process is registered as a client
	port     int  // Port, or ReplicaPort for a replica
	// primary is the server a replica was copied from and streams from;
	// nil for a primary (see replica.go).
	primary *Server
}

// Binaries is a directory holding initdb, postgres and pg_ctl of one version.
type Binaries struct {
	Dir     string
	Version int // major version, 0 if unknown
}

// FindBinaries finds initdb, postgres and pg_ctl together: in binDir if set,
// else on PATH (symlinks resolved, all three in one directory), else under
// the globs (default /usr/lib/postgresql/*/bin). When want > 0 only that
// major version is accepted (an existing cluster's PG_VERSION).
func FindBinaries(binDir string, globs []string, want int) (Binaries, error) {
	var candidates []string
	if binDir != "" {
		candidates = []string{binDir}
	} else {
		if p, err := exec.LookPath("postgres"); err == nil {
			if r, err := filepath.EvalSymlinks(p); err == nil {
				candidates = append(candidates, filepath.Dir(r))
			}
		}
		if globs == nil {
			globs = []string{"/usr/lib/postgresql/*/bin"}
		}
		var found []string
		for _, g := range globs {
			m, _ := filepath.Glob(g)
			found = append(found, m...)
		}
		// Newest version first.
		sort.Slice(found, func(i, j int) bool { return versionOfDir(found[i]) > versionOfDir(found[j]) })
		candidates = append(candidates, found...)
	}
	var seen []string
	for _, dir := range candidates {
		ok := true
		for _, name := range []string{"initdb", "postgres", "pg_ctl"} {
			p := filepath.Join(dir, name)
			r, err := filepath.EvalSymlinks(p)
			if err != nil {
				ok = false
				break
			}
			if st, err := os.Stat(r); err != nil || st.Mode()&0o111 == 0 {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		v := binaryVersion(dir)
		seen = append(seen, fmt.Sprintf("%s (version %d)", dir, v))
		if want > 0 && v != want {
			continue
		}
		return Binaries{Dir: dir, Version: v}, nil
	}
	if want > 0 && len(seen) > 0 {
		return Binaries{}, fmt.Errorf("the cluster was created by PostgreSQL %d but only %s is installed; install postgresql-%d or point --data-dir elsewhere", want, strings.Join(seen, ", "), want)
	}
	if binDir != "" {
		return Binaries{}, fmt.Errorf("postgres.bin_dir %s does not hold initdb, postgres and pg_ctl; install them with: %s", binDir, InstallHint)
	}
	return Binaries{}, ErrNoBinaries
}

func versionOfDir(dir string) int {
	// /usr/lib/postgresql/15/bin → 15
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

func binaryVersion(dir string) int {
	if v := versionOfDir(dir); v > 0 {
		return v
	}
	out, err := exec.Command(filepath.Join(dir, "postgres"), "--version").Output()
	if err != nil {
		return 0
	}
	// "postgres (PostgreSQL) 15.18 (Debian …)"
	f := strings.Fields(string(out))
	for _, w := range f {
		if i := strings.IndexByte(w, '.'); i > 0 {
			if v, err := strconv.Atoi(w[:i]); err == nil {
				return v
			}
		}
	}
	return 0
}

// New prepares a handle; it touches nothing on disk.
func New(opt Options) (*Server, error) {
	if opt.DataDir == "" {
		return nil, errors.New("data directory not set")
	}
	abs, err := filepath.Abs(opt.DataDir)
	if err != nil {
		return nil, err
	}
	opt.DataDir = abs
	s := &Server{opt: opt, pgdata: filepath.Join(abs, "pg"), uid: -1, gid: -1, port: Port}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs a postgres user to run the server as (initdb refuses root): %v; it comes with the PostgreSQL package: %s", err, InstallHint)
		}
		s.runAs = u
		s.uid, _ = strconv.Atoi(u.Uid)
		s.gid, _ = strconv.Atoi(u.Gid)
	}
	s.sockDir = socketDir(abs, s.uid)
	return s, nil
}

// socketDir is DataDir/run, or a directory under the system temporary
// directory named after the data directory when that path would be too long.
func socketDir(dataDir string, uid int) string {
	d := filepath.Join(dataDir, "run")
	if len(d)+len("/.s.PGSQL.54320.lock") <= socketPathMax {
		return d
	}
	h := fnv32(dataDir)
	return filepath.Join(os.TempDir(), fmt.Sprintf("ledger-pg-%08x", h))
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

func (s *Server) logf(format string, args ...any) {
	if s.opt.Log != nil {
		s.opt.Log(format, args...)
	}
}

// DataDir is the ledger data directory.
func (s *Server) DataDir() string { return s.opt.DataDir }

// SocketDir is the directory of the server's Unix socket.
func (s *Server) SocketDir() string { return s.sockDir }

// URL is a libpq connection URL for database db as role user over the
// socket; psql and pgx accept it.
func (s *Server) URL(db, user string) string {
	return fmt.Sprintf("postgresql:///%s?host=%s&port=%d&user=%s&sslmode=disable", db, s.sockDir, s.port, user)
}

// Superuser is the name of the cluster's bootstrap superuser.
const Superuser = "postgres"

// lock takes the data directory's exclusive lock and returns its release.
func (s *Server) lock() (func(), error) {
	if err := s.prepareDataDir(); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(s.opt.DataDir, "ledger.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// prepareDataDir creates the data directory (owned by postgres when root)
// and checks that the server's user can reach it.
func (s *Server) prepareDataDir() error {
	if err := os.MkdirAll(s.opt.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	if s.runAs == nil {
		return nil
	}
	if err := os.Chown(s.opt.DataDir, s.uid, s.gid); err != nil {
		return fmt.Errorf("give data directory %s to the postgres user: %w", s.opt.DataDir, err)
	}
	return s.checkReachable(s.opt.DataDir)
}

// checkReachable reports the first ancestor of dir that the postgres user
// cannot enter (no search permission), by name.
func (s *Server) checkReachable(dir string) error {
	groups := map[int]bool{s.gid: true}
	if ids, err := s.runAs.GroupIds(); err == nil {
		for _, g := range ids {
			n, _ := strconv.Atoi(g)
			groups[n] = true
		}
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		sys := st.Sys().(*syscall.Stat_t)
		mode := st.Mode().Perm()
		var ok bool
		switch {
		case int(sys.Uid) == s.uid:
			ok = mode&0o100 != 0
		case groups[int(sys.Gid)]:
			ok = mode&0o010 != 0
		default:
			ok = mode&0o001 != 0
		}
		if !ok {
			return fmt.Errorf("the postgres user cannot enter %s (mode %v, owner uid %d), a parent of the data directory %s; choose another --data-dir or run: chmod o+x %s", p, mode, sys.Uid, dir, p)
		}
		if p == "/" || p == filepath.Dir(p) {
			return nil
		}
	}
}

// clusterVersion reads PG_VERSION of an existing cluster (0 if none).
func (s *Server) clusterVersion() int {
	b, err := os.ReadFile(filepath.Join(s.pgdata, "PG_VERSION"))
	if err != nil {
		return 0
	}
	v, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return v
}

func (s *Server) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.Dir = s.opt.DataDir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "LANG=C.UTF-8")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if s.runAs != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(s.uid), Gid: uint32(s.gid)}
		cmd.Env = append(cmd.Env, "HOME="+s.runAs.HomeDir, "USER=postgres")
	}
	return cmd
}

func (s *Server) run(ctx context.Context, name string, args ...string) error {
	out, err := s.command(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (s *Server) findBinaries() error {
	if s.bin != "" {
		return nil
	}
	b, err := FindBinaries(s.opt.BinDir, s.opt.SearchGlobs, s.clusterVersion())
	if err != nil {
		return err
	}
	s.bin = b.Dir
	return nil
}

// initCluster runs initdb when the cluster does not exist yet.
func (s *Server) initCluster(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(s.pgdata, "PG_VERSION")); err == nil {
		return nil
	}
	if s.primary != nil {
		return s.baseBackup(ctx)
	}
	// A half-made cluster (initdb killed) is removed and made again.
	if err := os.RemoveAll(s.pgdata); err != nil {
		return err
	}
	s.logf("creating PostgreSQL cluster in %s", s.pgdata)
	args := []string{"-D", s.pgdata, "-U", Superuser, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"}
	if s.opt.NoSync {
		args = append(args, "--no-sync")
	}
	if err := s.run(ctx, "initdb", args...); err != nil {
		os.RemoveAll(s.pgdata)
		return err
	}
	return nil
}

func (s *Server) writeConf() error {
	settings := map[string]string{
		"listen_addresses":          "''",
		"unix_socket_directories":   "'" + s.sockDir + "'",
		"unix_socket_permissions":   "0700",
		"port":                      strconv.Itoa(s.port),
		"max_connections":           "200",
		"logging_collector":         "off",
		"log_min_messages":          "warning",
		"timezone":                  "'UTC'",
		"max_prepared_transactions": "0",
		// A page's first change after a checkpoint writes the whole page
		// to the WAL (issue #19: at 64 clients up to a tenth of the WAL
		// per voucher, most of them pages of the API keys' hash index,
		// whose entries land anywhere). The images are compressed, and
		// checkpoints come every 15 minutes or 4 GB of WAL rather than 5
		// minutes or 1 GB, so that an index page is written whole a third
		// as often; a crash replays at most that much WAL on restart.
		"wal_compression":    "lz4",
		"checkpoint_timeout": "'15min'",
		"max_wal_size":       "'4GB'",
	}
	for k, v := range s.replicationSettings() {
		settings[k] = v
	}
	if s.opt.NoSync {
		settings["fsync"] = "off"
		settings["synchronous_commit"] = "off"
		settings["full_page_writes"] = "off"
	}
	for k, v := range s.opt.Settings {
		settings[k] = v
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("# written by ledger on every start; edit postgresql.conf for other settings\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s = %s\n", k, settings[k])
	}
	p := filepath.Join(s.pgdata, "ledger.conf")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		return err
	}
	if s.runAs != nil {
		os.Chown(p, s.uid, s.gid)
	}
	conf := filepath.Join(s.pgdata, "postgresql.conf")
	data, err := os.ReadFile(conf)
	if err != nil {
		return err
	}
	if !strings.Contains(string(data), "include_if_exists = 'ledger.conf'") {
		f, err := os.OpenFile(conf, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := f.WriteString("\ninclude_if_exists = 'ledger.conf'\n"); err != nil {
			return err
		}
	}
	return nil
}

// Running reports whether the cluster's postmaster is alive, not shutting
// down, and accepting connections on its socket.
func (s *Server) Running() bool {
	pid := s.postmasterPID()
	if pid <= 0 || !alive(pid) || s.postmasterStatus() == "stopping" {
		return false
	}
	c, err := net.DialTimeout("unix", filepath.Join(s.sockDir, fmt.Sprintf(".s.PGSQL.%d", s.port)), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// PID is the postmaster's process id, 0 when not running.
func (s *Server) PID() int {
	if !s.Running() {
		return 0
	}
	return s.postmasterPID()
}

// postmasterStatus is the state the postmaster keeps in the eighth line
// of postmaster.pid: "starting", "ready", "standby" or "stopping"; "" when
// unknown.
func (s *Server) postmasterStatus() string {
	b, err := os.ReadFile(filepath.Join(s.pgdata, "postmaster.pid"))
	if err != nil {
		return ""
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 8 {
		return ""
	}
	return strings.TrimSpace(lines[7])
}

// waitStopping waits for a postmaster that is shutting down to exit — one
// that another command began to stop, say, before it was killed — so that
// the server can be started again rather than taken for running.
func (s *Server) waitStopping(ctx context.Context) error {
	pid := s.postmasterPID()
	if pid <= 0 || s.postmasterStatus() != "stopping" {
		return nil
	}
	s.logf("waiting for PostgreSQL (postmaster %d) to finish shutting down", pid)
	if err := waitExit(ctx, pid); err != nil {
		return err
	}
	if alive(pid) {
		return fmt.Errorf("PostgreSQL (postmaster %d) has been shutting down for a minute; try again when it has stopped", pid)
	}
	return nil
}

func (s *Server) postmasterPID() int {
	f, err := os.Open(filepath.Join(s.pgdata, "postmaster.pid"))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(sc.Text()))
	return pid
}

// alive reports whether process pid exists and is not a zombie (a
// postmaster that exited stays a zombie until its new parent reaps it).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // no /proc: trust kill(0)
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

// start makes sure the server runs; the caller holds the lock.
func (s *Server) start(ctx context.Context) error {
	if s.Running() {
		return nil
	}
	if err := s.waitStopping(ctx); err != nil {
		return err
	}
	if err := s.findBinaries(); err != nil {
		return err
	}
	if err := s.initCluster(ctx); err != nil {
		return err
	}
	if err := os.MkdirAll(s.sockDir, 0o700); err != nil {
		return err
	}
	logDir := filepath.Join(s.opt.DataDir, "log")
	if err := os.MkdirAll(logDir, 0o700); err != nil {
		return err
	}
	if s.runAs != nil {
		for _, d := range []string{s.sockDir, logDir} {
			if err := os.Chown(d, s.uid, s.gid); err != nil {
				return err
			}
		}
	}
	if err := s.writeConf(); err != nil {
		return err
	}
	s.clearStalePID()
	s.logf("starting PostgreSQL (%s) on %s", s.bin, s.sockDir)
	// pg_ctl removes a stale postmaster.pid left by a killed server and
	// runs crash recovery on start.
	err := s.run(ctx, "pg_ctl", "start", "-w", "-t", "60", "-D", s.pgdata, "-l", filepath.Join(logDir, "postgresql.log"), "-s")
	if err != nil {
		tail := tailFile(filepath.Join(logDir, "postgresql.log"), 15)
		return fmt.Errorf("start PostgreSQL: %v\n%s", err, tail)
	}
	return nil
}

// clearStalePID handles the postmaster.pid of a server killed with -9. Its
// process may linger as a zombie until its parent reaps it, and PostgreSQL
// takes a zombie for a running postmaster; wait for it to be reaped, and
// remove the lock file of a postmaster that stays a zombie (it holds no
// resources; its backends exit on their own when the postmaster dies).
func (s *Server) clearStalePID() {
	pid := s.postmasterPID()
	if pid <= 0 || alive(pid) {
		return
	}
	for i := 0; i < 500; i++ {
		if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.logf("removing the lock file of postmaster %d, which is no longer running", pid)
	os.Remove(filepath.Join(s.pgdata, "postmaster.pid"))
}

func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// stop stops the server (fast shutdown); the caller holds the lock.
func (s *Server) stop(ctx context.Context) error {
	pid := s.postmasterPID()
	if pid <= 0 || !alive(pid) {
		os.Remove(s.pinFile())
		return nil
	}
	if err := s.findBinaries(); err != nil {
		// No pg_ctl: signal the postmaster directly (fast shutdown).
		syscall.Kill(pid, syscall.SIGINT)
	} else if err := s.run(ctx, "pg_ctl", "stop", "-W", "-m", "fast", "-D", s.pgdata, "-s"); err != nil {
		return err
	}
	waitExit(context.WithoutCancel(ctx), pid)
	os.Remove(s.pinFile())
	return nil
}

// waitExit waits up to a minute for process pid to exit, or until ctx
// ends.
func waitExit(ctx context.Context, pid int) error {
	for i := 0; i < 6000 && alive(pid); i++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

func (s *Server) clientsDir() string { return filepath.Join(s.opt.DataDir, "clients") }
func (s *Server) pinFile() string    { return filepath.Join(s.opt.DataDir, "pinned") }

// liveClients prunes registrations of dead processes and returns the live ones.
func (s *Server) liveClients() []int {
	entries, _ := os.ReadDir(s.clientsDir())
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		rec, _ := os.ReadFile(filepath.Join(s.clientsDir(), e.Name()))
		if pid == os.Getpid() || alive(pid) && string(rec) == procStart(pid) {
			pids = append(pids, pid)
			continue
		}
		os.Remove(filepath.Join(s.clientsDir(), e.Name()))
	}
	return pids
}

// procStart is the start time of a process in clock ticks since boot
// (field 22 of /proc/PID/stat), "" if unknown. A registration records it so
// that a reused pid is not taken for the process that registered.
func procStart(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 || f[0] == "Z" {
		return ""
	}
	return f[19]
}

// Acquire makes sure the server runs and registers this process as one of
// its users. Release undoes it.
func (s *Server) Acquire(ctx context.Context) error {
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.start(ctx); err != nil {
		// A start cut short (e.g. SIGTERM while pg_ctl waits for the
		// server to accept connections) may leave a server that nobody
		// registered: stop it unless another process uses it.
		if s.Running() && len(s.liveClients()) == 0 && !s.pinned() {
			s.logf("stopping PostgreSQL after a failed start")
			s.stop(context.WithoutCancel(ctx))
		}
		return err
	}
	if err := os.MkdirAll(s.clientsDir(), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.clientsDir(), strconv.Itoa(os.Getpid())), []byte(procStart(os.Getpid())), 0o600); err != nil {
		return err
	}
	s.held = true
	return nil
}

// Release unregisters this process; when no other live process uses the
// server and it is not pinned by `db start`, it stops the server.
func (s *Server) Release(ctx context.Context) error {
	if !s.held {
		return nil
	}
	s.held = false
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	os.Remove(filepath.Join(s.clientsDir(), strconv.Itoa(os.Getpid())))
	if len(s.liveClients()) > 0 || s.pinned() {
		return nil
	}
	s.logf("stopping PostgreSQL")
	return s.stop(context.WithoutCancel(ctx))
}

func (s *Server) pinned() bool {
	_, err := os.Stat(s.pinFile())
	return err == nil
}

// Start starts the server and pins it: it runs until Stop, whatever other
// commands do (`ledger db start`).
func (s *Server) Start(ctx context.Context) error {
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.start(ctx); err != nil {
		return err
	}
	return os.WriteFile(s.pinFile(), []byte("db start\n"), 0o600)
}

// Stop stops the server whoever started it (`ledger db stop`), and a
// primary's replica first.
func (s *Server) Stop(ctx context.Context) error {
	if err := s.stopReplica(ctx); err != nil {
		return err
	}
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	return s.stop(ctx)
}

// Status describes the server.
type Status struct {
	DataDir string `json:"data_dir"`
	Cluster string `json:"cluster"`
	Exists  bool   `json:"exists"`
	Version int    `json:"version"`
	Running bool   `json:"running"`
	PID     int    `json:"pid,omitempty"`
	Pinned  bool   `json:"pinned"`
	Socket  string `json:"socket"`
	Clients []int  `json:"clients"`
}

// Status reports the server's state without starting it.
func (s *Server) Status() Status {
	st := Status{DataDir: s.opt.DataDir, Cluster: s.pgdata, Socket: s.sockDir, Version: s.clusterVersion()}
	st.Exists = st.Version > 0
	st.Running = s.Running()
	if st.Running {
		st.PID = s.postmasterPID()
	}
	st.Pinned = s.pinned()
	if unlock, err := s.lock(); err == nil {
		st.Clients = s.liveClients()
		unlock()
	}
	return st
}

// Remove stops the server and deletes the cluster (tests, `demo --reset` of
// a throwaway directory).
func (s *Server) Remove(ctx context.Context) error {
	if err := s.Stop(ctx); err != nil {
		return err
	}
	return os.RemoveAll(s.opt.DataDir)
}

// DefaultDataDir is $XDG_DATA_HOME/ledger (~/.local/share/ledger) for an
// ordinary user and /var/lib/ledger for root.
func DefaultDataDir() string {
	if os.Geteuid() == 0 {
		return "/var/lib/ledger"
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "ledger")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "ledger-"+strconv.Itoa(os.Getuid()))
	}
	return filepath.Join(home, ".local", "share", "ledger")
}
