package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// n is a datapoint value of a fake series; null is a missing one.
type n = any

var null n = nil

// fakeSeries is one series of a fake render API: its values now, one
// every 10 s up to the request's until, and a day earlier.
type fakeSeries struct {
	target   string
	cur, old []n
}

// fakeRender serves series as graphite-web's render API does: the
// request a day back (until more than an hour ago) gets the old values.
func fakeRender(t *testing.T, series ...fakeSeries) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/render" || r.FormValue("format") != "json" {
			http.NotFound(w, r)
			return
		}
		until, err := strconv.ParseInt(r.FormValue("until"), 10, 64)
		if err != nil {
			http.Error(w, "bad until", 400)
			return
		}
		earlier := until < time.Now().Add(-time.Hour).Unix()
		type out struct {
			Target     string `json:"target"`
			Datapoints [][2]n `json:"datapoints"`
		}
		answer := []out{}
		for _, s := range series {
			values := s.cur
			if earlier {
				values = s.old
			}
			if values == nil {
				continue
			}
			o := out{Target: s.target, Datapoints: [][2]n{}}
			for i, v := range values {
				o.Datapoints = append(o.Datapoints, [2]n{v, until - int64(len(values)-1-i)*10})
			}
			answer = append(answer, o)
		}
		json.NewEncoder(w).Encode(answer)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// vitals check graphite judges the series a fake render API serves: the
// thresholds, a band, --for, --change against a day earlier with its
// direction, nulls skipped (never zeros), no data as --missing says, and
// several series as --match says.
func TestCheckGraphiteRules(t *testing.T) {
	one := func(cur ...n) []fakeSeries { return []fakeSeries{{target: "shop.purchases", cur: cur}} }
	changed := func(cur, old n) []fakeSeries {
		return []fakeSeries{{target: "shop.purchases", cur: []n{cur}, old: []n{old}}}
	}
	two := []fakeSeries{{target: "shop.a.purchases", cur: []n{50}}, {target: "shop.b.purchases", cur: []n{3}}}
	for _, tc := range []struct {
		name   string
		series []fakeSeries
		args   []string
		code   int
		detail string
	}{
		{"below", one(50, 3), []string{"--below", "10"}, 1, "shop.purchases: value 3 below 10 at "},
		{"latest holds", one(3, 50), []string{"--below", "10"}, 0, "shop.purchases: value 50 at "},
		{"above", one(150), []string{"--above", "100"}, 1, "value 150 above 100"},
		{"band", one(-0.0), []string{"--above", "100", "--below", "10"}, 1, "value 0 below 10"},
		{"trailing nulls skipped, not zero", one(50, null, null), []string{"--below", "10"}, 0, "value 50"},
		{"nulls only: unknown", one(null, null), []string{"--below", "10"}, 3, "shop.purchases: no value in the last 10m0s"},
		{"nulls only: ok", one(null, null), []string{"--below", "10", "--missing", "ok"}, 0, "no value"},
		{"nulls only: broken", one(null), []string{"--below", "10", "--missing", "broken"}, 1, "no value"},
		{"no series: unknown", nil, []string{"--below", "10"}, 3, `"shop.purchases" matches no series`},
		{"no series: broken", nil, []string{"--below", "10", "--missing", "broken"}, 1, "matches no series"},
		{"any of several", two, []string{"--below", "10"}, 1, "shop.b.purchases: value 3 below 10"},
		{"all of several", two, []string{"--below", "10", "--match", "all"}, 0, "shop.a.purchases: value 50"},
		{"all of several broken", two, []string{"--below", "100", "--match", "all"}, 1, "shop.a.purchases: value 50 below 100"},
		{"for: one good value holds", one(3, 50, 3, 3), []string{"--below", "10", "--for", "1m"}, 0, "value 50"},
		{"for: all bad", one(3, 3, null, 3), []string{"--below", "10", "--for", "1m"}, 1, "and every value since"},
		{"change: drop", changed(40, 100), []string{"--change", "50"}, 1, "value 40, -60.0% against 100 1d earlier"},
		{"change: drop, only rises count", changed(40, 100), []string{"--change", "50", "--direction", "up"}, 0, "-60.0%"},
		{"change: small", changed(140, 100), []string{"--change", "50"}, 0, "+40.0%"},
		{"change: from zero", changed(1, 0), []string{"--change", "50", "--shift", "-1d"}, 1, "+inf%"},
		{"change: nothing a day earlier", one(1), []string{"--change", "50"}, 3, "no series 1d earlier"},
		{"change: null a day earlier", changed(1, null), []string{"--change", "50"}, 3, "no value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			web := fakeRender(t, tc.series...)
			args := append([]string{"check", "graphite", "--graphite", web, "--target", "shop.purchases"}, tc.args...)
			r := vitals(t, []string{"VITALS_STATE_DIR=" + t.TempDir()}, args...)
			require.Equal(t, tc.code, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			recs := records(t, r.stdout)
			require.Len(t, recs, 1)
			assert.Contains(t, recs[0]["detail"], tc.detail)
			assert.Equal(t, "shop.purchases", recs[0]["check"])
			if tc.code == 3 {
				assert.Contains(t, r.stderr, "remedy: ")
				assert.Contains(t, r.stderr, "--missing")
			}
		})
	}
}

