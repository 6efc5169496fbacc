package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/vitals-go/vitals/cmd/vitals/internal/graphite"
	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/record"
)

// lookback is how far back vitals check graphite looks for the latest
// value when --for is not given.
const lookback = 10 * time.Minute

var graphiteCheck = &checkKind{
	name:  "graphite",
	help:  graphiteHelp,
	flags: graphiteFlags,
}

// graphiteHelp is the help of vitals check graphite.
var graphiteHelp = `Usage: vitals check graphite [flags] --target T (--above X | --below X | --change P)

Reads the series of graphite-web's render API (format=json) that target T
matches, and finds the invariant broken when:
  --above X / --below X   the value is above X / below X (both: outside
                          the band)
  --change P              the value changed by more than P percent against
                          the same time --shift earlier (default 1d: same
                          time yesterday); --direction up or down counts
                          only a rise or only a drop. A value a shift earlier
                          of 0 makes any other value a change of +-inf%.
With --for D, every value of the last D must break it (a drastic drop
that lasts, not one bad interval); without, the latest value decides (the
last one that is not null in the last 10 minutes).

Missing data is never read as zero: nulls are skipped, and a series with no
value to judge, or a target that matches no series, is what --missing says:
unknown (the default: exit 3, no alert, no resolution), ok or broken. A
target that matches several series (a wildcard) is broken when any of them
is (--match any, the default) or only when all are (--match all).
` + checkAbout + `
Flags:
  --graphite URL  graphite-web's base URL (env VITALS_GRAPHITE_WEB), e.g.
                  http://127.0.0.1:8080
  --target T      the render target: a series name, a wildcard, functions
  --above X, --below X, --change P, --direction up|down|both
  --shift D       how far back --change compares (1d, 7d, 2w, 6h; default 1d)
  --for D         how long it must be broken (default: the latest value)
  --missing M     unknown (default), ok or broken: no data to judge
  --match M       any (default) or all: which series must be broken
` + checkFlags + `
Examples:
  vitals check graphite --graphite http://127.0.0.1:8080 --alertmanager http://127.0.0.1:9093 \
      --target stats.counters.shop.purchases.count --change 50 --direction down --shift 1d --for 15m
  vitals check graphite --every 1m --target 'sumSeries(stats.counters.support.tickets.*.count)' --above 40
  crontab: */5 * * * * vitals check graphite --target stats.gauges.queue.depth --above 1000 --missing broken
`

