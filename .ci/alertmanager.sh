# shellcheck shell=bash
# Sourced by .ci/run: installs Debian's prometheus-alertmanager and exports
# what alert/alertmanager_real_test.go reads. The tests start and stop their
# own instance (their webhook receiver is their own loopback server, and they
# stop Alertmanager to see the sink's error and restart it to see delivery
# resume), so nothing runs here and nothing needs stopping.
#
#   source .ci/alertmanager.sh
#   go test -race ./alert/

scripts/alertmanager install
export VITALS_ALERTMANAGER_BIN=/usr/bin/prometheus-alertmanager
export VITALS_REQUIRE_ALERTMANAGER=1
