package alert_test

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/alert"
	"github.com/vitals-go/vitals/errctx"
)

// Each sink's alert.<name>.* counters must be its own, so that notified +
// digests = sent + failed + dropped + suppressed holds per sink: two names
// that differ but name the same stats ("Pager" and "pager", "a.b" and
// "a_b", once Graphite-safe) would add two sinks' outcomes into one
// counter. New refuses the second, naming it.
func TestNewRefusesSinkNamesWhoseStatsCollide(t *testing.T) {
	for _, names := range [][2]string{{"Pager", "pager"}, {"team.a", "team_a"}, {"a b", "a_b"}} {
		_, err := alert.New(alert.Config{Sinks: []alert.Sink{newFake(names[0], nil), newFake(names[1], nil)}})
		require.Error(t, err, "%q and %q", names[0], names[1])
		assert.Contains(t, errctx.FieldsOf(err), slog.String("field", "Config.Sinks[1]"))
	}
}
