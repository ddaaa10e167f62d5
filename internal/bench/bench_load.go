package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// The online workload's HTTP clients run in a child process of their own
// (`ledger bench --child online-clients`), so that the Go CPU the server
// spends per request (this process) is measured apart from what the load
// generator spends (the child).

// onlineLoad is what the child is told: where the API is, who calls it,
// and how long.
type onlineLoad struct {
	Base     string            `json:"base"`
	Tokens   map[string]string `json:"tokens"`
	Branches []string          `json:"branches"`
	Nonce    string            `json:"nonce"`
	Clients  int               `json:"clients"`
	Duration time.Duration     `json:"duration"`
}

// onlineLoadResult is what the child reports: its clients' sums, every
// latency, its elapsed time and its own CPU time.
type onlineLoadResult struct {
	Units         int     `json:"units"`
	Fen           int64   `json:"fen"`
	Requests      int     `json:"requests"`
	Errors        int     `json:"errors"`
	FirstError    string  `json:"first_error,omitempty"`
	LatencyMicros []int64 `json:"latency_us"`
	Seconds       float64 `json:"seconds"`
	CPUSeconds    float64 `json:"cpu_seconds"`
}

// childArgv is the command line that runs a child: Options.Child, or this
// executable's "bench".
func childArgv(opt *Options) ([]string, error) {
	if len(opt.Child) > 0 {
		return opt.Child, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return []string{exe, "bench"}, nil
}

// clientsInChild runs the online workload's clients for d in a child
// process and returns what they did and the child's CPU time.
func (o *benchOnline) clientsInChild(ctx context.Context, clients int, d time.Duration) (loadResult, time.Duration) {
	var out loadResult
	fail := func(err error) (loadResult, time.Duration) {
		out.fail(err)
		return out, 0
	}
	argv, err := childArgv(o.env.opt)
	if err != nil {
		return fail(err)
	}
	spec, err := json.Marshal(onlineLoad{Base: o.base, Tokens: o.tokens, Branches: o.branches,
		Nonce: fmt.Sprintf("%s-%d", o.nonce, o.keys.Add(1)), Clients: clients, Duration: d})
	if err != nil {
		return fail(err)
	}
	cmd := exec.CommandContext(ctx, argv[0], append(argv[1:], "--child", childOnline, "--child-spec", string(spec))...)
	cmd.Env = append(os.Environ(), o.env.opt.ChildEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fail(fmt.Errorf("child %s: %v: %s", childOnline, err, strings.TrimSpace(stderr.String())))
	}
	var r onlineLoadResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		return fail(fmt.Errorf("child %s: %v: %q", childOnline, err, stdout.String()))
	}
	out.units, out.fen, out.requests, out.errs = r.Units, r.Fen, r.Requests, r.Errors
	if r.FirstError != "" {
		out.firstErr = errors.New(r.FirstError)
	}
	out.lat = make([]time.Duration, len(r.LatencyMicros))
	for i, us := range r.LatencyMicros {
		out.lat[i] = time.Duration(us) * time.Microsecond
	}
	out.elapsed = time.Duration(r.Seconds * float64(time.Second))
	return out, time.Duration(r.CPUSeconds * float64(time.Second))
}

// newLoadClient is the load generator's HTTP client of the API at addr
// (host:port), with a connection for each of up to 256 clients.
func newLoadClient(addr string) *fasthttp.HostClient {
	return &fasthttp.HostClient{Addr: addr, MaxConns: 256, MaxIdleConnDuration: time.Minute}
}

// childOnline is the kind of the online clients' child.
const childOnline = "online-clients"

// runOnlineClients is the child's side: the clients of the online
// workload against the API, reported as JSON on stdout.
func runOnlineClients(ctx context.Context, specJSON string, stdout io.Writer) error {
	var spec onlineLoad
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		return fmt.Errorf("--child-spec: %w", err)
	}
	if spec.Clients <= 0 || len(spec.Branches) == 0 || spec.Base == "" {
		return fmt.Errorf("--child-spec: clients, branches and base are required")
	}
	o := &benchOnline{branches: spec.Branches, base: spec.Base, tokens: spec.Tokens, nonce: spec.Nonce,
		client: newLoadClient(strings.TrimPrefix(spec.Base, "http://"))}
	cpu0 := selfCPU()
	r := runClients(ctx, spec.Clients, spec.Duration, func(ctx context.Context, _ int, rng *rand.Rand, st *clientStats) bool {
		return o.oursSpend(ctx, rng, st)
	})
	res := onlineLoadResult{Units: r.units, Fen: r.fen, Requests: r.requests, Errors: r.errs,
		Seconds: r.elapsed.Seconds(), LatencyMicros: make([]int64, len(r.lat))}
	if r.firstErr != nil {
		res.FirstError = r.firstErr.Error()
	}
	for i, l := range r.lat {
		res.LatencyMicros[i] = l.Microseconds()
	}
	res.CPUSeconds = (selfCPU() - cpu0).Seconds()
	return json.NewEncoder(stdout).Encode(res)
}
