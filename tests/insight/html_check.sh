#!/usr/bin/env bash
# html_check.sh BUILD - the `aspace report --html` page in a real headless
# browser: for the perl-realloc trace and a synthetic 1,000,000-call trace
# holding 65,530 VMAs, the page must load without a script error (the page
# writes "ok" into #status once drawn; window.onerror writes "error: ...")
# and without console errors; a screenshot of each is left in BUILD/.
set -euo pipefail
B=${1:-build}
A=./$B/aspace
command -v chromium >/dev/null 2>&1 || { apt-get update && apt-get install -y chromium; }
FLAGS="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
--disable-background-networking --disable-component-update --disable-sync"
check() {    # check NAME TRACE
	local html=$B/insight-$1.html png=$B/insight-$1.png d
	$A report --html "$html" "$2" > "$B/insight-$1.report"
	d=$(mktemp -d)
	timeout 120 chromium $FLAGS --user-data-dir="$d" --enable-logging=stderr --v=0 \
		--dump-dom "file://$PWD/$html" > "$B/insight-$1.dom" 2> "$B/insight-$1.log" || true
	rm -rf "$d"
	grep -q '<div id="status">ok</div>' "$B/insight-$1.dom" || {
		echo "html $1: page did not draw:"; grep -o '<div id="status">[^<]*' "$B/insight-$1.dom" || true
		exit 1; }
	if grep -E 'Uncaught|CONSOLE\(|console' "$B/insight-$1.log" | grep -v 'dbus' ; then
		echo "html $1: console errors"; exit 1
	fi
	d=$(mktemp -d)
	timeout 120 chromium $FLAGS --user-data-dir="$d" --window-size=1300,820 \
		--screenshot="$PWD/$png" "file://$PWD/$html" > /dev/null 2>&1 || true
	rm -rf "$d"
	test -s "$png" || { echo "html $1: no screenshot"; exit 1; }
	echo "html $1: ok ($(stat -c %s "$html") bytes, screenshot $png)"
}
check perl tests/replay/traces/perl-realloc.trace
$A synth --guards 32768 --churn 967232 -o "$B/insight-synth.trace"
check synth "$B/insight-synth.trace"
