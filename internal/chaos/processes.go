package chaos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/fenyang/partyfee/ledger/postgres/embedded"
)

// cluster is the private PostgreSQL the run owns: it may kill it.
type cluster struct {
	srv *embedded.Server
}

func startCluster(ctx context.Context, dir string) (*cluster, error) {
	srv, err := embedded.New(embedded.Options{DataDir: dir, Settings: map[string]string{"max_connections": "200"}})
	if err != nil {
		return nil, err
	}
	if err := srv.Acquire(ctx); err != nil {
		return nil, err
	}
	return &cluster{srv: srv}, nil
}

func (c *cluster) superURL() string { return c.srv.URL("postgres", embedded.Superuser) }
func (c *cluster) url(user string) string {
	return c.srv.URL(database, user)
}

// kill stops the postmaster as a crash would: an immediate shutdown
// (SIGQUIT), no checkpoint, crash recovery on the next start.
func (c *cluster) kill() error {
	pid := c.srv.PID()
	if pid <= 0 {
		return errors.New("PostgreSQL is not running")
	}
	if err := syscall.Kill(pid, syscall.SIGQUIT); err != nil {
		return err
	}
	for i := 0; i < 1000 && c.srv.Running(); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if c.srv.Running() {
		return errors.New("PostgreSQL still runs 10 s after SIGQUIT")
	}
	return nil
}

// restart starts the killed cluster again (crash recovery).
func (c *cluster) restart(ctx context.Context) error { return c.srv.Acquire(ctx) }

func (c *cluster) stop(ctx context.Context) {
	c.srv.Release(ctx)
	c.srv.Stop(ctx)
}

// serveProc is one `ledger serve` child process.
type serveProc struct {
	cmd  *exec.Cmd
	base string
	done chan struct{}
}

// serveEnv is the environment of every ledger child: the run's data
// directory and book, short request deadlines so that a claim left by a
// killed process is taken over within seconds, and nothing inherited.
func serveEnv(cfg *Config) []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "LEDGER_") {
			env = append(env, e)
		}
	}
	return append(env,
		"LEDGER_DATA_DIR="+cfg.Dir,
		"LEDGER_BOOK="+book,
		"LEDGER_LOG_LEVEL=warn",
		"LEDGER_SERVE_WRITE_TIMEOUT="+cfg.WriteTimeout.String(),
		"LEDGER_SERVE_READ_TIMEOUT=10s",
		"LEDGER_SERVE_SHUTDOWN_TIMEOUT=2s",
		"LEDGER_DATABASE_MAX_CONNS=16",
	)
}

// startServe starts `ledger serve` on a free loopback port and waits until
// it answers /readyz.
func startServe(ctx context.Context, cfg *Config, logFile *os.File) (*serveProc, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(cfg.Binary, "serve", "--addr", addr)
	cmd.Env = serveEnv(cfg)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &serveProc{cmd: cmd, base: "http://" + addr, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return nil, fmt.Errorf("ledger serve exited at start: %v (log %s)", cmd.ProcessState, logFile.Name())
		case <-ctx.Done():
			p.kill()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		r, err := client.Get(p.base + "/readyz")
		if err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return p, nil
			}
		}
	}
	p.kill()
	return nil, fmt.Errorf("ledger serve was not ready within 60 s (log %s)", logFile.Name())
}

// kill ends the process with SIGKILL: no shutdown, no final seal.
func (p *serveProc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop ends the process with SIGTERM, as an operator would.
func (p *serveProc) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.kill()
	}
}

// ledgerCLI runs a ledger command against the run's cluster.
func ledgerCLI(ctx context.Context, cfg *Config, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, cfg.Binary, args...)
	cmd.Env = serveEnv(cfg)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
