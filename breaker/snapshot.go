package breaker

import (
	"encoding/json"
	"errors"
	"log/slog"
	"time"
)

// Counts are the numbers a generation's policies look at.
type Counts struct {
	// ConsecutiveFailures is the current run of failures (closed state).
	ConsecutiveFailures int64 `json:"consecutive_failures"`
	// WindowCalls, WindowFailures and WindowSlow are the calls, failures
	// and slow calls in the rate policies' window (closed state).
	WindowCalls    int64 `json:"window_calls"`
	WindowFailures int64 `json:"window_failures"`
	WindowSlow     int64 `json:"window_slow"`
	// Probes is the number of probe calls in flight and ProbeSuccesses the
	// number that succeeded (half-open state).
	Probes         int32 `json:"probes"`
	ProbeSuccesses int32 `json:"probe_successes"`
}

// LogValue implements slog.LogValuer.
func (c Counts) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int64("consecutive_failures", c.ConsecutiveFailures),
		slog.Int64("window_calls", c.WindowCalls),
		slog.Int64("window_failures", c.WindowFailures),
		slog.Int64("window_slow", c.WindowSlow),
		slog.Int("probes", int(c.Probes)),
		slog.Int("probe_successes", int(c.ProbeSuccesses)),
	)
}

// Snapshot is a breaker's state at one instant.
type Snapshot struct {
	// Name is the breaker's name.
	Name string `json:"name"`
	// State is the current state.
	State State `json:"state"`
	// Since is when the breaker entered it.
	Since time.Time `json:"since"`
	// Generation counts the transitions since the breaker was made.
	Generation uint64 `json:"generation"`
	// Reason is what caused the current state.
	Reason string `json:"reason"`
	// Counts are the current generation's counts.
	Counts Counts `json:"counts"`
	// OpenUntil is when calls resume, while Open.
	OpenUntil time.Time `json:"open_until,omitzero"`
	// LastError is the error of the failure that opened the breaker, while
	// open or half-open after that opening; nil otherwise, and nil when
	// that failure was a result classified as one without an error.
	LastError error `json:"-"` // in JSON as last_error, its text (see MarshalJSON)
	// Critical is Config.Critical.
	Critical bool `json:"critical"`
}

// MarshalJSON encodes the snapshot with its LastError as the text
// "last_error", left out when nil: what the Registry's handler serves.
func (s Snapshot) MarshalJSON() ([]byte, error) {
	type fields Snapshot // without this method
	out := struct {
		fields
		LastError string `json:"last_error,omitempty"`
	}{fields: fields(s)}
	if s.LastError != nil {
		out.LastError = s.LastError.Error()
	}
	return json.Marshal(out)
}

// UnmarshalJSON decodes what MarshalJSON encodes; LastError comes back as
// an error with the text of the original.
func (s *Snapshot) UnmarshalJSON(data []byte) error {
	type fields Snapshot // without this method
	var in struct {
		fields
		LastError string `json:"last_error"`
	}
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	*s = Snapshot(in.fields)
	if in.LastError != "" {
		s.LastError = errors.New(in.LastError)
	}
	return nil
}

// Snapshot returns the current state and counts. It takes no lock: the
// counts are read atomically one by one, so under load they may be a few
// calls apart from each other.
func (b *Breaker) Snapshot() Snapshot {
	g := b.cur.Load()
	return Snapshot{
		Name:       b.name,
		State:      g.state,
		Since:      g.since,
		Generation: g.id,
		Reason:     g.reason,
		Counts:     b.counts(g),
		OpenUntil:  g.until,
		LastError:  g.cause,
		Critical:   b.cfg.Critical,
	}
}

// counts reads g's counts.
func (b *Breaker) counts(g *gen) Counts {
	c := Counts{
		ConsecutiveFailures: g.consec.Load(),
		Probes:              g.probes.Load(),
		ProbeSuccesses:      g.successes.Load(),
	}
	if g.win != nil {
		c.WindowCalls, c.WindowFailures, c.WindowSlow = g.win.sum(b.now())
	}
	return c
}