// graphiteFlags adds the flags of vitals check graphite.
func graphiteFlags(c *cli, fs *flag.FlagSet) func(args []string) (probe, string, int, bool) {
	web := fs.String("graphite", c.getenv("VITALS_GRAPHITE_WEB"), "graphite-web's base URL (env VITALS_GRAPHITE_WEB)")
	target := fs.String("target", "", "the render target")
	var r graphiteRule
	number := func(name string, dst **float64) {
		fs.Func(name, "a number", func(s string) error {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return errors.New("not a finite number")
			}
			*dst = &v
			return nil
		})
	}
	number("above", &r.above)
	number("below", &r.below)
	var change *float64
	number("change", &change)
	fs.StringVar(&r.direction, "direction", "both", "up, down or both")
	shift := fs.String("shift", "1d", "how far back --change compares")
	fs.DurationVar(&r.lasting, "for", 0, "how long it must be broken")
	fs.StringVar(&r.missing, "missing", "unknown", "unknown, ok or broken")
	fs.StringVar(&r.match, "match", "any", "any or all")
	return func(args []string) (probe, string, int, bool) {
		refuse := func(problem, remedy string) (probe, string, int, bool) {
			return nil, "", c.usageError("vitals check graphite", problem, remedy), false
		}
		var ok bool
		switch r.shift, ok = parseShift(*shift); {
		case len(args) > 0:
			return refuse(fmt.Sprintf("unexpected argument %s", record.Quote(args[0], 60)), "give the target with --target")
		case strings.TrimSpace(*target) == "":
			return refuse("no --target given", "give the series to read, e.g. --target stats.counters.shop.purchases.count")
		case strings.TrimSpace(*web) == "":
			return refuse("no graphite-web URL given", "give --graphite http://HOST:PORT or set VITALS_GRAPHITE_WEB")
		case r.above == nil && r.below == nil && change == nil:
			return refuse("no rule given", "give --above X, --below X or --change P")
		case change != nil && (r.above != nil || r.below != nil):
			return refuse("--change cannot go with --above or --below", "run one check per rule, each with its own --name")
		case change != nil && *change <= 0:
			return refuse("--change "+num(*change)+" is not a positive percentage", "give the percentage that is too much, e.g. --change 50")
		case r.above != nil && r.below != nil && *r.below > *r.above:
			return refuse("--below "+num(*r.below)+" is above --above "+num(*r.above)+": every value would break it",
				"for a band, give --below the lower bound and --above the upper one")
		case !ok:
			return refuse(fmt.Sprintf("--shift %s is not a positive duration", record.Quote(*shift, 40)), "give e.g. 1d, 7d, 2w or 6h")
		case r.lasting < 0:
			return refuse("--for "+r.lasting.String()+" is negative", "give a positive duration such as 10m, or leave it out")
		case r.direction != "up" && r.direction != "down" && r.direction != "both":
			return refuse(fmt.Sprintf("--direction %s is not up, down or both", record.Quote(r.direction, 40)), "give --direction up, down or both")
		case r.missing != "unknown" && r.missing != "ok" && r.missing != "broken":
			return refuse(fmt.Sprintf("--missing %s is not unknown, ok or broken", record.Quote(r.missing, 40)), "give --missing unknown, ok or broken")
		case r.match != "any" && r.match != "all":
			return refuse(fmt.Sprintf("--match %s is not any or all", record.Quote(r.match, 40)), "give --match any or all")
		}
		if change != nil {
			r.change = *change
		}
		client := graphite.Client{URL: strings.TrimSpace(*web)}
		return func(ctx context.Context) verdict { return r.probe(ctx, client, *target) }, *target, exitOK, true
	}
}

// probe reads the target (and, for --change, the target a shift earlier)
// and judges it.
func (r graphiteRule) probe(ctx context.Context, client graphite.Client, target string) verdict {
	now := time.Now().Truncate(time.Second)
	span := lookback
	if r.lasting > 0 {
		span = r.lasting
	}
	since := now.Add(-span)
	cur, err := client.Render(ctx, target, since, now)
	if err != nil {
		return verdict{outcome: failed, err: err}
	}
	var old map[string]*graphite.Series
	if r.change > 0 {
		earlier, err := client.Render(ctx, target, since.Add(-r.shift), now.Add(-r.shift))
		if err != nil {
			return verdict{outcome: failed, err: err}
		}
		old = make(map[string]*graphite.Series, len(earlier))
		for i := range earlier {
			old[earlier[i].Target] = &earlier[i]
		}
	}
	if len(cur) == 0 {
		return r.verdict([]judgement{{seriesMissing, record.Quote(target, 200) + " matches no series"}})
	}
	js := make([]judgement, 0, len(cur))
	for _, s := range cur {
		if old != nil && old[s.Target] == nil {
			js = append(js, judgement{seriesMissing, record.Safe(s.Target, 200) + ": no series " + shiftText(r.shift) + " earlier"})
			continue
		}
		js = append(js, r.judge(s, old[s.Target], since))
	}
	v := r.verdict(js)
	v.fields = append(v.fields, slog.Int("series", len(cur)))
	return v
}

// missingError is the error of a check that found no data to judge.
func missingError(detail string) error {
	return errctx.Wrap(errors.New("no data to judge: "+detail), "judge the series",
		errctx.Remedy("check the target (graphite-web's /metrics/find lists the series) and that the stats flow; "+
			"or say what no data means with --missing ok or --missing broken"))
}
