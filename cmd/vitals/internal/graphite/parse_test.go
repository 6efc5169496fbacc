package graphite

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Parse reads the render API's JSON: nulls are invalid points, never
// zeros; several series keep their order; an empty list is no series.
func TestParse(t *testing.T) {
	got, err := Parse([]byte(`[
		{"target": "a.count", "tags": {"name": "a.count"}, "datapoints": [[1.5, 100], [null, 101], [-0.0, 102], [1e300, 103]]},
		{"target": "b.count", "datapoints": []}
	]`))
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "a.count", got[0].Target)
	assert.Equal(t, []Point{
		{Time: time.Unix(100, 0), Value: 1.5, Valid: true},
		{Time: time.Unix(101, 0)},
		{Time: time.Unix(102, 0), Value: 0, Valid: true},
		{Time: time.Unix(103, 0), Value: 1e300, Valid: true},
	}, got[0].Points)
	assert.Equal(t, Series{Target: "b.count", Points: []Point{}}, got[1])

	none, err := Parse([]byte(" [] \n"))
	require.NoError(t, err)
	assert.Empty(t, none)
}

// Parse refuses what is not a render answer, saying where.
func TestParseRefusesGarbage(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"", "not the JSON list of series"},
		{"<html>Server Error</html>", "not the JSON list of series"},
		{"null", "does not start with ["},
		{"[{", "not the JSON list of series"},
		{`{"target": "a"}`, "not the JSON list of series"},
		{`[] []`, "text after the list"},
		{`[{"datapoints": []}]`, "series 0 has no target"},
		{`[{"target": "a", "datapoints": [[1]]}]`, "series 0 datapoint 0: has 1 elements"},
		{`[{"target": "a", "datapoints": [[0, 1], [ ]]}]`, "series 0 datapoint 1: has 0 elements"},
		{`[{"target": "a", "datapoints": [3]}]`, `"3" is not [value, time]`},
		{`[{"target": "a", "datapoints": [[[1, 2], 3]]}]`, "has 3 elements"},
		{`[{"target": "a", "datapoints": [[1, 2, 3]]}]`, "has 3 elements"},
		{`[{"target": "a", "datapoints": [[1, null]]}]`, "time"},
		{`[{"target": "a", "datapoints": [[1, "100"]]}]`, "is not a number"},
		{`[{"target": "a", "datapoints": [[1, 100.5]]}]`, "not whole unix seconds"},
		{`[{"target": "a", "datapoints": [[1, -1]]}]`, "not whole unix seconds"},
		{`[{"target": "a", "datapoints": [["1", 100]]}]`, "is not a number or null"},
		{`[{"target": "a", "datapoints": [[1e999, 100]]}]`, "is not a number or null"},
		{`[{"target": "a", "datapoints": [[true, 100]]}]`, "is not a number or null"},
	} {
		_, err := Parse([]byte(tc.body))
		if assert.Error(t, err, tc.body) {
			assert.Contains(t, err.Error(), tc.want, tc.body)
		}
	}
}

// FuzzParse: whatever the answer, Parse returns series of finite values
// at whole seconds, or an error; it never panics, and what it accepts
// encodes back to an answer it accepts alike.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`[{"target": "a", "datapoints": [[1.5, 100], [null, 101]]}]`,
		`[]`, `[{"target": "", "datapoints": null}]`, `{}`, `null`, `[null]`,
		`[{"target": "a", "datapoints": [[null, 1e10]]}]`, "[{\"target\": \"\\u202e\", \"datapoints\": [[-0, 0]]}]",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		series, err := Parse(body)
		if err != nil {
			return
		}
		type out struct {
			Target     string  `json:"target"`
			Datapoints [][]any `json:"datapoints"`
		}
		var again []out
		for _, s := range series {
			o := out{Target: s.Target, Datapoints: [][]any{}}
			for _, p := range s.Points {
				if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
					t.Fatalf("non-finite value %v accepted", p.Value)
				}
				if p.Time.Unix() < 0 {
					t.Fatalf("negative time %v accepted", p.Time)
				}
				var v any
				if p.Valid {
					v = p.Value
				}
				o.Datapoints = append(o.Datapoints, []any{v, p.Time.Unix()})
			}
			again = append(again, o)
		}
		b, err := json.Marshal(again)
		require.NoError(t, err)
		if len(again) == 0 {
			b = []byte("[]")
		}
		back, err := Parse(b)
		require.NoError(t, err, "%s", b)
		require.Equal(t, len(series), len(back))
		for i := range series {
			require.Equal(t, series[i].Target, back[i].Target)
			require.Equal(t, len(series[i].Points), len(back[i].Points))
			for j := range series[i].Points {
				require.Equal(t, series[i].Points[j].Valid, back[i].Points[j].Valid)
				require.True(t, series[i].Points[j].Time.Equal(back[i].Points[j].Time))
			}
		}
	})
}