// graphite-web unreachable, failing or answering garbage is an error of
// the check (exit 3) that says what was attempted and how to fix it.
func TestCheckGraphiteBadAnswers(t *testing.T) {
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>\x1b[31mnot graphite</html>"))
	}))
	defer garbage.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Traceback: ValueError", 500)
	}))
	defer failing.Close()
	env := []string{"VITALS_STATE_DIR=" + t.TempDir()}
	for _, tc := range []struct {
		web  string
		want []string
	}{
		{"http://127.0.0.1:1", []string{"connection refused", "runs and listens there"}},
		{garbage.URL, []string{"not the JSON list of series", "base URL"}},
		{failing.URL, []string{"answered 500", "Traceback: ValueError", "graphite-web's log"}},
	} {
		r := vitals(t, env, "check", "graphite", "--graphite", tc.web, "--target", "a.b", "--above", "1")
		assertFailure(t, r, 3, append(tc.want, `read "a.b" from graphite-web`)...)
		assert.NotContains(t, r.stdout+r.stderr, "\x1b")
	}
}

// A vitals check graphite command line that cannot run is a usage error.
func TestCheckGraphiteUsageErrors(t *testing.T) {
	env := []string{"VITALS_STATE_DIR=" + t.TempDir(), "VITALS_GRAPHITE_WEB=http://127.0.0.1:1"}
	g := func(args ...string) result { return vitals(t, env, append([]string{"check", "graphite"}, args...)...) }
	assertFailure(t, g("--above", "1"), 2, "no --target given")
	assertFailure(t, vitals(t, nil, "check", "graphite", "--target", "a", "--above", "1"), 2, "no graphite-web URL given", "VITALS_GRAPHITE_WEB")
	assertFailure(t, g("--target", "a"), 2, "no rule given")
	assertFailure(t, g("--target", "a", "--above", "NaN"), 2, "not a finite number")
	assertFailure(t, g("--target", "a", "--above", "1e999"), 2, "not a finite number")
	assertFailure(t, g("--target", "a", "--change", "50", "--below", "1"), 2, "--change cannot go with")
	assertFailure(t, g("--target", "a", "--change", "-5"), 2, "not a positive percentage")
	assertFailure(t, g("--target", "a", "--above", "1", "--below", "5"), 2, "every value would break it")
	assertFailure(t, g("--target", "a", "--change", "5", "--shift", "yesterday"), 2, `--shift "yesterday"`)
	assertFailure(t, g("--target", "a", "--change", "5", "--shift", "99999999999d"), 2, `--shift "99999999999d"`) // past what a duration holds
	assertFailure(t, g("--target", "a", "--above", "1", "--for", "-1m"), 2, "--for -1m0s is negative")
	assertFailure(t, g("--target", "a", "--above", "1", "--direction", "sideways"), 2, "--direction")
	assertFailure(t, g("--target", "a", "--above", "1", "--missing", "zero"), 2, `--missing "zero"`)
	assertFailure(t, g("--target", "a", "--above", "1", "--match", "most"), 2, `--match "most"`)
	assertFailure(t, g("--target", "a", "--above", "1", "extra"), 2, `unexpected argument "extra"`)
}

// With --on-error broken, a check that cannot run alerts: the monitoring
// itself needs a person.
func TestCheckOnErrorBroken(t *testing.T) {
	fake := newFakeAlertmanager(t)
	env := []string{"VITALS_STATE_DIR=" + t.TempDir(), "VITALS_ALERTMANAGER_URL=" + fake.URL}
	r := vitals(t, env, "check", "graphite", "--on-error", "broken", "--graphite", "http://127.0.0.1:1", "--target", "a.b", "--above", "1")
	require.Equal(t, 1, r.code, r.stderr)
	recs := records(t, r.stdout)
	require.Len(t, recs, 1)
	assert.Equal(t, "broken", recs[0]["outcome"])
	assert.Contains(t, recs[0]["check_remedy"], "runs and listens there")
	require.Len(t, fake.posted(), 1)
	assert.Contains(t, fake.posted()[0].Annotations["detail"], "the check could not run: read \"a.b\" from graphite-web")
	assert.Contains(t, fake.posted()[0].Annotations["detail"], "connection refused")

	assertFailure(t, vitals(t, env, "check", "exec", "--on-error", "maybe", "--", "true"), 2, `--on-error "maybe" is not unknown or broken`)
}
