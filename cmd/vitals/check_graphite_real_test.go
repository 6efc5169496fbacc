package main

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/internal/amtest"
	"github.com/vitals-go/vitals/stats"
)

const graphiteEnable = "scripts/graphite install (as root); the test then starts its own pipeline, " +
	`or uses the one of eval "$(scripts/graphite env DIR)"`

// graphitePipeline returns the statsd address and graphite-web URL of the
// real statsd -> carbon -> graphite-web pipeline: the one the environment
// names (CI's, .ci/graphite.sh), else one started with scripts/graphite in
// a temporary directory on free ports. Without the programs the test is
// skipped, saying how to enable it (failed under VITALS_REQUIRE_GRAPHITE=1).
func graphitePipeline(t *testing.T) (statsdAddr, web string) {
	t.Helper()
	statsdAddr, web = os.Getenv("VITALS_STATSD_ADDR"), os.Getenv("VITALS_GRAPHITE_WEB")
	if statsdAddr != "" && web != "" {
		return statsdAddr, web
	}
	if _, err := exec.LookPath("carbon-cache"); err != nil {
		missing(t, "VITALS_REQUIRE_GRAPHITE", "no statsd -> carbon -> graphite-web pipeline; to run this test: "+graphiteEnable)
	}
	script, err := filepath.Abs("../../scripts/graphite")
	require.NoError(t, err)
	dir := t.TempDir()
	start := exec.Command(script, "start", dir)
	start.Env = os.Environ()
	for _, port := range []string{"STATSD", "STATSD_ADMIN", "CARBON", "CARBON_PICKLE", "CARBON_QUERY", "GRAPHITE_WEB"} {
		start.Env = append(start.Env, "VITALS_"+port+"_PORT=0")
	}
	out, err := start.CombinedOutput()
	t.Cleanup(func() { _ = exec.Command(script, "stop", dir).Run() })
	require.NoError(t, err, "scripts/graphite start: %s", out)
	env, err := exec.Command(script, "env", dir).Output()
	require.NoError(t, err)
	for _, line := range strings.Split(string(env), "\n") {
		if v, ok := strings.CutPrefix(line, "export VITALS_STATSD_ADDR="); ok {
			statsdAddr = v
		}
		if v, ok := strings.CutPrefix(line, "export VITALS_GRAPHITE_WEB="); ok {
			web = v
		}
	}
	require.NotEmpty(t, statsdAddr, "%s", env)
	require.NotEmpty(t, web, "%s", env)
	return statsdAddr, web
}

// End to end, with the real pieces on loopback: a gauge emitted through
// vitals' stats into statsd and carbon drops below the threshold;
// vitals check graphite --every reads it from graphite-web and the alert
// arrives through the real Alertmanager; the gauge recovers and the alert
// is resolved.
func TestCheckGraphiteEndToEnd(t *testing.T) {
	statsdAddr, web := graphitePipeline(t)
	rcv := amtest.NewReceiver(t)
	am := amtest.Start(t, rcv.URL).URL()
	run := make([]byte, 4)
	_, _ = rand.Read(run)
	metric := "vitalscheck" + hex.EncodeToString(run) + ".purchases"
	em, err := stats.NewStatsd(stats.Config{Addr: statsdAddr, FlushInterval: 100 * time.Millisecond})
	require.NoError(t, err)
	defer em.Close()
	gauge := em.NewGauge(metric)

	gauge.Set(3)
	b := startVitals(t, []string{"VITALS_STATE_DIR=" + t.TempDir(), "VITALS_ALERTMANAGER_URL=" + am, "VITALS_GRAPHITE_WEB=" + web},
		"check", "graphite", "--every", "500ms", "--name", "purchases", "--target", "stats.gauges."+metric, "--below", "10",
		"--remedy", "check the shop")
	got := rcv.Await(t, "fingerprint", "check.purchases", "firing")
	assert.Equal(t, "check purchases is broken", got.Labels["alertname"])
	assert.Contains(t, got.Annotations["detail"], "stats.gauges."+metric+": value 3 below 10")
	assert.Equal(t, "check the shop", got.Annotations["remedy"])

	gauge.Set(50)
	rcv.Await(t, "fingerprint", "check.purchases", "resolved")
	r := b.stop(t, syscall.SIGTERM)
	assert.Equal(t, 0, r.code, r.stderr)
	n := outcomes(records(t, r.stdout))
	assert.NotZero(t, n["broken"])
	assert.NotZero(t, n["holds"])
}
