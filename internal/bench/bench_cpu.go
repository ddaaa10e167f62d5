package bench

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicksPerSecond is Linux's USER_HZ, the unit of the CPU times in
// /proc/<pid>/stat (100 on every architecture Go supports on Linux).
const clockTicksPerSecond = 100

// procCPUTicks is the user and system time a process has used so far,
// in clock ticks, from /proc/<pid>/stat; false when the process is gone
// or its file cannot be read.
func procCPUTicks(pid int) (int64, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// the fields after it start past the last ')'.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(data[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return u + s, true
}

// procCPU follows the CPU time of a set of processes that come and go:
// a process known at the start counts from what it had used then, one
// that appears later from zero (its whole life is inside the interval),
// and one that exits counts until it was last read.
type procCPU struct {
	first map[int]int64
	last  map[int]int64
}

func newProcCPU() *procCPU {
	return &procCPU{first: map[int]int64{}, last: map[int]int64{}}
}

// start records a process present when the interval begins.
func (p *procCPU) start(pid int) {
	if t, ok := procCPUTicks(pid); ok {
		p.first[pid], p.last[pid] = t, t
	}
}

// see reads a process's time now; a process not seen before started
// inside the interval.
func (p *procCPU) see(pid int) {
	t, ok := procCPUTicks(pid)
	if !ok {
		return
	}
	if _, known := p.first[pid]; !known {
		p.first[pid] = 0
	}
	p.last[pid] = t
}

// refresh reads every known process again.
func (p *procCPU) refresh() {
	for pid := range p.last {
		if t, ok := procCPUTicks(pid); ok {
			p.last[pid] = t
		}
	}
}

// used is the CPU time the processes used in the interval.
func (p *procCPU) used() time.Duration {
	var ticks int64
	for pid, t := range p.last {
		ticks += t - p.first[pid]
	}
	return time.Duration(ticks) * time.Second / clockTicksPerSecond
}

// selfCPU is the CPU time (user and system) this process has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rusageThread is Linux's RUSAGE_THREAD: the calling thread's usage.
const rusageThread = 1

// threadCPU is the CPU time (user and system) the calling thread has used
// so far; the caller is locked to its thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
