package breaker

import "fmt"

// State is the mode a breaker is in.
//
// Closed, HalfOpen and Open are the automatic states; ForcedOpen and Disabled
// are manual modes set by [Breaker.ForceOpen] and [Breaker.Disable] and left
// only by [Breaker.Reset].
type State uint8

// The breaker states.
const (
	// Closed lets every call through and watches the trip policies.
	Closed State = iota
	// HalfOpen lets a limited number of probe calls through; their results
	// decide whether the breaker closes or opens again.
	HalfOpen
	// Open rejects every call with an error that wraps [ErrOpen] until the
	// open period has elapsed.
	Open
	// ForcedOpen rejects every call until [Breaker.Reset].
	ForcedOpen
	// Disabled lets every call through and still measures, but never trips.
	Disabled
)

var stateNames = [...]string{"closed", "half_open", "open", "forced_open", "disabled"}

// String returns the state's stable name: "closed", "half_open", "open",
// "forced_open" or "disabled".
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// gaugeValue is the value of the breaker.<name>.state gauge: 0 when calls
// pass, 1 when half-open, 2 when calls are rejected.
func (s State) gaugeValue() float64 {
	switch s {
	case HalfOpen:
		return 1
	case Open, ForcedOpen:
		return 2
	}
	return 0
}

// MarshalText encodes the state as its name, so JSON shows "open" rather
// than 2.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a state's name, so that a [Status] read back from
// the Registry's handler decodes into its own type.
func (s *State) UnmarshalText(text []byte) error {
	for i, name := range stateNames {
		if string(text) == name {
			*s = State(i)
			return nil
		}
	}
	return fmt.Errorf("unknown breaker state %q", text)
}
