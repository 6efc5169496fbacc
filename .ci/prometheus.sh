# shellcheck shell=bash
# Sourced by .ci/run: installs Debian's prometheus and exports what the OTel
# end-to-end test (examples/service/prometheus_test.go) reads. The test starts
# and stops its own server, whose scrape target is the test's own run of
# examples/service, so nothing runs here and nothing needs stopping: the EXIT
# trap stays .ci/graphite.sh's.
#
#   source .ci/prometheus.sh
#   go test -race ./examples/service/

scripts/prometheus install
export VITALS_PROMETHEUS_BIN=/usr/bin/prometheus
export VITALS_REQUIRE_PROMETHEUS=1
