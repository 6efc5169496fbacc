package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/vitals-go/vitals/cmd/vitals/internal/graphite"
	"github.com/vitals-go/vitals/internal/record"
)

// graphiteRule is what vitals check graphite holds a target's series to.
type graphiteRule struct {
	above, below *float64      // thresholds; nil when not given
	change       float64       // percent; 0 when not given
	direction    string        // of the change: up, down or both
	shift        time.Duration // how far back the change compares
	lasting      time.Duration // --for: 0 means the latest point only
	missing      string        // ok, broken or unknown
	match        string        // any or all
}

// seriesState is what the rule finds in one series.
type seriesState uint8

const (
	seriesHolds seriesState = iota
	seriesBroken
	seriesMissing // no point to judge: nulls only, or no series
)

// judgement is the rule's finding in one series, and why.
type judgement struct {
	state  seriesState
	detail string
}

// judge applies the rule to series cur, whose points at or after since
// count; old is the same series shift earlier (nil without --change).
func (r graphiteRule) judge(cur graphite.Series, old *graphite.Series, since time.Time) judgement {
	olds := map[int64]graphite.Point{}
	if old != nil {
		for _, p := range old.Points {
			olds[p.Time.Add(r.shift).Unix()] = p
		}
	}
	var judged []string
	var first, last time.Time
	breaks := 0
	for i := len(cur.Points) - 1; i >= 0; i-- { // newest first
		p := cur.Points[i]
		if !p.Valid || p.Time.Before(since) {
			continue
		}
		breaks1, what := r.point(p, olds, old != nil)
		if what == "" {
			continue // no point a shift earlier to compare with
		}
		if !breaks1 {
			return judgement{seriesHolds, fmt.Sprintf("%s: %s at %s", record.Safe(cur.Target, 200), what, p.Time.UTC().Format(time.TimeOnly))}
		}
		breaks++
		if last.IsZero() {
			last, judged = p.Time, append(judged, what)
		}
		first = p.Time
		if r.lasting == 0 {
			break
		}
	}
	if breaks == 0 {
		return judgement{seriesMissing, record.Safe(cur.Target, 200) + ": no value" + r.window()}
	}
	detail := fmt.Sprintf("%s: %s at %s", record.Safe(cur.Target, 200), judged[0], last.UTC().Format(time.TimeOnly))
	if r.lasting > 0 {
		detail += fmt.Sprintf(", and every value since %s (%d points)", first.UTC().Format(time.TimeOnly), breaks)
	}
	return judgement{seriesBroken, detail}
}

// window says which points a rule looks at, for a detail.
func (r graphiteRule) window() string {
	if r.lasting == 0 {
		return " in the last " + lookback.String()
	}
	return " in the last " + r.lasting.String()
}

// point says whether p breaks the rule and what it is; what is "" when a
// change cannot be computed for want of a point a shift earlier.
func (r graphiteRule) point(p graphite.Point, olds map[int64]graphite.Point, withOld bool) (breaks bool, what string) {
	v := p.Value
	if !withOld {
		what = "value " + num(v)
		switch {
		case r.above != nil && v > *r.above:
			return true, what + " above " + num(*r.above)
		case r.below != nil && v < *r.below:
			return true, what + " below " + num(*r.below)
		}
		return false, what
	}
	o, ok := olds[p.Time.Unix()]
	if !ok || !o.Valid {
		return false, ""
	}
	pct := 0.0
	switch {
	case o.Value != 0:
		pct = (v - o.Value) / math.Abs(o.Value) * 100
	case v > 0:
		pct = math.Inf(1)
	case v < 0:
		pct = math.Inf(-1)
	}
	what = fmt.Sprintf("value %s, %s%% against %s %s earlier", num(v), signed(pct), num(o.Value), shiftText(r.shift))
	switch r.direction {
	case "up":
		breaks = pct > r.change
	case "down":
		breaks = -pct > r.change
	default:
		breaks = math.Abs(pct) > r.change
	}
	return breaks, what
}

// verdict combines the judgements of every series the target matched.
func (r graphiteRule) verdict(js []judgement) verdict {
	var held, brokeN, missingN []string
	for _, j := range js {
		state := j.state
		if state == seriesMissing {
			switch r.missing {
			case "ok":
				state = seriesHolds
			case "broken":
				state = seriesBroken
			}
		}
		switch state {
		case seriesHolds:
			held = append(held, j.detail)
		case seriesBroken:
			brokeN = append(brokeN, j.detail)
		default:
			missingN = append(missingN, j.detail)
		}
	}
	detail := strings.Join(append(append(brokeN, missingN...), held...), "; ")
	switch {
	case r.match == "all" && len(held) > 0, r.match != "all" && len(brokeN) == 0 && len(missingN) == 0:
		return verdict{outcome: holds, detail: detail}
	case len(missingN) > 0 && (r.match == "all" || len(brokeN) == 0):
		return verdict{outcome: failed, detail: detail, err: missingError(detail)}
	}
	return verdict{outcome: broken, detail: detail}
}

// num formats a value in as few digits as tell it exactly.
func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// signed formats a percentage with its sign, to one decimal.
func signed(pct float64) string {
	if math.IsInf(pct, 0) {
		if pct > 0 {
			return "+inf"
		}
		return "-inf"
	}
	if pct > 0 {
		return "+" + strconv.FormatFloat(pct, 'f', 1, 64)
	}
	return strconv.FormatFloat(pct, 'f', 1, 64)
}

// shiftText writes a shift in whole days when it is.
func shiftText(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return d.String()
}

// parseShift reads a shift as a Go duration or as graphite writes one:
// 1d, 7d, 2w, 6h, optionally with a leading minus (the same: it is always
// into the past).
func parseShift(s string) (time.Duration, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "-")
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			k, err := strconv.Atoi(n)
			return time.Duration(k) * unit, err == nil && k > 0 && int64(k) <= math.MaxInt64/int64(unit)
		}
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d > 0
}
