# shellcheck shell=bash
# Sourced by .ci/run: installs and starts the real statsd -> carbon-cache ->
# whisper pipeline (+ graphite-web) on loopback in a temporary directory,
# exports the VITALS_* variables stats/graphite_test.go reads, and stops the
# pipeline when the sourcing shell exits. Ports are picked free (0), so a
# pipeline or listener already on 8125/8080 does not get in the way.
#
#   source .ci/graphite.sh
#   VITALS_REQUIRE_GRAPHITE=1 go test -race ./...
#
# It sets an EXIT trap (and turns INT/TERM into an exit so the trap runs); a
# .ci/run that needs its own EXIT trap should call vitals_graphite_stop in it.

vitals_graphite_dir=$(mktemp -d "${TMPDIR:-/tmp}/vitals-graphite.XXXXXX")

vitals_graphite_stop() {
  local rc=$? log
  if [ "$rc" != 0 ]; then # the run failed: show what the pipeline said
    for log in "$vitals_graphite_dir"/log/*.log; do
      [ -s "$log" ] && { echo "== last lines of $log"; tail -n 15 "$log"; }
    done
  fi
  scripts/graphite stop "$vitals_graphite_dir" || true
  # VITALS_GRAPHITE_KEEP=1 keeps the logs and whisper files for a look.
  [ -n "${VITALS_GRAPHITE_KEEP:-}" ] || rm -rf "$vitals_graphite_dir"
}
trap vitals_graphite_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

vitals_graphite_t0=$SECONDS
scripts/graphite install
vitals_graphite_t1=$SECONDS
VITALS_STATSD_PORT=0 VITALS_STATSD_ADMIN_PORT=0 VITALS_CARBON_PORT=0 \
  VITALS_CARBON_PICKLE_PORT=0 VITALS_CARBON_QUERY_PORT=0 VITALS_GRAPHITE_WEB_PORT=0 \
  scripts/graphite start "$vitals_graphite_dir"
eval "$(scripts/graphite env "$vitals_graphite_dir")"
echo "graphite pipeline: install $((vitals_graphite_t1 - vitals_graphite_t0))s," \
  "start $((SECONDS - vitals_graphite_t1))s; statsd $VITALS_STATSD_ADDR, graphite-web $VITALS_GRAPHITE_WEB"
