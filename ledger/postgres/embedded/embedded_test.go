package embedded

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestStoppingIsNotRunning: a postmaster that is shutting down (postmaster.pid
// says "stopping") still has its socket, but is not taken for running; a
// start waits for it to exit. A command that found it so once registered
// with it and could not connect ("the database system is shutting down").
func TestStoppingIsNotRunning(t *testing.T) {
	s, err := New(Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(s.pgdata, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(s.sockDir, 0o700); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", filepath.Join(s.sockDir, fmt.Sprintf(".s.PGSQL.%d", s.port)))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// A stand-in postmaster: a process that exits a moment later.
	pm := exec.Command("sleep", "0.5")
	if err := pm.Start(); err != nil {
		t.Fatal(err)
	}
	go pm.Wait()
	writePID := func(status string) {
		t.Helper()
		pid := fmt.Sprintf("%d\n%s\n0\n%d\n%s\n\n0\n%s\n", pm.Process.Pid, s.pgdata, s.port, s.sockDir, status)
		if err := os.WriteFile(filepath.Join(s.pgdata, "postmaster.pid"), []byte(pid), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writePID("ready   ")
	if !s.Running() {
		t.Fatal("a ready postmaster with its socket is not running")
	}
	writePID("stopping")
	if s.Running() {
		t.Fatal("a postmaster shutting down is taken for running")
	}
	start := time.Now()
	if err := s.waitStopping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if alive(pm.Process.Pid) {
		t.Fatalf("waitStopping returned after %v with the postmaster still alive", time.Since(start))
	}
}
