package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/internal/bench"
	"github.com/fenyang/partyfee/internal/exit"
)

func (a *app) benchCommand() *cobra.Command {
	var opt bench.Options
	var cpuProfile string
	var child bench.ChildArgs
	c := &cobra.Command{
		Use:   "bench [--scale N] [--only NAME[,NAME…]] [--json] [--data-dir DIR]",
		Short: "Measure the ledger against bare baselines on this machine (SPEC §9)",
		Long:  bench.Help,
		Example: `  ledger bench
  ledger bench --scale 1000000 --json > bench.json
  ledger bench --only online --cpuprofile online.pprof
  ledger bench --only workbook --scale 100000 --data-dir /var/tmp/bench`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			stop, err := bench.StartCPUProfile(cpuProfile)
			if err != nil {
				return err
			}
			defer stop()
			if child.Kind != "" {
				return bench.RunChild(cmd.Context(), child, a.stdout)
			}
			if cmd.Flags().Changed("data-dir") {
				opt.DataDir, _ = cmd.Flags().GetString("data-dir")
			}
			api, err := a.apiOptions()
			if err != nil {
				return err
			}
			opt.Cluster, opt.Pool, opt.API, opt.Log = clusterOptions(&a.cfg, "", a.log), poolOptions(&a.cfg), api, a.log
			opt.Progress = bench.ProgressTo(a.stderr)
			rep, err := bench.Run(cmd.Context(), opt)
			if err != nil {
				return err
			}
			if a.jsonOut() {
				if err := a.printJSON(rep); err != nil {
					return err
				}
			} else {
				bench.Print(a.stdout, rep)
			}
			if rep.Failed() {
				return &exit.DiscrepancyError{}
			}
			return nil
		},
	}
	f := c.Flags()
	f.IntVar(&opt.Scale, "scale", 10000, "N, the vouchers of the bulk workloads (verify, reconcile, workbook, import)")
	f.StringVar(&opt.Only, "only", "", "run these workloads, separated by commas: online, "+strings.Join(bench.Workloads, ", "))
	f.IntVar(&opt.Runs, "runs", 1, "run each workload this many times; each row reports the median run and the spread")
	f.IntSliceVar(&opt.Clients, "clients", nil, "the online rows' concurrencies (default 16,64, the rows the targets are for); e.g. 1: a voucher's cost without contention")
	f.DurationVar(&opt.Duration, "duration", 0, "how long each side of online and hot runs (default from the scale, 1s to 20s)")
	f.BoolVar(&opt.Keep, "keep", false, "keep the temporary data directory (and its cluster's data) after the run")
	f.BoolVar(&opt.ReuseBulk, "reuse-bulk", false, "reuse the bulk database of --data-dir when it holds N vouchers (for the web rows)")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a pprof CPU profile of the run to this file")
	f.StringVar(&child.Kind, "child", "", "internal: run one side of a workload as a child process")
	f.StringVar(&child.URL, "child-url", "", "internal: the database of the child")
	f.StringVar(&child.Out, "child-out", "", "internal: the file the child writes")
	f.StringVar(&child.Spec, "child-spec", "", "internal: what the child does (JSON)")
	for _, n := range []string{"child", "child-url", "child-out", "child-spec"} {
		_ = f.MarkHidden(n)
	}
	return c
}
