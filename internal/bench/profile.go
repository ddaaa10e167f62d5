package bench

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"
)

// StartCPUProfile writes a pprof CPU profile of the run to path ("": none)
// until stop is called.
func StartCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// ProgressTo returns an Options.Progress printing lines to w with the
// seconds since it was made.
func ProgressTo(w io.Writer) func(format string, args ...any) {
	began := time.Now()
	return func(format string, args ...any) {
		fmt.Fprintf(w, "bench %6.1fs: "+format+"\n", append([]any{time.Since(began).Seconds()}, args...)...)
	}
}
