package bench

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// repeat runs one workload opt.Runs times and folds each of its rows into
// the median run with the spread (foldRuns). On an error it returns the
// rows of the runs that completed.
func (o *Options) repeat(name string, fn func() ([]Result, error)) ([]Result, error) {
	runs := max(o.Runs, 1)
	var all [][]Result
	for i := range runs {
		if runs > 1 {
			o.logf("%s: run %d of %d", name, i+1, runs)
		}
		rs, err := fn()
		if err != nil {
			return foldRuns(all), err
		}
		all = append(all, rs)
	}
	return foldRuns(all), nil
}

// foldRuns makes one row of each name out of the runs of a workload: the
// median run's row (for an even number of runs, the worse of the two
// middle ones), with the runs' lowest and highest ratio (ours, for rows
// without a baseline) in its detail and its note, and every run's row
// kept in Runs. One run is returned as it is.
func foldRuns(all [][]Result) []Result {
	if len(all) <= 1 {
		if len(all) == 0 {
			return nil
		}
		return all[0]
	}
	var names []string
	byName := map[string][]Result{}
	for _, rs := range all {
		for _, r := range rs {
			if _, ok := byName[r.Name]; !ok {
				names = append(names, r.Name)
			}
			byName[r.Name] = append(byName[r.Name], r)
		}
	}
	out := make([]Result, 0, len(names))
	for _, name := range names {
		out = append(out, foldRows(byName[name]))
	}
	return out
}

// runFigure is what the runs of a row are ranked and spread by: the
// ratio, the difference for peak memory (ours ≤ baseline + allowance),
// ours alone without a baseline.
func runFigure(r Result) (float64, string) {
	switch {
	case r.Baseline <= 0:
		return r.Ours, "ours"
	case strings.HasPrefix(r.Target, "≤ baseline +"):
		return r.Ours - r.Baseline, "difference"
	case strings.HasPrefix(r.Target, "≤ ") && !strings.HasSuffix(r.Target, "×"):
		return r.Ours, "ours" // an absolute target
	}
	return r.Ratio, "ratio"
}

// worse ranks a row's runs from better to worse: a rate's ratio is better
// higher, everything else lower.
func worse(r Result) float64 {
	f, _ := runFigure(r)
	if strings.HasPrefix(r.Target, "≥") {
		return -f
	}
	return f
}

func foldRows(rows []Result) Result {
	sorted := slices.Clone(rows)
	slices.SortStableFunc(sorted, func(a, b Result) int {
		x, y := worse(a), worse(b)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	med := sorted[len(sorted)/2]
	lo, kind := runFigure(rows[0])
	hi := lo
	var notes []string
	failed := 0
	for i, r := range rows {
		f, _ := runFigure(r)
		lo, hi = min(lo, f), max(hi, f)
		if r.Note != "" {
			notes = append(notes, fmt.Sprintf("run %d: %s", i+1, r.Note))
		}
		if r.Pass != nil && !*r.Pass {
			failed++
		}
	}
	out := med
	out.Detail = maps.Clone(med.Detail)
	if out.Detail == nil {
		out.Detail = map[string]float64{}
	}
	out.Detail["runs"] = float64(len(rows))
	out.Detail[kind+"_min"] = round4(lo)
	out.Detail[kind+"_max"] = round4(hi)
	note := fmt.Sprintf("median of %d runs, %s %.4g–%.4g", len(rows), kind, lo, hi)
	if med.Pass != nil && failed > 0 {
		note += fmt.Sprintf(", %d of %d runs missed the target", failed, len(rows))
	}
	out.Note = strings.Join(append([]string{note}, notes...), "; ")
	out.Runs = rows
	return out
}
